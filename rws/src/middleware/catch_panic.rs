//! Panics as 500 responses, as a layer.

use super::{Middleware, Next};
use crate::handler::CatchUnwind;
use crate::{Request, Response};

/// Turns a panic in the rest of the chain into a 500 problem response (the panic message is
/// logged, never sent), so that one bad request cannot take its connection down.
///
/// Every handler already runs inside the same guard; this layer also covers the middleware
/// added after it (inside it).
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::CatchPanicLayer;
///
/// let app = App::new().wrap(CatchPanicLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchPanicLayer {
    _private: (),
}

impl CatchPanicLayer {
    /// The layer.
    pub fn new() -> Self {
        CatchPanicLayer::default()
    }
}

impl Middleware for CatchPanicLayer {
    async fn handle(&self, req: Request, next: Next) -> Response {
        CatchUnwind::new(next.run(req), None).await
    }
}
