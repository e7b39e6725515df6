//! `OriginalUri` and `Host`: what the client asked for, before anything in between changed it.

use std::fmt;

use http::request::Parts;
use http::{StatusCode, Uri};

use super::FromRequestParts;
use super::rejection::{Rejection, rejection};
use crate::context::RequestContext;
use crate::ip::{TrustedProxies, forwarded_host};

/// The request's URI as it arrived, before a middleware rewrote it.
///
/// A middleware that rewrites the URI keeps the original by inserting `OriginalUri` into the
/// request's extensions first (if none is there yet); without one, this is the request's URI.
///
/// ```
/// use rws::prelude::*;
/// use rws::extract::OriginalUri;
///
/// async fn whoami(OriginalUri(uri): OriginalUri) -> String {
///     uri.to_string()
/// }
/// # let _ = App::new().get("/me", whoami);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalUri(pub Uri);

impl FromRequestParts for OriginalUri {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<OriginalUri>()
            .cloned()
            .unwrap_or_else(|| OriginalUri(parts.uri.clone())))
    }
}

/// The host the client asked for, port included when it sent one: the `X-Forwarded-Host` (or
/// `Forwarded: host=`) of a [trusted proxy](crate::App::trusted_proxies), else the `Host`
/// header, else the URI's authority (HTTP/2's `:authority`). Never read from an untrusted
/// forwarding header. A request with none is a 400 problem.
///
/// ```
/// use rws::prelude::*;
/// use rws::extract::Host;
///
/// async fn site(Host(host): Host) -> String {
///     format!("welcome to {host}")
/// }
/// # let _ = App::new().get("/", site);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host(pub String);

impl FromRequestParts for Host {
    type Rejection = HostRejection;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, HostRejection> {
        let forwarded = RequestContext::of(parts).and_then(|ctx| {
            let peer = ctx.connection.as_ref()?.peer_addr().ip();
            let trusted = ctx.state.get::<TrustedProxies>()?;
            forwarded_host(peer, &parts.headers, &trusted)
        });
        if let Some(host) = forwarded {
            return Ok(Host(host));
        }
        let header = parts
            .headers
            .get(http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| !h.is_empty());
        header
            .or_else(|| parts.uri.authority().map(http::uri::Authority::as_str))
            .map(|h| Host(h.to_owned()))
            .ok_or(HostRejection)
    }
}

/// The request names no host (400).
#[derive(Debug, Clone, Copy)]
pub struct HostRejection;

impl fmt::Display for HostRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request names no host (no `Host` header or authority)")
    }
}

impl Rejection for HostRejection {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

rejection!(HostRejection);
