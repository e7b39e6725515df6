//! WebSocket over real sockets: tokio-tungstenite as the client over HTTP/1.1 and over HTTP/2
//! extended CONNECT (hyper's client), the Python `websockets` client, and the handshake's
//! rejections as problem details.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use rws::prelude::*;
use rws::ws::{CloseCode, Message, WebSocketUpgrade};
use support::server::TestServer;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};

/// What the echo handler saw, for the tests to assert on.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

async fn echo(ws: WebSocketUpgrade, State(log): State<Log>) -> Response {
    // Big messages here, sent as one frame by the clients: above the 256 KiB default frame cap.
    ws.protocols(["chat.v2", "chat.v1"])
        .max_message_size(2 << 20)
        .max_frame_size(2 << 20)
        .on_upgrade(move |mut socket| async move {
            log.push(format!("open protocol={:?}", socket.protocol()));
            while let Some(msg) = socket.recv().await {
                match msg {
                    Ok(Message::Close(frame)) => {
                        let frame = frame.map(|f| format!("{} {}", u16::from(f.code), f.reason));
                        log.push(format!("close {}", frame.unwrap_or_default()));
                    }
                    Ok(msg @ (Message::Text(_) | Message::Binary(_))) => {
                        if socket.send(msg).await.is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        log.push(format!("error {e}"));
                        break;
                    }
                }
            }
            log.push("ended".to_owned());
        })
}

async fn small(ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(64 * 1024)
        .on_upgrade(|mut socket| async move { while socket.recv().await.is_some() {} })
}

async fn guarded(ws: WebSocketUpgrade) -> Result<Response, Error> {
    Ok(ws
        .check_origin(|o| o == "https://good.example")?
        .on_upgrade(|mut socket| async move {
            let _ = socket.send(Message::text("hello, good origin")).await;
        }))
}

async fn quiet(ws: WebSocketUpgrade, State(log): State<Log>) -> Response {
    ws.idle_timeout(Some(Duration::from_millis(600)))
        .on_upgrade(move |mut socket| async move {
            while let Some(Ok(_)) = socket.recv().await {}
            log.push("idle socket ended".to_owned());
        })
}

fn app(log: &Log) -> App {
    App::empty()
        .get("/quiet", quiet)
        .state(log.clone())
        .get("/echo", echo)
        .get("/small", small)
        .get("/guarded", guarded)
        .get("/plain", || async { "plain" })
}

async fn start(log: &Log) -> TestServer {
    TestServer::start(app(log), |s| s).await
}

/// Waits until the handler logged `line` (the server's side of a close runs in its own task).
async fn logged(log: &Log, line: &str) {
    for _ in 0..500 {
        if log.lines().iter().any(|l| l == line) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the handler never logged {line:?}: {:?}", log.lines());
}

#[tokio::test]
async fn echoes_text_binary_and_big_messages_and_closes_cleanly_over_http1() {
    let log = Log::default();
    let server = start(&log).await;
    let mut req = format!("ws://{}/echo", server.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "chat.v1, chat.v2".parse().unwrap(),
    );
    let (mut ws, res) = tokio_tungstenite::client_async(req, server.connect().await)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SWITCHING_PROTOCOLS);
    // The server's preference wins among those the client offered.
    assert_eq!(res.headers()["sec-websocket-protocol"], "chat.v2");

    ws.send(Message::text("hello")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hello"));
    ws.send(Message::binary(vec![0u8, 1, 255])).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::binary(vec![0u8, 1, 255])
    );
    let big: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    ws.send(Message::binary(big.clone())).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::binary(big));

    ws.send(Message::Ping(Bytes::from_static(b"there?")))
        .await
        .unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::Pong(Bytes::from_static(b"there?"))
    );

    ws.close(Some(CloseFrame {
        code: CloseCode::Away,
        reason: "bye".into(),
    }))
    .await
    .unwrap();
    // The server answers the close with the same code before the stream ends.
    match ws.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Away),
        other => panic!("expected the close reply, got {other:?}"),
    }
    assert!(ws.next().await.is_none());
    logged(&log, "close 1001 bye").await;
    logged(&log, "ended").await;
    assert_eq!(log.lines()[0], "open protocol=Some(\"chat.v2\")");
}

