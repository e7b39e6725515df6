//! What `#[derive(FromRequest)]`'s generated code calls: one helper per field source, so that the
//! expansion stays small. Not a public API.
// The error side is the rejection the derived extractor answers with; it is built once, on the
// cold path, and handed straight back, so its size costs nothing worth a box.
#![allow(clippy::result_large_err)]

use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;

use super::{Form, FromHeader, FromRequest, FromRequestParts, Json, form, json};
use crate::Request;
use crate::context::RequestContext;
use crate::error::Error;
use crate::response::{IntoResponse, Response};
use crate::router::decode;

fn invalid<E: Display>(source: &str, name: &str, field: &str, e: E) -> Response {
    Error::bad_request(format!(
        "{source} `{name}` (field `{field}`) is invalid: {e}"
    ))
    .with_extension("field", field)
    .with_extension("source", source)
    .into_response()
}

fn parse<T>(raw: &str, source: &str, name: &str, field: &str) -> Result<T, Response>
where
    T: FromStr,
    T::Err: Display,
{
    raw.parse().map_err(|e| invalid(source, name, field, e))
}

/// A required field's value, or a 400 naming it and where it should have come from.
pub fn required<T>(value: Option<T>, source: &str, name: &str, field: &str) -> Result<T, Response> {
    value.ok_or_else(|| {
        Error::bad_request(format!("missing {source} `{name}` (field `{field}`)"))
            .with_extension("field", field)
            .with_extension("source", source)
            .into_response()
    })
}

/// `#[from_header("…")]`.
pub fn header<T>(parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response>
where
    T: FromStr,
    T::Err: Display,
{
    let Some(value) = parts.headers.get(name) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| invalid("header", name, field, "not visible ASCII"))?;
    parse(text, "header", name, field).map(Some)
}

/// `#[from_header("…")]` of a field type, chosen at compile time by autoref (as validation is):
/// [`OwnHeader`] (on `Header<T>`, for `T: FromHeader`) keeps the type's own rejection and adds
/// the field; [`ParsedHeader`] (on `&Header<T>`) parses with `FromStr` and answers 400.
#[derive(Debug)]
pub struct Header<T>(PhantomData<fn() -> T>);

impl<T> Header<T> {
    /// The field's marker.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Header(PhantomData)
    }
}

