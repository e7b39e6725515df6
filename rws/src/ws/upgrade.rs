//! `WebSocketUpgrade`: the extractor that checks the handshake and answers it.

use std::fmt;
use std::future::Future;

use http::header::{
    CONNECTION, HOST, HeaderValue, ORIGIN, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use http::request::Parts;
use http::{Method, StatusCode};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::handshake::{accept_key, is_h1_upgrade, is_valid_key, is_version_13};
use super::{CloseCode, WebSocket};
use crate::connection::{GoingAway, UpgradeGuard};
use crate::error::Error;
use crate::extract::FromRequestParts;
use crate::{Body, Response};

/// Marks a request that arrived as an HTTP/2 extended CONNECT (RFC 8441) and was routed as the
/// `GET` it stands for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExtendedConnect;

/// Routes an HTTP/2 extended CONNECT for `websocket` to the `GET` routes: the same handler
/// serves a WebSocket over HTTP/1.1 and over HTTP/2.
pub(crate) fn route_extended_connect<B>(req: &mut http::Request<B>) {
    let websocket = req
        .extensions()
        .get::<hyper::ext::Protocol>()
        .is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket"));
    if websocket {
        *req.method_mut() = Method::GET;
        req.extensions_mut().insert(ExtendedConnect);
    }
}

/// How long a socket's handler may run on after the server's shutdown closed it.
const SHUTDOWN_LINGER: std::time::Duration = std::time::Duration::from_secs(5);

/// The default largest message: 1 MiB (each open socket may buffer one).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1 << 20;
/// The default largest frame: 256 KiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 256 << 10;
/// The default idle timeout: a socket that reads nothing (not even a pong to the ping sent at
/// half of it) for a minute is closed with 1001.
pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Extracts a WebSocket handshake (HTTP/1.1 `Upgrade` or HTTP/2 extended CONNECT) and answers
/// it with [`on_upgrade`](Self::on_upgrade).
///
/// A request that is not a valid handshake is refused before the handler runs: a plain request
/// gets 426 with `Upgrade: websocket`, a wrong `Sec-WebSocket-Version` 426 with
/// `Sec-WebSocket-Version: 13`, a missing or malformed key 400, all with a problem-details body.
/// Routes are declared with `GET`; an HTTP/2 extended CONNECT reaches them too.
///
/// ```
/// use rws::ws::{Message, WebSocketUpgrade};
///
/// async fn chat(ws: WebSocketUpgrade) -> Result<rws::Response, rws::Error> {
///     Ok(ws
///         .check_origin(|origin| origin == "https://chat.example")?
///         .protocols(["chat.v2", "chat.v1"])
///         .max_message_size(64 * 1024)
///         .on_upgrade(|mut socket| async move {
///             let _ = socket.send(Message::text("welcome")).await;
///         }))
/// }
/// let app = rws::App::new().get("/chat", chat);
/// ```
pub struct WebSocketUpgrade {
    config: WebSocketConfig,
    /// `None` over HTTP/2, where there is no key to answer.
    key: Option<HeaderValue>,
    offered: Vec<String>,
    protocol: Option<String>,
    origin: Option<HeaderValue>,
    host: Option<HeaderValue>,
    on_upgrade: OnUpgrade,
    guard: Option<UpgradeGuard>,
    going_away: Option<GoingAway>,
    idle_timeout: Option<std::time::Duration>,
}

impl fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("http2", &self.key.is_none())
            .field("offered", &self.offered)
            .field("protocol", &self.protocol)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn refuse(status: StatusCode, detail: &'static str) -> Error {
    Error::new(status).with_detail(detail)
}

impl FromRequestParts for WebSocketUpgrade {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Error> {
        let http2 = parts.extensions.get::<ExtendedConnect>().is_some();
        let headers = &parts.headers;
        let key = if http2 {
            None
        } else {
            if parts.method != Method::GET {
                return Err(refuse(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "a WebSocket handshake is a GET request",
                )
                .with_header(http::header::ALLOW, HeaderValue::from_static("GET")));
            }
            if !headers.contains_key(UPGRADE) {
                return Err(refuse(
                    StatusCode::UPGRADE_REQUIRED,
                    "this resource is a WebSocket: send a WebSocket handshake",
                )
                .with_header(UPGRADE, HeaderValue::from_static("websocket"))
                .with_header(CONNECTION, HeaderValue::from_static("Upgrade")));
            }
            if !is_h1_upgrade(headers) {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "a WebSocket handshake needs `Connection: Upgrade` and `Upgrade: websocket`",
                ));
            }
            match headers.get(SEC_WEBSOCKET_KEY) {
                Some(key) if is_valid_key(key.as_bytes()) => Some(key.clone()),
                Some(_) => {
                    return Err(refuse(
                        StatusCode::BAD_REQUEST,
                        "`Sec-WebSocket-Key` must be 16 bytes in base64",
                    ));
                }
                None => {
                    return Err(refuse(
                        StatusCode::BAD_REQUEST,
                        "a WebSocket handshake needs a `Sec-WebSocket-Key`",
                    ));
                }
            }
        };
        if !is_version_13(headers) {
            return Err(refuse(
                StatusCode::UPGRADE_REQUIRED,
                "only WebSocket version 13 is spoken here",
            )
            .with_header(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13")));
        }
        let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
            return Err(refuse(
                StatusCode::UPGRADE_REQUIRED,
                "this connection cannot be upgraded to a WebSocket",
            ));
        };
        let offered = crate::header_list::elements(headers, &SEC_WEBSOCKET_PROTOCOL)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(WebSocketUpgrade {
            config: WebSocketConfig::default()
                .max_message_size(Some(DEFAULT_MAX_MESSAGE_SIZE))
                .max_frame_size(Some(DEFAULT_MAX_FRAME_SIZE)),
            key,
            offered,
            protocol: None,
            origin: headers.get(ORIGIN).cloned(),
            // HTTP/2 carries the host in `:authority`, HTTP/1.1 in `Host`.
            host: headers.get(HOST).cloned().or_else(|| {
                let authority = parts.uri.authority()?;
                HeaderValue::from_str(authority.as_str()).ok()
            }),
            on_upgrade,
            guard: parts.extensions.remove::<UpgradeGuard>(),
            going_away: parts.extensions.remove::<GoingAway>(),
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
        })
    }
}