async fn close_code_for(path: &str, frame: Message) -> (CloseCode, String) {
    let log = Log::default();
    let server = start(&log).await;
    let (mut ws, _) = tokio_tungstenite::client_async(
        format!("ws://{}{path}", server.addr),
        server.connect().await,
    )
    .await
    .unwrap();
    ws.send(frame).await.unwrap();
    match ws.next().await {
        Some(Ok(Message::Close(Some(frame)))) => (frame.code, frame.reason.to_string()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_message_over_the_limit_is_closed_with_1009() {
    let (code, reason) = close_code_for("/small", Message::binary(vec![7u8; 64 * 1024 + 1])).await;
    assert_eq!(code, CloseCode::Size);
    assert_eq!(reason, "message too big");
}

#[tokio::test]
async fn invalid_utf8_in_a_text_message_is_closed_with_1007() {
    let frame = Frame::message(
        Bytes::from_static(b"\xff\xfe not utf-8"),
        OpCode::Data(Data::Text),
        true,
    );
    let (code, _) = close_code_for("/small", Message::Frame(frame)).await;
    assert_eq!(code, CloseCode::Invalid);
}

#[tokio::test]
async fn the_origin_check_refuses_other_sites_with_403_and_lets_non_browsers_in() {
    let log = Log::default();
    let server = start(&log).await;
    for (origin, ok) in [
        (Some("https://good.example"), true),
        (Some("https://evil.example"), false),
        (Some("null"), false),
        // Not a browser: browsers always send `Origin` on a WebSocket handshake.
        (None, true),
    ] {
        let mut req = format!("ws://{}/guarded", server.addr)
            .into_client_request()
            .unwrap();
        if let Some(origin) = origin {
            req.headers_mut().insert("origin", origin.parse().unwrap());
        }
        let result = tokio_tungstenite::client_async(req, server.connect().await).await;
        match (result, ok) {
            (Ok((mut ws, _)), true) => {
                assert_eq!(
                    ws.next().await.unwrap().unwrap(),
                    Message::text("hello, good origin")
                );
            }
            (Err(tokio_tungstenite::tungstenite::Error::Http(res)), false) => {
                assert_eq!(res.status(), StatusCode::FORBIDDEN, "origin {origin:?}");
            }
            (result, _) => panic!("origin {origin:?}: unexpected {result:?}"),
        }
    }
}

#[tokio::test]
async fn handshakes_that_are_not_valid_are_refused_with_problem_details() {
    let client = TestClient::new(app(&Log::default()));
    let handshake = |key: &'static str, version: &'static str| {
        client
            .get("/echo")
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-key", key)
            .header("sec-websocket-version", version)
    };
    let key = "dGhlIHNhbXBsZSBub25jZQ==";

    let res = client.get("/echo").send().await;
    assert_eq!(res.header("upgrade"), Some("websocket"));
    support::problem(res, 426).await;

    let res = handshake(key, "8").send().await;
    assert_eq!(res.header("sec-websocket-version"), Some("13"));
    support::problem(res, 426).await;

    let body = support::problem(handshake("short", "13").send().await, 400).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Sec-WebSocket-Key")
    );

    let res = client
        .get("/echo")
        .header("connection", "keep-alive")
        .header("upgrade", "websocket")
        .send()
        .await;
    support::problem(res, 400).await;

    // Valid, but the in-process client has no connection to hand over.
    let body = support::problem(handshake(key, "13").send().await, 426).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("cannot be upgraded")
    );

    assert_eq!(client.post("/echo").send().await.status(), 405);
}

/// An HTTP/2 connection (prior knowledge) to `server`, and its task.
async fn h2_client(
    server: &TestServer,
) -> hyper::client::conn::http2::SendRequest<http_body_util::Empty<Bytes>> {
    let io = hyper_util::rt::TokioIo::new(server.connect().await);
    let (send, conn) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
            .await
            .unwrap();
    tokio::spawn(conn);
    send
}

async fn h2_get(
    send: &mut hyper::client::conn::http2::SendRequest<http_body_util::Empty<Bytes>>,
    url: &str,
) -> StatusCode {
    let req = http::Request::get(url)
        .body(http_body_util::Empty::new())
        .unwrap();
    send.send_request(req).await.unwrap().status()
}

/// Opens a WebSocket on a stream of `send`'s HTTP/2 connection (RFC 8441).
async fn h2_websocket(
    send: &mut hyper::client::conn::http2::SendRequest<http_body_util::Empty<Bytes>>,
    url: &str,
) -> (
    http::response::Parts,
    tokio_tungstenite::WebSocketStream<hyper_util::rt::TokioIo<hyper::upgrade::Upgraded>>,
) {
    let mut req = http::Request::builder()
        .method(Method::CONNECT)
        .uri(url)
        .header("sec-websocket-version", "13")
        .header("sec-websocket-protocol", "chat.v1")
        .body(http_body_util::Empty::new())
        .unwrap();
    req.extensions_mut()
        .insert(hyper::ext::Protocol::from_static("websocket"));
    let res = send.send_request(req).await.unwrap();
    let (parts, body) = res.into_parts();
    assert_eq!(parts.status, StatusCode::OK, "extended CONNECT answered");
    let upgraded = hyper::upgrade::on(http::Response::from_parts(parts.clone(), body))
        .await
        .unwrap();
    let ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
        hyper_util::rt::TokioIo::new(upgraded),
        Role::Client,
        None,
    )
    .await;
    (parts, ws)
}

