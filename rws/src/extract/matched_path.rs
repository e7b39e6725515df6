//! `MatchedPath`: the pattern of the route a request matched, for handlers, and for layers
//! outside the router (metrics, tracing) once the response is back.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use http::request::Parts;

use super::FromRequestParts;
use super::rejection::{Rejection, rejection};
use crate::Request;
use crate::context::{RequestContext, Routed};

/// The pattern of the route that matched, nests included: `/api/users/:id`, never the raw
/// path. What metrics and traces label by, so that `/users/1` and `/users/2` are one series.
///
/// ```
/// use rws::prelude::*;
/// use rws::extract::MatchedPath;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let users = App::empty().get("/users/:id", |path: MatchedPath| async move { path.to_string() });
/// let app = App::empty().nest("/api", users);
/// let res = TestClient::new(app).get("/api/users/7").send().await;
/// assert_eq!(res.text().await, "/api/users/:id");
/// # }
/// ```
///
/// A fallback has no route: extract `Option<MatchedPath>` there.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MatchedPath(pub(crate) Arc<str>);

impl MatchedPath {
    /// The pattern, as the route was declared.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For a layer in front of the router: a handle that holds the matched pattern once the
    /// request has been routed. Call it before passing the request on; read it when the
    /// response is back (`None` when no route matched).
    ///
    /// ```
    /// use rws::prelude::*;
    /// use rws::extract::MatchedPath;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let app = App::empty()
    ///     .get("/users/:id", || async { "hi" })
    ///     .wrap(rws::middleware::from_fn(|mut req: Request, next: Next| async move {
    ///         let matched = MatchedPath::after_routing(&mut req);
    ///         let mut res = next.run(req).await;
    ///         // The pattern, or `<unmatched>` (MatchedPath::UNMATCHED).
    ///         res.headers_mut().insert("x-route", matched.label().parse().unwrap());
    ///         res
    ///     }));
    /// let client = TestClient::new(app);
    /// assert_eq!(client.get("/users/1").send().await.header("x-route"), Some("/users/:id"));
    /// assert_eq!(client.get("/nope").send().await.header("x-route"), Some("<unmatched>"));
    /// # }
    /// ```
    pub fn after_routing(req: &mut Request) -> RoutedPath {
        RoutedPath(RequestContext::routed(req.extensions_mut()))
    }

    /// The pattern rws labels requests no route matched with (a 404, a fallback), in metrics
    /// and traces: one fixed value, so that a scanner cannot grow the series.
    pub const UNMATCHED: &'static str = crate::context::UNMATCHED;
}

impl fmt::Display for MatchedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MatchedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl AsRef<str> for MatchedPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Where the router writes the pattern it matched; see [`MatchedPath::after_routing`].
#[derive(Clone, Debug, Default)]
pub struct RoutedPath(pub(crate) Arc<Routed>);

impl RoutedPath {
    /// The pattern of the route that matched, once routed; `None` when none did (a 404, a
    /// fallback) or the request has not reached the router yet.
    pub fn get(&self) -> Option<MatchedPath> {
        self.0.path.get().map(|p| MatchedPath(Arc::clone(p)))
    }

    /// The pattern, or [`MatchedPath::UNMATCHED`].
    pub fn label(&self) -> &str {
        self.0.path.get().map_or(MatchedPath::UNMATCHED, |p| p)
    }
}

impl FromRequestParts for MatchedPath {
    type Rejection = NoMatchedPath;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, NoMatchedPath> {
        RequestContext::of(parts)
            .and_then(|ctx| ctx.route.as_ref())
            .map(|route| MatchedPath(Arc::clone(&route.pattern)))
            .ok_or(NoMatchedPath)
    }
}

/// `MatchedPath` was extracted where no route matched (a fallback, or outside an rws `App`):
/// a 500, the handler's mistake; a fallback takes `Option<MatchedPath>`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMatchedPath;

impl fmt::Display for NoMatchedPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no route matched this request; a fallback takes `Option<MatchedPath>`")
    }
}

impl Rejection for NoMatchedPath {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

rejection!(NoMatchedPath);
