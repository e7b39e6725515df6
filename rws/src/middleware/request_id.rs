//! Request ids: one per request, taken from the client when valid or generated (UUID v7), put in
//! the response, the request's tracing span and the `RequestId` extractor.

use std::fmt;
use std::sync::Arc;

use http::header::{HeaderName, HeaderValue};
use http::request::Parts;

use super::{Middleware, Next};
use crate::error::Error;
use crate::extract::FromRequestParts;
use crate::{Request, Response};

/// Sets a request id on every request: the incoming `X-Request-Id` when it is valid (1 to 128
/// characters of `A-Z a-z 0-9 - _ . : / + =`), otherwise a new UUID v7 (time-ordered, so ids
/// sort by arrival). The id is echoed in the response, recorded as `request_id` on the request's
/// tracing span, and available to handlers as [`RequestId`].
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::{RequestId, RequestIdLayer};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let app = App::empty()
///     .get("/", |id: RequestId| async move { format!("you are {id}") })
///     .wrap(RequestIdLayer::new());
/// let res = TestClient::new(app).get("/").header("x-request-id", "abc-123").send().await;
/// assert_eq!(res.header("x-request-id"), Some("abc-123"));
/// assert_eq!(res.text().await, "you are abc-123");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RequestIdLayer {
    header: HeaderName,
    trust_incoming: bool,
}

impl Default for RequestIdLayer {
    fn default() -> Self {
        RequestIdLayer::new()
    }
}

impl RequestIdLayer {
    /// Ids in `X-Request-Id`, incoming ones kept.
    pub fn new() -> Self {
        RequestIdLayer {
            header: HeaderName::from_static("x-request-id"),
            trust_incoming: true,
        }
    }

    /// Uses another header (`X-Correlation-Id`, say).
    pub fn header(mut self, name: HeaderName) -> Self {
        self.header = name;
        self
    }

    /// Whether a valid incoming id is kept (default) or always replaced: replace it when clients
    /// are untrusted and ids must be unique.
    pub fn trust_incoming(mut self, trust: bool) -> Self {
        self.trust_incoming = trust;
        self
    }
}

impl Middleware for RequestIdLayer {
    async fn handle(&self, mut req: Request, next: Next) -> Response {
        let incoming = self
            .trust_incoming
            .then(|| req.headers().get(&self.header))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .filter(|v| valid(v));
        let id: Arc<str> = match incoming {
            Some(id) => id.into(),
            None => uuid::Uuid::now_v7().to_string().into(),
        };
        tracing::Span::current().record("request_id", &*id);
        let value = HeaderValue::from_str(&id).ok();
        if let Some(value) = &value {
            req.headers_mut().insert(self.header.clone(), value.clone());
        }
        req.extensions_mut().insert(RequestId(Arc::clone(&id)));
        let mut res = next.run(req).await;
        if let Some(value) = value {
            res.headers_mut().insert(self.header.clone(), value);
        }
        res
    }
}

fn valid(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b))
}

/// The request's id, set by [`RequestIdLayer`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequestParts for RequestId {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Error> {
        parts.extensions.get::<RequestId>().cloned().ok_or_else(|| {
            Error::internal("RequestId needs the RequestIdLayer middleware in front of the route")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity() {
        assert!(valid("0190f3a2-7b1c-7d4e-9f00-123456789abc"));
        assert!(valid("a:b/c+d=e_f.g"));
        assert!(!valid(""));
        assert!(!valid(&"x".repeat(129)));
        assert!(!valid("has space"));
        assert!(!valid("new\nline"));
        assert!(!valid("é"));
    }
}
