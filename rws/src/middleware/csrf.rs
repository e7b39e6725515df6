//! CSRF protection by double submit: a random token in a cookie, echoed by every unsafe request.

use http::header::HeaderName;
use http::request::Parts;
use http::{Method, StatusCode};
use http_body_util::BodyExt;

use super::{Middleware, Next};
use crate::context::RequestContext;
use crate::cookie::{Cookie, SameSite};
use crate::extract::FromRequestParts;
use crate::response::IntoResponse;
use crate::secret::{constant_time_eq, is_token, random_token};
use crate::{Body, Error, Request, Response};

/// The largest form body the layer reads to find the token field.
const FORM_LIMIT: usize = 256 * 1024;

/// Protects cookie-authenticated forms and requests from cross-site request forgery.
///
/// Safe requests (`GET`, `HEAD`, `OPTIONS`, `TRACE`) pass, and get a token cookie if they have
/// none; handlers put the token in their forms with the [`CsrfToken`] extractor. Every other
/// request must send the same token back, in the `X-CSRF-Token` header or the `csrf_token`
/// field of a url-encoded form; otherwise it gets 403 (problem details) and the handler is not
/// called. The cookie is `HttpOnly`, `SameSite=Strict`, and on TLS named `__Host-rws_csrf`
/// (`Secure`, no `Domain`), so that a sibling subdomain cannot plant one.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::{CsrfLayer, CsrfToken};
///
/// async fn form(token: CsrfToken) -> Html<String> {
///     Html(format!(
///         r#"<form method="post" action="/transfer">
///              <input type="hidden" name="csrf_token" value="{}">
///              <button>Send</button></form>"#,
///         token.value()
///     ))
/// }
///
/// let app = App::new()
///     .get("/", form)
///     .post("/transfer", || async { "done" })
///     .wrap(CsrfLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct CsrfLayer {
    header: HeaderName,
    field: String,
}

impl Default for CsrfLayer {
    fn default() -> Self {
        CsrfLayer::new()
    }
}

/// The request's CSRF token, to embed in forms (a hidden `csrf_token` field) or pages (for
/// scripts to send as `X-CSRF-Token`). Needs a [`CsrfLayer`] in front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(String);

impl CsrfToken {
    /// The token.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl FromRequestParts for CsrfToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Error> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or_else(|| crate::extract::missing_layer("CsrfToken", "CsrfLayer"))
    }

    fn requirements(requirements: &mut crate::extract::Requirements) {
        requirements.layer::<CsrfToken>("CsrfToken", "CsrfLayer");
    }
}

impl CsrfLayer {
    /// Header `X-CSRF-Token`, form field `csrf_token`.
    pub fn new() -> Self {
        CsrfLayer {
            header: HeaderName::from_static("x-csrf-token"),
            field: "csrf_token".to_owned(),
        }
    }

    /// The form field carrying the token.
    #[must_use]
    pub fn form_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The token the request carries in the header or, for a url-encoded form, in its field;
    /// the request comes back whole either way.
    async fn submitted(&self, req: Request) -> Result<(Option<String>, Request), Response> {
        if let Some(value) = req.headers().get(&self.header) {
            let token = value.to_str().ok().map(str::to_owned);
            return Ok((token, req));
        }
        let form = crate::media_type::is(req.headers(), "application/x-www-form-urlencoded");
        if !form {
            return Ok((None, req));
        }
        let (parts, body) = req.into_parts();
        let limited = http_body_util::Limited::new(body, FORM_LIMIT);
        let bytes = match limited.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return Err(Error::new(StatusCode::PAYLOAD_TOO_LARGE)
                    .with_detail("the form is too large to check its CSRF token")
                    .into_response());
            }
        };
        let token = form_urlencoded_field(&bytes, &self.field);
        Ok((token, Request::from_parts(parts, Body::from(bytes))))
    }
}

/// The value of `field` in a url-encoded form.
fn form_urlencoded_field(form: &[u8], field: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(form).ok()?;
    pairs.into_iter().find(|(k, _)| k == field).map(|(_, v)| v)
}

fn refuse(detail: &'static str) -> Response {
    Error::new(StatusCode::FORBIDDEN)
        .with_title("CSRF check failed")
        .with_detail(detail)
        .into_response()
}

impl Middleware for CsrfLayer {
    fn provides(&self, provided: &mut crate::middleware::Provided) {
        provided.extension::<CsrfToken>();
    }

    async fn handle(&self, mut req: Request, next: Next) -> Response {
        let tls = RequestContext::is_secure(req.extensions(), req.headers());
        let name = if tls { "__Host-rws_csrf" } else { "rws_csrf" };
        let cookie = crate::cookie::value(req.headers(), name).filter(|t| is_token(t));
        let safe = matches!(
            *req.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        );
        if safe {
            let (token, fresh) = match cookie {
                Some(token) => (token, false),
                None => match random_token() {
                    Ok(token) => (token, true),
                    Err(e) => {
                        return Error::internal(format!("no randomness: {e}")).into_response();
                    }
                },
            };
            req.extensions_mut().insert(CsrfToken(token.clone()));
            let mut res = next.run(req).await;
            if fresh {
                let cookie = Cookie::build((name, token))
                    .http_only(true)
                    .same_site(SameSite::Strict)
                    .secure(tls)
                    .path("/")
                    .build();
                if let Err(e) = crate::cookie::set_cookies(&mut res, std::iter::once(&cookie)) {
                    return e.into_response();
                }
            }
            return res;
        }
        let Some(expected) = cookie else {
            return refuse("no CSRF cookie: load the form again");
        };
        let (submitted, mut req) = match self.submitted(req).await {
            Ok(found) => found,
            Err(res) => return res,
        };
        let Some(submitted) = submitted else {
            return refuse("the request carries no CSRF token");
        };
        if !constant_time_eq(submitted.as_bytes(), expected.as_bytes()) {
            return refuse("the CSRF token does not match");
        }
        req.extensions_mut().insert(CsrfToken(expected));
        next.run(req).await
    }
}
