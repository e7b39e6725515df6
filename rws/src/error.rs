//! `rws::Error`: an HTTP status with an RFC 9457 problem-details body.

use std::borrow::Cow;
use std::fmt;

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use serde::Serialize;

use crate::body::BoxError;

/// The media type of a problem-details body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error that becomes an HTTP response: a status and an RFC 9457 problem-details body.
///
/// Every error a client can cause in rws ends as one of these. Like `hyper::Error`, the layout is
/// private: use the constructors, [`Error::status`] and [`Error::problem`].
///
/// ```
/// use rws::Error;
/// use rws::http::StatusCode;
///
/// let e = Error::not_found("no user with id 7").with_extension("id", 7);
/// assert_eq!(e.status(), StatusCode::NOT_FOUND);
/// assert_eq!(e.problem().detail(), Some("no user with id 7"));
/// ```
///
/// # `?` on any error is a 500
///
/// Every `std::error::Error` (and `String`, `&str`, boxed errors) converts into an `Error` with
/// `?`: a 500 whose cause goes to the log through `tracing`, never to the client. This is what
/// axum and actix-web do with an error they know nothing about; a handler that wants another
/// status says so.
///
/// ```
/// # use rws::Error;
/// # use rws::http::StatusCode;
/// fn parse(s: &str) -> Result<u32, Error> {
///     Ok(s.parse::<u32>()?) // a ParseIntError becomes a 500
/// }
/// assert_eq!(parse("x").unwrap_err().status(), StatusCode::INTERNAL_SERVER_ERROR);
/// ```
///
/// # Your own error type
///
/// Because every error type already converts (that blanket impl is what makes `?` work), an
/// `impl From<MyError> for rws::Error` is refused by the compiler as a conflicting impl
/// (E0119):
///
/// ```compile_fail,E0119
/// #[derive(Debug)]
/// struct MyError;
/// impl std::fmt::Display for MyError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("mine") }
/// }
/// impl std::error::Error for MyError {}
///
/// impl From<MyError> for rws::Error {
///     fn from(e: MyError) -> Self { rws::Error::conflict(e.to_string()) }
/// }
/// ```
///
/// The intended way is to make your error a response: implement [`IntoResponse`](crate::IntoResponse) for it, mapping
/// each variant to its status with [`Error::caused_by`], and return `Result<T, MyError>` from
/// handlers. `?` then converts your inner errors through your own `From` impls (`#[from]`):
///
/// ```
/// use rws::prelude::*;
///
/// #[derive(Debug, thiserror::Error)]
/// enum AppError {
///     #[error("no user with id {0}")]
///     NotFound(u64),
///     #[error("the name `{0}` is taken")]
///     Taken(String),
///     #[error(transparent)]
///     Io(#[from] std::io::Error),
/// }
///
/// impl IntoResponse for AppError {
///     fn into_response(self) -> Response {
///         let status = match &self {
///             AppError::NotFound(_) => StatusCode::NOT_FOUND,
///             AppError::Taken(_) => StatusCode::CONFLICT,
///             AppError::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
///         };
///         Error::caused_by(status, self).into_response()
///     }
/// }
///
/// async fn user(Path(id): Path<u64>) -> Result<String, AppError> {
///     match id {
///         0 => Err(AppError::NotFound(id)),
///         1 => Err(AppError::Taken("ada".into())),
///         2 => Err(std::io::Error::other("disk on fire"))?,
///         _ => Ok(format!("user {id}")),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = TestClient::new(App::empty().get("/users/:id", user));
/// let res = client.get("/users/0").send().await;
/// assert_eq!(res.status(), StatusCode::NOT_FOUND);
/// assert_eq!(res.json::<serde_json::Value>().await["detail"], "no user with id 0");
/// assert_eq!(client.get("/users/1").send().await.status(), StatusCode::CONFLICT);
/// let res = client.get("/users/2").send().await;
/// assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
/// assert!(!res.text().await.contains("disk on fire"), "the cause stays in the log");
/// assert_eq!(client.get("/users/3").send().await.text().await, "user 3");
/// # }
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    problem: Problem,
    headers: HeaderMap,
    source: Option<BoxError>,
}

impl Error {
    /// The parts the response is made of, for `IntoResponse` (in `response/error.rs`).
    pub(crate) fn into_parts(self) -> (Problem, HeaderMap, Option<BoxError>) {
        let Inner {
            problem,
            headers,
            source,
        } = *self.inner;
        (problem, headers, source)
    }
}

