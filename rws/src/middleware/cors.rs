//! Cross-origin resource sharing (the Fetch standard's CORS protocol) as middleware.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};

use super::{Middleware, Next};
use crate::response::IntoResponse;
use crate::{Error, Request, Response};

/// CORS: answers preflight requests itself and adds the `Access-Control-*` headers to the
/// responses of allowed origins.
///
/// A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an origin, with a method or
/// with headers that are not allowed gets 403 without reaching the handler. Other requests
/// always reach the handler; only allowed origins get the headers that let the browser read the
/// response. `Vary: Origin` is set whenever the answer depends on the origin.
///
/// ```
/// use std::time::Duration;
/// use rws::prelude::*;
/// use rws::middleware::CorsLayer;
///
/// let cors = CorsLayer::new()
///     .allow_origin("https://app.example.com")
///     .allow_origin("https://*.staging.example.com")
///     .allow_methods([Method::GET, Method::POST, Method::DELETE])
///     .allow_headers(["content-type", "authorization"])
///     .expose_headers(["x-request-id"])
///     .allow_credentials(true)
///     .max_age(Duration::from_secs(600));
/// let app = App::new().get("/api/items", || async { "[]" }).wrap(cors);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct CorsLayer {
    origins: Origins,
    methods: Vec<Method>,
    headers: AllowHeaders,
    expose: Vec<HeaderName>,
    credentials: bool,
    max_age: Option<Duration>,
    // Values that could not be used; `App::build` reports them with where the layer was added.
    problems: Vec<String>,
}

#[derive(Clone)]
enum Origins {
    Any,
    Listed(Vec<OriginPattern>),
    Predicate(Arc<dyn Fn(&str) -> bool + Send + Sync>),
}

#[derive(Clone)]
enum AllowHeaders {
    Listed(Vec<HeaderName>),
    Any,
}

impl fmt::Debug for CorsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origins: &dyn fmt::Debug = match &self.origins {
            Origins::Any => &"*",
            Origins::Listed(list) => list,
            Origins::Predicate(_) => &"<predicate>",
        };
        f.debug_struct("CorsLayer")
            .field("origins", origins)
            .field("methods", &self.methods)
            .field("credentials", &self.credentials)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl Default for CorsLayer {
    fn default() -> Self {
        CorsLayer::new()
    }
}

impl CorsLayer {
    /// CORS allowing no origin yet; methods GET, HEAD and POST; no extra headers.
    pub fn new() -> Self {
        CorsLayer {
            origins: Origins::Listed(Vec::new()),
            methods: vec![Method::GET, Method::HEAD, Method::POST],
            headers: AllowHeaders::Listed(Vec::new()),
            expose: Vec::new(),
            credentials: false,
            max_age: None,
            problems: Vec::new(),
        }
    }

    /// Allows an origin: exact (`https://app.example.com`, with its port if not the default) or
    /// with a wildcard leftmost label (`https://*.example.com`, which does not match
    /// `https://example.com` itself). `"*"` allows any origin.
    ///
    /// A value that is not an origin or pattern (a path after the host, say) is reported by
    /// `App::build`, with where the layer was added.
    pub fn allow_origin(mut self, origin: &str) -> Self {
        if origin == "*" {
            return self.allow_any_origin();
        }
        match OriginPattern::parse(origin) {
            Ok(pattern) => match &mut self.origins {
                Origins::Listed(list) => list.push(pattern),
                _ => self.origins = Origins::Listed(vec![pattern]),
            },
            Err(why) => self.problems.push(why),
        }
        self
    }

    /// Allows any origin (`Access-Control-Allow-Origin: *`). With credentials allowed too, the
    /// layer is refused by `App::build`: browsers refuse credentials for `*`.
    pub fn allow_any_origin(mut self) -> Self {
        self.origins = Origins::Any;
        self
    }

    /// Allows the origins for which `predicate` returns true (it sees the `Origin` header).
    pub fn allow_origin_fn(
        mut self,
        predicate: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.origins = Origins::Predicate(Arc::new(predicate));
        self
    }

