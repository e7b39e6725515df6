//! HTTP/3: the same app over QUIC (quinn) and h3, beside the TCP listener on the same port.
//!
//! ```no_run
//! use rws::prelude::*;
//! use rws::server::{Server, tls::Tls};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tls = Tls::from_pem_files("cert.pem", "key.pem")?;
//! let tcp = tokio::net::TcpListener::bind("0.0.0.0:8443").await?;
//! let quic = tls.bind_http3(tcp.local_addr()?)?; // UDP, same port
//! Server::new(App::new()).http3(quic).serve(tls.bind(tcp)).await?;
//! # Ok(()) }
//! ```
//!
//! TCP responses then carry `Alt-Svc: h3=":PORT"; ma=86400`, which tells browsers to switch.
//! Shutdown sends each QUIC connection GOAWAY, lets its requests finish within the grace
//! period, and closes it with `H3_NO_ERROR`.

mod conn;
mod request;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::rustls::ServerConfig;
use tracing::Instrument;

use super::Limits;
use super::observer::Observer;
use crate::app::AppService;

/// `H3_NO_ERROR` (RFC 9114 §8.1): the code of a connection closed on purpose.
const H3_NO_ERROR: u32 = 0x100;

/// A QUIC endpoint accepting HTTP/3, made by [`Tls::bind_http3`](super::tls::Tls::bind_http3).
pub struct Http3Listener {
    endpoint: quinn::Endpoint,
    tls: Arc<ServerConfig>,
    handshake_timeout: Duration,
}

impl fmt::Debug for Http3Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http3Listener")
            .field("local_addr", &self.endpoint.local_addr().ok())
            .finish_non_exhaustive()
    }
}

impl Http3Listener {
    pub(crate) fn bind(
        addr: SocketAddr,
        tls: Arc<ServerConfig>,
        handshake_timeout: Duration,
    ) -> io::Result<Http3Listener> {
        let config = quic_config(&tls, &Limits::default())?;
        let endpoint = quinn::Endpoint::server(config, addr)?;
        Ok(Http3Listener {
            endpoint,
            tls,
            handshake_timeout,
        })
    }

    /// The UDP address the endpoint is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.endpoint.local_addr()
    }

    /// The `Alt-Svc` value advertising this endpoint to clients of the TCP listener.
    pub(crate) fn alt_svc(&self) -> Option<HeaderValue> {
        let port = self.local_addr().ok()?.port();
        HeaderValue::try_from(format!("h3=\":{port}\"; ma=86400")).ok()
    }
}

/// Each HTTP/3 stream may have this much of its request body in flight to us.
const STREAM_WINDOW: u32 = 256 * 1024;
/// All of one connection's streams together, each way.
const CONNECTION_WINDOW: u32 = 1536 * 1024;

/// quinn's server configuration: the TLS 1.3 `h3` config and transport limits from the
/// server's own.
fn quic_config(tls: &Arc<ServerConfig>, limits: &Limits) -> io::Result<quinn::ServerConfig> {
    let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(Arc::clone(tls))
        .map_err(|e| io::Error::other(format!("TLS configuration unusable for QUIC: {e}")))?;
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    let mut transport = quinn::TransportConfig::default();
    transport.max_concurrent_bidi_streams(limits.http2_max_concurrent_streams.into());
    // The peer opens its control and QPACK streams; nothing else needs more.
    transport.max_concurrent_uni_streams(8u32.into());
    if let Ok(idle) = quinn::IdleTimeout::try_from(limits.keep_alive_timeout) {
        transport.max_idle_timeout(Some(idle));
    }
    // Memory per connection is bounded by its windows, what the client may send us unread (all
    // streams together) and what we buffer for it unacknowledged, 3 MiB (quinn's default
    // receive window is unbounded, its send window 10 MB), and by the 64 bodies it may have
    // sending, 128 KiB each for a file: about 11 MiB. 20 connections of 200 unread streams of
    // a large file grow RSS by 220 MiB (720 MiB before; `tests/abuse/http3_memory.rs`).
    transport.stream_receive_window(STREAM_WINDOW.into());
    transport.receive_window(CONNECTION_WINDOW.into());
    transport.send_window(u64::from(CONNECTION_WINDOW));
    config.transport_config(Arc::new(transport));
    Ok(config)
}

/// The HTTP/3 side of a running server.
pub(crate) struct Running {
    pub(crate) alt_svc: Option<HeaderValue>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts serving HTTP/3 on `listener` in a task of its own.
pub(crate) fn start(
    listener: Http3Listener,
    service: AppService,
    limits: Arc<Limits>,
    observer: Option<Observer>,
) -> Running {
    let (stop, stopped) = watch::channel(false);
    Running {
        alt_svc: listener.alt_svc(),
        stop,
        task: tokio::spawn(serve(listener, service, limits, stopped, observer)),
    }
}

impl Running {
    /// Starts the graceful shutdown of every QUIC connection.
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits until every QUIC connection is closed.
    pub(crate) async fn finished(self) {
        if let Err(e) = self.task.await
            && e.is_panic()
        {
            tracing::error!("the HTTP/3 task panicked");
        }
    }
}

/// Serves HTTP/3 on `listener` until `stop` turns true, then drains within the grace period
/// and closes every connection with `H3_NO_ERROR`.
async fn serve(
    listener: Http3Listener,
    service: AppService,
    limits: Arc<Limits>,
    mut stop: watch::Receiver<bool>,
    observer: Option<Observer>,
) {
    let Http3Listener {
        endpoint,
        tls,
        handshake_timeout,
    } = listener;
    match quic_config(&tls, &limits) {
        Ok(config) => endpoint.set_server_config(Some(config)),
        Err(e) => tracing::warn!(error = %e, "HTTP/3 keeps its default transport limits"),
    }
    let local = endpoint.local_addr().ok();
    tracing::info!(address = ?local, "rws listening for HTTP/3");
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            () = conn::stopped(&mut stop) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            incoming = endpoint.accept() => {
                let Some(incoming) = incoming else { break };
                if connections.len() >= limits.max_connections {
                    incoming.refuse();
                    continue;
                }
                let peer = incoming.remote_address();
                let span = tracing::debug_span!("h3 connection", peer = %peer);
                let job = conn::Job {
                    service: service.clone(),
                    limits: Arc::clone(&limits),
                    stop: stop.clone(),
                    observer: observer.clone(),
                    handshake_timeout,
                    local,
                };
                connections.spawn(job.run(incoming).instrument(span));
            }
        }
    }
    // Connections saw `stop` too: each sent GOAWAY and finishes its requests.
    let drained = tokio::time::timeout(limits.grace_period, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "grace period over: closing the remaining HTTP/3 connections"
        );
        connections.shutdown().await;
    }
    endpoint.close(H3_NO_ERROR.into(), b"server shutting down");
    // Lets the close frames go out; a peer that never acknowledges does not hold the exit.
    let _ = tokio::time::timeout(Duration::from_secs(1), endpoint.wait_idle()).await;
}
