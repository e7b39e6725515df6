//! `WebSocket`: an open connection, as `recv`/`send`, a `Stream` and a `Sink`, or split in two.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::time::Instant;

use futures_core::Stream;
use futures_util::Sink;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::Message;
use crate::connection::UpgradeGuard;

type Io = WebSocketStream<TokioIo<Upgraded>>;

/// What the read side still has to do before it hands a message or an error to the caller.
enum Pending {
    /// Nothing: read the next message.
    None,
    /// The peer closed: send the queued close reply before returning its frame, so that a
    /// handler that stops reading at `Message::Close` still completes the closing handshake.
    Close(Message),
    /// The peer broke a limit or the protocol: tell it why with a close frame (1009 too big,
    /// 1007 bad UTF-8, 1002 protocol error), then report the error.
    Fail { error: WsError, queued: bool },
    /// The peer sent nothing, not even a pong, for the idle timeout: 1001, then the end.
    Idle { queued: bool },
}

struct Inner {
    io: Io,
    pending: Pending,
    keepalive: Option<Keepalive>,
}

/// Pings a peer that has gone quiet, and ends the socket when it stays quiet: measured while
/// the socket is read (`recv`, the `Stream`), since only reading sees the pongs.
struct Keepalive {
    idle: Duration,
    last_seen: Instant,
    pinged: bool,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl Keepalive {
    fn new(idle: Duration) -> Self {
        let now = Instant::now();
        Keepalive {
            idle,
            last_seen: now,
            pinged: false,
            timer: Box::pin(tokio::time::sleep_until(now + idle / 2)),
        }
    }

    /// A frame arrived.
    fn seen(&mut self) {
        self.last_seen = Instant::now();
        self.pinged = false;
        self.timer.as_mut().reset(self.last_seen + self.idle / 2);
    }
}

struct Shared {
    inner: Mutex<Inner>,
    protocol: Option<String>,
    // Keeps an HTTP/2 connection counted busy (not idle) while one of its streams is a socket.
    _guard: Option<UpgradeGuard>,
}

impl Shared {
    // Each poll holds the lock only for its own duration, never across an await: the two halves
    // of a split socket take turns as `futures::lock::BiLock` would make them.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An open WebSocket connection, handed to [`WebSocketUpgrade::on_upgrade`](super::WebSocketUpgrade::on_upgrade)'s
/// callback.
///
/// Pings are answered automatically (the pong goes out with the next read), a close from the
/// peer is answered before `recv` returns it, and a message over the size limit, invalid UTF-8
/// or a protocol violation closes the connection with the matching code (1009, 1007, 1002)
/// before `recv` returns the error.
///
/// ```
/// use rws::ws::{Message, WebSocket, WebSocketUpgrade};
///
/// async fn echo(ws: WebSocketUpgrade) -> rws::Response {
///     ws.on_upgrade(|mut socket: WebSocket| async move {
///         while let Some(Ok(msg)) = socket.recv().await {
///             if msg.is_text() || msg.is_binary() {
///                 if socket.send(msg).await.is_err() {
///                     break;
///                 }
///             }
///         }
///     })
/// }
/// ```
pub struct WebSocket {
    shared: Arc<Shared>,
}

impl fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("protocol", &self.shared.protocol)
            .finish_non_exhaustive()
    }
}

impl WebSocket {
    pub(super) fn new(
        io: Io,
        protocol: Option<String>,
        guard: Option<UpgradeGuard>,
        idle_timeout: Option<Duration>,
    ) -> Self {
        WebSocket {
            shared: Arc::new(Shared {
                inner: Mutex::new(Inner {
                    io,
                    pending: Pending::None,
                    keepalive: idle_timeout.filter(|d| !d.is_zero()).map(Keepalive::new),
                }),
                protocol,
                _guard: guard,
            }),
        }
    }

    /// The next message; `None` once the connection is closed.
    pub async fn recv(&mut self) -> Option<Result<Message, WsError>> {
        std::future::poll_fn(|cx| poll_recv(&self.shared, cx)).await
    }

