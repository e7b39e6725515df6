//! Turning handler return values into responses.

mod error;
mod html;
mod json;
mod length;
mod parts;
mod redirect;
mod stream;

use std::borrow::Cow;
use std::convert::Infallible;

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};

use crate::body::Body;
use crate::error::Error;

pub use html::Html;
pub(crate) use length::{bodiless, set_content_length};
pub use parts::IntoResponseParts;
pub use redirect::Redirect;
pub use stream::StreamBody;

/// An HTTP response with an rws [`Body`].
pub type Response<B = Body> = http::Response<B>;

const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const OCTETS: HeaderValue = HeaderValue::from_static("application/octet-stream");

/// Something a handler can return.
///
/// Implemented for strings, bytes, status codes, tuples adding a status and headers, [`Json`],
/// [`Html`], [`Redirect`], [`Error`], `Result` and `Option` of those, and [`Response`] itself.
///
/// ```
/// use rws::prelude::*;
///
/// async fn created() -> impl IntoResponse {
///     (StatusCode::CREATED, [("location", "/users/7")], Json(serde_json::json!({"id": 7})))
/// }
/// ```
///
/// [`Json`]: crate::Json
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a handler",
    label = "not a response",
    note = "return a type that implements `rws::IntoResponse`: `String`, `&'static str`, `Json<T>`, `Html<T>`, `StatusCode`, `(StatusCode, T)`, `Result<T, rws::Error>`, `Response`, …"
)]
pub trait IntoResponse {
    /// Builds the response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for Body {
    fn into_response(self) -> Response {
        Response::new(self)
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(Body::empty())
    }
}

impl IntoResponse for Infallible {
    fn into_response(self) -> Response {
        match self {}
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        let mut res = Response::new(Body::empty());
        *res.status_mut() = self;
        res
    }
}

fn with_type(body: Body, content_type: HeaderValue) -> Response {
    let mut res = Response::new(body);
    res.headers_mut().insert(CONTENT_TYPE, content_type);
    res
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        with_type(Body::from(self), TEXT)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        with_type(Body::from(self), TEXT)
    }
}

impl IntoResponse for Cow<'static, str> {
    fn into_response(self) -> Response {
        match self {
            Cow::Borrowed(s) => s.into_response(),
            Cow::Owned(s) => s.into_response(),
        }
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        with_type(Body::from(self), OCTETS)
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        with_type(Body::from(self), OCTETS)
    }
}

impl IntoResponse for &'static [u8] {
    fn into_response(self) -> Response {
        with_type(Body::from(self), OCTETS)
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(t) => t.into_response(),
            Err(e) => e.into_response(),
        }
    }
}

/// `None` is a 404 problem.
impl<T: IntoResponse> IntoResponse for Option<T> {
    fn into_response(self) -> Response {
        match self {
            Some(t) => t.into_response(),
            None => Error::new(StatusCode::NOT_FOUND).into_response(),
        }
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        *res.status_mut() = self.0;
        res
    }
}

impl<H: IntoResponseParts, T: IntoResponse> IntoResponse for (H, T) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        match self.0.into_response_parts(&mut res) {
            Ok(()) => res,
            Err(e) => e.into_response(),
        }
    }
}

impl<H: IntoResponseParts, T: IntoResponse> IntoResponse for (StatusCode, H, T) {
    fn into_response(self) -> Response {
        let mut res = (self.1, self.2).into_response();
        if !res.status().is_server_error() || self.0.is_server_error() {
            *res.status_mut() = self.0;
        }
        res
    }
}
