//! WebSocket (RFC 6455) over HTTP/1.1 upgrades and HTTP/2 extended CONNECT (RFC 8441), framed
//! by tokio-tungstenite over hyper's upgraded connection. Feature `ws`.
//!
//! A handler takes a [`WebSocketUpgrade`], may check the origin, pick a subprotocol and set
//! size limits, and returns [`WebSocketUpgrade::on_upgrade`]'s response; the callback then
//! runs with the open [`WebSocket`] in a task of its own.
//!
//! ```
//! use rws::prelude::*;
//! use rws::ws::{Message, WebSocketUpgrade};
//!
//! async fn echo(ws: WebSocketUpgrade) -> Response {
//!     ws.on_upgrade(|socket| async move {
//!         let (mut tx, mut rx) = socket.split();
//!         while let Some(Ok(msg)) = rx.recv().await {
//!             if let Message::Text(text) = msg {
//!                 if tx.send(Message::text(format!("you said: {text}"))).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         }
//!     })
//! }
//!
//! let app = App::new().get("/echo", echo);
//! ```

mod handshake;
mod socket;
mod upgrade;

pub use handshake::{accept_key, is_upgrade_request};
pub use socket::{WebSocket, WsReceiver, WsSender};
pub use tokio_tungstenite::tungstenite::Message;
pub use tokio_tungstenite::tungstenite::error::Error as WsError;
pub use tokio_tungstenite::tungstenite::protocol::CloseFrame;
pub use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
pub use upgrade::{
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE, WebSocketUpgrade,
};

pub(crate) use upgrade::route_extended_connect;