impl WebSocketUpgrade {
    /// How long the socket may read nothing before it is closed with 1001 (default one minute;
    /// `None`: never). A ping goes out at half of it, so a live peer's pong keeps it open. It is
    /// measured while the handler reads the socket (`recv` or the `Stream`).
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The largest message accepted (default 1 MiB); a bigger one closes the socket with
    /// 1009 (message too big).
    #[must_use]
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.config = self.config.max_message_size(Some(bytes));
        self
    }

    /// The largest single frame accepted (default 256 KiB); a bigger one closes the socket with
    /// 1009.
    #[must_use]
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.config = self.config.max_frame_size(Some(bytes));
        self
    }

    /// How many bytes of outgoing frames may wait unsent before `send` waits (default
    /// tungstenite's 128 KiB write buffer, and no cap on what may be queued beyond it).
    #[must_use]
    pub fn write_buffer_size(mut self, bytes: usize) -> Self {
        self.config = self.config.write_buffer_size(bytes);
        self
    }

    /// Agrees on the first of `supported` (in the server's order of preference) that the
    /// client offered in `Sec-WebSocket-Protocol`; none if they share none.
    #[must_use]
    pub fn protocols<I>(mut self, supported: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.protocol = supported.into_iter().find_map(|p| {
            let p = p.as_ref();
            self.offered.iter().any(|o| o == p).then(|| p.to_owned())
        });
        self
    }

    /// The subprotocol chosen by [`protocols`](Self::protocols), if any.
    pub fn selected_protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The subprotocols the client offered, in its order.
    pub fn offered_protocols(&self) -> &[String] {
        &self.offered
    }

    /// The request's `Origin`, if any. Browsers always send it; other clients may not.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_ref().and_then(|o| o.to_str().ok())
    }

    /// Refuses the handshake with 403 unless `allowed` accepts the `Origin` header.
    ///
    /// Browsers send cookies with cross-site WebSocket handshakes, so a socket that relies on
    /// them must check where the page came from. Browsers always send `Origin` on a WebSocket
    /// handshake (the Fetch standard requires it), so a handshake without one is not a
    /// cross-site request from a page: it comes from a program (a CLI, a server, a test), which
    /// could forge any `Origin` anyway. It is let through, as gorilla/websocket's default check
    /// does; a handler that wants only browsers checks [`origin`](Self::origin) itself.
    pub fn check_origin(self, allowed: impl FnOnce(&str) -> bool) -> Result<Self, Error> {
        match self.origin {
            None => Ok(self),
            Some(_) if self.origin().is_some_and(allowed) => Ok(self),
            Some(_) => Err(refuse(
                StatusCode::FORBIDDEN,
                "WebSocket connections from this origin are not allowed",
            )),
        }
    }

    /// Refuses the handshake with 403 unless `Origin`'s host and port are the request's `Host`
    /// (the page was served by this site). A handshake without `Origin` is not from a browser
    /// and is let through (see [`check_origin`](Self::check_origin)).
    ///
    /// ```
    /// use rws::prelude::*;
    /// use rws::ws::WebSocketUpgrade;
    ///
    /// async fn socket(ws: WebSocketUpgrade) -> Result<Response, Error> {
    ///     Ok(ws.same_origin()?.on_upgrade(|_socket| async {}))
    /// }
    /// # let _ = App::new().get("/ws", socket);
    /// ```
    pub fn same_origin(self) -> Result<Self, Error> {
        let host = self
            .host
            .as_ref()
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        self.check_origin(|origin| {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(&h))
        })
    }

    /// Answers the handshake, and once the connection is upgraded runs `callback` with the
    /// socket in a task of its own. Return the response from the handler.
    ///
    /// When the server shuts down, the socket is closed with 1001 (going away) and the
    /// callback has a few seconds to see the peer's answer and return.
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let WebSocketUpgrade {
            config,
            key,
            protocol,
            on_upgrade,
            guard,
            going_away,
            idle_timeout,
            ..
        } = self;
        let mut res = Response::new(Body::empty());
        if let Some(key) = &key {
            *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
            let headers = res.headers_mut();
            headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
            headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
            if let Ok(accept) = HeaderValue::from_str(&accept_key(key.as_bytes())) {
                headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
            }
        }
        if let Some(p) = &protocol
            && let Ok(value) = HeaderValue::from_str(p)
        {
            res.headers_mut().insert(SEC_WEBSOCKET_PROTOCOL, value);
        }
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(error) => {
                    tracing::debug!(%error, "WebSocket upgrade failed");
                    return;
                }
            };
            let io = WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                Some(config),
            )
            .await;
            let socket = WebSocket::new(io, protocol, guard, idle_timeout);
            let Some(going_away) = going_away else {
                return callback(socket).await;
            };
            let mut closer = socket.sender();
            let run = callback(socket);
            tokio::pin!(run);
            tokio::select! {
                () = &mut run => {}
                () = going_away.wait() => {
                    // Server shutdown: say so (1001), then let the handler see the peer's answer
                    // and end, for a while.
                    let _ = closer.close(CloseCode::Away, "server shutting down").await;
                    let _ = tokio::time::timeout(SHUTDOWN_LINGER, run).await;
                }
            }
        });
        res
    }
}
