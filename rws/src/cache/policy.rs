//! What may be stored and for how long: RFC 9111 as a shared cache, through
//! `http-cache-semantics`, with the rules it leaves to us (which statuses, `Set-Cookie`,
//! credentials, the default freshness) and its known gaps covered.
//!
//! The gaps, each covered by normalising the response's `Cache-Control` before the policy
//! sees it: the library treats `proxy-revalidate` as "never fresh" (RFC 9111 §5.2.2.8 means
//! "must revalidate once stale" in a shared cache), and lets a request's `max-stale` reuse a
//! stale response that carries `no-cache` or `s-maxage` (§5.2.2.4, §5.2.2.10: both forbid it in
//! a shared cache). Both become `must-revalidate`, which it honours. `stale-while-revalidate`
//! and `stale-if-error` (RFC 5861) it does not know; they are read here.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_cache_semantics::{CacheOptions, CachePolicy, RequestLike, ResponseLike};

use crate::header_list;

/// Statuses stored without being asked (RFC 9110 §15.1's heuristically cacheable ones, less
/// `206`, which this cache never stores).
pub(crate) const STORED_BY_DEFAULT: [u16; 11] =
    [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501];

/// The directives of every `Cache-Control` field, names lowercased, values unquoted.
#[derive(Debug, Default)]
pub(crate) struct Directives(Vec<(String, Option<String>)>);

impl Directives {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let mut list = Vec::new();
        for element in header_list::elements(headers, &header::CACHE_CONTROL) {
            let (name, value) = match element.split_once('=') {
                Some((n, v)) => (n, Some(v.trim().trim_matches('"').to_owned())),
                None => (element, None),
            };
            let name = name.trim();
            if !name.is_empty() {
                list.push((name.to_ascii_lowercase(), value));
            }
        }
        Directives(list)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    /// A delta-seconds value; an unparsable one counts as absent.
    pub(crate) fn seconds(&self, name: &str) -> Option<Duration> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref()?.parse().ok())
            .map(Duration::from_secs)
    }

    fn push(&mut self, name: &str, value: Option<String>) {
        self.0.push((name.to_owned(), value));
    }

    fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| n != name);
    }

    fn render(&self) -> Option<HeaderValue> {
        let text = self
            .0
            .iter()
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => n.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        HeaderValue::from_str(&text).ok()
    }
}

/// A request as the policy sees it: always a GET (a HEAD is answered from, and fills, the
/// GET's entry) of the path and query alone, so that HTTP/1.1's origin form and HTTP/2's
/// absolute form are the same resource.
pub(crate) struct View<'a> {
    pub(crate) uri: &'a Uri,
    pub(crate) headers: &'a HeaderMap,
}

static GET: Method = Method::GET;

impl RequestLike for View<'_> {
    fn uri(&self) -> Uri {
        path_only(self.uri)
    }
    fn is_same_uri(&self, other: &Uri) -> bool {
        self.uri.path_and_query() == other.path_and_query()
    }
    fn method(&self) -> &Method {
        &GET
    }
    fn headers(&self) -> &HeaderMap {
        self.headers
    }
}

fn path_only(uri: &Uri) -> Uri {
    uri.path_and_query()
        .map_or_else(|| Uri::from_static("/"), |pq| Uri::from(pq.clone()))
}

struct Head<'a> {
    status: StatusCode,
    headers: &'a HeaderMap,
}

impl ResponseLike for Head<'_> {
    fn status(&self) -> StatusCode {
        self.status
    }
    fn headers(&self) -> &HeaderMap {
        self.headers
    }
}

/// How long a stored response may be used, and how.
#[derive(Debug, Clone)]
pub(crate) struct Freshness {
    pub(crate) policy: CachePolicy,
    /// From the moment it was stored.
    pub(crate) fresh_for: Duration,
    pub(crate) stale_while_revalidate: Duration,
    pub(crate) stale_if_error: Duration,
    pub(crate) has_validator: bool,
}

/// What the cache needs to know of a request's headers, read in one pass over their names
/// (cheaper than a lookup each for the few headers a request carries).
#[derive(Debug, Clone, Copy, Default)]
#[allow(clippy::struct_excessive_bools)] // independent facts about one request, not a state
pub(crate) struct Asks {
    range: bool,
    authorization: bool,
    cookie: bool,
    /// `Cache-Control` or `Pragma`: the request has its own say.
    pub(crate) directives: bool,
    /// `If-None-Match` and the like.
    pub(crate) conditional: bool,
}

impl Asks {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let mut asks = Asks::default();
        for name in headers.keys() {
            if name == header::RANGE {
                asks.range = true;
            } else if name == header::AUTHORIZATION {
                asks.authorization = true;
            } else if name == header::COOKIE {
                asks.cookie = true;
            } else if name == header::CACHE_CONTROL || name == header::PRAGMA {
                asks.directives = true;
            } else if name == header::IF_NONE_MATCH
                || name == header::IF_MODIFIED_SINCE
                || name == header::IF_MATCH
                || name == header::IF_UNMODIFIED_SINCE
                || name == header::IF_RANGE
            {
                asks.conditional = true;
            }
        }
        asks
    }
}

