//! What rws attaches to each request: state, the matched route and its parameters, the
//! connection, and the body limit. One extension, inserted once, read by the extractors.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use http::request::Parts;
use http::uri::PathAndQuery;

use crate::connection::ConnectionInfo;
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

/// The pattern label of requests no route matched (`MatchedPath::UNMATCHED`).
pub(crate) const UNMATCHED: &str = "<unmatched>";

/// Told the pattern once the router knows it (`None`: no route matched), with the tag the
/// observer was registered with (the metrics layer's in-flight gauge, by method). What it
/// returns is kept in the [`Routed`] for the observer to read when the response is back, so
/// that it resolves what it needs once per request (the metrics layer: the route's series).
pub(crate) trait RouteObserver: Send + Sync + fmt::Debug {
    fn routed(&self, tag: usize, pattern: Option<&Arc<str>>) -> Arc<dyn Any + Send + Sync>;
}

/// What the router tells the layers in front of it once it has routed a request
/// (`MatchedPath::after_routing`).
#[derive(Debug, Default)]
pub(crate) struct Routed {
    pub(crate) path: OnceLock<Arc<str>>,
    // One lock for the observer's three steps (watch, told, note read back): uncontended, it
    // costs less than the `OnceLock`s it replaces, each of which took `Once`'s slow path to be
    // set.
    watch: Mutex<Watch>,
}

/// The layer that wants to hear which route a request took, and what it answered.
#[derive(Debug, Default)]
struct Watch {
    observer: Option<(Arc<dyn RouteObserver>, usize)>,
    told: bool,
    note: Option<Arc<dyn Any + Send + Sync>>,
}

impl Routed {
    /// The request matched `pattern`.
    pub(crate) fn matched(&self, pattern: &Arc<str>) {
        self.tell(Some(pattern));
        let _ = self.path.set(Arc::clone(pattern));
    }

    /// No route matched: a fallback or the 404 answers.
    pub(crate) fn unmatched(&self) {
        self.tell(None);
    }

    /// Makes `observer` the one told about routing (with `tag`), unless another was first:
    /// whether it is.
    #[cfg(feature = "metrics")]
    pub(crate) fn watch(&self, observer: Arc<dyn RouteObserver>, tag: usize) -> bool {
        let Ok(mut watch) = self.watch.lock() else {
            return false;
        };
        if watch.observer.is_some() {
            return false;
        }
        watch.observer = Some((observer, tag));
        true
    }

    /// What the observer answered when told, once.
    #[cfg(feature = "metrics")]
    pub(crate) fn take_note(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.watch.lock().ok()?.note.take()
    }

    fn tell(&self, pattern: Option<&Arc<str>>) {
        let Ok(mut watch) = self.watch.lock() else {
            return;
        };
        let watch = &mut *watch;
        if let Some((observer, tag)) = &watch.observer
            && !watch.told
        {
            watch.told = true;
            watch.note = Some(observer.routed(*tag, pattern));
        }
    }
}

impl RequestContext {
    /// The request's [`Routed`], made on first ask (filled at once when asked from inside a
    /// route's own middleware, where routing is done already).
    pub(crate) fn routed(extensions: &mut http::Extensions) -> Arc<Routed> {
        let Some(ctx) = extensions.get_mut::<RequestContext>() else {
            return Arc::default();
        };
        let route = ctx.route.as_ref().map(|r| Arc::clone(&r.pattern));
        Arc::clone(ctx.routed.get_or_insert_with(|| {
            let routed = Routed::default();
            if let Some(pattern) = route {
                let _ = routed.path.set(pattern);
            }
            Arc::new(routed)
        }))
    }

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
