//! The TLS listener: TCP accepts and handshakes in a task of their own, so that a slow or
//! silent client never holds up the next one.
//!
//! Handshakes cannot be starved by sockets that say nothing: a connection first waits (without
//! a handshake slot, for at most [`FIRST_BYTE_TIMEOUT`]) for its `ClientHello` to start arriving;
//! only then does it take one of the [`MAX_HANDSHAKES`] slots, and one client address holds at
//! most [`MAX_HANDSHAKES_PER_IP`] of them. Hundreds of idle sockets cost a task and a
//! descriptor each for three seconds, and a client that speaks gets a slot at once.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::LazyConfigAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::server::Acceptor;
use tokio_rustls::server::TlsStream;

use super::challenges::Challenges;

use crate::connection::ConnectionInfo;
use crate::server::Listener;

/// How many handshakes may be under way at once (after the first `ClientHello` bytes).
const MAX_HANDSHAKES: usize = 512;
/// How many of them one client address may hold.
const MAX_HANDSHAKES_PER_IP: usize = 64;
/// How many connections may wait for their first byte at once; more wait in the backlog.
const MAX_SILENT: usize = 4096;
/// How long a connection may take to send the first byte of its `ClientHello` (or the
/// handshake timeout, if shorter).
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(3);

type Accepted = io::Result<(TlsStream<TcpStream>, ConnectionInfo)>;

/// A [`Listener`] of TLS connections, made by [`Tls::bind`](super::Tls::bind). Dropping it
/// stops accepting.
#[derive(Debug)]
pub struct TlsListener {
    local: SocketAddr,
    accepted: mpsc::Receiver<Accepted>,
    task: JoinHandle<()>,
}

/// What a handshake is answered with: the served configuration, or, for a `ClientHello` asking
/// for `acme-tls/1` while a tls-alpn-01 challenge for its name is open, the challenge one.
#[derive(Clone)]
pub(super) struct Configs {
    pub(super) served: Arc<ServerConfig>,
    pub(super) challenge: Arc<ServerConfig>,
    pub(super) challenges: Arc<Challenges>,
}

impl Configs {
    async fn handshake(&self, stream: TcpStream) -> io::Result<TlsStream<TcpStream>> {
        let start = LazyConfigAcceptor::new(Acceptor::default(), stream).await?;
        let config = if self.challenges.alpn_open_for(&start.client_hello()) {
            Arc::clone(&self.challenge)
        } else {
            Arc::clone(&self.served)
        };
        start.into_stream(config).await
    }
}

impl TlsListener {
    pub(super) fn new(tcp: TcpListener, configs: Configs, timeout: Duration) -> Self {
        let local = tcp
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (tx, accepted) = mpsc::channel(64);
        let task = tokio::spawn(accept_loop(tcp, configs, timeout, tx));
        TlsListener {
            local,
            accepted,
            task,
        }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(
    tcp: TcpListener,
    configs: Configs,
    timeout: Duration,
    tx: mpsc::Sender<Accepted>,
) {
    let silent = Arc::new(Semaphore::new(MAX_SILENT));
    let slots = Arc::new(Slots::default());
    loop {
        let Ok(waiting) = Arc::clone(&silent).acquire_owned().await else {
            return;
        };
        let (stream, peer) = match tcp.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                if tx.send(Err(e)).await.is_err() {
                    return;
                }
                continue;
            }
        };
        let (configs, tx, slots) = (configs.clone(), tx.clone(), Arc::clone(&slots));
        tokio::spawn(async move {
            // Responses are written whole by hyper; Nagle's delay only adds latency.
            let _ = stream.set_nodelay(true);
            let Ok(local) = stream.local_addr() else {
                return;
            };
            let mut first = [0u8; 1];
            let first_byte = FIRST_BYTE_TIMEOUT.min(timeout);
            match tokio::time::timeout(first_byte, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                Ok(_) => return,
                Err(_) => {
                    tracing::debug!(%peer, "no ClientHello within the first-byte timeout");
                    return;
                }
            }
            drop(waiting);
            let Some(_slot) = slots.take(peer.ip()) else {
                tracing::debug!(%peer, "too many TLS handshakes at once: refused");
                return;
            };
            match tokio::time::timeout(timeout, configs.handshake(stream)).await {
                Ok(Ok(tls)) => {
                    let (_, session) = tls.get_ref();
                    let alpn = match session.alpn_protocol() {
                        Some(b"h2") => Some("h2"),
                        Some(b"http/1.1") => Some("http/1.1"),
                        // The CA has seen the challenge certificate; nothing is served here
                        // (RFC 8737 §3).
                        Some(super::challenges::ACME_TLS_ALPN) => return,
                        _ => None,
                    };
                    let info = ConnectionInfo::new(peer, local)
                        .with_tls(session.server_name())
                        .with_alpn(alpn);
                    let _ = tx.send(Ok((tls, info))).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

/// The handshake slots, counted overall and per client address.
#[derive(Default)]
struct Slots {
    by_ip: Mutex<HashMap<IpAddr, usize>>,
}

impl Slots {
    /// A slot for `ip`, or `None` when all are taken or `ip` holds its share.
    fn take(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let mut by_ip = self.by_ip.lock().ok()?;
        let total: usize = by_ip.values().sum();
        let mine = by_ip.entry(ip).or_default();
        if total >= MAX_HANDSHAKES || *mine >= MAX_HANDSHAKES_PER_IP {
            return None;
        }
        *mine += 1;
        Some(Slot {
            slots: Arc::clone(self),
            ip,
        })
    }
}

/// A handshake's slot, given back when it ends.
struct Slot {
    slots: Arc<Slots>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut by_ip) = self.slots.by_ip.lock()
            && let Some(count) = by_ip.get_mut(&self.ip)
        {
            *count -= 1;
            if *count == 0 {
                by_ip.remove(&self.ip);
            }
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;

    async fn accept(&mut self) -> io::Result<(Self::Io, ConnectionInfo)> {
        match self.accepted.recv().await {
            Some(accepted) => accepted,
            None => Err(io::Error::other("the TLS accept task ended")),
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}
