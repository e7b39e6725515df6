//! Infallible extractors of the request head: `Method`, `Uri`, `Version`, `HeaderMap`.

use std::convert::Infallible;

use http::request::Parts;
use http::{HeaderMap, Method, Uri, Version};

use super::FromRequestParts;

impl FromRequestParts for Method {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Infallible> {
        Ok(parts.method.clone())
    }
}

impl FromRequestParts for Uri {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Infallible> {
        Ok(parts.uri.clone())
    }
}

impl FromRequestParts for Version {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Infallible> {
        Ok(parts.version)
    }
}

/// A copy of the request headers.
impl FromRequestParts for HeaderMap {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Infallible> {
        Ok(parts.headers.clone())
    }
}
