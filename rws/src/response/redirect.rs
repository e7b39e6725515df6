//! `Redirect`: 303, 307 and 308 responses.

use http::StatusCode;
use http::header::{HeaderValue, LOCATION};

use super::{IntoResponse, Response};
use crate::error::Error;

/// A redirect to another location.
///
/// ```
/// use rws::response::Redirect;
/// async fn old() -> Redirect {
///     Redirect::permanent("/new")
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Redirect {
    status: StatusCode,
    location: Result<HeaderValue, String>,
}

impl Redirect {
    fn with(status: StatusCode, uri: &str) -> Self {
        Redirect {
            status,
            location: HeaderValue::try_from(uri).map_err(|_| uri.to_owned()),
        }
    }

    /// 303 See Other: the client follows with a GET (after a form POST, say).
    pub fn to(uri: &str) -> Self {
        Self::with(StatusCode::SEE_OTHER, uri)
    }

    /// 307 Temporary Redirect: the client repeats the same method and body.
    pub fn temporary(uri: &str) -> Self {
        Self::with(StatusCode::TEMPORARY_REDIRECT, uri)
    }

    /// 308 Permanent Redirect: the same method and body, and caches may remember it.
    pub fn permanent(uri: &str) -> Self {
        Self::with(StatusCode::PERMANENT_REDIRECT, uri)
    }

    /// The status this redirect answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match self.location {
            Ok(location) => {
                let mut res = self.status.into_response();
                res.headers_mut().insert(LOCATION, location);
                res
            }
            Err(uri) => Error::internal(format!(
                "redirect location {uri:?} is not a valid header value"
            ))
            .into_response(),
        }
    }
}
