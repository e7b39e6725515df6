//! The plain-HTTP side of an HTTPS server: every request redirected to `https://`.

use http::header::{self, HeaderValue};
use http::uri::Authority;
use http::{Method, StatusCode};

use super::Certificates;
use crate::app::App;
use crate::response::IntoResponse;
use crate::{Error, Request, Response};

/// An app that answers every request with a redirect to the same URL over HTTPS on
/// `https_port`: 308 (method and body kept), or 301 for GET and HEAD when `permanent_get` is
/// set, to the hosts in `allowed_hosts` only (case-insensitive). Any other `Host`, a missing
/// one, or one with user information gets 400, so that the redirect never points at a site of
/// someone else's choosing; an empty list allows no host. To allow exactly the names the
/// server's certificates cover, use [`redirect_to_https_for`].
///
/// ```no_run
/// # async fn run() -> Result<(), rws::ServeError> {
/// let redirect = rws::server::tls::redirect_to_https(8443, &["example.com"], false);
/// redirect.serve("0.0.0.0:8080").await
/// # }
/// ```
pub fn redirect_to_https(https_port: u16, allowed_hosts: &[&str], permanent_get: bool) -> App {
    let allowed: Vec<String> = allowed_hosts
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    redirect_app(https_port, Allowed::Listed(allowed), permanent_get)
}

/// [`redirect_to_https`] to the hosts the certificates are valid for (checked at each request,
/// so a replaced certificate's names apply at once): what the `rws` binary does when
/// `tls.redirect_hosts` is empty.
pub fn redirect_to_https_for(
    certificates: Certificates,
    https_port: u16,
    permanent_get: bool,
) -> App {
    redirect_app(https_port, Allowed::Covered(certificates), permanent_get)
}

/// The hosts a redirect may point at.
enum Allowed {
    Listed(Vec<String>),
    Covered(Certificates),
}

impl Allowed {
    fn allows(&self, name: &str) -> bool {
        match self {
            Allowed::Listed(names) => names.iter().any(|n| n == name),
            Allowed::Covered(certificates) => certificates.cover(name),
        }
    }
}

fn redirect_app(https_port: u16, allowed: Allowed, permanent_get: bool) -> App {
    let allowed = std::sync::Arc::new(allowed);
    App::empty().fallback(move |req: Request| {
        let res = redirect(&req, https_port, &allowed, permanent_get);
        async move { res }
    })
}

fn redirect(req: &Request, port: u16, allowed: &Allowed, permanent_get: bool) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<Authority>().ok())
        .or_else(|| req.uri().authority().cloned());
    let Some(host) = host else {
        return Error::bad_request("a Host header naming this server is required").into_response();
    };
    let name = host.host().to_ascii_lowercase();
    if host.as_str().contains('@') || !allowed.allows(&name) {
        return Error::bad_request(format!("{name} is not served here")).into_response();
    }
    let authority = if port == 443 {
        name
    } else {
        format!("{name}:{port}")
    };
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let location = format!("https://{authority}{target}");
    let status = if permanent_get && (req.method() == Method::GET || req.method() == Method::HEAD) {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::PERMANENT_REDIRECT
    };
    match HeaderValue::from_str(&location) {
        Ok(location) => {
            let mut res = status.into_response();
            res.headers_mut().insert(header::LOCATION, location);
            res
        }
        Err(_) => Error::bad_request("the request's host cannot be redirected").into_response(),
    }
}