#[tokio::test]
async fn a_websocket_runs_on_an_http2_stream_beside_plain_requests() {
    let log = Log::default();
    let server = start(&log).await;
    let mut send = h2_client(&server).await;
    // A first request lets the client see the server's SETTINGS (extended CONNECT enabled).
    let url = |path: &str| format!("http://{}{path}", server.addr);
    assert_eq!(h2_get(&mut send, &url("/plain")).await, StatusCode::OK);

    let (parts, mut ws) = h2_websocket(&mut send, &url("/echo")).await;
    assert_eq!(parts.headers["sec-websocket-protocol"], "chat.v1");
    assert!(!parts.headers.contains_key("sec-websocket-accept"));
    ws.send(Message::text("over h2")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("over h2"));

    // The same connection still serves requests while the socket is open.
    assert_eq!(h2_get(&mut send, &url("/plain")).await, StatusCode::OK);
    let big = vec![3u8; 300 * 1024];
    ws.send(Message::binary(big.clone())).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::binary(big));

    ws.close(None).await.unwrap();
    logged(&log, "ended").await;
}

#[tokio::test]
async fn an_open_http2_websocket_keeps_its_connection_from_the_idle_timeout() {
    let log = Log::default();
    let server = TestServer::start(app(&log), |s| {
        s.keep_alive_timeout(Duration::from_millis(100))
    })
    .await;
    let mut send = h2_client(&server).await;
    let url = |path: &str| format!("http://{}{path}", server.addr);
    assert_eq!(h2_get(&mut send, &url("/plain")).await, StatusCode::OK);
    let (_, mut ws) = h2_websocket(&mut send, &url("/echo")).await;
    // Several idle timeouts pass with no request in flight but the socket open.
    tokio::time::sleep(Duration::from_millis(600)).await;
    ws.send(Message::text("still here")).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::text("still here")
    );
    // No GOAWAY was sent: new streams are still accepted.
    assert_eq!(h2_get(&mut send, &url("/plain")).await, StatusCode::OK);
}

