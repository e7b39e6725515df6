//! What rejections share: rendering as problem details, logging at TRACE, converting into
//! `rws::Error` so that handlers can `?` them.

use std::fmt;

use http::StatusCode;

use crate::error::Error;

/// A rejection's status and problem details.
pub(crate) trait Rejection: fmt::Display + Sized {
    fn status(&self) -> StatusCode;

    /// Adds extension members (line and column, field path, …) to the problem.
    fn decorate(&self, error: Error) -> Error {
        error
    }

    fn into_error(self) -> Error {
        let error = Error::new(self.status()).with_detail(self.to_string());
        self.decorate(error)
    }
}

/// Implements `IntoResponse` and `From<…> for rws::Error` for rejection types.
macro_rules! rejection {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::response::IntoResponse for $ty {
            fn into_response(self) -> $crate::response::Response {
                tracing::trace!(rejection = std::any::type_name::<Self>(), "{self}");
                $crate::extract::rejection::Rejection::into_error(self).into_response()
            }
        }
        impl From<$ty> for $crate::error::Error {
            fn from(rejection: $ty) -> Self {
                $crate::extract::rejection::Rejection::into_error(rejection)
            }
        }
    )*};
}
pub(crate) use rejection;

/// The 500 of an extractor whose layer is not in front of it at request time. `App::build`
/// refuses every route and fallback where it can see that; what remains (the extractor called
/// by hand in a middleware, say) gets a problem body naming the layer (`missing_layer`), and
/// one explanation in the log per extractor, not one per request.
#[cfg(any(feature = "cookies", feature = "auth"))]
pub(crate) fn missing_layer(extractor: &'static str, layer: &'static str) -> Error {
    static LOGGED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let first = LOGGED.lock().is_ok_and(|mut logged| {
        let first = !logged.contains(&extractor);
        if first {
            logged.push(extractor);
        }
        first
    });
    if first {
        tracing::error!(
            extractor,
            layer,
            "`{extractor}` was extracted without a `{layer}` in front of it: add one with `App::wrap` or `.with`"
        );
    }
    Error::new(StatusCode::INTERNAL_SERVER_ERROR)
        .with_extension("missing_layer", layer)
        .with_extension("extractor", extractor)
}

/// The request did not come through an rws `App`, so there is no route, state or connection to
/// read. A 500: the server is misconfigured, not the client.
#[derive(Debug, Clone, Copy, Default)]
pub struct MissingContext;

impl fmt::Display for MissingContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request was not dispatched by an rws App")
    }
}

impl Rejection for MissingContext {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

rejection!(MissingContext);
