//! One rule for running a tool, resource or prompt handler: a request made from the `/mcp`
//! request's head, and the answer read back whole, within a bound.

use bytes::Bytes;
use http::header::{
    ACCEPT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    IF_RANGE, IF_UNMODIFIED_SINCE, RANGE,
};
use http::{HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use rmcp::model::ErrorData;
use serde_json::Value;

use crate::context::{MatchedRoute, RequestContext};
use crate::handler::Endpoint;
use crate::{Body, Request};

/// The most an answer may hold: it is read whole, to become a result.
const MAX_ANSWER: usize = 16 << 20;

/// A handler's answer, read.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    /// The `Content-Type` as sent, parameters included.
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
    /// The pieces a [`Contents`](super::Contents) answer carries, unencoded.
    pub(crate) pieces: Option<Vec<rmcp::model::ContentBlock>>,
}

impl Answer {
    /// Whether the body is JSON (`application/json`, `application/problem+json`, …), by the
    /// rule the `Json` extractor reads requests with.
    pub(crate) fn is_json(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|ct| crate::media_type::is_json(crate::media_type::essence(ct)))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A failed answer as a JSON-RPC error: 404 is "not found" (`not_found` makes it), a
    /// 400 or 422 bad parameters, anything else an internal error; the message is the
    /// problem's detail (or title), the data the whole problem.
    pub(crate) fn error(&self, not_found: fn(String, Option<Value>) -> ErrorData) -> ErrorData {
        let problem: Option<Value> = self
            .is_json()
            .then(|| serde_json::from_slice(&self.body).ok())
            .flatten();
        let message = problem
            .as_ref()
            .and_then(|p| p.get("detail").or_else(|| p.get("title")))
            .and_then(Value::as_str)
            .map_or_else(|| self.text(), str::to_owned);
        match self.status {
            StatusCode::NOT_FOUND => not_found(message, problem),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                ErrorData::invalid_params(message, problem)
            }
            _ => ErrorData::internal_error(message, problem),
        }
    }
}

/// The request a call makes, besides the `/mcp` request's head.
pub(crate) struct Call {
    pub(crate) method: Method,
    /// The target; the `/mcp` request's when `None`.
    pub(crate) uri: Option<http::Uri>,
    /// The JSON body; without one the request asks for no encoding, range or condition of
    /// its own (a resource read is never partial or precompressed).
    pub(crate) body: Option<Vec<u8>>,
    /// The match its `Path` extractors read.
    pub(crate) route: Option<MatchedRoute>,
    /// How a tool reports progress (`Progress`).
    pub(crate) progress: Option<super::Progress>,
}

impl Call {
    /// A POST of `body` as JSON (tools and prompts).
    pub(crate) fn post(body: Vec<u8>) -> Self {
        Call {
            method: Method::POST,
            uri: None,
            body: Some(body),
            route: None,
            progress: None,
        }
    }

    /// The call, its handler able to report `progress`.
    pub(crate) fn with(mut self, progress: super::Progress) -> Self {
        self.progress = Some(progress);
        self
    }
}

/// Runs `endpoint` on `call` made of `head` (the `/mcp` request's URI, headers and
/// extensions: state, connection, what auth layers found).
pub(crate) async fn run(
    endpoint: &Endpoint,
    head: Option<&http::request::Parts>,
    call: Call,
) -> Result<Answer, String> {
    let Call {
        method,
        uri,
        body,
        route,
        progress,
    } = call;
    let mut req = Request::new(Body::empty());
    if let Some(head) = head {
        *req.uri_mut() = head.uri.clone();
        *req.version_mut() = head.version;
        *req.headers_mut() = head.headers.clone();
        *req.extensions_mut() = head.extensions.clone();
    }
    let headers = req.headers_mut();
    headers.remove(CONTENT_LENGTH);
    match body {
        Some(body) => {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *req.body_mut() = Body::from(body);
        }
        None => {
            for name in [
                CONTENT_TYPE,
                ACCEPT_ENCODING,
                RANGE,
                IF_RANGE,
                IF_NONE_MATCH,
                IF_MODIFIED_SINCE,
                IF_MATCH,
                IF_UNMODIFIED_SINCE,
            ] {
                headers.remove(name);
            }
        }
    }
    *req.method_mut() = method;
    if let Some(uri) = uri {
        *req.uri_mut() = uri;
    }
    if let Some(progress) = progress {
        req.extensions_mut().insert(progress);
    }
    if let Some(route) = route
        && let Some(ctx) = req.extensions_mut().get_mut::<RequestContext>()
    {
        ctx.route = Some(route);
    }
    let res = endpoint.call(req).await;
    let status = res.status();
    let content_type = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let pieces = res
        .extensions()
        .get::<super::content::Pieces>()
        .map(|p| p.0.clone());
    let body = http_body_util::Limited::new(res.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| format!("the answer could not be read: {e}"))?
        .to_bytes();
    Ok(Answer {
        status,
        content_type,
        body,
        pieces,
    })
}