    /// The methods a cross-origin request may use (default GET, HEAD, POST).
    pub fn allow_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// Request headers a cross-origin request may send beyond the CORS-safelisted ones. A name
    /// that is not a header name is reported by `App::build`.
    pub fn allow_headers<'a>(mut self, headers: impl IntoIterator<Item = &'a str>) -> Self {
        self.headers = AllowHeaders::Listed(names(headers, &mut self.problems));
        self
    }

    /// Allows any request header (the preflight's requested headers are echoed back).
    pub fn allow_any_header(mut self) -> Self {
        self.headers = AllowHeaders::Any;
        self
    }

    /// Response headers the browser lets scripts read beyond the safelisted ones. A name that
    /// is not a header name is reported by `App::build`.
    pub fn expose_headers<'a>(mut self, headers: impl IntoIterator<Item = &'a str>) -> Self {
        self.expose = names(headers, &mut self.problems);
        self
    }

    /// Lets cross-origin requests carry credentials (cookies, `Authorization`). With any origin
    /// allowed (`*`), the layer is refused by `App::build`: list the origins instead.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// How long a browser may cache a preflight answer (`Access-Control-Max-Age`).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::Listed(list) => list.iter().any(|p| p.matches(origin)),
            Origins::Predicate(predicate) => predicate(origin),
        }
    }

    /// `Access-Control-Allow-Origin`, `-Credentials` and `Vary` for an allowed origin.
    fn allow(&self, origin: &HeaderValue, headers: &mut HeaderMap) {
        let value = if matches!(self.origins, Origins::Any) {
            HeaderValue::from_static("*")
        } else {
            origin.clone()
        };
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        if self.credentials {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }

    fn vary(&self, headers: &mut HeaderMap, preflight: bool) {
        if !matches!(self.origins, Origins::Any) {
            headers.append(header::VARY, HeaderValue::from_static("origin"));
        }
        if preflight {
            headers.append(
                header::VARY,
                HeaderValue::from_static(
                    "access-control-request-method, access-control-request-headers",
                ),
            );
        }
    }

    fn preflight(&self, req: &Request, origin: &HeaderValue) -> Response {
        let refuse = |why: String| {
            let mut res = Error::forbidden(why).into_response();
            self.vary(res.headers_mut(), true);
            res
        };
        let origin_text = origin.to_str().unwrap_or_default();
        if !self.origin_allowed(origin_text) {
            return refuse(format!("origin {origin_text} is not allowed"));
        }
        let requested = req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD);
        let method = requested.and_then(|m| Method::from_bytes(m.as_bytes()).ok());
        if !method.as_ref().is_some_and(|m| self.methods.contains(m)) {
            let name = requested.and_then(|m| m.to_str().ok()).unwrap_or("?");
            return refuse(format!("method {name} is not allowed"));
        }
        let asked: Vec<&str> =
            crate::header_list::elements(req.headers(), &header::ACCESS_CONTROL_REQUEST_HEADERS)
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .collect();
        if let AllowHeaders::Listed(allowed) = &self.headers
            && let Some(h) = asked
                .iter()
                .find(|h| !allowed.iter().any(|a| a.as_str().eq_ignore_ascii_case(h)))
        {
            return refuse(format!("header {h} is not allowed"));
        }

        let mut res = StatusCode::NO_CONTENT.into_response();
        let headers = res.headers_mut();
        self.allow(origin, headers);
        if let Ok(methods) = HeaderValue::from_str(&join(self.methods.iter().map(Method::as_str))) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
        }
        let allowed = match &self.headers {
            AllowHeaders::Listed(list) => join(list.iter().map(HeaderName::as_str)),
            AllowHeaders::Any => asked.join(", "),
        };
        if !allowed.is_empty()
            && let Ok(allowed) = HeaderValue::from_str(&allowed)
        {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allowed);
        }
        if let Some(max_age) = self.max_age {
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from(max_age.as_secs()),
            );
        }
        self.vary(headers, true);
        res
    }
}

const CREDENTIALS_WITH_ANY: &str =
    "CORS: credentials cannot be allowed for any origin (`*`); list the origins instead";

impl Middleware for CorsLayer {
    fn problems(&self) -> Vec<String> {
        let mut problems = self.problems.clone();
        if self.credentials && matches!(self.origins, Origins::Any) {
            problems.push(CREDENTIALS_WITH_ANY.to_owned());
        }
        problems
    }

