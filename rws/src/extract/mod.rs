//! Typed extractors: what a handler's arguments are made from.
//!
//! Arguments are extracted in order. All but the last implement [`FromRequestParts`] (they read
//! the head of the request); the last may implement [`FromRequest`] and consume the body.
//! Every extractor's rejection is a response: problem details with the right 4xx status.

mod bearer;
mod body;
mod body_stream;
mod client_ip;
mod connection_info;
#[doc(hidden)]
pub mod derive;
mod extension;
mod field_path;
mod form;
mod header;
mod json;
pub(crate) mod matched_path;
#[cfg(feature = "multipart")]
mod multipart;
mod original_uri;
mod path;
mod path_params;
mod query;
mod rejection;
mod request_parts;
mod state;
#[cfg(feature = "typed-header")]
mod typed_header;
#[cfg(feature = "validate")]
mod valid;

use std::future::Future;

use http::request::Parts;

use crate::body::Body;
use crate::response::IntoResponse;
pub use crate::state::Requirements;

pub use bearer::{BearerRejection, BearerToken};
pub use body::BodyRejection;
pub use body_stream::BodyStream;
pub use client_ip::ClientIp;
pub use extension::{Extension, ExtensionRejection};
pub use form::{Form, FormRejection};
pub use header::FromHeader;
pub use json::{Json, JsonRejection};
pub use matched_path::{MatchedPath, NoMatchedPath, RoutedPath};
#[cfg(feature = "multipart")]
#[cfg_attr(docsrs, doc(cfg(feature = "multipart")))]
pub use multipart::{
    Field, FileRules, Multipart, MultipartError, MultipartLimits, PersistError, UploadedFile,
};
pub use original_uri::{Host, HostRejection, OriginalUri};
pub use path::{Path, PathRejection};
pub use path_params::PathParams;
pub use query::{Query, QueryRejection};
pub use rejection::MissingContext;
#[cfg(feature = "proxy")]
pub(crate) use rejection::Rejection;
#[cfg(any(feature = "cookies", feature = "auth"))]
pub(crate) use rejection::missing_layer;
pub use state::{State, StateRejection};
#[cfg(feature = "typed-header")]
#[cfg_attr(docsrs, doc(cfg(feature = "typed-header")))]
pub use typed_header::{TypedHeader, TypedHeaderRejection};
#[cfg(feature = "validate")]
#[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
pub use valid::{Valid, Validate, Validated, rejection as validation_problem};
#[cfg(feature = "validate")]
#[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
pub use validator::{ValidationError, ValidationErrors};

/// An HTTP request with an rws [`Body`]: what handlers, middleware and extractors see.
pub type Request<B = Body> = http::Request<B>;

/// Extracts a value from the head of a request (method, URI, headers, extensions).
///
/// ```
/// use rws::extract::FromRequestParts;
/// use rws::http::request::Parts;
///
/// struct UserAgent(String);
///
/// impl FromRequestParts for UserAgent {
///     type Rejection = rws::Error;
///     async fn from_request_parts(parts: &mut Parts) -> Result<Self, rws::Error> {
///         let ua = parts.headers.get("user-agent").and_then(|v| v.to_str().ok());
///         ua.map(|s| UserAgent(s.to_owned()))
///             .ok_or_else(|| rws::Error::bad_request("missing User-Agent"))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor that reads the request head",
    label = "not a request-head extractor",
    note = "only the last argument of a handler may consume the body (`Json<T>`, `Form<T>`, `String`, `Bytes`, `Request`); the others must implement `rws::extract::FromRequestParts`"
)]
pub trait FromRequestParts: Sized {
    /// What a failed extraction answers with.
    type Rejection: IntoResponse;

    /// Extracts `Self`.
    fn from_request_parts(
        parts: &mut Parts,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send;

    /// Declares what the app must provide for this extractor (state types, …); checked when
    /// the app is built.
    fn requirements(_requirements: &mut Requirements) {}
}

/// Extracts a value from the whole request, body included. Only a handler's last argument.
///
/// The type parameter tells the impls for body extractors apart from the blanket impl over
/// [`FromRequestParts`]; implementations leave it at its default.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor",
    label = "not an extractor",
    note = "a handler's arguments must implement `rws::extract::FromRequestParts`, and the last one may instead implement `rws::extract::FromRequest`"
)]
pub trait FromRequest<M = private::ViaRequest>: Sized {
    /// What a failed extraction answers with.
    type Rejection: IntoResponse;

    /// Extracts `Self`, consuming the request.
    fn from_request(req: Request) -> impl Future<Output = Result<Self, Self::Rejection>> + Send;

    /// Declares what the app must provide for this extractor.
    fn requirements(_requirements: &mut Requirements) {}
}

/// Markers telling `FromRequest` impls apart.
pub mod private {
    /// Marks a body-consuming extractor.
    #[derive(Debug, Clone, Copy)]
    pub enum ViaRequest {}
    /// Marks an extractor that only reads the request head.
    #[derive(Debug, Clone, Copy)]
    pub enum ViaParts {}
}

impl<T: FromRequestParts + Send> FromRequest<private::ViaParts> for T {
    type Rejection = <T as FromRequestParts>::Rejection;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        let (mut parts, _) = req.into_parts();
        T::from_request_parts(&mut parts).await
    }

    fn requirements(requirements: &mut Requirements) {
        <T as FromRequestParts>::requirements(requirements);
    }
}

/// An optional extractor: `None` instead of a rejection.
impl<T: FromRequestParts + Send> FromRequestParts for Option<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Self::Rejection> {
        Ok(T::from_request_parts(parts).await.ok())
    }

    fn requirements(requirements: &mut Requirements) {
        T::requirements(requirements);
    }
}

/// The rejection itself, for handlers that want to answer it their own way.
impl<T: FromRequestParts + Send> FromRequestParts for Result<T, T::Rejection>
where
    T::Rejection: Send,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Self::Rejection> {
        Ok(T::from_request_parts(parts).await)
    }

    fn requirements(requirements: &mut Requirements) {
        T::requirements(requirements);
    }
}

/// Optional body extractor.
impl<T: FromRequest + Send> FromRequest for Option<T> {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        Ok(T::from_request(req).await.ok())
    }

    fn requirements(requirements: &mut Requirements) {
        T::requirements(requirements);
    }
}

/// Body extractor whose rejection the handler handles.
impl<T: FromRequest + Send> FromRequest for Result<T, T::Rejection>
where
    T::Rejection: Send,
{
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request) -> Result<Self, Self::Rejection> {
        Ok(T::from_request(req).await)
    }

    fn requirements(requirements: &mut Requirements) {
        T::requirements(requirements);
    }
}
