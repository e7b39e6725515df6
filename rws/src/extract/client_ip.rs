//! `ClientIp`: the client's address, behind trusted proxies only.

use std::net::IpAddr;

use http::request::Parts;
use http::{Extensions, HeaderMap};

use super::FromRequestParts;
use super::rejection::MissingContext;
use crate::context::RequestContext;
use crate::ip::{TrustedProxies, client_ip};

/// The client's IP address: the socket's peer, or, when that peer is one of the app's
/// [trusted proxies](crate::App::trusted_proxies), the address the proxy forwarded in
/// the one header it is configured to write (`X-Forwarded-For` unless
/// [`App::forwarded_header`](crate::App::forwarded_header) says otherwise; see [`crate::ip`]).
///
/// ```
/// use rws::extract::ClientIp;
///
/// async fn whoami(ClientIp(ip): ClientIp) -> String {
///     ip.to_string()
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client address of a request, if it came over a connection.
    pub(crate) fn of(extensions: &Extensions, headers: &HeaderMap) -> Option<IpAddr> {
        let ctx = extensions.get::<RequestContext>()?;
        let peer = ctx.connection.as_ref()?.peer_addr().ip();
        Some(match ctx.state.get::<TrustedProxies>() {
            Some(trusted) => client_ip(peer, headers, &trusted),
            None => peer.to_canonical(),
        })
    }
}

impl FromRequestParts for ClientIp {
    type Rejection = MissingContext;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, MissingContext> {
        ClientIp::of(&parts.extensions, &parts.headers)
            .map(ClientIp)
            .ok_or(MissingContext)
    }
}