    /// Sends `msg` and flushes it.
    pub async fn send(&mut self, msg: Message) -> Result<(), WsError> {
        send(&self.shared, msg).await
    }

    /// Starts the closing handshake with `code` and `reason`; read on until `recv` returns
    /// `None` to see the peer's answer.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        send(&self.shared, close_message(code, reason)).await
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.shared.protocol.as_deref()
    }

    /// Another sending handle on the same socket.
    pub(super) fn sender(&self) -> WsSender {
        WsSender {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Splits the socket into a sending and a receiving half, for a reader and a writer running
    /// in separate tasks.
    pub fn split(self) -> (WsSender, WsReceiver) {
        (
            WsSender {
                shared: Arc::clone(&self.shared),
            },
            WsReceiver {
                shared: self.shared,
            },
        )
    }
}

/// The sending half of a [`WebSocket::split`] socket.
pub struct WsSender {
    shared: Arc<Shared>,
}

/// The receiving half of a [`WebSocket::split`] socket.
pub struct WsReceiver {
    shared: Arc<Shared>,
}

impl fmt::Debug for WsSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsSender").finish_non_exhaustive()
    }
}

impl fmt::Debug for WsReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsReceiver").finish_non_exhaustive()
    }
}

impl WsSender {
    /// Sends `msg` and flushes it.
    pub async fn send(&mut self, msg: Message) -> Result<(), WsError> {
        send(&self.shared, msg).await
    }

    /// Starts the closing handshake with `code` and `reason`.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), WsError> {
        send(&self.shared, close_message(code, reason)).await
    }
}

impl WsReceiver {
    /// The next message; `None` once the connection is closed.
    pub async fn recv(&mut self) -> Option<Result<Message, WsError>> {
        std::future::poll_fn(|cx| poll_recv(&self.shared, cx)).await
    }
}

fn close_message(code: CloseCode, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

async fn send(shared: &Shared, msg: Message) -> Result<(), WsError> {
    let mut msg = Some(msg);
    std::future::poll_fn(|cx| {
        let mut inner = shared.lock();
        let mut io = Pin::new(&mut inner.io);
        if msg.is_some() {
            ready!(io.as_mut().poll_ready(cx))?;
            if let Some(m) = msg.take() {
                io.as_mut().start_send(m)?;
            }
        }
        io.poll_flush(cx)
    })
    .await
}

/// The close code telling the peer why its input ended the connection, for errors it caused.
fn close_code(error: &WsError) -> Option<(CloseCode, &'static str)> {
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => {
            Some((CloseCode::Size, "message too big"))
        }
        WsError::Capacity(_) => Some((CloseCode::Size, "frame too big")),
        WsError::Utf8(_) => Some((CloseCode::Invalid, "invalid UTF-8 in a text message")),
        WsError::Protocol(
            ProtocolError::ResetWithoutClosingHandshake | ProtocolError::SendAfterClosing,
        ) => None,
        WsError::Protocol(_) => Some((CloseCode::Protocol, "protocol error")),
        _ => None,
    }
}