/// A header field whose type reads it itself ([`FromHeader`]).
pub trait OwnHeader<T> {
    /// The value, or `None` without the header.
    fn optional(&self, parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response>;
    /// The value; a missing header is the type's own rejection.
    fn required(&self, parts: &Parts, name: &str, field: &str) -> Result<T, Response>;
}

impl<T: FromHeader> OwnHeader<T> for Header<T> {
    fn optional(&self, parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response> {
        match parts.headers.get(name) {
            Some(value) => typed(Some(value), field).map(Some),
            None => Ok(None),
        }
    }

    fn required(&self, parts: &Parts, name: &str, field: &str) -> Result<T, Response> {
        typed(parts.headers.get(name), field)
    }
}

fn typed<T: FromHeader>(value: Option<&HeaderValue>, field: &str) -> Result<T, Response> {
    T::from_header(value).map_err(|rejection| {
        let error: Error = rejection.into();
        error.with_extension("field", field).into_response()
    })
}

/// A header field parsed with `FromStr`.
pub trait ParsedHeader<T> {
    /// The value, or `None` without the header.
    fn optional(&self, parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response>;
    /// The value; a missing header is a 400 naming it.
    fn required(&self, parts: &Parts, name: &str, field: &str) -> Result<T, Response>;
}

impl<T> ParsedHeader<T> for &Header<T>
where
    T: FromStr,
    T::Err: Display,
{
    fn optional(&self, parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response> {
        header(parts, name, field)
    }

    fn required(&self, parts: &Parts, name: &str, field: &str) -> Result<T, Response> {
        required(header(parts, name, field)?, "header", name, field)
    }
}

/// `#[from_query("…")]` (the first value of a repeated key).
pub fn query<T>(parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response>
where
    T: FromStr,
    T::Err: Display,
{
    let query = parts.uri.query().unwrap_or_default();
    let pairs: Vec<(String, String)> =
        serde_html_form::from_str(query).map_err(|e| invalid("query parameter", name, field, e))?;
    match pairs.into_iter().find(|(k, _)| k == name) {
        Some((_, v)) => parse(&v, "query parameter", name, field).map(Some),
        None => Ok(None),
    }
}

/// `#[from_path("…")]`.
pub fn path<T>(parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response>
where
    T: FromStr,
    T::Err: Display,
{
    let Some(route) = RequestContext::of(parts).and_then(|ctx| ctx.route.as_ref()) else {
        return Ok(None);
    };
    let Some((_, raw)) = route.params().find(|(n, _)| *n == name) else {
        return Ok(None);
    };
    let value = decode(raw).map_err(|e| invalid("path parameter", name, field, e))?;
    parse(&value, "path parameter", name, field).map(Some)
}

/// `#[from_cookie("…")]`: the first cookie of that name; malformed pairs are skipped.
pub fn cookie<T>(parts: &Parts, name: &str, field: &str) -> Result<Option<T>, Response>
where
    T: FromStr,
    T::Err: Display,
{
    let found = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned());
    match found {
        Some(v) => parse(&v, "cookie", name, field).map(Some),
        None => Ok(None),
    }
}

/// `#[from_state]` and unmarked extractor fields.
pub async fn part<T: FromRequestParts>(parts: &mut Parts) -> Result<T, Response> {
    T::from_request_parts(parts)
        .await
        .map_err(IntoResponse::into_response)
}

/// `#[from_body]`.
pub async fn body_field<M, T: FromRequest<M>>(req: Request) -> Result<T, Response> {
    T::from_request(req)
        .await
        .map_err(IntoResponse::into_response)
}

/// A struct without field attributes: the whole body, JSON, urlencoded form or (with the
/// `multipart` feature) multipart form, by `Content-Type`.
pub async fn whole_body<T: DeserializeOwned + Send>(req: Request) -> Result<T, Response> {
    #[cfg(feature = "multipart")]
    return whole_body_with_files(req, Vec::new()).await;
    #[cfg(not(feature = "multipart"))]
    body_by_type(req).await
}

/// [`whole_body`] of a form whose files have `#[upload(…)]` rules.
#[cfg(feature = "multipart")]
#[cfg_attr(docsrs, doc(cfg(feature = "multipart")))]
pub async fn whole_body_with_files<T: DeserializeOwned + Send>(
    req: Request,
    rules: Vec<(&'static str, super::FileRules)>,
) -> Result<T, Response> {
    if is_multipart(req.headers()) {
        return super::multipart::form::multipart_form(req, &rules).await;
    }
    body_by_type(req).await
}

#[cfg(feature = "multipart")]
fn is_multipart(headers: &http::HeaderMap) -> bool {
    crate::media_type::is(headers, "multipart/form-data")
}

const ACCEPTED: &str = if cfg!(feature = "multipart") {
    "application/json, application/x-www-form-urlencoded, multipart/form-data"
} else {
    "application/json, application/x-www-form-urlencoded"
};

async fn body_by_type<T: DeserializeOwned + Send>(req: Request) -> Result<T, Response> {
    // The same media-type rules as the `Form` and `Json` extractors this dispatches to.
    if form::is_form(req.headers()) {
        Form::<T>::from_request(req)
            .await
            .map(|f| f.0)
            .map_err(IntoResponse::into_response)
    } else if json::is_json(req.headers()) {
        Json::<T>::from_request(req)
            .await
            .map(|j| j.0)
            .map_err(IntoResponse::into_response)
    } else {
        Err(Error::new(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .with_detail(format!("expected `Content-Type`: one of {ACCEPTED}"))
            .with_header(http::header::ACCEPT, HeaderValue::from_static(ACCEPTED))
            .into_response())
    }
}

/// `#[derive(FromRequest)]` on a type that also derives `Validate` validates it. The derive cannot
/// see the struct's other derives, so the choice is made at compile time by autoref: the
/// `ValidateIfValidate` impl (on `MaybeValidate`, for `T: Validate`, with the `validate` feature)
/// wins over the `SkipValidate` fallback (on `&MaybeValidate`).
#[derive(Debug)]
pub struct MaybeValidate<'a, T>(pub &'a T);

/// Validates; implemented for `MaybeValidate<T>` when `T: Validate`.
pub trait ValidateIfValidate {
    /// Runs the validation, answering 422 on failure.
    fn rws_validate(&self) -> Result<(), Response>;
}

/// The fallback: nothing to validate.
pub trait SkipValidate {
    /// Does nothing.
    fn rws_validate(&self) -> Result<(), Response>;
}

impl<T> SkipValidate for &MaybeValidate<'_, T> {
    fn rws_validate(&self) -> Result<(), Response> {
        Ok(())
    }
}
