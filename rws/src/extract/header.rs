//! `FromHeader`: a value read from one named request header, with a rejection of its own.

use http::HeaderValue;

use crate::error::Error;

/// A type that reads itself from one request header, rejecting in its own way: what
/// `#[derive(FromRequest)]` uses for a `#[from_header("…")]` field of that type, so that the
/// field keeps the type's status, headers and body (a [`BearerToken`](super::BearerToken) is a
/// 401 with `WWW-Authenticate`) and the problem only gains a `field` member. Field types without
/// it are parsed with `FromStr`, and a missing or unparseable value is a 400.
///
/// ```
/// use rws::prelude::*;
/// use rws::extract::FromHeader;
///
/// struct ApiKey(String);
///
/// impl FromHeader for ApiKey {
///     type Rejection = Error;
///     fn from_header(value: Option<&HeaderValue>) -> Result<Self, Error> {
///         let key = value.and_then(|v| v.to_str().ok()).filter(|k| k.len() == 32);
///         key.map(|k| ApiKey(k.to_owned()))
///             .ok_or_else(|| Error::unauthorized("a 32-character API key is needed"))
///     }
/// }
///
/// #[derive(FromRequest)]
/// struct Caller {
///     #[from_header("x-api-key")]
///     key: ApiKey,
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let app = App::empty().get("/", |c: Caller| async move { c.key.0 });
/// let res = TestClient::new(app).get("/").send().await;
/// assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(res.json::<serde_json::Value>().await["field"], "key");
/// # }
/// ```
pub trait FromHeader: Sized {
    /// What a missing or unusable value answers with.
    type Rejection: Into<Error>;

    /// Reads the value; `value` is `None` when the request has no such header.
    fn from_header(value: Option<&HeaderValue>) -> Result<Self, Self::Rejection>;
}
