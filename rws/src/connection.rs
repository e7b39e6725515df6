//! `ConnectionInfo`: what is known about the connection a request came on.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use http::Version;

/// The connection a request arrived on: addresses, protocol version, TLS.
///
/// The server fills it from the real socket; [`TestClient`](crate::TestClient) uses
/// `127.0.0.1` on both ends. As an extractor it never fails when the app is served by rws; a
/// hand-rolled hyper server attaches it with
/// [`AppService::with_connection_info`](crate::AppService::with_connection_info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    peer: SocketAddr,
    local: SocketAddr,
    version: Version,
    tls: bool,
    server_name: Option<Arc<str>>,
    alpn: Option<&'static str>,
}

impl ConnectionInfo {
    /// A plain-text connection from `peer` to `local`.
    pub fn new(peer: SocketAddr, local: SocketAddr) -> Self {
        ConnectionInfo {
            peer,
            local,
            version: Version::HTTP_11,
            tls: false,
            server_name: None,
            alpn: None,
        }
    }

    /// Marks the connection as TLS, with the SNI name the client asked for.
    pub fn with_tls(mut self, server_name: Option<&str>) -> Self {
        self.tls = true;
        self.server_name = server_name.map(Into::into);
        self
    }

    /// Sets the protocol negotiated by ALPN (`h2`, `http/1.1`).
    pub fn with_alpn(mut self, protocol: Option<&'static str>) -> Self {
        self.alpn = protocol;
        self
    }

    /// Sets the HTTP version (the extractor fills it from the request).
    pub fn with_version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// The client's address (the seed's `peer_addr()`).
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The server's address the client connected to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The HTTP version of the request.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The TLS server name (SNI) the client asked for.
    pub fn server_name(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// The protocol TLS negotiated by ALPN (`h2`, `http/1.1`), if any.
    pub fn alpn(&self) -> Option<&'static str> {
        self.alpn
    }

    /// The loopback connection the in-process test client pretends to be.
    pub(crate) fn loopback() -> Self {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        ConnectionInfo::new(SocketAddr::new(ip, 49152), SocketAddr::new(ip, 7878))
    }
}

/// Keeps the connection a request came on counted as busy, not idle, while something the
/// request started outlives its response: the stream of an HTTP/2 CONNECT (a WebSocket) goes
/// on after the `200` was sent, and the idle timeout must not close the connection under it.
#[derive(Clone)]
pub(crate) struct UpgradeGuard(#[allow(dead_code)] pub(crate) Arc<dyn std::any::Any + Send + Sync>);

impl std::fmt::Debug for UpgradeGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UpgradeGuard")
    }
}

/// Turns true when the server starts shutting down: for what a request started that outlives
/// its connection's HTTP life (an upgraded WebSocket), so it can say goodbye (close 1001).
#[derive(Clone, Debug)]
pub(crate) struct GoingAway(pub(crate) tokio::sync::watch::Receiver<bool>);

impl GoingAway {
    /// Resolves once the server shuts down, or is gone.
    #[cfg_attr(not(feature = "ws"), allow(dead_code))]
    pub(crate) async fn wait(mut self) {
        // `wait_for`'s guard is not `Send`: dropped here, never held across the caller's awaits.
        let _ = self.0.wait_for(|going| *going).await;
    }
}