/// The rules of one cache layer.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) ttl: Duration,
    pub(crate) statuses: Option<Box<[u16]>>,
    pub(crate) allow_authorization: bool,
    pub(crate) allow_cookies: bool,
}

impl Rules {
    /// Whether the cache takes part in answering this request at all: a safe method the
    /// cache understands, no range (a `206` is never stored), and no credentials unless the
    /// route opted in (a shared cache would hand one user's answer to the next).
    pub(crate) fn admits(&self, method: &Method, asks: Asks) -> bool {
        (method == Method::GET || method == Method::HEAD)
            && !asks.range
            && (self.allow_authorization || !asks.authorization)
            && (self.allow_cookies || !asks.cookie)
    }

    fn status_allowed(&self, status: StatusCode) -> bool {
        let code = status.as_u16();
        code != 206
            && match &self.statuses {
                Some(list) => list.contains(&code),
                None => STORED_BY_DEFAULT.contains(&code),
            }
    }

    /// The freshness of a response to `req` if this cache may store it, judged at `now`.
    pub(crate) fn storable(
        &self,
        req: &View<'_>,
        status: StatusCode,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Option<Freshness> {
        if !self.status_allowed(status)
            || headers.contains_key(header::SET_COOKIE)
            || headers.contains_key(header::CONTENT_RANGE)
        {
            return None;
        }
        // The status was ours to judge; the library judges the headers, so it sees a 200.
        let status = StatusCode::OK;
        // Credentials the route opted into are not the library's reason to refuse.
        let request_headers =
            if self.allow_authorization && req.headers.contains_key(header::AUTHORIZATION) {
                let mut h = req.headers.clone();
                h.remove(header::AUTHORIZATION);
                Cow::Owned(h)
            } else {
                Cow::Borrowed(req.headers)
            };
        let view = View {
            uri: req.uri,
            headers: &request_headers,
        };
        let options = CacheOptions {
            shared: true,
            ..CacheOptions::default()
        };
        if !CachePolicy::new_options(&view, &Head { status, headers }, now, options).is_storable() {
            return None;
        }
        let directives = Directives::of(headers);
        // Stale windows are an explicit permission, withdrawn by an explicit demand to
        // revalidate (RFC 9111 §4.2.4), not by the `must-revalidate` added for `s-maxage`.
        let revalidate = directives.has("must-revalidate")
            || directives.has("proxy-revalidate")
            || directives.has("no-cache");
        let stale = |name| {
            if revalidate {
                Duration::ZERO
            } else {
                directives.seconds(name).unwrap_or_default()
            }
        };
        let (stale_while_revalidate, stale_if_error) =
            (stale("stale-while-revalidate"), stale("stale-if-error"));
        let normalised = self.normalise(headers, directives);
        let policy = CachePolicy::new_options(
            &view,
            &Head {
                status,
                headers: normalised.as_ref().unwrap_or(headers),
            },
            now,
            options,
        );
        let freshness = Freshness {
            fresh_for: policy.time_to_live(now),
            stale_while_revalidate,
            stale_if_error,
            has_validator: headers.contains_key(header::ETAG)
                || headers.contains_key(header::LAST_MODIFIED),
            policy,
        };
        let useful = !freshness.fresh_for.is_zero()
            || freshness.has_validator
            || !freshness.stale_while_revalidate.is_zero()
            || !freshness.stale_if_error.is_zero();
        useful.then_some(freshness)
    }

    /// The response's headers as the policy should read them (see the module's docs), or
    /// `None` when they need no change.
    fn normalise(&self, headers: &HeaderMap, mut directives: Directives) -> Option<HeaderMap> {
        let mut changed = false;
        let explicit = directives.has("max-age")
            || directives.has("s-maxage")
            || headers.contains_key(header::EXPIRES);
        if !explicit && !directives.has("no-cache") {
            directives.push("max-age", Some(self.ttl.as_secs().to_string()));
            changed = true;
        }
        let mut revalidate = directives.has("s-maxage") || directives.has("no-cache");
        if directives.has("proxy-revalidate") {
            directives.remove("proxy-revalidate");
            revalidate = true;
            changed = true;
        }
        if revalidate && !directives.has("must-revalidate") {
            directives.push("must-revalidate", None);
            changed = true;
        }
        if !changed {
            return None;
        }
        let mut headers = headers.clone();
        headers.remove(header::CACHE_CONTROL);
        if let Some(value) = directives.render() {
            headers.insert(header::CACHE_CONTROL, value);
        }
        Some(headers)
    }
}

/// Whether a response header is one a `304` may update in the stored response (RFC 9111
/// §3.2: not those describing the stored body).
pub(crate) fn updatable(name: &HeaderName) -> bool {
    ![
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::TRANSFER_ENCODING,
        header::CONTENT_RANGE,
    ]
    .contains(name)
}
