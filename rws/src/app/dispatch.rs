//! The innermost link of the app's chain: route the request, then call the route's endpoint.

use http::StatusCode;
use http::header::{ALLOW, HeaderValue, LOCATION};
use http::uri::PathAndQuery;

use crate::context::{MatchedRoute, RequestContext};
use crate::error::Error;
use crate::handler::{BoxFuture, Endpoint, Erased};
use crate::response::IntoResponse;
use crate::router::{Resolution, RouteTable};
use crate::{Request, Response};

/// What the route table holds for each method of a pattern.
pub(super) struct RouteEndpoint {
    pub(super) endpoint: Endpoint,
    pub(super) body_limit: Option<usize>,
}

pub(super) struct RouterEndpoint {
    pub(super) table: RouteTable<RouteEndpoint>,
    pub(super) fallback: Option<Endpoint>,
    pub(super) nested_fallbacks: Vec<(String, Endpoint)>,
}

fn ready(res: Response) -> BoxFuture {
    Box::pin(std::future::ready(res))
}

impl RouterEndpoint {
    fn not_found(&self, req: Request) -> BoxFuture {
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
}

impl Erased for RouterEndpoint {
    fn call(&self, mut req: Request) -> BoxFuture {
        let uri = req.uri();
        match self.table.resolve(req.method(), uri.path(), uri.query()) {
            Resolution::Found {
                endpoint,
                route,
                ranges,
                ..
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
                if let Some(ctx) = req.extensions_mut().get_mut::<RequestContext>() {
                    ctx.route = Some(matched);
                    if let Some(limit) = endpoint.body_limit {
                        ctx.body_limit = limit;
                    }
                }
                endpoint.endpoint.call(req)
            }
            Resolution::MethodNotAllowed { allow } => {
                let detail = format!(
                    "`{}` is not allowed on `{}`; allowed: {}",
                    req.method(),
                    uri.path(),
                    allow.to_str().unwrap_or_default()
                );
                ready(
                    Error::method_not_allowed(detail)
                        .with_header(ALLOW, allow.clone())
                        .into_response(),
                )
            }
            Resolution::Options { allow } => {
                let mut res = StatusCode::NO_CONTENT.into_response();
                res.headers_mut().insert(ALLOW, allow.clone());
                ready(res)
            }
            Resolution::TrailingSlash { location } => {
                let mut res = StatusCode::PERMANENT_REDIRECT.into_response();
                match HeaderValue::try_from(location) {
                    Ok(location) => {
                        res.headers_mut().insert(LOCATION, location);
                        ready(res)
                    }
                    Err(_) => self.not_found(req),
                }
            }
            Resolution::NotFound => self.not_found(req),
        }
    }
}
