//! The server engine: HTTP/1.1 and HTTP/2 (h2c) on one port, through hyper-util, with limits,
//! timeouts and graceful shutdown.
//!
//! ```no_run
//! use rws::prelude::*;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), rws::ServeError> {
//!     App::new().get("/", || async { "hello" }).serve("127.0.0.1:7878").await
//! }
//! ```

mod accept;
mod conn;
mod conn_state;
mod hangup;
mod host;
#[cfg(feature = "http3")]
#[cfg_attr(docsrs, doc(cfg(feature = "http3")))]
pub mod http3;
mod limits;
mod listener;
pub(crate) mod observer;
mod open_bodies;
mod service;
mod shutdown;
mod socket;
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub mod tls;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::Instrument;

pub use limits::Limits;
pub use listener::Listener;
pub use shutdown::Readiness;

use crate::app::{App, BuildError};

/// Serves `app` on a bound listener with the default limits, until SIGINT or SIGTERM.
///
/// ```no_run
/// # async fn run() -> Result<(), rws::ServeError> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// rws::serve(listener, rws::App::new()).await
/// # }
/// ```
pub async fn serve<L: Listener>(listener: L, app: App) -> Result<(), ServeError> {
    Server::new(app).serve(listener).await
}

/// A server for one [`App`], with its limits and shutdown behaviour.
///
/// ```no_run
/// use std::time::Duration;
/// use rws::prelude::*;
/// use rws::server::Server;
///
/// # async fn run() -> Result<(), rws::ServeError> {
/// let app = App::new().get("/", || async { "hi" });
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// Server::new(app)
///     .request_timeout(Some(Duration::from_secs(10)))
///     .max_connections(1_000)
///     .grace_period(Duration::from_secs(5))
///     .with_graceful_shutdown(async { /* a shutdown trigger of your own */ })
///     .serve(listener)
///     .await
/// # }
/// ```
pub struct Server {
    app: App,
    limits: Limits,
    signals: bool,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    readiness: Readiness,
    observer: Option<observer::Observer>,
    #[cfg(feature = "http3")]
    http3: Option<http3::Http3Listener>,
    on_reload: Option<hangup::ReloadFn>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("app", &self.app)
            .field("limits", &self.limits)
            .field("signals", &self.signals)
            .finish_non_exhaustive()
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty,)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.limits.$name = value;
            self
        }
    )*};
}

impl Server {
    /// A server for `app` with the default [`Limits`], stopping on SIGINT or SIGTERM.
    pub fn new(app: App) -> Self {
        Server {
            app,
            limits: Limits::default(),
            signals: true,
            shutdown: None,
            readiness: Readiness::new(),
            observer: None,
            #[cfg(feature = "http3")]
            http3: None,
            on_reload: None,
        }
    }

    /// What `SIGHUP` does (with signals handled, the default): runs `reload`, which re-reads
    /// what the app reads (its [`Reloadable`](crate::reload::Reloadable) values) and may
    /// return a new [`App`] to serve from then on. The new app is built first: if it does not
    /// build, its problems are logged and the current one keeps serving. Requests in flight
    /// finish on the app they started with; connections stay open. Reloads run one at a time.
    ///
    /// Without a handler `SIGHUP` is logged and ignored (it does not stop the server).
    ///
    /// ```no_run
    /// use rws::prelude::*;
    /// use rws::server::Server;
    ///
    /// fn app(greeting: &str) -> App {
    ///     let greeting = greeting.to_owned();
    ///     App::new().get("/", move || { let g = greeting.clone(); async move { g } })
    /// }
    ///
    /// # async fn run() -> Result<(), rws::server::ServeError> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// Server::new(app("hello"))
    ///     .on_reload(|| async {
    ///         let greeting = tokio::fs::read_to_string("greeting.txt").await.ok()?;
    ///         Some(app(greeting.trim()))
    ///     })
    ///     .serve(listener)
    ///     .await
    /// # }
    /// ```
    #[must_use]
    pub fn on_reload<F, Fut>(mut self, reload: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<App>> + Send + 'static,
    {
        self.on_reload = Some(hangup::boxed(reload));
        self
    }

    /// Also serves HTTP/3 on `listener` (see [`Tls::bind_http3`](tls::Tls::bind_http3)),
    /// with the same app and limits, and advertises it on every TCP response with `Alt-Svc`.
    #[cfg(feature = "http3")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http3")))]
    #[must_use]
    pub fn http3(mut self, listener: http3::Http3Listener) -> Self {
        self.http3 = Some(listener);
        self
    }

    /// Replaces every limit at once.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    setters! {
        /// How long a client may take to send a request's headers, from its first byte (zero:
        /// no limit).
        header_read_timeout: Duration,
        /// How long an idle keep-alive connection stays open (zero: no limit).
        keep_alive_timeout: Duration,
        /// How long a request may take until its response starts (`None`: no limit). A slow
        /// handler gets 503; a client still sending its body gets 408.
        request_timeout: Option<Duration>,
        /// How long sending a response may make no progress (nginx's `send_timeout`) before
        /// the connection is closed: a client that stops reading, or an HTTP/2 stream whose
        /// window stays shut (zero: no limit).
        send_timeout: Duration,
        /// The largest request head, in bytes (431 past it; at least 8 KiB).
        max_header_size: usize,
        /// The most headers a request may have (431 past it).
        max_headers: usize,
        /// The most connections served at once; more wait in the listen backlog.
        max_connections: usize,
        /// The most concurrent HTTP/2 streams per connection.
        http2_max_concurrent_streams: u32,
        /// The most response bodies one connection may have still sending (HTTP/2 streams
        /// whose body is not done): a request past it gets 503 with `Retry-After`, so that one
        /// client cannot pin a file or a buffer per stream.
        max_open_bodies: usize,
        /// How many client-reset HTTP/2 streams may await acceptance before the connection is
        /// closed: hyper's protection against the rapid-reset attack.
        http2_max_pending_accept_reset_streams: usize,
        /// How often an HTTP/2 connection is sent a `PING` when it sends nothing (`None`: never).
        http2_keep_alive_interval: Option<Duration>,
        /// How long a PING may wait for its ACK before the connection is closed.
        http2_keep_alive_timeout: Duration,
        /// How long shutdown waits for in-flight requests before dropping them.
        grace_period: Duration,
    }

