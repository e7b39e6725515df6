//! Middleware: code that runs around handlers.
//!
//! A middleware gets the request and a [`Next`] to call the rest of the chain with, and may
//! short-circuit by answering without calling it. `App::wrap` adds one to every route (the first
//! added runs first on the way in and last on the way out); [`HandlerExt::with`] adds one to a
//! single route; a nested app's middleware applies to its routes only. Chains are composed once
//! when the app is built.
//!
//! ```
//! use rws::prelude::*;
//! use rws::middleware::{self, Next};
//!
//! let app = App::new()
//!     .get("/", || async { "hi" })
//!     .wrap(middleware::from_fn(|req: Request, next: Next| async move {
//!         let mut res = next.run(req).await;
//!         res.headers_mut().insert("x-powered-by", rws::http::HeaderValue::from_static("rws"));
//!         res
//!     }));
//! # let _ = app;
//! ```

mod access_log;
mod body_limit;
mod catch_panic;
#[cfg(feature = "compression")]
mod compression;
mod cors;
#[cfg(feature = "cookies")]
mod csrf;
#[cfg(feature = "compression")]
mod decompression;
mod from_fn;
mod ip_filter;
pub(crate) mod layered;
mod next;
pub mod rate_limit;
mod request_id;
mod security_headers;
mod timeout;
mod tower;

use std::future::Future;
use std::sync::Arc;

pub use access_log::{AccessLogFormat, AccessLogLayer};
pub use body_limit::BodyLimitLayer;
pub use catch_panic::CatchPanicLayer;
#[cfg(feature = "compression")]
#[cfg_attr(docsrs, doc(cfg(feature = "compression")))]
pub use compression::CompressionLayer;
pub use cors::{CorsLayer, OriginPattern};
#[cfg(feature = "cookies")]
#[cfg_attr(docsrs, doc(cfg(feature = "cookies")))]
pub use csrf::{CsrfLayer, CsrfToken};
#[cfg(feature = "compression")]
#[cfg_attr(docsrs, doc(cfg(feature = "compression")))]
pub use decompression::DecompressionLayer;
pub use from_fn::{FromFnLayer, from_fn};
pub use ip_filter::IpFilterLayer;
pub use layered::{HandlerExt, Layered};
pub use next::Next;
pub use rate_limit::RateLimitLayer;
pub use request_id::{RequestId, RequestIdLayer};
pub use security_headers::SecurityHeadersLayer;
pub use timeout::TimeoutLayer;
pub(crate) use tower::TowerAdapter;

// Every rws middleware type is named `…Layer` (the seed's `JwtLayer`, `BasicAuthLayer`,
// `OtelLayer`, `CacheLayer`, and tower-http's names, which axum users know). The names before
// that rule stay for a while as deprecated aliases: they cost a line each.
macro_rules! renamed {
    ($($(#[$cfg:meta])* $old:ident $(<$($p:ident $(= $d:ty)?),*>)? => $new:ident;)*) => {$(
        $(#[$cfg])*
        #[doc = concat!("Renamed [`", stringify!($new), "`].")]
        #[deprecated(note = "renamed with the `Layer` suffix every rws middleware type has")]
        pub type $old $(<$($p $(= $d)?),*>)? = $new $(<$($p),*>)?;
    )*};
}

renamed! {
    AccessLog => AccessLogLayer;
    BodyLimit => BodyLimitLayer;
    CatchPanic => CatchPanicLayer;
    #[cfg(feature = "compression")]
    #[cfg_attr(docsrs, doc(cfg(feature = "compression")))]
    Compression => CompressionLayer;
    Cors => CorsLayer;
    #[cfg(feature = "cookies")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cookies")))]
    Csrf => CsrfLayer;
    #[cfg(feature = "compression")]
    #[cfg_attr(docsrs, doc(cfg(feature = "compression")))]
    Decompression => DecompressionLayer;
    FromFn<F> => FromFnLayer;
    IpFilter => IpFilterLayer;
    RateLimit<S = rate_limit::MemoryStore> => RateLimitLayer;
    SecurityHeaders => SecurityHeadersLayer;
    Timeout => TimeoutLayer;
}

pub use crate::handler::Layers;
use crate::handler::{BoxFuture, Endpoint, Erased};
pub(crate) use crate::handler::{SharedWrap, Wrap, common_prefix, compose};
pub use crate::state::Provided;
use crate::{Request, Response};

/// Code that runs around a handler.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::{Middleware, Next};
///
/// struct RequireKey(&'static str);
///
/// impl Middleware for RequireKey {
///     async fn handle(&self, req: Request, next: Next) -> Response {
///         match req.headers().get("x-api-key") {
///             Some(key) if key == self.0 => next.run(req).await,
///             _ => rws::Error::unauthorized("missing or wrong X-Api-Key").into_response(),
///         }
///     }
/// }
/// ```
pub trait Middleware: Send + Sync + 'static {
    /// Handles `req`, calling `next.run(req)` to continue the chain.
    fn handle(&self, req: Request, next: Next) -> impl Future<Output = Response> + Send;

    /// What is wrong with this middleware's configuration (an invalid CIDR range, say), each
    /// naming the value. `App::build` reports them with the other problems of the app, so that
    /// a misconfigured layer stops the server before it starts instead of misbehaving.
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }

    /// The request extensions this middleware inserts for extractors to read (the `Session` of
    /// a `SessionLayer`, say), so that `App::build` can refuse a route whose extractor needs a
    /// layer it lacks (see [`Requirements::layer`](crate::extract::Requirements::layer)).
    fn provides(&self, provided: &mut Provided) {
        let _ = provided;
    }

    /// Not a public API: a built-in middleware's own link in the chain, for one that keeps no
    /// `&self` across an await. The general link boxes an `async` block that holds the request
    /// until first polled and then moves it into [`handle`](Self::handle): two copies of a few
    /// hundred bytes per request that such a middleware does without.
    #[doc(hidden)]
    fn __link(this: &Arc<Self>, next: &Endpoint) -> Option<Endpoint>
    where
        Self: Sized,
    {
        let _ = (this, next);
        None
    }
}

/// A [`Middleware`] as a link factory.
pub(crate) struct MiddlewareWrap<M>(pub(crate) Arc<M>);

impl<M: Middleware> Wrap for MiddlewareWrap<M> {
    fn wrap(&self, next: Endpoint) -> Endpoint {
        if let Some(link) = M::__link(&self.0, &next) {
            return link;
        }
        Endpoint::new(MiddlewareEndpoint {
            middleware: Arc::clone(&self.0),
            next,
        })
    }

    fn provides(&self, provided: &mut Provided) {
        self.0.provides(provided);
    }
}

struct MiddlewareEndpoint<M> {
    middleware: Arc<M>,
    next: Endpoint,
}

impl<M: Middleware> Erased for MiddlewareEndpoint<M> {
    fn call(&self, req: Request) -> BoxFuture {
        let middleware = Arc::clone(&self.middleware);
        let next = Next::new(self.next.clone());
        Box::pin(async move { middleware.handle(req, next).await })
    }
}
