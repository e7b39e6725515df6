//! `PathParams`: the seed's untyped path parameters, name to value.

use std::str::FromStr;

use http::request::Parts;

use super::FromRequestParts;
use super::path::PathRejection;
use super::rejection::MissingContext;
use crate::context::RequestContext;
use crate::error::Error;
use crate::router::decode;

/// Every path parameter of the matched route, percent-decoded, by name.
///
/// The older `rust-web-server` handed these to every handler; `Path<T>` is the typed way.
///
/// ```
/// use rws::extract::PathParams;
///
/// // GET /users/:id
/// async fn show(params: PathParams) -> Result<String, rws::Error> {
///     let id: u64 = params.parse("id")?; // 400 naming `id` if it is not a number
///     Ok(format!("{id} {}", params.get("id").unwrap_or_default()))
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams {
    params: Vec<(Box<str>, String)>,
}

impl PathParams {
    /// The value of `name`, if the route has such a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| **n == *name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name` parsed as `T`: a 400 naming the parameter if it does not parse, a
    /// 500 if the route has no such parameter (a mistake in the app).
    pub fn parse<T: FromStr>(&self, name: &str) -> Result<T, Error> {
        let value = self
            .get(name)
            .ok_or_else(|| Error::internal(format!("the route has no path parameter `{name}`")))?;
        value.parse().map_err(|_| {
            PathRejection::InvalidValue {
                name: name.to_owned(),
                value: value.to_owned(),
                expected: std::any::type_name::<T>().into(),
            }
            .into()
        })
    }

    /// Name and value of each parameter, in pattern order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (&**n, v.as_str()))
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }
}

impl FromRequestParts for PathParams {
    type Rejection = PathRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, PathRejection> {
        let route = RequestContext::of(parts)
            .and_then(|ctx| ctx.route.as_ref())
            .ok_or(PathRejection::MissingContext(MissingContext))?;
        let params = route
            .params()
            .map(|(name, raw)| match decode(raw) {
                Ok(value) => Ok((name.into(), value.into_owned())),
                Err(_) => Err(PathRejection::InvalidUtf8 {
                    name: name.to_owned(),
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(PathParams { params })
    }
}
