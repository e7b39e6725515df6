//! `Json<T>` as a response.

use http::header::{CONTENT_TYPE, HeaderValue};
use serde::Serialize;

use super::{IntoResponse, Response};
use crate::error::Error;
use crate::extract::Json;

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut buf = Vec::with_capacity(128);
        match serde_json::to_writer(&mut buf, &self.0) {
            Ok(()) => {
                let mut res = Response::new(buf.into());
                res.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                res
            }
            Err(e) => Error::from_source(e)
                .with_detail("failed to serialise the response body as JSON")
                .into_response(),
        }
    }
}
