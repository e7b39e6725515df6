//! `Query<T>`: the query string, deserialised.

use std::fmt;

use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::FromRequestParts;
use super::rejection::{Rejection, rejection};

/// The query string deserialised into `T` with serde; repeated keys fill a `Vec`.
///
/// ```
/// use rws::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Search { q: String, #[serde(default)] tag: Vec<String>, page: Option<u32> }
///
/// // GET /search?q=rust&tag=web&tag=async
/// async fn search(Query(s): Query<Search>) -> String {
///     format!("{} {:?} {:?}", s.q, s.tag, s.page)
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Send> FromRequestParts for Query<T> {
    type Rejection = QueryRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, QueryRejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_html_form::from_str(query)
            .map(Query)
            .map_err(|e| QueryRejection(e.to_string()))
    }
}

/// The query string does not deserialise into the type asked for (400).
#[derive(Debug)]
pub struct QueryRejection(String);

impl fmt::Display for QueryRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid query string: {}", self.0)
    }
}

impl Rejection for QueryRejection {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

rejection!(QueryRejection);
