//! `Form<T>`: an `application/x-www-form-urlencoded` body (or the query string of a GET).

use std::fmt;

use http::{HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;

use super::FromRequest;
use super::body::{BodyRejection, read_limited};
use super::field_path::{FieldError, urlencoded};
use super::rejection::{Rejection, rejection};
use crate::Request;

/// A URL-encoded form deserialised into `T`; repeated keys fill a `Vec`.
///
/// For GET and HEAD the query string is read (an HTML form with `method="get"`); otherwise the
/// body, which must be `application/x-www-form-urlencoded` (else 415). A form that does not fit
/// `T` is a 422.
///
/// ```
/// use rws::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Login { user: String, password: String }
///
/// async fn login(Form(login): Form<Login>) -> String { login.user }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T> std::ops::Deref for Form<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Whether the `Content-Type` is `application/x-www-form-urlencoded`.
pub(super) fn is_form(headers: &HeaderMap) -> bool {
    crate::media_type::is(headers, "application/x-www-form-urlencoded")
}

impl<T: DeserializeOwned + Send> FromRequest for Form<T> {
    type Rejection = FormRejection;

    async fn from_request(req: Request) -> Result<Self, FormRejection> {
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let query = req.uri().query().unwrap_or_default();
            return urlencoded(query.as_bytes())
                .map(Form)
                .map_err(FormRejection::invalid);
        }
        if !is_form(req.headers()) {
            return Err(FormRejection::UnsupportedMediaType);
        }
        let bytes = read_limited(req).await.map_err(FormRejection::Body)?;
        urlencoded(&bytes).map(Form).map_err(FormRejection::invalid)
    }
}

/// Why `Form<T>` failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum FormRejection {
    /// The body is not `application/x-www-form-urlencoded` (415).
    UnsupportedMediaType,
    /// The body could not be read (413 over the limit, 400 otherwise).
    Body(BodyRejection),
    /// The form does not fit the expected type (422).
    Invalid {
        /// The detail: which field, and why.
        detail: String,
        /// The field, like `tags[1]`; `.` for the whole form.
        path: String,
        /// The same place as a JSON Pointer (RFC 6901): `/tags/1`.
        pointer: String,
        /// What serde says.
        message: String,
    },
}

impl FormRejection {
    pub(super) fn invalid(e: FieldError) -> Self {
        FormRejection::Invalid {
            detail: e.describe("form field", "form"),
            path: e.path,
            pointer: e.pointer,
            message: e.message,
        }
    }
}

impl fmt::Display for FormRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormRejection::UnsupportedMediaType => f.write_str(
                "expected a request with `Content-Type: application/x-www-form-urlencoded`",
            ),
            FormRejection::Body(e) => e.fmt(f),
            FormRejection::Invalid { detail, .. } => f.write_str(detail),
        }
    }
}

impl Rejection for FormRejection {
    fn status(&self) -> StatusCode {
        match self {
            FormRejection::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            FormRejection::Body(e) => e.status(),
            FormRejection::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn decorate(&self, error: crate::Error) -> crate::Error {
        match self {
            FormRejection::Body(e) => e.decorate(error),
            FormRejection::Invalid { path, pointer, .. } => error
                .with_extension("path", path)
                .with_extension("pointer", pointer),
            FormRejection::UnsupportedMediaType => error,
        }
    }
}

rejection!(FormRejection);
