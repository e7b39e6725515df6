//! Where connections come from: the seam between accepting and serving.
//!
//! The connection loop is written once against [`Listener`]; plain TCP implements it here, and
//! other transports (TLS) implement it beside it instead of forking the loop.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

use crate::connection::ConnectionInfo;

/// A source of connections.
pub trait Listener: Send + 'static {
    /// The connection's byte stream.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// Waits for the next connection. Errors are per-connection (the server logs them, backs
    /// off briefly and goes on).
    fn accept(&mut self) -> impl Future<Output = io::Result<(Self::Io, ConnectionInfo)>> + Send;

    /// The address it listens on.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl Listener for TcpListener {
    type Io = TcpStream;

    async fn accept(&mut self) -> io::Result<(TcpStream, ConnectionInfo)> {
        let (stream, peer) = TcpListener::accept(self).await?;
        // Responses are written whole by hyper; Nagle's delay only adds latency.
        stream.set_nodelay(true)?;
        let local = stream.local_addr()?;
        Ok((stream, ConnectionInfo::new(peer, local)))
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpListener::local_addr(self)
    }
}
