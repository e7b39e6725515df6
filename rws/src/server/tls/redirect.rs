//! The plain-HTTP side of an HTTPS server: every request redirected to `https://`.

use http::header::{self, HeaderValue};
use http::uri::Authority;
use http::{Method, StatusCode};

use crate::app::App;
use crate::response::IntoResponse;
use crate::{Error, Request, Response};

/// An app that answers every request with a redirect to the same URL over HTTPS on
/// `https_port`: 308 (method and body kept), or 301 for GET and HEAD when `permanent_get` is
/// set. The host comes from the `Host` header (or the HTTP/2 authority); a request without a
/// valid one gets 400, and when `allowed_hosts` is not empty a host outside it gets 400 too,
/// so that the redirect can never point at an arbitrary site.
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
    App::empty().fallback(move |req: Request| {
        let res = redirect(&req, https_port, &allowed, permanent_get);
        async move { res }
    })
}

fn redirect(req: &Request, port: u16, allowed: &[String], permanent_get: bool) -> Response {
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
    if host.as_str().contains('@') || (!allowed.is_empty() && !allowed.contains(&name)) {
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
