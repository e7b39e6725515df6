//! `Extension<T>`: a value a middleware put into the request's extensions.

use std::fmt;

use http::StatusCode;
use http::request::Parts;

use super::FromRequestParts;
use super::rejection::{Rejection, rejection};

/// A clone of the request extension of type `T`, typically inserted by a middleware.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extension<T>(pub T);

impl<T> std::ops::Deref for Extension<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone + Send + Sync + 'static> FromRequestParts for Extension<T> {
    type Rejection = ExtensionRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, ExtensionRejection> {
        parts
            .extensions
            .get::<T>()
            .cloned()
            .map(Extension)
            .ok_or(ExtensionRejection {
                type_name: std::any::type_name::<T>(),
            })
    }
}

/// The request carries no extension of the requested type (500: a middleware is missing).
#[derive(Debug)]
pub struct ExtensionRejection {
    type_name: &'static str,
}

impl fmt::Display for ExtensionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no request extension of type `{}`: is the middleware that inserts it installed?",
            self.type_name
        )
    }
}

impl Rejection for ExtensionRejection {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

rejection!(ExtensionRejection);
