//! `TypedHeader<T>`: one header, parsed into the `headers` crate's type for it.

use std::fmt;

use headers::{Header, HeaderMapExt};
use http::StatusCode;
use http::request::Parts;

use super::FromRequestParts;
use super::rejection::{Rejection, rejection};

/// A header parsed into its type from the [`headers`](crate::headers) crate (`Host`,
/// `UserAgent`, `ContentType`, `Authorization<Bearer>`, `IfNoneMatch`, `Range`, …). A missing
/// or invalid header is a 400 problem naming it; `Option<TypedHeader<T>>` makes it optional.
///
/// ```
/// use rws::prelude::*;
/// use rws::headers::UserAgent;
///
/// async fn agent(TypedHeader(agent): TypedHeader<UserAgent>) -> String {
///     agent.as_str().to_owned()
/// }
/// # let _ = App::new().get("/agent", agent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedHeader<T>(pub T);

impl<T> std::ops::Deref for TypedHeader<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Header + Send> FromRequestParts for TypedHeader<T> {
    type Rejection = TypedHeaderRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, TypedHeaderRejection> {
        let name = T::name().as_str();
        match parts.headers.typed_try_get::<T>() {
            Ok(Some(value)) => Ok(TypedHeader(value)),
            Ok(None) => Err(TypedHeaderRejection {
                name,
                missing: true,
            }),
            Err(_) => Err(TypedHeaderRejection {
                name,
                missing: false,
            }),
        }
    }
}

/// A header [`TypedHeader`] needs is missing or does not parse (400).
#[derive(Debug, Clone)]
pub struct TypedHeaderRejection {
    name: &'static str,
    missing: bool,
}

impl TypedHeaderRejection {
    /// The header's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether it was missing (else: present but invalid).
    pub fn is_missing(&self) -> bool {
        self.missing
    }
}

impl fmt::Display for TypedHeaderRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.missing {
            write!(f, "missing header `{}`", self.name)
        } else {
            write!(f, "header `{}` is invalid", self.name)
        }
    }
}

impl Rejection for TypedHeaderRejection {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn decorate(&self, error: crate::Error) -> crate::Error {
        error.with_extension("header", self.name)
    }
}

rejection!(TypedHeaderRejection);
