//! The request body limit, as a layer: for an app, a nest or one route.

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::{Request, Response};

/// Sets how many bytes the body extractors (`Json`, `Form`, `Bytes`, `String`, …) read at most
/// before answering 413. On one route (`.with(BodyLimitLayer::new(…))`) it overrides the app's
/// limit (`App::body_limit`, 2 MiB by default); on an app (`App::wrap`) it is the default
/// that nested apps with their own limit override.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::BodyLimitLayer;
///
/// let app = App::new()
///     .post("/upload", (|body: Bytes| async move { body.len().to_string() })
///         .with(BodyLimitLayer::new(64 * 1024 * 1024)))
///     .post("/comment", |body: String| async move { body });
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BodyLimitLayer {
    bytes: usize,
}

impl BodyLimitLayer {
    /// A limit of `bytes`.
    pub fn new(bytes: usize) -> Self {
        BodyLimitLayer { bytes }
    }
}

impl Middleware for BodyLimitLayer {
    async fn handle(&self, mut req: Request, next: Next) -> Response {
        if let Some(ctx) = req.extensions_mut().get_mut::<RequestContext>() {
            ctx.body_limit = self.bytes;
        }
        next.run(req).await
    }
}