fn poll_recv(shared: &Shared, cx: &mut Context<'_>) -> Poll<Option<Result<Message, WsError>>> {
    let mut guard = shared.lock();
    let inner = &mut *guard;
    loop {
        match std::mem::replace(&mut inner.pending, Pending::None) {
            Pending::None => {}
            Pending::Close(msg) => {
                // Whether the reply could be written or not, the peer's frame is the answer.
                if Pin::new(&mut inner.io).poll_flush(cx).is_pending() {
                    inner.pending = Pending::Close(msg);
                    return Poll::Pending;
                }
                return Poll::Ready(Some(Ok(msg)));
            }
            Pending::Fail { error, mut queued } => {
                if !queued {
                    let mut io = Pin::new(&mut inner.io);
                    match io.as_mut().poll_ready(cx) {
                        Poll::Pending => {
                            inner.pending = Pending::Fail { error, queued };
                            return Poll::Pending;
                        }
                        Poll::Ready(Ok(())) => {
                            let (code, reason) =
                                close_code(&error).unwrap_or((CloseCode::Error, ""));
                            let frame = CloseFrame {
                                code,
                                reason: reason.into(),
                            };
                            let _ = io.start_send(Message::Close(Some(frame)));
                        }
                        // The connection is gone: nobody to tell.
                        Poll::Ready(Err(_)) => {}
                    }
                    queued = true;
                }
                if Pin::new(&mut inner.io).poll_flush(cx).is_pending() {
                    inner.pending = Pending::Fail { error, queued };
                    return Poll::Pending;
                }
                return Poll::Ready(Some(Err(error)));
            }
            Pending::Idle { mut queued } => {
                if !queued {
                    let mut io = Pin::new(&mut inner.io);
                    match io.as_mut().poll_ready(cx) {
                        Poll::Pending => {
                            inner.pending = Pending::Idle { queued };
                            return Poll::Pending;
                        }
                        Poll::Ready(Ok(())) => {
                            let _ = io.start_send(close_message(CloseCode::Away, "idle timeout"));
                        }
                        Poll::Ready(Err(_)) => {}
                    }
                    queued = true;
                }
                if Pin::new(&mut inner.io).poll_flush(cx).is_pending() {
                    inner.pending = Pending::Idle { queued };
                    return Poll::Pending;
                }
                inner.keepalive = None;
                return Poll::Ready(None);
            }
        }
        let next = match Pin::new(&mut inner.io).poll_next(cx) {
            Poll::Ready(next) => next,
            Poll::Pending => {
                ready!(poll_keepalive(inner, cx));
                continue;
            }
        };
        if let (Some(Ok(_)), Some(keepalive)) = (&next, &mut inner.keepalive) {
            keepalive.seen();
        }
        match next {
            Some(Ok(msg @ Message::Close(_))) => inner.pending = Pending::Close(msg),
            Some(Err(error)) if close_code(&error).is_some() => {
                tracing::debug!(%error, "closing a WebSocket the peer broke");
                inner.pending = Pending::Fail {
                    error,
                    queued: false,
                };
            }
            other => return Poll::Ready(other),
        }
    }
}

/// While the socket waits for the peer: pings it at half the idle timeout, and queues the 1001
/// close at the end of it. `Ready` when there is something to do; `Pending` to wait on.
fn poll_keepalive(inner: &mut Inner, cx: &mut Context<'_>) -> Poll<()> {
    let Some(keepalive) = &mut inner.keepalive else {
        return Poll::Pending;
    };
    ready!(keepalive.timer.as_mut().poll(cx));
    let quiet = Instant::now().duration_since(keepalive.last_seen);
    if quiet >= keepalive.idle {
        tracing::debug!(?quiet, "closing an idle WebSocket");
        inner.pending = Pending::Idle { queued: false };
        return Poll::Ready(());
    }
    // Half the idle time without a frame: ask for one. The pong (or anything) resets it.
    if !keepalive.pinged {
        keepalive.pinged = true;
        let mut io = Pin::new(&mut inner.io);
        if let Poll::Ready(Ok(())) = io.as_mut().poll_ready(cx) {
            let _ = io
                .as_mut()
                .start_send(Message::Ping(bytes::Bytes::default()));
            let _ = io.poll_flush(cx);
        }
    }
    let deadline = keepalive.last_seen + keepalive.idle;
    keepalive.timer.as_mut().reset(deadline);
    Poll::Ready(())
}

macro_rules! impl_stream {
    ($($ty:ty),*) => {$(
        impl Stream for $ty {
            type Item = Result<Message, WsError>;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                poll_recv(&self.shared, cx)
            }
        }
    )*};
}

macro_rules! impl_sink {
    ($($ty:ty),*) => {$(
        impl Sink<Message> for $ty {
            type Error = WsError;

            fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
                Pin::new(&mut self.shared.lock().io).poll_ready(cx)
            }

            fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), WsError> {
                Pin::new(&mut self.shared.lock().io).start_send(item)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
                Pin::new(&mut self.shared.lock().io).poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
                Pin::new(&mut self.shared.lock().io).poll_close(cx)
            }
        }
    )*};
}

impl_stream!(WebSocket, WsReceiver);
impl_sink!(WebSocket, WsSender);
