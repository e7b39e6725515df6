//! `BodyStream`: chunks reach the handler while the client is still sending, under the limit.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use rws::extract::BodyStream;
use rws::prelude::*;
use support::server::{TestServer, read_until};
use tokio::io::AsyncWriteExt;
use tokio::sync::Notify;

#[derive(Clone, Default)]
struct Seen {
    first: Arc<Notify>,
    calls: Arc<AtomicUsize>,
}

async fn count(State(seen): State<Seen>, mut body: BodyStream) -> Result<String, Error> {
    seen.calls.fetch_add(1, Ordering::SeqCst);
    let mut total = 0;
    let mut chunks = 0;
    while let Some(chunk) = body.next().await {
        total += chunk?.len();
        chunks += 1;
        if chunks == 1 {
            seen.first.notify_one();
        }
    }
    Ok(format!("{chunks} chunks, {total} bytes"))
}

fn app(seen: Seen) -> App {
    App::empty()
        .state(seen)
        .post("/upload", count)
        .body_limit(64 * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_arrive_while_the_client_is_still_sending() {
    let seen = Seen::default();
    let server = TestServer::start(app(seen.clone()), |s| s).await;
    let mut stream = server.connect().await;
    stream
        .write_all(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        )
        .await
        .unwrap();
    // The rest is only sent once the handler has seen the first chunk.
    tokio::time::timeout(Duration::from_secs(5), seen.first.notified())
        .await
        .expect("the first chunk reached the handler before the body ended");
    stream.write_all(b"6\r\n world\r\n0\r\n\r\n").await.unwrap();
    let response = read_until(&mut stream, "bytes", Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
    assert!(response.ends_with("2 chunks, 11 bytes"), "{response}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_body_limit_applies_to_announced_and_streamed_lengths() {
    let seen = Seen::default();
    let client = TestClient::new(app(seen.clone()));
    // Announced over the limit: refused before the handler runs.
    let res = client
        .post("/upload")
        .body(vec![0u8; 64 * 1024 + 1])
        .send()
        .await;
    support::problem(res, 413).await;
    assert_eq!(seen.calls.load(Ordering::SeqCst), 0);
    // Streamed past the limit without a length: the stream ends with 413.
    let chunks = futures_util::stream::iter(
        (0..20).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 8 * 1024]))),
    );
    let res = client
        .post("/upload")
        .body(Body::from_stream(chunks))
        .send()
        .await;
    let body = support::problem(res, 413).await;
    assert_eq!(body["limit"], 64 * 1024);
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1);
    let res = client.post("/upload").body("small").send().await;
    assert_eq!(res.text().await, "1 chunks, 5 bytes");
}
