//! The innermost link of the app's chain: route the request, then call the route's endpoint.

use http::header::{ACCESS_CONTROL_REQUEST_METHOD, ALLOW, HeaderValue, LOCATION};
use http::uri::PathAndQuery;
use http::{Method, StatusCode};
use std::sync::Arc;

use crate::context::{MatchedRoute, RequestContext};
use crate::error::Error;
use crate::handler::{BoxFuture, Endpoint, Erased};
use crate::response::IntoResponse;
use crate::router::{Resolution, RouteTable};
use crate::{Request, Response};

/// What the route table holds for each method of a pattern.
pub(super) struct RouteEndpoint {
    pub(super) endpoint: Endpoint,
    // The automatic answers about this route (a CORS preflight for its method, the redirect to
    // its trailing-slash form) through the route's middleware.
    pub(super) automatic: Endpoint,
    pub(super) body_limit: Option<usize>,
}

pub(super) struct RouterEndpoint {
    // Per pattern, besides its methods: the automatic answers through the middleware all its
    // routes share.
    pub(super) table: RouteTable<RouteEndpoint, Endpoint>,
    pub(super) fallback: Option<Endpoint>,
    pub(super) nested_fallbacks: Vec<(String, Endpoint)>,
}

/// An answer the router gives by itself, rendered by [`Automatic`] at the end of the chain of
/// the pattern it belongs to, so that its middleware (CORS, auth, headers) sees it as it sees a
/// handler's answer.
#[derive(Clone)]
enum Answer {
    NotAllowed(HeaderValue),
    Options(HeaderValue),
    Redirect(HeaderValue),
}

/// Renders the request's [`Answer`]; the innermost link of every automatic chain.
struct Automatic;

pub(super) fn automatic() -> Endpoint {
    Endpoint::new(Automatic)
}

impl Erased for Automatic {
    fn call(&self, mut req: Request) -> BoxFuture {
        let res = match req.extensions_mut().remove::<Answer>() {
            Some(Answer::NotAllowed(allow)) => {
                let detail = format!(
                    "`{}` is not allowed on `{}`; allowed: {}",
                    req.method(),
                    req.uri().path(),
                    allow.to_str().unwrap_or_default()
                );
                Error::method_not_allowed(detail)
                    .with_header(ALLOW, allow)
                    .into_response()
            }
            Some(Answer::Options(allow)) => {
                let mut res = StatusCode::NO_CONTENT.into_response();
                res.headers_mut().insert(ALLOW, allow);
                res
            }
            Some(Answer::Redirect(location)) => {
                let mut res = StatusCode::PERMANENT_REDIRECT.into_response();
                res.headers_mut().insert(LOCATION, location);
                res
            }
            // A middleware dropped the extension: the router's question is unanswered.
            None => {
                Error::not_found(format!("no route matches `{}`", req.uri().path())).into_response()
            }
        };
        ready(res)
    }
}

fn ready(res: Response) -> BoxFuture {
    Box::pin(std::future::ready(res))
}

/// Tells a layer in front of the router which pattern matched (`MatchedPath::after_routing`).
fn routed(ctx: &RequestContext, pattern: &Arc<str>) {
    if let Some(routed) = &ctx.routed {
        routed.matched(pattern);
    }
}

/// The method a CORS preflight asks about (`Access-Control-Request-Method`).
fn preflight_method(req: &Request) -> Option<Method> {
    let value = req.headers().get(ACCESS_CONTROL_REQUEST_METHOD)?;
    Method::from_bytes(value.as_bytes()).ok()
}

impl RouterEndpoint {
    fn not_found(&self, req: Request) -> BoxFuture {
        if let Some(routed) = req
            .extensions()
            .get::<RequestContext>()
            .and_then(|ctx| ctx.routed.as_ref())
        {
            routed.unmatched();
        }
        let path = req.uri().path();
        // The longest nested prefix that owns the path, else the app's own fallback.
        let nested = self
            .nested_fallbacks
            .iter()
            .filter(|(prefix, _)| {
                path.strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, endpoint)| endpoint);
        match nested.or(self.fallback.as_ref()) {
            Some(endpoint) => endpoint.call(req),
            None => ready(Error::not_found(format!("no route matches `{path}`")).into_response()),
        }
    }

    /// Runs `answer` through `endpoint`, an automatic chain; the answer is about `pattern`.
    fn answer(
        mut req: Request,
        endpoint: &Endpoint,
        answer: Answer,
        pattern: &Arc<str>,
    ) -> BoxFuture {
        if let Some(ctx) = req.extensions_mut().get_mut::<RequestContext>() {
            routed(ctx, pattern);
        }
        req.extensions_mut().insert(answer);
        endpoint.call(req)
    }
}

impl Erased for RouterEndpoint {
    fn call(&self, mut req: Request) -> BoxFuture {
        let uri = req.uri();
        match self.table.resolve(req.method(), uri.path(), uri.query()) {
            Resolution::Found {
                endpoint,
                route,
                ranges,
            } => {
                let matched = MatchedRoute {
                    pattern: route.pattern.clone(),
                    names: route.names.clone(),
                    path: uri
                        .path_and_query()
                        .cloned()
                        .unwrap_or_else(|| PathAndQuery::from_static("/")),
                    ranges,
                };
                tracing::Span::current().record("route", &*route.pattern);
                if let Some(ctx) = req.extensions_mut().get_mut::<RequestContext>() {
                    routed(ctx, &route.pattern);
                    ctx.route = Some(matched);
                    if let Some(limit) = endpoint.body_limit {
                        ctx.body_limit = limit;
                    }
                }
                endpoint.endpoint.call(req)
            }
            Resolution::MethodNotAllowed { allow, route } => {
                let answer = Answer::NotAllowed(allow.clone());
                Self::answer(req, &route.shared, answer, &route.pattern)
            }
            Resolution::Options { allow, route } => {
                // A CORS preflight is a question about one method's route: its middleware answers.
                let chain = preflight_method(&req)
                    .and_then(|m| route.serving(&m))
                    .map_or(&route.shared, |r| &r.automatic);
                Self::answer(req, chain, Answer::Options(allow.clone()), &route.pattern)
            }
            Resolution::TrailingSlash { location, route } => {
                let Ok(location) = HeaderValue::try_from(location) else {
                    return self.not_found(req);
                };
                let chain = route
                    .serving(req.method())
                    .map_or(&route.shared, |r| &r.automatic);
                Self::answer(req, chain, Answer::Redirect(location), &route.pattern)
            }
            Resolution::NotFound => self.not_found(req),
        }
    }
}
