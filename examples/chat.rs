//! A chat room: messages are sent over a WebSocket and every client sees them twice over, on
//! its WebSocket and on a server-sent event feed that resumes where it left off after a
//! reconnect. The page at `/` uses both.
//!
//! ```sh
//! cargo run --example chat --features ws   # then open http://127.0.0.1:7878 in two windows
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::StreamExt;
use rws::prelude::*;
use rws::sse::{LastEventId, Sse, SseEvent};
use rws::ws::{Message, WebSocket, WebSocketUpgrade};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// How many past messages a reconnecting feed can catch up on.
const HISTORY: usize = 100;
/// The longest message a client may send, in bytes; longer ones close its socket with 1009.
pub const MAX_MESSAGE: usize = 4 * 1024;

/// One chat message; `id` orders them and is the feed's event id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChatMessage {
    /// Its place in the room, from 1.
    pub id: u64,
    /// Who sent it.
    pub name: String,
    /// What they said.
    pub text: String,
}

/// The room: recent history, and a channel to everyone listening now.
#[derive(Debug)]
pub struct Room {
    tx: broadcast::Sender<Arc<ChatMessage>>,
    history: Mutex<VecDeque<Arc<ChatMessage>>>,
}

impl Default for Room {
    fn default() -> Self {
        Room {
            tx: broadcast::channel(256).0,
            history: Mutex::new(VecDeque::with_capacity(HISTORY)),
        }
    }
}

impl Room {
    /// Adds a message to the history and sends it to every listener.
    fn post(&self, name: &str, text: &str) {
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let id = history.back().map_or(1, |m| m.id + 1);
        let message = Arc::new(ChatMessage {
            id,
            name: name.to_owned(),
            text: text.to_owned(),
        });
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(Arc::clone(&message));
        // Sent under the lock, so that `since` never misses nor repeats a message.
        let _ = self.tx.send(message);
    }

    /// The messages after `last` still in the history, and a subscription to the ones to come.
    fn since(
        &self,
        last: Option<u64>,
    ) -> (Vec<Arc<ChatMessage>>, broadcast::Receiver<Arc<ChatMessage>>) {
        let history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        let backlog = match last {
            Some(last) => history.iter().filter(|m| m.id > last).cloned().collect(),
            None => Vec::new(),
        };
        (backlog, self.tx.subscribe())
    }
}

/// The room's messages as a stream: those after `last`, then each new one. A listener too slow
/// for the channel skips what it missed rather than stopping.
fn messages(
    room: &Room,
    last: Option<u64>,
) -> impl futures_core::Stream<Item = Arc<ChatMessage>> + Send + use<> {
    let (backlog, rx) = room.since(last);
    let live = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(message) => return Some((message, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    futures_util::stream::iter(backlog).chain(live)
}

#[derive(Deserialize)]
struct Join {
    name: String,
}

/// `GET /ws?name=…`: a WebSocket that posts the text messages it receives and relays the room.
async fn join(
    ws: WebSocketUpgrade,
    State(room): State<Arc<Room>>,
    Query(Join { name }): Query<Join>,
) -> Result<Response, Error> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 32 {
        return Err(Error::bad_request("`name` must be 1 to 32 characters"));
    }
    // Only pages served here may open the socket (cookies would otherwise let any site talk as
    // the user); clients that are not browsers send no `Origin` and are let in.
    let ws = ws.same_origin()?;
    // Subscribed before the handshake is answered: no message falls between the two.
    let relay = messages(&room, None);
    Ok(ws
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| chat(socket, room, name, relay)))
}

async fn chat(
    socket: WebSocket,
    room: Arc<Room>,
    name: String,
    relay: impl futures_core::Stream<Item = Arc<ChatMessage>> + Send + 'static,
) {
    let (mut tx, mut rx) = socket.split();
    let mut relay = Box::pin(relay);
    let outgoing = tokio::spawn(async move {
        while let Some(message) = relay.next().await {
            let Ok(json) = serde_json::to_string(&*message) else {
                continue;
            };
            if tx.send(Message::text(json)).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(message)) = rx.recv().await {
        if let Message::Text(text) = message
            && !text.trim().is_empty()
        {
            room.post(&name, text.as_str());
        }
    }
    outgoing.abort();
}

/// `GET /events`: the room as server-sent events, resuming after `Last-Event-ID`.
async fn events(State(room): State<Arc<Room>>, last: Option<LastEventId>) -> Response {
    let last = last.and_then(|LastEventId(id)| id.parse().ok());
    let feed = messages(&room, last).map(|message| {
        SseEvent::json(&*message).map(|event| event.id(message.id.to_string()).event("message"))
    });
    Sse::new(feed).into_response()
}

/// The app: the page, the socket, the feed.
pub fn app() -> App {
    App::empty()
        .state(Arc::new(Room::default()))
        .get("/", || async { Html(PAGE) })
        .get("/ws", join)
        .get("/events", events)
}

#[allow(dead_code)]
#[rws::main]
async fn main() -> Result<(), rws::ServeError> {
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let config = match rws::config::Loader::new().env(vars).load() {
        Ok(loaded) => loaded.config,
        Err(e) => {
            eprintln!("chat: invalid configuration:\n{e}");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(config.socket_addr()).await?;
    println!("chat on http://{}", listener.local_addr()?);
    rws::server::Server::new(app())
        .limits(config.server_limits())
        .serve(listener)
        .await
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>rws chat</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #log { border: 1px solid #ccc; height: 20rem; overflow-y: auto; padding: .5rem; }
  #log p { margin: .2rem 0; } #log b { margin-right: .5rem; }
  form { display: flex; gap: .5rem; margin-top: .5rem; } #text { flex: 1; }
</style>
<h1>rws chat</h1>
<p>Messages go out on a WebSocket; the log below is the server-sent event feed.</p>
<div id="log"></div>
<form id="form"><input id="name" placeholder="name" size="10" required>
<input id="text" placeholder="say something" autocomplete="off"><button>Send</button></form>
<script>
  const log = document.getElementById("log");
  const feed = new EventSource("/events");
  feed.addEventListener("message", (e) => {
    const m = JSON.parse(e.data);
    const p = document.createElement("p");
    const b = document.createElement("b");
    b.textContent = m.name;
    p.append(b, m.text);
    log.append(p);
    log.scrollTop = log.scrollHeight;
  });
  let socket = null;
  document.getElementById("form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = document.getElementById("name").value;
    const text = document.getElementById("text");
    const send = () => { socket.send(text.value); text.value = ""; };
    if (socket && socket.readyState === WebSocket.OPEN) return send();
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws?name=${encodeURIComponent(name)}`);
    socket.addEventListener("open", send);
  });
</script>
</html>
"#;
