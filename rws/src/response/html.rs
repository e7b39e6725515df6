//! `Html<T>`: a `text/html` response.

use http::header::{CONTENT_TYPE, HeaderValue};

use super::{IntoResponse, Response};
use crate::body::Body;

/// A `text/html; charset=utf-8` response.
///
/// ```
/// use rws::response::Html;
/// async fn page() -> Html<&'static str> {
///     Html("<h1>Hello</h1>")
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Html<T>(pub T);

impl<T: Into<Body>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        let mut res = Response::new(self.0.into());
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        res
    }
}