    /// Also shuts down when `signal` completes.
    #[must_use]
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// Whether SIGINT and SIGTERM start a graceful shutdown (default `true`).
    #[must_use]
    pub fn handle_signals(mut self, enabled: bool) -> Self {
        self.signals = enabled;
        self
    }

    /// Reports readiness through `readiness` (put a clone in the app's state to serve it).
    #[must_use]
    pub fn readiness(mut self, readiness: Readiness) -> Self {
        self.readiness = readiness;
        self
    }

    /// Counts connections and bytes into `metrics` (requests are counted by its middleware).
    #[cfg(feature = "metrics")]
    #[must_use]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    pub fn metrics(mut self, metrics: crate::metrics::Metrics) -> Self {
        self.observer = Some(Arc::new(metrics));
        self
    }

    fn connection_builder(&self) -> auto::Builder<TokioExecutor> {
        let limits = &self.limits;
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            // hyper refuses buffers under 8 KiB; a larger head is answered with 431.
            .max_buf_size(limits.max_header_size.max(8 * 1024))
            .max_headers(limits.max_headers);
        builder
            .http2()
            .max_header_list_size(u32::try_from(limits.max_header_size).unwrap_or(u32::MAX))
            .max_concurrent_streams(limits.http2_max_concurrent_streams)
            .max_pending_accept_reset_streams(limits.http2_max_pending_accept_reset_streams)
            // A client that goes silent (or never says more than the preface) is PINGed, and
            // closed when it does not answer.
            .timer(hyper_util::rt::TokioTimer::new())
            .keep_alive_interval(limits.http2_keep_alive_interval)
            .keep_alive_timeout(limits.http2_keep_alive_timeout);
        // RFC 8441: WebSockets over HTTP/2 streams.
        #[cfg(feature = "ws")]
        builder.http2().enable_connect_protocol();
        builder
    }

    /// Serves on `listener` until shutdown: stops accepting, lets in-flight requests finish
    /// (HTTP/2 connections get GOAWAY, idle ones close), and drops what is left after the grace
    /// period. Refuses to start if the app does not build.
    pub async fn serve<L: Listener>(self, mut listener: L) -> Result<(), ServeError> {
        let builder = Arc::new(self.connection_builder());
        let Server {
            app,
            limits,
            signals,
            shutdown,
            readiness,
            observer,
            #[cfg(feature = "http3")]
            http3,
            on_reload,
        } = self;
        let (service, _sighup_until_return) =
            hangup::start(app.build().map_err(ServeError::Build)?, signals, on_reload);
        let limits = Arc::new(limits);
        tracing::info!(address = %listener.local_addr()?, "rws listening");
        #[cfg(feature = "http3")]
        let quic = http3.map(|listener| {
            http3::start(
                listener,
                service.clone(),
                Arc::clone(&limits),
                observer.clone(),
            )
        });
        #[cfg(feature = "http3")]
        let alt_svc = quic.as_ref().and_then(|quic| quic.alt_svc.clone());
        #[cfg(not(feature = "http3"))]
        let alt_svc = None;

        let mut stop = std::pin::pin!(shutdown::triggered(shutdown, signals));
        // Tells what outlives its connection's HTTP life (WebSockets) that the server stops.
        let (going_away, going_away_rx) = tokio::sync::watch::channel(false);
        let mut accepting = Accepting {
            builder,
            service,
            limits: Arc::clone(&limits),
            open: Arc::default(),
            next_id: 0,
            observer,
            alt_svc,
            going_away: going_away_rx,
        };
        let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
        let mut connections = JoinSet::new();
        let mut accept_errors = accept::AcceptErrors::default();
        readiness.set(true);

        loop {
            let permit = tokio::select! {
                biased;
                () = &mut stop => break,
                permit = Arc::clone(&permits).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let accepted = tokio::select! {
                biased;
                () = &mut stop => break,
                // Reap finished connections so the set does not grow with every one ever served.
                Some(joined) = connections.join_next(), if !connections.is_empty() => {
                    if let Err(e) = joined
                        && e.is_panic()
                    {
                        tracing::error!("a connection task panicked");
                    }
                    continue;
                }
                accepted = listener.accept() => accepted,
            };
            let (io, info) = match accepted {
                Ok(accepted) => {
                    accept_errors.succeeded();
                    accepted
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    drop(permit);
                    let wait = accept_errors.failed(&e);
                    tokio::select! {
                        biased;
                        () = &mut stop => break,
                        () = tokio::time::sleep(wait) => continue,
                    }
                }
            };
            accepting.spawn(&mut connections, io, info, permit);
        }

        readiness.set(false);
        let _ = going_away.send(true);
        drop(listener);
        #[cfg(feature = "http3")]
        if let Some(quic) = &quic {
            quic.stop();
        }
        drain(connections, &accepting.open, limits.grace_period).await;
        #[cfg(feature = "http3")]
        if let Some(quic) = quic {
            quic.finished().await;
        }
        tracing::info!("rws stopped");
        Ok(())
    }
}

