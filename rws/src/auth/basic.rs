//! HTTP Basic authentication (RFC 7617): the `BasicAuthLayer` and `BasicCredentials`.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::request::Parts;
use http::{HeaderValue, StatusCode};

use super::constant_time_eq;
use crate::error::Error;
use crate::extract::FromRequestParts;
use crate::middleware::{Middleware, Next};
use crate::response::IntoResponse;
use crate::{Request, Response};

/// The user id and password of an `Authorization: Basic` header, UTF-8 decoded. The password
/// may contain `:`; the user id cannot (RFC 7617 §2).
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    /// The user id.
    pub user: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl BasicCredentials {
    /// The credentials of `headers`' `Authorization`, if it holds well-formed Basic ones.
    pub fn from_headers(headers: &http::HeaderMap) -> Option<Self> {
        let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
        let (scheme, encoded) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some(BasicCredentials {
            user: user.to_owned(),
            password: password.to_owned(),
        })
    }
}

/// The request's Basic credentials: 401 with a `Basic` challenge when there are none. Behind
/// a [`BasicAuthLayer`] they are the verified ones.
impl FromRequestParts for BasicCredentials {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Error> {
        BasicCredentials::from_headers(&parts.headers).ok_or_else(|| {
            Error::new(StatusCode::UNAUTHORIZED)
                .with_detail("this resource needs Basic credentials")
                .with_header(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic charset=\"UTF-8\""),
                )
        })
    }
}

type Verifier = Arc<dyn Fn(&BasicCredentials) -> bool + Send + Sync>;

/// Requires Basic credentials that `verify` accepts; 401 with `WWW-Authenticate: Basic
/// realm="…", charset="UTF-8"` (a problem-details body) otherwise.
///
/// Compare secrets with [`constant_time_eq`], as [`BasicAuthLayer::single`] does, so that timing
/// tells an attacker nothing.
///
/// ```
/// use rws::prelude::*;
/// use rws::auth::{BasicAuthLayer, BasicCredentials, constant_time_eq};
///
/// let app = App::new()
///     .get("/admin", |who: BasicCredentials| async move { format!("hello {}", who.user) })
///     .wrap(BasicAuthLayer::new("admin area", |c| {
///         c.user == "admin" && constant_time_eq(c.password.as_bytes(), b"correct horse")
///     }));
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct BasicAuthLayer {
    realm: HeaderValue,
    verify: Verifier,
}

impl fmt::Debug for BasicAuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuthLayer")
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

impl BasicAuthLayer {
    /// Credentials `verify` accepts, for `realm`.
    pub fn new(
        realm: &str,
        verify: impl Fn(&BasicCredentials) -> bool + Send + Sync + 'static,
    ) -> Self {
        let realm = realm.replace(['"', '\\'], "");
        let challenge = format!("Basic realm=\"{realm}\", charset=\"UTF-8\"");
        BasicAuthLayer {
            realm: HeaderValue::try_from(challenge)
                .unwrap_or_else(|_| HeaderValue::from_static("Basic charset=\"UTF-8\"")),
            verify: Arc::new(verify),
        }
    }

    /// Exactly one user id and password, both compared in constant time.
    pub fn single(realm: &str, user: &str, password: &str) -> Self {
        let (user, password) = (user.to_owned(), password.to_owned());
        BasicAuthLayer::new(realm, move |c| {
            // `&` not `&&`: both comparisons always run.
            constant_time_eq(c.user.as_bytes(), user.as_bytes())
                & constant_time_eq(c.password.as_bytes(), password.as_bytes())
        })
    }
}

impl Middleware for BasicAuthLayer {
    async fn handle(&self, req: Request, next: Next) -> Response {
        let accepted =
            BasicCredentials::from_headers(req.headers()).is_some_and(|c| (self.verify)(&c));
        if accepted {
            return next.run(req).await;
        }
        Error::new(StatusCode::UNAUTHORIZED)
            .with_detail("missing or wrong credentials")
            .with_header(WWW_AUTHENTICATE, self.realm.clone())
            .into_response()
    }
}
