//! `Query<T>`: the query string, deserialised.

use std::fmt;

use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::FromRequestParts;
use super::field_path::{FieldError, urlencoded};
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
        urlencoded(query.as_bytes())
            .map(Query)
            .map_err(QueryRejection)
    }
}

/// The query string does not deserialise into the type asked for (400), naming the parameter
/// (`path` and `pointer` members, as `Json` has).
#[derive(Debug)]
pub struct QueryRejection(FieldError);

impl QueryRejection {
    /// The parameter that failed, like `page` or `tag[1]`; `.` for the whole query.
    pub fn path(&self) -> &str {
        &self.0.path
    }
}

impl fmt::Display for QueryRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.describe("query parameter", "query string"))
    }
}

impl Rejection for QueryRejection {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn decorate(&self, error: crate::Error) -> crate::Error {
        error
            .with_extension("path", &self.0.path)
            .with_extension("pointer", &self.0.pointer)
    }
}

rejection!(QueryRejection);
