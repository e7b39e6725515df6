//! `LastEventId`: the id a reconnecting `EventSource` sends.

use http::StatusCode;
use http::request::Parts;

use crate::Response;
use crate::error::Error;
use crate::extract::FromRequestParts;
use crate::response::IntoResponse;

/// The `Last-Event-ID` header: the id of the last event a reconnecting client received. Take
/// it as `Option<LastEventId>`: a first connection has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastEventId(pub String);

/// Why [`LastEventId`] could not be extracted.
#[derive(Debug)]
#[non_exhaustive]
pub enum LastEventIdRejection {
    /// The request has no `Last-Event-ID`.
    Missing,
    /// The header is not UTF-8 text.
    Invalid,
}

impl IntoResponse for LastEventIdRejection {
    fn into_response(self) -> Response {
        let detail = match self {
            LastEventIdRejection::Missing => "missing `Last-Event-ID` header",
            LastEventIdRejection::Invalid => "`Last-Event-ID` is not UTF-8 text",
        };
        Error::new(StatusCode::BAD_REQUEST)
            .with_detail(detail)
            .into_response()
    }
}

impl FromRequestParts for LastEventId {
    type Rejection = LastEventIdRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, LastEventIdRejection> {
        let value = parts
            .headers
            .get("last-event-id")
            .ok_or(LastEventIdRejection::Missing)?;
        let value =
            std::str::from_utf8(value.as_bytes()).map_err(|_| LastEventIdRejection::Invalid)?;
        Ok(LastEventId(value.to_owned()))
    }
}