/// An RFC 9457 problem-details object.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    type_: Cow<'static, str>,
    title: Cow<'static, str>,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
    #[serde(flatten)]
    extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// The `type` URI (`about:blank` unless set).
    pub fn type_uri(&self) -> &str {
        &self.type_
    }
    /// The short, human-readable summary.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// The status code, as in the body.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The explanation specific to this occurrence.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// The URI of this occurrence.
    pub fn instance(&self) -> Option<&str> {
        self.instance.as_deref()
    }
    /// The extension members.
    pub fn extensions(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.extensions
    }

    /// Takes the detail out (a 5xx keeps it for the log, not for the client).
    pub(crate) fn take_detail(&mut self) -> Option<Cow<'static, str>> {
        self.detail.take()
    }
}

/// A status's title: RFC 9110's current reason phrase (the `http` crate still has the RFC 7231
/// names for 413 and 422).
pub(crate) fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Content Too Large",
        StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable Content",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

macro_rules! constructors {
    ($($(#[$doc:meta])* $name:ident => $status:ident,)*) => {
        $(
            $(#[$doc])*
            pub fn $name(detail: impl Into<Cow<'static, str>>) -> Self {
                Error::new(StatusCode::$status).with_detail(detail)
            }
        )*
    };
}

impl Error {
    /// An error with `status`, titled with the status's reason phrase.
    pub fn new(status: StatusCode) -> Self {
        Error {
            inner: Box::new(Inner {
                problem: Problem {
                    type_: Cow::Borrowed("about:blank"),
                    title: Cow::Borrowed(title(status)),
                    status: status.as_u16(),
                    detail: None,
                    instance: None,
                    extensions: serde_json::Map::new(),
                },
                headers: HeaderMap::new(),
                source: None,
            }),
        }
    }

    constructors! {
        /// 400 Bad Request.
        bad_request => BAD_REQUEST,
        /// 401 Unauthorized.
        unauthorized => UNAUTHORIZED,
        /// 403 Forbidden.
        forbidden => FORBIDDEN,
        /// 404 Not Found.
        not_found => NOT_FOUND,
        /// 405 Method Not Allowed (set `Allow` with [`Error::with_header`]).
        method_not_allowed => METHOD_NOT_ALLOWED,
        /// 409 Conflict.
        conflict => CONFLICT,
        /// 410 Gone.
        gone => GONE,
        /// 413 Content Too Large.
        content_too_large => PAYLOAD_TOO_LARGE,
        /// 413 Content Too Large, by its RFC 7231 name.
        payload_too_large => PAYLOAD_TOO_LARGE,
        /// 415 Unsupported Media Type.
        unsupported_media_type => UNSUPPORTED_MEDIA_TYPE,
        /// 422 Unprocessable Content.
        unprocessable_content => UNPROCESSABLE_ENTITY,
        /// 422 Unprocessable Content, by its RFC 4918 name.
        unprocessable_entity => UNPROCESSABLE_ENTITY,
        /// 429 Too Many Requests.
        too_many_requests => TOO_MANY_REQUESTS,
        /// 500 Internal Server Error; the detail is logged, never sent.
        internal => INTERNAL_SERVER_ERROR,
        /// 502 Bad Gateway; the detail is logged, never sent.
        bad_gateway => BAD_GATEWAY,
        /// 503 Service Unavailable; the detail is logged, never sent.
        service_unavailable => SERVICE_UNAVAILABLE,
        /// 504 Gateway Timeout; the detail is logged, never sent.
        gateway_timeout => GATEWAY_TIMEOUT,
    }

    /// An error with `status` caused by `source`: its message is the `detail` (sent for 4xx,
    /// only logged for 5xx) and it is kept as the cause, for the log. What an `IntoResponse`
    /// impl of your own error type calls (see [Your own error type](Error#your-own-error-type)).
    pub fn caused_by<E>(status: StatusCode, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let detail = source.to_string();
        Error::new(status).with_detail(detail).with_source(source)
    }

    /// A 500 caused by `source`, which goes to the log and not to the client.
    pub fn from_source(source: impl Into<BoxError>) -> Self {
        Error::new(StatusCode::INTERNAL_SERVER_ERROR).with_source(source)
    }

    /// Sets the `detail` member.
    pub fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.inner.problem.detail = Some(detail.into());
        self
    }

    /// Sets the `title` member.
    pub fn with_title(mut self, title: impl Into<Cow<'static, str>>) -> Self {
        self.inner.problem.title = title.into();
        self
    }

    /// Sets the `type` URI.
    pub fn with_type(mut self, type_uri: impl Into<Cow<'static, str>>) -> Self {
        self.inner.problem.type_ = type_uri.into();
        self
    }

    /// Sets the `instance` URI.
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.inner.problem.instance = Some(instance.into());
        self
    }

    /// Adds an extension member; a value that cannot be serialised is recorded as `null`.
    pub fn with_extension(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        self.inner.problem.extensions.insert(key.into(), value);
        self
    }

    /// Adds a response header (`Allow`, `Retry-After`, `WWW-Authenticate`, …).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.inner.headers.append(name, value);
        self
    }

    /// Records the underlying cause, for the log.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.inner.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The problem-details body.
    pub fn problem(&self) -> &Problem {
        &self.inner.problem
    }

    /// The headers the response will carry besides `Content-Type`.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The underlying cause, if any.
    pub fn source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.inner.source.as_deref()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("problem", &self.inner.problem)
            .field("source", &self.inner.source)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.inner.problem;
        write!(f, "{} {}", p.status, p.title)?;
        if let Some(detail) = &p.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(source) = &self.inner.source {
            write!(f, " ({source})")?;
        }
        Ok(())
    }
}

