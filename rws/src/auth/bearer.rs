//! `JwtLayer` and `Claims<T>`: bearer tokens checked in front of handlers.

use std::fmt;
use std::sync::Arc;

use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::jwt::{JwtConfig, JwtError, verify_claims};
use crate::error::Error;
use crate::extract::FromRequestParts;
use crate::middleware::{Middleware, Next};
use crate::response::IntoResponse;
use crate::{Request, Response};

/// What the layer found: verified claims, or no token at all (an optional layer).
#[derive(Clone, Debug)]
struct Checked(Option<Arc<Value>>);

type Requirement = Arc<dyn Fn(&Value) -> bool + Send + Sync>;

/// Checks `Authorization: Bearer <JWT>` per a [`JwtConfig`] before the handlers it wraps, which
/// read the claims with [`Claims<T>`].
///
/// A missing token gets 401 with `WWW-Authenticate: Bearer`; an invalid one (tampered,
/// expired, not yet valid, wrong issuer or audience, another algorithm) 401 with
/// `Bearer error="invalid_token"`; valid claims that fail [`require`](Self::require) 403 with
/// `error="insufficient_scope"`. All are problem details. [`optional`](Self::optional) lets
/// requests without a token through (`Option<Claims<T>>` is then `None`), never bad ones.
///
/// ```
/// use rws::prelude::*;
/// use rws::auth::{Claims, JwtConfig, JwtLayer};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct User { sub: String, role: String }
///
/// let config = JwtConfig::new(b"a secret of at least 32 bytes, really").issuer("rws");
/// let app = App::new()
///     .get("/me", |Claims(user): Claims<User>| async move { user.sub })
///     .nest("/admin", App::new()
///         .get("/", || async { "admin" })
///         .wrap(JwtLayer::new(config.clone()).require(|c| c["role"] == "admin")))
///     .wrap(JwtLayer::new(config).optional());
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct JwtLayer {
    config: JwtConfig,
    optional: bool,
    require: Option<Requirement>,
    realm: Option<String>,
}

impl fmt::Debug for JwtLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtLayer")
            .field("config", &self.config)
            .field("optional", &self.optional)
            .finish_non_exhaustive()
    }
}

impl JwtLayer {
    /// Requires a valid token.
    pub fn new(config: JwtConfig) -> Self {
        JwtLayer {
            config,
            optional: false,
            require: None,
            realm: None,
        }
    }

    /// Lets requests without a token through; an invalid token is still refused.
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Also requires `check` to accept the claims (a role, a scope); 403 if it does not.
    #[must_use]
    pub fn require(mut self, check: impl Fn(&Value) -> bool + Send + Sync + 'static) -> Self {
        self.require = Some(Arc::new(check));
        self
    }

    /// The `realm` named in `WWW-Authenticate`.
    #[must_use]
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    fn challenge(&self, error: Option<(&str, &str)>) -> HeaderValue {
        let mut value = String::from("Bearer");
        let mut params = Vec::new();
        if let Some(realm) = &self.realm {
            params.push(format!("realm=\"{}\"", realm.replace(['"', '\\'], "")));
        }
        if let Some((code, description)) = error {
            params.push(format!("error=\"{code}\""));
            params.push(format!("error_description=\"{description}\""));
        }
        if !params.is_empty() {
            value.push(' ');
            value.push_str(&params.join(", "));
        }
        HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }

    fn refuse(&self, status: StatusCode, error: Option<(&str, &str)>, detail: String) -> Response {
        Error::new(status)
            .with_detail(detail)
            .with_header(WWW_AUTHENTICATE, self.challenge(error))
            .into_response()
    }
}

/// The token of an `Authorization: Bearer` header: `Ok(None)` without one (or with another
/// scheme, which may be another layer's), `Err` for a malformed bearer header.
fn bearer(headers: &http::HeaderMap) -> Result<Option<&str>, ()> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(());
    }
    Ok(Some(token))
}

impl Middleware for JwtLayer {
    fn provides(&self, provided: &mut crate::middleware::Provided) {
        provided.extension::<Checked>();
    }

    fn problems(&self) -> Vec<String> {
        match self.config.check() {
            Ok(()) => Vec::new(),
            Err(e) => vec![format!("JwtLayer: {e}")],
        }
    }

    async fn handle(&self, mut req: Request, next: Next) -> Response {
        let Ok(token) = bearer(req.headers()) else {
            let expected = "expected `Authorization: Bearer <token>`";
            return self.refuse(
                StatusCode::UNAUTHORIZED,
                Some(("invalid_request", expected)),
                expected.into(),
            );
        };
        let checked = match token {
            None if self.optional => Checked(None),
            None => {
                return self.refuse(
                    StatusCode::UNAUTHORIZED,
                    None,
                    "this resource needs a bearer token".into(),
                );
            }
            Some(token) => match verify_claims(token, &self.config, super::jwt::now()) {
                Ok(claims) => {
                    if let Some(require) = &self.require
                        && !require(&claims)
                    {
                        return self.refuse(
                            StatusCode::FORBIDDEN,
                            Some(("insufficient_scope", "the token does not grant this")),
                            "the token does not grant access to this resource".into(),
                        );
                    }
                    Checked(Some(Arc::new(claims)))
                }
                Err(e) => {
                    return self.refuse(
                        StatusCode::UNAUTHORIZED,
                        Some(("invalid_token", "the token is not valid")),
                        e.to_string(),
                    );
                }
            },
        };
        req.extensions_mut().insert(checked);
        next.run(req).await
    }
}

/// The verified claims of the request's bearer token, as `T`: needs a [`JwtLayer`] in front.
/// Without a token (an optional layer) it is refused with 401; take `Option<Claims<T>>` to
/// serve anonymous requests too.
#[derive(Debug, Clone)]
pub struct Claims<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts for Claims<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Error> {
        let Some(Checked(claims)) = parts.extensions.get::<Checked>() else {
            return Err(crate::extract::missing_layer("Claims", "JwtLayer"));
        };
        let Some(claims) = claims else {
            return Err(Error::new(StatusCode::UNAUTHORIZED)
                .with_detail("this resource needs a bearer token")
                .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        };
        T::deserialize(&**claims).map(Claims).map_err(|e| {
            Error::new(StatusCode::UNAUTHORIZED)
                .with_detail(JwtError::Claims(e.to_string()).to_string())
                .with_header(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                )
        })
    }

    fn requirements(requirements: &mut crate::extract::Requirements) {
        requirements.layer::<Checked>("Claims", "JwtLayer");
    }
}
