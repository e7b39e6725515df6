//! `rws::Error` as a response: its status, its headers and its problem details as
//! `application/problem+json`; the cause of a 5xx goes to the log only.

use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};

use super::{IntoResponse, Response};
use crate::error::{Error, PROBLEM_JSON};

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (mut problem, headers, source) = self.into_parts();
        let status =
            StatusCode::from_u16(problem.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            // The cause of a 5xx is ours to know, not the client's.
            let detail = problem.take_detail();
            tracing::error!(
                status = status.as_u16(),
                detail = detail.as_deref(),
                source = source.as_ref().map(tracing::field::display),
                "request failed"
            );
        } else {
            tracing::debug!(
                status = status.as_u16(),
                detail = problem.detail(),
                "request refused"
            );
        }
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec());
        let mut res = Response::new(body.into());
        *res.status_mut() = status;
        *res.headers_mut() = headers;
        res.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        res
    }
}
