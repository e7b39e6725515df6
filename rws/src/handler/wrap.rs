//! Links of a chain: what a middleware (or a tower layer) puts in front of an endpoint, and how
//! a route's links are composed, once, when the app is built.

use std::sync::Arc;

use super::Endpoint;
use crate::state::Provided;

/// Builds a middleware's link of the chain in front of `next`; what `App` stores.
pub(crate) trait Wrap: Send + Sync + 'static {
    fn wrap(&self, next: Endpoint) -> Endpoint;

    /// What the middleware inserts (see [`Middleware::provides`](crate::middleware::Middleware::provides)); tower layers say nothing.
    fn provides(&self, provided: &mut Provided) {
        let _ = provided;
    }
}

pub(crate) type SharedWrap = Arc<dyn Wrap>;

/// The middleware around one route, outermost first: what [`Handler`](super::Handler)
/// reports of its own layers. Not a public API.
#[doc(hidden)]
#[derive(Clone, Default)]
pub struct Layers(pub(crate) Vec<SharedWrap>);

impl std::fmt::Debug for Layers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Layers({})", self.0.len())
    }
}

/// The layers `a` and `b` both start with (the same middleware values, not equal ones): what
/// the automatic answers of a pattern served by several routes pass through.
pub(crate) fn common_prefix(a: &[SharedWrap], b: &[SharedWrap]) -> usize {
    a.iter()
        .zip(b)
        .take_while(|(x, y)| Arc::ptr_eq(x, y))
        .count()
}

/// Composes `wraps` around `endpoint`, the first one outermost.
pub(crate) fn compose(wraps: &[SharedWrap], endpoint: Endpoint) -> Endpoint {
    wraps.iter().rev().fold(endpoint, |next, w| w.wrap(next))
}
