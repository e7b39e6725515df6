//! The TLS listener: TCP accepts and handshakes in a task of their own, so that a slow or
//! silent client never holds up the next one.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;

use crate::connection::ConnectionInfo;
use crate::server::Listener;

/// How many handshakes may be under way at once; more TCP connections wait in the backlog.
const MAX_HANDSHAKES: usize = 512;

type Accepted = io::Result<(TlsStream<TcpStream>, ConnectionInfo)>;

/// A [`Listener`] of TLS connections, made by [`Tls::bind`](super::Tls::bind). Dropping it
/// stops accepting.
#[derive(Debug)]
pub struct TlsListener {
    local: SocketAddr,
    accepted: mpsc::Receiver<Accepted>,
    task: JoinHandle<()>,
}

impl TlsListener {
    pub(super) fn new(tcp: TcpListener, config: Arc<ServerConfig>, timeout: Duration) -> Self {
        let local = tcp
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (tx, accepted) = mpsc::channel(64);
        let task = tokio::spawn(accept_loop(tcp, TlsAcceptor::from(config), timeout, tx));
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
    acceptor: TlsAcceptor,
    timeout: Duration,
    tx: mpsc::Sender<Accepted>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(permit) = Arc::clone(&handshakes).acquire_owned().await else {
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
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            let _permit = permit;
            // Responses are written whole by hyper; Nagle's delay only adds latency.
            let _ = stream.set_nodelay(true);
            let Ok(local) = stream.local_addr() else {
                return;
            };
            match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let (_, session) = tls.get_ref();
                    let alpn = match session.alpn_protocol() {
                        Some(b"h2") => Some("h2"),
                        Some(b"http/1.1") => Some("http/1.1"),
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
