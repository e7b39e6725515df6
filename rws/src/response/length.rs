//! What a response's length is: `Content-Length` from the body, and the statuses without one.

use http::StatusCode;
use http::header::{CONTENT_LENGTH, HeaderValue, TRANSFER_ENCODING};
use http_body::Body as _;

use super::Response;

/// Statuses that never carry a body (RFC 9110 §6.4.1).
pub(crate) fn bodiless(status: StatusCode) -> bool {
    status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
}

/// Sets `Content-Length` from the body's exact size, as hyper does on the wire, unless the
/// status has no body or the response already says how it is framed.
pub(crate) fn set_content_length(res: &mut Response) {
    let headers = res.headers();
    if !bodiless(res.status())
        && !headers.contains_key(CONTENT_LENGTH)
        && !headers.contains_key(TRANSFER_ENCODING)
        && let Some(len) = res.body().size_hint().exact()
    {
        res.headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from(len));
    }
}
