//! What rws attaches to each request: state, the matched route and its parameters, the
//! connection, and the body limit. One extension, inserted once, read by the extractors.

use std::sync::Arc;

use http::request::Parts;
use http::uri::PathAndQuery;

use crate::connection::ConnectionInfo;
use crate::extract::matched_path::Routed;
use crate::router::Ranges;
use crate::state::StateMap;

/// The default request body limit: 2 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

#[derive(Clone, Debug)]
pub(crate) struct RequestContext {
    pub(crate) state: Arc<StateMap>,
    pub(crate) connection: Option<Arc<ConnectionInfo>>,
    pub(crate) body_limit: usize,
    pub(crate) route: Option<MatchedRoute>,
    // Set by a layer in front of the router that wants the matched pattern back
    // (`MatchedPath::after_routing`); the router fills it.
    pub(crate) routed: Option<Arc<Routed>>,
}

/// The route a request matched, and where its parameters sit in the path.
#[derive(Clone, Debug)]
pub(crate) struct MatchedRoute {
    pub(crate) pattern: Arc<str>,
    pub(crate) names: Arc<[Box<str>]>,
    // The path the ranges index, kept so that a middleware rewriting the URI cannot skew them.
    pub(crate) path: PathAndQuery,
    pub(crate) ranges: Ranges,
}

impl MatchedRoute {
    /// Name and raw value of each parameter, in pattern order.
    pub(crate) fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        let path = self.path.path();
        (0..self.ranges.len()).filter_map(move |i| {
            let (s, e) = self.ranges.get(i)?;
            Some((&*self.names[i], path.get(s..e)?))
        })
    }
}

impl RequestContext {
    pub(crate) fn of(parts: &Parts) -> Option<&RequestContext> {
        parts.extensions.get::<RequestContext>()
    }

    /// Whether the client used HTTPS: the connection is TLS (HTTPS, HTTP/3), or it comes from a
    /// trusted proxy that says the client's was (`X-Forwarded-Proto: https`, or `proto=https`
    /// in `Forwarded` when that is the proxy's header); `false` when nothing says so. What
    /// secure cookies, `__Host-` names and HSTS go by.
    pub(crate) fn is_secure(extensions: &http::Extensions, headers: &http::HeaderMap) -> bool {
        let Some(ctx) = extensions.get::<RequestContext>() else {
            return false;
        };
        let Some(connection) = ctx.connection.as_ref() else {
            return false;
        };
        connection.is_tls()
            || ctx
                .state
                .get::<crate::ip::TrustedProxies>()
                .is_some_and(|trusted| {
                    crate::ip::forwarded_https(connection.peer_addr().ip(), headers, &trusted)
                })
    }
}
