//! `Path<T>`: typed path parameters.

mod de;

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::FromRequestParts;
use super::rejection::{MissingContext, Rejection, rejection};
use crate::context::RequestContext;
use crate::error::Error;
use crate::router::decode;

/// The route's path parameters, deserialised into `T`: one value, a tuple in pattern order, or
/// a struct with fields named like the parameters.
///
/// ```
/// use rws::prelude::*;
/// use serde::Deserialize;
///
/// // GET /users/:id
/// async fn user(Path(id): Path<u64>) -> String { format!("user {id}") }
///
/// // GET /users/:id/posts/:post
/// async fn post(Path((id, post)): Path<(u64, String)>) -> String { format!("{id}/{post}") }
///
/// #[derive(Deserialize)]
/// struct Ids { id: u64, post: String }
/// async fn post2(Path(ids): Path<Ids>) -> String { format!("{}/{}", ids.id, ids.post) }
/// ```
///
/// A value that does not parse is a 400 naming the parameter; a value whose percent-decoding
/// is not UTF-8 is a 400 too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T> std::ops::Deref for Path<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Send> FromRequestParts for Path<T> {
    type Rejection = PathRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, PathRejection> {
        let ctx = RequestContext::of(parts).ok_or(PathRejection::MissingContext(MissingContext))?;
        let Some(route) = &ctx.route else {
            return Err(PathRejection::MissingContext(MissingContext));
        };
        let mut decoded: Vec<(&str, Cow<'_, str>)> = Vec::with_capacity(route.ranges.len());
        for (name, raw) in route.params() {
            let value = decode(raw).map_err(|_| PathRejection::InvalidUtf8 {
                name: name.to_owned(),
            })?;
            decoded.push((name, value));
        }
        T::deserialize(de::PathDeserializer::new(&decoded))
            .map(Path)
            .map_err(PathRejection::from)
    }
}

/// Why `Path<T>` failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PathRejection {
    /// A parameter's value does not parse as the type asked for (400).
    InvalidValue {
        /// The parameter.
        name: String,
        /// Its decoded value.
        value: String,
        /// What it should have been.
        expected: Cow<'static, str>,
    },
    /// A parameter's percent-decoded bytes are not UTF-8 (400).
    InvalidUtf8 {
        /// The parameter.
        name: String,
    },
    /// `T` does not fit the route's parameters (a tuple of the wrong arity, a missing field):
    /// a mistake in the app, so a 500.
    Mismatch(String),
    /// Not dispatched by an rws `App` (500).
    MissingContext(MissingContext),
}

impl From<de::PathDeError> for PathRejection {
    fn from(e: de::PathDeError) -> Self {
        match e {
            de::PathDeError::Parse {
                name,
                value,
                expected,
            } => PathRejection::InvalidValue {
                name,
                value,
                expected,
            },
            other => PathRejection::Mismatch(other.to_string()),
        }
    }
}

impl fmt::Display for PathRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathRejection::InvalidValue {
                name,
                value,
                expected,
            } => {
                write!(
                    f,
                    "path parameter `{name}` must be {expected}, got {value:?}"
                )
            }
            PathRejection::InvalidUtf8 { name } => {
                write!(
                    f,
                    "path parameter `{name}` is not valid UTF-8 once percent-decoded"
                )
            }
            PathRejection::Mismatch(msg) => {
                write!(f, "path parameters do not fit the handler: {msg}")
            }
            PathRejection::MissingContext(e) => e.fmt(f),
        }
    }
}

impl Rejection for PathRejection {
    fn status(&self) -> StatusCode {
        match self {
            PathRejection::InvalidValue { .. } | PathRejection::InvalidUtf8 { .. } => {
                StatusCode::BAD_REQUEST
            }
            PathRejection::Mismatch(_) | PathRejection::MissingContext(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn decorate(&self, error: Error) -> Error {
        match self {
            PathRejection::InvalidValue { name, .. } | PathRejection::InvalidUtf8 { name } => {
                error.with_extension("parameter", name)
            }
            _ => error,
        }
    }
}

rejection!(PathRejection);
