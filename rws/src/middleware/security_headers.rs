//! Security headers with safe defaults, never overriding what a handler set itself.

use std::time::Duration;

use http::HeaderValue;
use http::header::{self, HeaderName};

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::{Request, Response};

/// Adds the headers browsers use to limit what a page can do:
///
/// | header | default |
/// |---|---|
/// | `X-Content-Type-Options` | `nosniff` |
/// | `X-Frame-Options` | `DENY` |
/// | `Referrer-Policy` | `strict-origin-when-cross-origin` |
/// | `Strict-Transport-Security` | `max-age=31536000; includeSubDomains`, on TLS connections only |
/// | `Content-Security-Policy` | none until set |
///
/// A header the handler already set is left alone.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::SecurityHeadersLayer;
///
/// let app = App::new().wrap(
///     SecurityHeadersLayer::new()
///         .content_security_policy("default-src 'self'; frame-ancestors 'none'")
///         .frame_options(Some("SAMEORIGIN")),
/// );
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct SecurityHeadersLayer {
    headers: Vec<(HeaderName, HeaderValue)>,
    hsts: Option<HeaderValue>,
    problems: Vec<String>,
}

impl Default for SecurityHeadersLayer {
    fn default() -> Self {
        SecurityHeadersLayer::new()
    }
}

impl SecurityHeadersLayer {
    /// The defaults above.
    pub fn new() -> Self {
        SecurityHeadersLayer {
            headers: vec![
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
                (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
                (
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("strict-origin-when-cross-origin"),
                ),
            ],
            hsts: Some(HeaderValue::from_static(
                "max-age=31536000; includeSubDomains",
            )),
            problems: Vec::new(),
        }
    }

    fn set(mut self, name: HeaderName, value: Option<&str>) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        if let Some(value) = value {
            match HeaderValue::from_str(value) {
                Ok(v) => self.headers.push((name, v)),
                Err(_) => self.problems.push(format!(
                    "security headers: {value:?} is not a valid {name} value"
                )),
            }
        }
        self
    }

    /// `Content-Security-Policy` (none by default: a policy only its app can write).
    pub fn content_security_policy(self, policy: &str) -> Self {
        self.set(header::CONTENT_SECURITY_POLICY, Some(policy))
    }

    /// `X-Frame-Options` (`DENY` by default; `None` leaves framing to the CSP's
    /// `frame-ancestors`).
    pub fn frame_options(self, value: Option<&str>) -> Self {
        self.set(header::X_FRAME_OPTIONS, value)
    }

    /// `Referrer-Policy` (`None`: not set).
    pub fn referrer_policy(self, value: Option<&str>) -> Self {
        self.set(header::REFERRER_POLICY, value)
    }

    /// `X-Content-Type-Options: nosniff` on or off.
    pub fn nosniff(self, enabled: bool) -> Self {
        self.set(header::X_CONTENT_TYPE_OPTIONS, enabled.then_some("nosniff"))
    }

    /// HSTS on TLS connections: `max-age` and whether subdomains are included; `None` turns it
    /// off.
    pub fn hsts(mut self, max_age: Option<Duration>, include_subdomains: bool) -> Self {
        self.hsts = max_age.and_then(|age| {
            let sub = if include_subdomains {
                "; includeSubDomains"
            } else {
                ""
            };
            HeaderValue::from_str(&format!("max-age={}{sub}", age.as_secs())).ok()
        });
        self
    }
}

impl Middleware for SecurityHeadersLayer {
    async fn handle(&self, req: Request, next: Next) -> Response {
        let tls = RequestContext::is_secure(req.extensions(), req.headers());
        let mut res = next.run(req).await;
        let headers = res.headers_mut();
        for (name, value) in &self.headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if tls
            && let Some(hsts) = &self.hsts
            && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY)
        {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
        res
    }

    fn problems(&self) -> Vec<String> {
        self.problems.clone()
    }
}