    async fn handle(&self, req: Request, next: Next) -> Response {
        let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
            let mut res = next.run(req).await;
            self.vary(res.headers_mut(), false);
            return res;
        };
        if req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return self.preflight(&req, &origin);
        }
        let allowed = self.origin_allowed(origin.to_str().unwrap_or_default());
        let mut res = next.run(req).await;
        let headers = res.headers_mut();
        if allowed {
            self.allow(&origin, headers);
            if !self.expose.is_empty()
                && let Ok(expose) =
                    HeaderValue::from_str(&join(self.expose.iter().map(HeaderName::as_str)))
            {
                headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
            }
        }
        self.vary(headers, false);
        res
    }
}

/// An allowed origin: exact, or `scheme://*.domain[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    // Lowercase; for a wildcard, the suffix after `*` (starting with `.`).
    host: String,
    wildcard: bool,
    port: Option<u16>,
}

impl OriginPattern {
    /// Parses `https://app.example.com`, `http://localhost:3000` or `https://*.example.com`;
    /// `*` alone is accepted too (any origin), as configuration spells it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            format!(
                "{text:?} is not an origin ({why}); write scheme://host[:port], e.g. https://app.example.com"
            )
        };
        if text == "*" {
            return Ok(OriginPattern {
                scheme: String::new(),
                host: String::new(),
                wildcard: true,
                port: None,
            });
        }
        let (scheme, rest) = text.split_once("://").ok_or_else(|| bad("no scheme"))?;
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Err(bad("bad scheme"));
        }
        if rest.contains(['/', '?', '#', '@']) {
            return Err(bad("an origin has no path, query or user"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host,
                Some(port.parse::<u16>().map_err(|_| bad("bad port"))?),
            ),
            None => (rest, None),
        };
        let (wildcard, host) = match host.strip_prefix('*') {
            Some(suffix) if suffix.starts_with('.') && suffix.len() > 1 => (true, suffix),
            Some(_) => {
                return Err(bad(
                    "`*` may only stand for the leftmost label, as in *.example.com",
                ));
            }
            None => (false, host),
        };
        if host.is_empty() || host.contains('*') {
            return Err(bad("bad host"));
        }
        Ok(OriginPattern {
            scheme: scheme.to_ascii_lowercase(),
            host: host.to_ascii_lowercase(),
            wildcard,
            port,
        })
    }

    /// Whether the `Origin` header value `origin` matches.
    pub fn matches(&self, origin: &str) -> bool {
        let Some((scheme, rest)) = origin.split_once("://") else {
            return false;
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => match port.parse::<u16>() {
                Ok(port) => (host, Some(port)),
                Err(_) => return false,
            },
            None => (rest, None),
        };
        if !scheme.eq_ignore_ascii_case(&self.scheme) || port != self.port {
            return false;
        }
        let host = host.to_ascii_lowercase();
        if self.wildcard {
            host.len() > self.host.len() && host.ends_with(&self.host)
        } else {
            host == self.host
        }
    }
}

/// The valid header names of `headers`; the others go to `problems`.
fn names<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    problems: &mut Vec<String>,
) -> Vec<HeaderName> {
    let mut out = Vec::new();
    for h in headers {
        match HeaderName::from_bytes(h.as_bytes()) {
            Ok(name) => out.push(name),
            Err(_) => problems.push(format!("CORS: `{h}` is not a header name")),
        }
    }
    out
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_patterns() {
        let exact = OriginPattern::parse("https://App.example.com").unwrap();
        assert!(exact.matches("https://app.example.com"));
        assert!(!exact.matches("http://app.example.com"));
        assert!(!exact.matches("https://app.example.com:8443"));
        assert!(!exact.matches("https://app.example.com.evil.net"));
        let port = OriginPattern::parse("http://localhost:3000").unwrap();
        assert!(port.matches("http://localhost:3000") && !port.matches("http://localhost"));
        let wild = OriginPattern::parse("https://*.example.com").unwrap();
        assert!(wild.matches("https://a.example.com") && wild.matches("https://a.b.example.com"));
        assert!(!wild.matches("https://example.com"));
        assert!(!wild.matches("https://evilexample.com"));
        assert!(!wild.matches("null"));
        for bad in [
            "example.com",
            "https://a.com/path",
            "https://*example.com",
            "https://a.*.com",
            "https://a.com:x",
            "://a",
        ] {
            assert!(OriginPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
