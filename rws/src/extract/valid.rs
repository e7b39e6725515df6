//! Validation: `#[derive(Validate)]` types checked during extraction, and `Valid<E>` for any
//! extractor of a validated type, answered with a 422 listing every failing field.

use std::borrow::Cow;

use http::request::Parts;
use serde_json::{Map, Value};
use validator::{ValidationErrors, ValidationErrorsKind};

use super::{Form, FromRequest, FromRequestParts, Json, Path, Query, Requirements};
use crate::Request;
use crate::error::Error;
use crate::response::{IntoResponse, Response};

pub use validator::Validate;

/// An extractor whose value was validated: `Valid<Json<T>>`, `Valid<Query<T>>`,
/// `Valid<Form<T>>`, `Valid<Path<T>>` for any `T: Validate`.
///
/// A failure is a 422 problem whose `errors` member lists each failing field with its JSON pointer,
/// the rule's code, a message and the rule's parameters.
///
/// ```
/// use rws::prelude::*;
/// use rws::extract::Valid;
///
/// #[derive(serde::Deserialize, rws::Validate)]
/// struct NewUser {
///     #[validate(length(min = 1, max = 50))]
///     name: String,
/// }
///
/// async fn create(Valid(Json(user)): Valid<Json<NewUser>>) -> String { user.name }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Valid<E>(pub E);

/// An extractor that holds a value to validate.
pub trait Validated {
    /// The value.
    fn validated(&self) -> &dyn Validate;
}

macro_rules! validated {
    ($($wrapper:ident),*) => {$(
        impl<T: Validate> Validated for $wrapper<T> {
            fn validated(&self) -> &dyn Validate {
                &self.0
            }
        }
    )*};
}

validated!(Json, Query, Form, Path);

// The rejection is built once on the cold path and returned as the extractor's answer.
#[allow(clippy::result_large_err)]
fn check<E: Validated>(value: E) -> Result<Valid<E>, Response> {
    match value.validated().validate() {
        Ok(()) => Ok(Valid(value)),
        Err(errors) => Err(rejection(&errors).into_response()),
    }
}

impl<E: FromRequestParts + Validated + Send> FromRequestParts for Valid<E> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Response> {
        let value = E::from_request_parts(parts)
            .await
            .map_err(IntoResponse::into_response)?;
        check(value)
    }

    fn requirements(requirements: &mut Requirements) {
        E::requirements(requirements);
    }
}

impl<E: FromRequest + Validated + Send> FromRequest for Valid<E> {
    type Rejection = Response;

    async fn from_request(req: Request) -> Result<Self, Response> {
        let value = E::from_request(req)
            .await
            .map_err(IntoResponse::into_response)?;
        check(value)
    }

    fn requirements(requirements: &mut Requirements) {
        E::requirements(requirements);
    }
}

/// The 422 problem for `errors`: `{"errors": [{"pointer": "/items/2/name", "code": "length",
/// "message": "…", "params": {"min": 1}}]}`, sorted by pointer.
pub fn rejection(errors: &ValidationErrors) -> Error {
    let mut list = Vec::new();
    collect(errors, &mut String::new(), &mut list);
    list.sort_by(|a, b| a["pointer"].as_str().cmp(&b["pointer"].as_str()));
    let n = list.len();
    Error::unprocessable_entity(format!(
        "{n} field{} failed validation",
        if n == 1 { "" } else { "s" }
    ))
    .with_title("Validation Failed")
    .with_extension("errors", list)
}

/// RFC 6901: `~` and `/` in a key are escaped.
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
}

fn collect(errors: &ValidationErrors, pointer: &mut String, out: &mut Vec<Value>) {
    for (field, kind) in errors.errors() {
        let len = pointer.len();
        push_token(pointer, field);
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let mut params = Map::new();
                    for (k, v) in &e.params {
                        if k != "value" {
                            params.insert(k.to_string(), v.clone());
                        }
                    }
                    let message = e
                        .message
                        .clone()
                        .unwrap_or_else(|| Cow::Owned(default_message(&e.code, &params)));
                    out.push(serde_json::json!({
                        "pointer": pointer.clone(),
                        "code": e.code,
                        "message": message,
                        "params": params,
                    }));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, pointer, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    let len = pointer.len();
                    push_token(pointer, &i.to_string());
                    collect(inner, pointer, out);
                    pointer.truncate(len);
                }
            }
        }
        pointer.truncate(len);
    }
}

fn default_message(code: &str, params: &Map<String, Value>) -> String {
    let p = |k: &str| params.get(k).map(ToString::to_string);
    match code {
        "length" => match (p("min"), p("max"), p("equal")) {
            (_, _, Some(eq)) => format!("must have a length of {eq}"),
            (Some(min), Some(max), _) => format!("must have a length between {min} and {max}"),
            (Some(min), None, _) => format!("must have a length of at least {min}"),
            (None, Some(max), _) => format!("must have a length of at most {max}"),
            _ => "has an invalid length".into(),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        "email" => "must be an email address".into(),
        "url" => "must be a URL".into(),
        "required" => "is required".into(),
        "must_match" => format!(
            "must match `{}`",
            p("other").unwrap_or_default().trim_matches('"')
        ),
        "contains" => format!("must contain {}", p("needle").unwrap_or_default()),
        "does_not_contain" => format!("must not contain {}", p("needle").unwrap_or_default()),
        "regex" => "does not have the expected format".into(),
        other => format!("failed `{other}`"),
    }
}

impl<T: Validate> super::derive::ValidateIfValidate for super::derive::MaybeValidate<'_, T> {
    fn rws_validate(&self) -> Result<(), Response> {
        self.0.validate().map_err(|e| rejection(&e).into_response())
    }
}
