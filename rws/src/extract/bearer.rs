//! `BearerToken`: the token of an `Authorization: Bearer …` header.

use std::fmt;
use std::str::FromStr;

use http::StatusCode;
use http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use http::request::Parts;

use super::rejection::{Rejection, rejection};
use super::{FromHeader, FromRequestParts};
use crate::error::Error;

/// The token of an `Authorization: Bearer <token>` header (RFC 6750); a missing or malformed
/// header is a 401 with `WWW-Authenticate: Bearer`.
///
/// ```
/// use rws::extract::BearerToken;
/// let token: BearerToken = "Bearer abc.def".parse().unwrap();
/// assert_eq!(token.as_str(), "abc.def");
/// assert!("Basic abc".parse::<BearerToken>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tokens are secrets: never printed whole.
impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(…)")
    }
}

impl FromStr for BearerToken {
    type Err = BearerRejection;

    fn from_str(value: &str) -> Result<Self, BearerRejection> {
        let (scheme, token) = value
            .trim()
            .split_once(' ')
            .ok_or(BearerRejection::Malformed)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
            return Err(BearerRejection::Malformed);
        }
        Ok(BearerToken(token.to_owned()))
    }
}

impl FromHeader for BearerToken {
    type Rejection = BearerRejection;

    fn from_header(value: Option<&HeaderValue>) -> Result<Self, BearerRejection> {
        value
            .ok_or(BearerRejection::Missing)?
            .to_str()
            .map_err(|_| BearerRejection::Malformed)?
            .parse()
    }
}

impl FromRequestParts for BearerToken {
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, BearerRejection> {
        BearerToken::from_header(parts.headers.get(AUTHORIZATION))
    }
}

/// Why a bearer token could not be read (401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BearerRejection {
    /// No `Authorization` header.
    Missing,
    /// Not `Bearer <token>`.
    Malformed,
}

impl fmt::Display for BearerRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BearerRejection::Missing => {
                f.write_str("missing `Authorization: Bearer <token>` header")
            }
            BearerRejection::Malformed => {
                f.write_str("the `Authorization` header is not `Bearer <token>`")
            }
        }
    }
}

impl Rejection for BearerRejection {
    fn status(&self) -> StatusCode {
        StatusCode::UNAUTHORIZED
    }

    fn decorate(&self, error: Error) -> Error {
        error.with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }
}

rejection!(BearerRejection);
