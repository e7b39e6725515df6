//! The chat example over real sockets: a message sent on one WebSocket reaches another
//! WebSocket and the SSE feed; the feed resumes after `Last-Event-ID`; the page uses both;
//! cross-site sockets and oversized messages are refused.

mod support;

#[path = "../examples/chat.rs"]
#[allow(dead_code, unreachable_pub)]
mod chat;

use std::time::Duration;

use chat::ChatMessage;
use futures_util::{SinkExt, StreamExt};
use rws::ws::{CloseCode, Message};
use support::server::TestServer;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn join(server: &TestServer, name: &str) -> Socket {
    let (ws, _) = tokio_tungstenite::client_async(
        format!("ws://{}/ws?name={name}", server.addr),
        server.connect().await,
    )
    .await
    .unwrap();
    ws
}

/// The next chat message on `ws`.
async fn next_message(ws: &mut Socket) -> ChatMessage {
    let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("a message arrives")
        .unwrap()
        .unwrap();
    serde_json::from_str(msg.to_text().unwrap()).unwrap()
}

/// Reads SSE events from `res` until `n` more arrived; returns their `(id, data)`.
async fn read_events(res: &mut reqwest::Response, n: usize) -> Vec<(String, ChatMessage)> {
    let mut text = String::new();
    loop {
        let events: Vec<(String, ChatMessage)> = text
            .split("\n\n")
            .filter(|block| block.contains("data: "))
            .filter(|_| text.ends_with("\n\n"))
            .map(|block| {
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .unwrap()
                        .to_owned()
                };
                (
                    field("id: "),
                    serde_json::from_str(&field("data: ")).unwrap(),
                )
            })
            .collect();
        if events.len() >= n {
            return events;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .unwrap_or_else(|_| panic!("events arrive; so far: {text:?}"))
            .unwrap()
            .expect("the feed stays open");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_other_sockets_and_the_feed() {
    let server = TestServer::start(chat::app(), |s| s).await;
    let mut feed = reqwest::get(server.url("/events")).await.unwrap();
    assert_eq!(feed.headers()["content-type"], "text/event-stream");
    let mut ada = join(&server, "ada").await;
    let mut bob = join(&server, "bob").await;
    // Both sockets are subscribed once the server relays to them; a first message proves it.
    ada.send(Message::text("hello, room")).await.unwrap();
    let expected = ChatMessage {
        id: 1,
        name: "ada".into(),
        text: "hello, room".into(),
    };
    assert_eq!(next_message(&mut bob).await, expected);
    assert_eq!(next_message(&mut ada).await, expected);
    bob.send(Message::text("hi ada")).await.unwrap();
    assert_eq!(next_message(&mut ada).await.text, "hi ada");

    let events = read_events(&mut feed, 2).await;
    assert_eq!(events[0], ("1".into(), expected));
    assert_eq!(events[1].0, "2");
    assert_eq!(events[1].1.name, "bob");

    // A feed reconnecting after id 1 gets message 2 from the history, then live ones.
    let mut resumed = reqwest::Client::new()
        .get(server.url("/events"))
        .header("last-event-id", "1")
        .send()
        .await
        .unwrap();
    let caught_up = read_events(&mut resumed, 1).await;
    assert_eq!(caught_up[0].0, "2");
    ada.send(Message::text("third")).await.unwrap();
    let events = read_events(&mut resumed, 1).await;
    assert_eq!(events[0].0, "3");
    assert_eq!(events[0].1.text, "third");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_uses_a_websocket_and_an_event_source() {
    let server = TestServer::start(chat::app(), |s| s).await;
    let res = reqwest::get(server.url("/")).await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let page = res.text().await.unwrap();
    assert!(page.contains("new EventSource(\"/events\")"));
    assert!(page.contains("new WebSocket("));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_sites_and_oversized_messages_are_refused() {
    let server = TestServer::start(chat::app(), |s| s).await;
    let mut req = format!("ws://{}/ws?name=eve", server.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::client_async(req, server.connect().await).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("a cross-site socket was not refused: {other:?}"),
    }
    // The page's own origin is welcome.
    let mut req = format!("ws://{}/ws?name=ada", server.addr)
        .into_client_request()
        .unwrap();
    let origin = format!("http://{}", server.addr);
    req.headers_mut().insert("origin", origin.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::client_async(req, server.connect().await)
        .await
        .unwrap();

    ws.send(Message::text("x".repeat(chat::MAX_MESSAGE + 1)))
        .await
        .unwrap();
    loop {
        match ws.next().await {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::Size);
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("expected a 1009 close, got {other:?}"),
        }
    }

    let nameless = format!("ws://{}/ws?name=%20", server.addr);
    match tokio_tungstenite::client_async(nameless, server.connect().await).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 400),
        other => panic!("a nameless socket was not refused: {other:?}"),
    }
}
