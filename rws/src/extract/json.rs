//! `Json<T>`: a JSON request body (and, in `response`, a JSON response).

use std::fmt;

use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::FromRequest;
use super::body::{BodyRejection, read_limited};
use super::field_path::FieldError;
use super::rejection::{Rejection, rejection};
use crate::Request;
use crate::error::Error;

/// A JSON body deserialised into `T`, or a value serialised as a JSON response.
///
/// As an extractor it wants `Content-Type: application/json` (or `application/*+json`), else
/// 415; a syntax error is a 400 with line and column; a body that is valid JSON but does not
/// fit `T` is a 422 naming the field path (`items[2].price`). The body limit applies (413).
///
/// ```
/// use rws::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize)]
/// struct NewTodo { title: String }
/// #[derive(Serialize)]
/// struct Todo { id: u64, title: String }
///
/// async fn create(Json(new): Json<NewTodo>) -> (StatusCode, Json<Todo>) {
///     (StatusCode::CREATED, Json(Todo { id: 1, title: new.title }))
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Whether the `Content-Type` is `application/json` or `application/<anything>+json`.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    crate::media_type::of(headers).is_some_and(crate::media_type::is_json)
}

impl<T: DeserializeOwned + Send> FromRequest for Json<T> {
    type Rejection = JsonRejection;

    async fn from_request(req: Request) -> Result<Self, JsonRejection> {
        if !is_json(req.headers()) {
            return Err(JsonRejection::UnsupportedMediaType);
        }
        let bytes = read_limited(req).await.map_err(JsonRejection::Body)?;
        Json::from_bytes(&bytes)
    }
}

impl<T: DeserializeOwned> Json<T> {
    /// Deserialises `bytes`, with the same rejections as the extractor.
    ///
    /// Parses with plain `serde_json` first; only a data error parses again with path tracking,
    /// so the common case pays nothing for the field path (axum's `Json` always tracks paths and pays ~40 % on a 16 KiB body).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, JsonRejection> {
        match serde_json::from_slice(bytes) {
            Ok(value) => Ok(Json(value)),
            Err(e) if e.is_data() => {
                let mut de = serde_json::Deserializer::from_slice(bytes);
                match serde_path_to_error::deserialize::<_, T>(&mut de) {
                    Ok(value) => Ok(Json(value)),
                    Err(tracked) => {
                        let inner = tracked.inner();
                        let field = FieldError::new(tracked.path(), strip_position(inner));
                        Err(JsonRejection::Data {
                            detail: field.describe("field", "value"),
                            path: field.path,
                            pointer: field.pointer,
                            message: field.message,
                            line: inner.line(),
                            column: inner.column(),
                        })
                    }
                }
            }
            Err(e) => Err(JsonRejection::Syntax {
                message: strip_position(&e),
                line: e.line(),
                column: e.column(),
            }),
        }
    }
}

/// `serde_json` appends " at line L column C"; rws reports those as separate members.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Why `Json<T>` failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum JsonRejection {
    /// The `Content-Type` is missing or not JSON (415).
    UnsupportedMediaType,
    /// The body could not be read (413 over the limit, 400 otherwise).
    Body(BodyRejection),
    /// The body is not valid JSON (400).
    Syntax {
        /// What `serde_json` says.
        message: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// The JSON does not fit the expected type (422).
    Data {
        /// The detail: which field, and why.
        detail: String,
        /// The field path, like `items[2].price`; a missing field is named itself (`age`);
        /// `.` for the root.
        path: String,
        /// The same place as a JSON Pointer (RFC 6901): `/items/2/price`, `/age`.
        pointer: String,
        /// What serde says.
        message: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
}

impl fmt::Display for JsonRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonRejection::UnsupportedMediaType => {
                f.write_str("expected a request with `Content-Type: application/json`")
            }
            JsonRejection::Body(e) => e.fmt(f),
            JsonRejection::Syntax {
                message,
                line,
                column,
            } => {
                write!(f, "invalid JSON at line {line} column {column}: {message}")
            }
            JsonRejection::Data { detail, .. } => f.write_str(detail),
        }
    }
}

impl Rejection for JsonRejection {
    fn status(&self) -> StatusCode {
        match self {
            JsonRejection::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::Body(e) => e.status(),
            JsonRejection::Syntax { .. } => StatusCode::BAD_REQUEST,
            JsonRejection::Data { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn decorate(&self, error: Error) -> Error {
        match self {
            JsonRejection::Body(e) => e.decorate(error),
            JsonRejection::Syntax { line, column, .. } => error
                .with_extension("line", line)
                .with_extension("column", column),
            JsonRejection::Data {
                path,
                pointer,
                line,
                column,
                ..
            } => error
                .with_extension("path", path)
                .with_extension("pointer", pointer)
                .with_extension("line", line)
                .with_extension("column", column),
            JsonRejection::UnsupportedMediaType => error,
        }
    }
}

rejection!(JsonRejection);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_json_media_types() {
        let check = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(http::header::CONTENT_TYPE, ct.parse().unwrap());
            is_json(&h)
        };
        assert!(check("application/json"));
        assert!(check("application/json; charset=utf-8"));
        assert!(check("Application/JSON"));
        assert!(check("application/problem+json"));
        assert!(!check("application/jsonx"));
        assert!(!check("text/json"));
        assert!(!check("application/+json"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
