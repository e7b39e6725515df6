//! Headers added to a response by the tuple forms `(headers, body)` and `(status, headers, body)`.

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

use super::Response;
use crate::error::Error;

/// Something that adds headers to a response: a `HeaderMap`, or an array of `(name, value)`
/// pairs of anything convertible to header names and values.
///
/// A pair that does not make a valid header turns the response into a 500, since it is the
/// application's mistake, not the client's.
pub trait IntoResponseParts {
    /// Adds to `res`, replacing headers of the same name.
    fn into_response_parts(self, res: &mut Response) -> Result<(), Error>;
}

impl IntoResponseParts for HeaderMap {
    fn into_response_parts(self, res: &mut Response) -> Result<(), Error> {
        // `extend` would append; a handler's explicit header replaces the body's default.
        let mut last = None;
        for (name, value) in self {
            if let Some(name) = name {
                last = Some(name);
            }
            if let Some(name) = &last {
                res.headers_mut().insert(name.clone(), value);
            }
        }
        Ok(())
    }
}

impl<K, V, const N: usize> IntoResponseParts for [(K, V); N]
where
    K: TryInto<HeaderName>,
    K::Error: std::fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: std::fmt::Display,
{
    fn into_response_parts(self, res: &mut Response) -> Result<(), Error> {
        for (k, v) in self {
            let name = k
                .try_into()
                .map_err(|e| Error::internal(format!("invalid response header name: {e}")))?;
            let value = v.try_into().map_err(|e| {
                Error::internal(format!("invalid value for response header `{name}`: {e}"))
            })?;
            res.headers_mut().insert(name, value);
        }
        Ok(())
    }
}
