//! Server-sent events over real sockets: events arrive one by one while the stream runs, a
//! reconnect resumes after `Last-Event-ID`, keep-alive comments fill quiet spells, and a client
//! that goes away ends the stream on the server.

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use rws::prelude::*;
use rws::sse::{LastEventId, Sse, SseEvent};
use support::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, mpsc};

/// Lets the test say when the stream may go on, and hear when the server dropped it.
#[derive(Clone)]
struct Control {
    next: Arc<Notify>,
    dropped: mpsc::UnboundedSender<&'static str>,
}

/// Tells the test that the server dropped a stream.
struct OnDrop(mpsc::UnboundedSender<&'static str>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        let _ = self.0.send("dropped");
    }
}

/// Three events, ids 1..=3, resuming after `Last-Event-ID`.
async fn numbered(last: Option<LastEventId>) -> Response {
    let after = last.and_then(|l| l.0.parse::<u32>().ok()).unwrap_or(0);
    let events = futures_util::stream::iter(after + 1..=3).map(|n| {
        SseEvent::data(format!("event {n}\nsecond line"))
            .id(n.to_string())
            .event("num")
    });
    Sse::new(events).into_response()
}

/// One event, then waits for the test before the second.
async fn stepwise(State(control): State<Control>) -> Response {
    let guard = OnDrop(control.dropped.clone());
    let events = futures_util::stream::unfold(0, move |step| {
        let next = Arc::clone(&control.next);
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(SseEvent::data("first")), 1)),
                1 => {
                    next.notified().await;
                    Some((Ok(SseEvent::data("second")), 2))
                }
                _ => None,
            }
        }
    })
    .map(move |e| {
        let _ = &guard;
        e
    });
    Sse::new(events).into_response()
}

/// One event, then nothing forever but keep-alives.
async fn quiet(State(control): State<Control>) -> Response {
    let guard = OnDrop(control.dropped.clone());
    let events = futures_util::stream::once(async { SseEvent::data("hello") })
        .chain(futures_util::stream::pending())
        .map(move |e| {
            let _ = &guard;
            e
        });
    Sse::new(events)
        .keep_alive(Duration::from_millis(50))
        .into_response()
}

/// One event, then nothing forever, and no keep-alives.
async fn silent(State(control): State<Control>) -> Response {
    let guard = OnDrop(control.dropped.clone());
    let events = futures_util::stream::once(async { SseEvent::data("hello") })
        .chain(futures_util::stream::pending())
        .map(move |e| {
            let _ = &guard;
            e
        });
    Sse::new(events).no_keep_alive().into_response()
}

async fn failing() -> Response {
    let events = futures_util::stream::iter([
        Ok(SseEvent::data("ok")),
        Err(std::io::Error::other("the feed broke")),
    ]);
    Sse::new(events).into_response()
}