/// What each accepted TCP connection's task is made from.
struct Accepting {
    builder: Arc<auto::Builder<TokioExecutor>>,
    service: crate::AppService,
    limits: Arc<Limits>,
    // Every open connection's state, so that shutdown can ask each to drain.
    open: Arc<Mutex<HashMap<u64, Arc<conn::ConnState>>>>,
    next_id: u64,
    observer: Option<observer::Observer>,
    alt_svc: Option<http::HeaderValue>,
    going_away: tokio::sync::watch::Receiver<bool>,
}

impl Accepting {
    /// Serves `io` in a task of `connections`, holding `permit` until it closes.
    fn spawn<I>(
        &mut self,
        connections: &mut JoinSet<()>,
        io: I,
        info: crate::ConnectionInfo,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let span = tracing::debug_span!("connection", peer = %info.peer_addr());
        let state = Arc::new(conn::ConnState::default());
        let id = self.next_id;
        self.next_id += 1;
        if let Ok(mut open) = self.open.lock() {
            open.insert(id, Arc::clone(&state));
        }
        // Shared with what a request upgrades to (a WebSocket), which outlives the connection.
        let permit = Arc::new(permit);
        let conn_service = service::ConnService {
            app: self.service.with_connection_info(info),
            state: Arc::clone(&state),
            request_timeout: self.limits.request_timeout,
            max_open_bodies: self.limits.max_open_bodies,
            alt_svc: self.alt_svc.clone(),
            going_away: self.going_away.clone(),
            permit: Arc::clone(&permit),
        };
        let (builder, limits, open) = (
            Arc::clone(&self.builder),
            Arc::clone(&self.limits),
            Arc::clone(&self.open),
        );
        let observer = self.observer.clone();
        if let Some(observer) = &observer {
            observer.opened();
        }
        connections.spawn(
            async move {
                let closed = Closed(observer.clone());
                conn::serve(io, conn_service, state, &builder, &limits, observer).await;
                drop(closed);
                if let Ok(mut open) = open.lock() {
                    open.remove(&id);
                }
                drop(permit);
            }
            .instrument(span),
        );
    }
}

/// Asks every open connection to finish, waits up to `grace_period`, then drops the rest.
async fn drain(
    mut connections: JoinSet<()>,
    open: &Mutex<HashMap<u64, Arc<conn::ConnState>>>,
    grace_period: Duration,
) {
    tracing::info!(
        connections = connections.len(),
        "shutting down: draining connections"
    );
    if let Ok(open) = open.lock() {
        for state in open.values() {
            state.drain();
        }
    }
    let drained = tokio::time::timeout(grace_period, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "grace period over: dropping the remaining connections"
        );
        connections.shutdown().await;
    }
}

/// Tells the observer a connection ended, also when its task is dropped at the end of the
/// grace period.
pub(crate) struct Closed(pub(crate) Option<observer::Observer>);

impl Drop for Closed {
    fn drop(&mut self) {
        if let Some(observer) = &self.0 {
            observer.closed();
        }
    }
}

impl App {
    /// Binds `addr` and serves the app with the default limits until SIGINT or SIGTERM.
    /// Refuses to start, listing every problem, if the app does not build.
    pub async fn serve(self, addr: impl ToSocketAddrs) -> Result<(), ServeError> {
        let listener = TcpListener::bind(addr).await?;
        serve(listener, self).await
    }
}

/// Why a server could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The app does not build; every problem is listed.
    Build(BuildError),
    /// Binding or listening failed.
    Io(io::Error),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Build(e) => write!(f, "refusing to start: {e}"),
            ServeError::Io(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Build(e) => Some(e),
            ServeError::Io(e) => Some(e),
        }
    }
}

impl From<io::Error> for ServeError {
    fn from(e: io::Error) -> Self {
        ServeError::Io(e)
    }
}
