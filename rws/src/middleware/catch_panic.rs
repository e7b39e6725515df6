//! Panics as 500 responses, as a layer.

use super::{Middleware, Next};
use crate::handler::CatchPanic as CatchPanicFuture;
use crate::{Request, Response};

/// Turns a panic in the rest of the chain into a 500 problem response (the panic message is
/// logged, never sent), so that one bad request cannot take its connection down.
///
/// Every handler already runs inside the same guard; this layer also covers the middleware
/// added after it (inside it).
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::CatchPanic;
///
/// let app = App::new().wrap(CatchPanic::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchPanic {
    _private: (),
}

impl CatchPanic {
    /// The layer.
    pub fn new() -> Self {
        CatchPanic::default()
    }
}

impl Middleware for CatchPanic {
    async fn handle(&self, req: Request, next: Next) -> Response {
        CatchPanicFuture::new(next.run(req), None).await
    }
}