/// Any error converts into a 500 (the `anyhow` pattern: `rws::Error` itself is not a
/// `std::error::Error`, so this blanket impl does not overlap with `From<T> for T`).
impl<E> From<E> for Error
where
    E: Into<BoxError>,
{
    fn from(e: E) -> Self {
        Error::from_source(e)
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;
    use crate::response::{IntoResponse, Response};
    use http::header::CONTENT_TYPE;
    use http_body_util::BodyExt;

    async fn body_json(res: Response) -> serde_json::Value {
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn renders_problem_details() {
        let res = Error::conflict("name taken")
            .with_type("https://rws.dev/problems/taken")
            .with_instance("/users/7")
            .with_extension("field", "name")
            .with_header(http::header::RETRY_AFTER, HeaderValue::from_static("5"))
            .into_response();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert_eq!(res.headers()[CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(res.headers()[http::header::RETRY_AFTER], "5");
        assert_eq!(
            body_json(res).await,
            serde_json::json!({
                "type": "https://rws.dev/problems/taken", "title": "Conflict", "status": 409,
                "detail": "name taken", "instance": "/users/7", "field": "name"
            })
        );
    }

    #[test]
    fn titles_are_rfc_9110_s_reason_phrases() {
        assert_eq!(
            Error::content_too_large("x").problem().title(),
            "Content Too Large"
        );
        assert_eq!(
            Error::unprocessable_entity("x").problem().title(),
            "Unprocessable Content"
        );
        assert_eq!(Error::not_found("x").problem().title(), "Not Found");
    }

    #[tokio::test]
    async fn server_errors_hide_their_detail_and_source() {
        let e: Error = std::io::Error::other("db password is hunter2").into();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(e.to_string().contains("hunter2"));
        let body = body_json(e.into_response()).await;
        assert_eq!(
            body,
            serde_json::json!({"type": "about:blank", "title": "Internal Server Error", "status": 500})
        );
        let body = body_json(Error::bad_gateway("upstream 10.0.0.3 refused").into_response()).await;
        assert!(body.get("detail").is_none());
    }

    #[test]
    fn every_constructor_has_its_status() {
        let cases: [(fn(&'static str) -> Error, u16); 17] = [
            (|d| Error::content_too_large(d), 413),
            (|d| Error::unprocessable_content(d), 422),
            (|d| Error::bad_request(d), 400),
            (|d| Error::unauthorized(d), 401),
            (|d| Error::forbidden(d), 403),
            (|d| Error::not_found(d), 404),
            (|d| Error::method_not_allowed(d), 405),
            (|d| Error::conflict(d), 409),
            (|d| Error::gone(d), 410),
            (|d| Error::payload_too_large(d), 413),
            (|d| Error::unsupported_media_type(d), 415),
            (|d| Error::unprocessable_entity(d), 422),
            (|d| Error::too_many_requests(d), 429),
            (|d| Error::internal(d), 500),
            (|d| Error::bad_gateway(d), 502),
            (|d| Error::service_unavailable(d), 503),
            (|d| Error::gateway_timeout(d), 504),
        ];
        for (make, status) in cases {
            let e = make("d");
            assert_eq!(e.status().as_u16(), status);
            assert_eq!(e.problem().status(), status);
            assert_eq!(e.problem().detail(), Some("d"));
        }
    }

    #[test]
    fn strings_and_boxed_errors_convert_with_question_mark() {
        fn a() -> Result<(), Error> {
            Err("plain message")?
        }
        fn b() -> Result<(), Error> {
            let boxed: BoxError = "boxed".into();
            Err(boxed)?
        }
        assert_eq!(a().unwrap_err().status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(b().unwrap_err().source().unwrap().to_string(), "boxed");
    }
}
