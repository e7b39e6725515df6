//! Whole-body extractors: `Bytes`, `String`, `Body`, and the whole `Request`.

use std::fmt;

use bytes::Bytes;
use http::StatusCode;

use super::FromRequest;
use super::rejection::{Rejection, rejection};
use crate::Request;
use crate::body::{Body, ReadError};
use crate::context::{DEFAULT_BODY_LIMIT, RequestContext};

/// Why a body could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyRejection {
    /// The body is over the limit in force (413).
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body stream failed: the client went away or broke the protocol (400).
    Read(String),
    /// The body is not UTF-8 (400; `String` only).
    InvalidUtf8,
}

impl fmt::Display for BodyRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyRejection::TooLarge { limit } => {
                write!(
                    f,
                    "the request body is larger than the limit of {limit} bytes"
                )
            }
            BodyRejection::Read(e) => write!(f, "failed to read the request body: {e}"),
            BodyRejection::InvalidUtf8 => f.write_str("the request body is not valid UTF-8"),
        }
    }
}

impl Rejection for BodyRejection {
    fn status(&self) -> StatusCode {
        match self {
            BodyRejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRejection::Read(_) | BodyRejection::InvalidUtf8 => StatusCode::BAD_REQUEST,
        }
    }

    fn decorate(&self, error: crate::Error) -> crate::Error {
        match self {
            BodyRejection::TooLarge { limit } => error.with_extension("limit", limit),
            _ => error,
        }
    }
}

rejection!(BodyRejection);

/// Reads the whole body of `req` under the route's body limit.
pub(crate) async fn read_limited(req: Request) -> Result<Bytes, BodyRejection> {
    let limit = req
        .extensions()
        .get::<RequestContext>()
        .map_or(DEFAULT_BODY_LIMIT, |ctx| ctx.body_limit);
    req.into_body()
        .collect_limited(limit)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge { limit } => BodyRejection::TooLarge { limit },
            ReadError::Body(e) => BodyRejection::Read(e.to_string()),
        })
}

/// The body as bytes, read up to the body limit (413 past it).
impl FromRequest for Bytes {
    type Rejection = BodyRejection;

    async fn from_request(req: Request) -> Result<Self, BodyRejection> {
        read_limited(req).await
    }
}

/// The body as UTF-8 text (400 if it is not), read up to the body limit.
impl FromRequest for String {
    type Rejection = BodyRejection;

    async fn from_request(req: Request) -> Result<Self, BodyRejection> {
        let bytes = read_limited(req).await?;
        String::from_utf8(bytes.into()).map_err(|_| BodyRejection::InvalidUtf8)
    }
}

/// The raw body, to be read as a stream. The body limit is the reader's business.
impl FromRequest for Body {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        Ok(req.into_body())
    }
}

/// The whole request, as the seed's handlers took it.
impl FromRequest for Request {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        Ok(req)
    }
}
