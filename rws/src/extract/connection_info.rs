//! `ConnectionInfo` as an extractor.

use http::request::Parts;

use super::FromRequestParts;
use super::rejection::MissingContext;
use crate::connection::ConnectionInfo;
use crate::context::RequestContext;

/// The connection the request came on, with the request's HTTP version.
impl FromRequestParts for ConnectionInfo {
    type Rejection = MissingContext;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, MissingContext> {
        let info = RequestContext::of(parts)
            .and_then(|ctx| ctx.connection.as_deref())
            .ok_or(MissingContext)?;
        Ok(info.clone().with_version(parts.version))
    }
}