#[tokio::test]
async fn the_python_websockets_client_talks_to_rws() {
    let log = Log::default();
    let server = start(&log).await;
    let report = support::peer("ws_client.py", [format!("ws://{}", server.addr)]).await;
    assert_eq!(report["subprotocol"], "chat.v2");
    assert_eq!(report["text"], "hello from python");
    assert_eq!(report["binary"], serde_json::json!([0, 1, 255]));
    assert_eq!(report["big_len"], 1 << 20);
    assert_eq!(report["big_same"], true);
    assert_eq!(report["pong"], true);
    assert_eq!(report["close_code"], 1000);
    assert_eq!(report["close_reason"], "done");
    assert_eq!(report["oversized_code"], 1009);
    assert_eq!(report["oversized_reason"], "message too big");
    logged(&log, "close 1000 done").await;
}

#[tokio::test]
async fn shutdown_closes_open_sockets_with_1001() {
    let log = Log::default();
    let mut server = start(&log).await;
    let (mut ws, _) = tokio_tungstenite::client_async(
        format!("ws://{}/echo", server.addr),
        server.connect().await,
    )
    .await
    .unwrap();
    ws.send(Message::text("before")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("before"));

    server.trigger_shutdown();
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Close(Some(frame))))) => {
            assert_eq!(frame.code, CloseCode::Away);
            assert_eq!(frame.reason.as_str(), "server shutting down");
        }
        other => panic!("expected a 1001 close, got {other:?}"),
    }
    // The client's answer completes the handshake; the handler sees the end of its socket.
    assert!(ws.next().await.is_none());
    logged(&log, "ended").await;
    server.stop().await.unwrap();
}

/// The defaults bound what one socket may buffer: a message of 1 MiB passes, one byte more is
/// closed with 1009; frames are capped at 256 KiB.
#[tokio::test]
async fn the_default_limits_are_one_mebibyte_messages_and_256_kib_frames() {
    assert_eq!(rws::ws::DEFAULT_MAX_MESSAGE_SIZE, 1 << 20);
    assert_eq!(rws::ws::DEFAULT_MAX_FRAME_SIZE, 256 << 10);
    let (code, _) = close_code_for("/quiet", Message::binary(vec![1u8; (1 << 20) + 1])).await;
    assert_eq!(code, CloseCode::Size);
    // Under the message limit, over the frame limit (tungstenite names both "message too big").
    let (code, _) = close_code_for("/quiet", Message::binary(vec![1u8; (256 << 10) + 1])).await;
    assert_eq!(code, CloseCode::Size);
}

/// A peer that goes silent (it answers no ping) is closed with 1001 after the idle timeout, and
/// the socket's task ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_pinged_then_closed_after_the_idle_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let log = Log::default();
    let server = start(&log).await;
    let mut raw = server.connect().await;
    raw.write_all(
        b"GET /quiet HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .await
    .unwrap();
    // Read everything the server sends, answering nothing: the 101, a ping, a close (1001).
    let mut seen = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 1024];
        loop {
            match raw.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the silent socket was never closed");
    let text = String::from_utf8_lossy(&seen);
    assert!(text.starts_with("HTTP/1.1 101"), "{text}");
    let frames = &seen[seen.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
    assert_eq!(frames.first(), Some(&0x89), "a ping first: {frames:?}");
    let close = frames
        .windows(4)
        .any(|w| w[0] == 0x88 && w[2..4] == [0x03, 0xe9]);
    assert!(close, "a close with 1001: {frames:?}");
    logged(&log, "idle socket ended").await;
}

/// An upgraded socket keeps its connection's permit: at `max_connections = 1`, a second client
/// waits while a WebSocket is open, and is served once it closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_websocket_counts_against_the_connection_limit() {
    let log = Log::default();
    let server = TestServer::start(app(&log), |s| s.max_connections(1)).await;
    let (mut ws, _) = tokio_tungstenite::client_async(
        format!("ws://{}/echo", server.addr),
        server.connect().await,
    )
    .await
    .unwrap();
    ws.send(Message::text("hi")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hi"));
    let mut other = server.connect().await;
    let waiting = tokio::spawn(async move {
        support::server::raw_request(&mut other, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n").await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "served while the socket held the only permit"
    );
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    let res = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once the socket closed")
        .unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
}