async fn buffered() -> Sse {
    Sse::buffered()
        .event("connected", "ready")
        .push(
            SseEvent::data(r#"{"count":1}"#)
                .id("1")
                .event_type("update"),
        )
        .retry(5000)
        .comment("keep-alive")
}

async fn needs_id(id: LastEventId) -> String {
    id.0
}

fn app(control: &Control) -> App {
    App::empty()
        .state(control.clone())
        .get("/numbered", numbered)
        .get("/stepwise", stepwise)
        .get("/quiet", quiet)
        .get("/silent", silent)
        .get("/failing", failing)
        .get("/buffered", buffered)
        .get("/needs-id", needs_id)
}

fn control() -> (Control, mpsc::UnboundedReceiver<&'static str>) {
    let (dropped, rx) = mpsc::unbounded_channel();
    (
        Control {
            next: Arc::new(Notify::new()),
            dropped,
        },
        rx,
    )
}

/// The events in `text`, each as its `(field, value)` lines, parsed as a browser would.
fn parse(text: &str) -> Vec<Vec<(String, String)>> {
    text.split("\n\n")
        .filter(|block| !block.is_empty())
        .map(|block| {
            block
                .lines()
                .map(|line| match line.split_once(':') {
                    Some((field, value)) => (
                        field.to_owned(),
                        value.strip_prefix(' ').unwrap_or(value).to_owned(),
                    ),
                    None => (line.to_owned(), String::new()),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn events_arrive_one_by_one_while_the_stream_runs() {
    let (control, _dropped) = control();
    let server = TestServer::start(app(&control), |s| s).await;
    let mut res = reqwest::get(server.url("/stepwise")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert_eq!(res.headers()["x-accel-buffering"], "no");
    assert!(!res.headers().contains_key("content-length"));

    // The first event arrives while the server still waits to send the second.
    let mut seen = String::new();
    while !seen.ends_with("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("the first event arrives before the stream ends")
            .unwrap()
            .unwrap();
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert_eq!(seen, "data: first\n\n");
    control.next.notify_one();
    let rest = res.text().await.unwrap();
    assert_eq!(rest, "data: second\n\n");
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_resumes_after_it() {
    let (control, _dropped) = control();
    let server = TestServer::start(app(&control), |s| s).await;
    let client = reqwest::Client::new();
    let first = client
        .get(server.url("/numbered"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = parse(&first);
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[0],
        [
            ("event".into(), "num".into()),
            ("id".into(), "1".into()),
            ("data".into(), "event 1".into()),
            ("data".into(), "second line".into()),
        ]
    );
    let last_id = &events[1][1].1;
    assert_eq!(last_id, "2");

    let again = client
        .get(server.url("/numbered"))
        .header("last-event-id", last_id.as_str())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events = parse(&again);
    assert_eq!(events.len(), 1, "{again}");
    assert_eq!(events[0][1], ("id".into(), "3".into()));
}

#[tokio::test]
async fn quiet_streams_send_keep_alive_comments() {
    let (control, _dropped) = control();
    let server = TestServer::start(app(&control), |s| s).await;
    let mut res = reqwest::get(server.url("/quiet")).await.unwrap();
    let mut seen = String::new();
    while seen.matches(": keep-alive\n\n").count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("keep-alive comments arrive")
            .unwrap()
            .unwrap();
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(
        seen.starts_with("data: hello\n\n: keep-alive\n\n"),
        "{seen}"
    );
}

/// Reads the response head and the first event over a raw socket, then hangs up; returns how
/// the server's stream ended.
async fn hang_up_after_first_event(path: &str) -> &'static str {
    let (control, mut dropped) = control();
    let server = TestServer::start(app(&control), |s| s).await;
    let mut socket = server.connect().await;
    socket
        .write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("data: hello") {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed before the first event");
        seen.extend_from_slice(&buf[..n]);
    }
    drop(socket);
    tokio::time::timeout(Duration::from_secs(10), dropped.recv())
        .await
        .expect("the server dropped the stream after the client went away")
        .unwrap()
}

#[tokio::test]
async fn a_client_going_away_ends_the_stream_on_the_server() {
    assert_eq!(hang_up_after_first_event("/quiet").await, "dropped");
}

#[tokio::test]
async fn a_client_going_away_ends_even_a_silent_stream() {
    // No keep-alive writes to fail: hyper sees the closed socket while it waits for the body.
    assert_eq!(hang_up_after_first_event("/silent").await, "dropped");
}

#[tokio::test]
async fn an_error_item_aborts_the_response() {
    let (control, _dropped) = control();
    let server = TestServer::start(app(&control), |s| s).await;
    // The stream ends without its final chunk: the client sees a broken response (its head and
    // the first event may or may not have gone out first), never a clean end.
    match reqwest::get(server.url("/failing")).await {
        Ok(res) => assert!(res.text().await.is_err(), "the body ended cleanly"),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
}

#[tokio::test]
async fn the_buffered_builder_sends_its_events_in_one_body() {
    let (control, _dropped) = control();
    let client = TestClient::new(app(&control));
    let res = client.get("/buffered").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-type"), Some("text/event-stream"));
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    let body = "event: connected\ndata: ready\n\nevent: update\nid: 1\ndata: {\"count\":1}\n\nretry: 5000\n\n: keep-alive\n\n";
    assert_eq!(res.header("content-length"), Some(&*body.len().to_string()));
    assert_eq!(res.text().await, body);
}

#[tokio::test]
async fn a_required_last_event_id_is_a_400_when_missing() {
    let (control, _dropped) = control();
    let client = TestClient::new(app(&control));
    support::problem(client.get("/needs-id").send().await, 400).await;
    let res = client
        .get("/needs-id")
        .header("last-event-id", "41")
        .send()
        .await;
    assert_eq!(res.text().await, "41");
}
