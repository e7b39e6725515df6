//! Every limit of the engine over a real socket: header read timeout (slowloris), keep-alive
//! idle timeout, header size and count, body limit while streaming, concurrent connections,
//! HTTP/2 concurrent streams and rapid reset, request timeout.
//!
//! Timeouts are set short so the tests are quick; what is asserted is behaviour (closed or not,
//! which status), never how long something took.
// Test requests are built with `format!` in iterators; their cost does not matter here.
#![allow(clippy::format_collect)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::prelude::*;
use support::server::{TestServer, closed_within, raw_request, read_until};
use tokio::io::AsyncWriteExt;

fn app() -> App {
    App::new()
        .get("/", || async { "ok" })
        .get("/slow", || async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            "slow"
        })
        .get("/stuck", || async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "never"
        })
        .post("/echo", |body: Bytes| async move { body.len().to_string() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_client_is_cut_off() {
    let server =
        TestServer::start(app(), |s| s.header_read_timeout(Duration::from_millis(300))).await;
    let mut stream = server.connect().await;
    // 40 header bytes, one every 50 ms: 2 s if the server let it.
    let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefg";
    let mut sent = 0;
    for byte in head {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        closed_within(&mut stream, Duration::from_secs(5)).await,
        "connection left open"
    );
    // Either a write failed midway or the connection closed before the head could complete.
    assert!(sent <= head.len());
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_close_but_busy_ones_do_not() {
    let server = TestServer::start(app(), |s| {
        s.keep_alive_timeout(Duration::from_millis(300))
            .header_read_timeout(Duration::from_millis(200))
    })
    .await;
    // A request that takes longer than both timeouts is not cut: it is in flight, not idle.
    let mut stream = server.connect().await;
    let res = raw_request(&mut stream, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(res.ends_with("slow"), "{res}");
    // Then, idle: closed by the server without a byte from us.
    assert!(
        closed_within(&mut stream, Duration::from_secs(5)).await,
        "idle connection left open"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_timer_does_not_run_while_a_connection_is_idle() {
    let server = TestServer::start(app(), |s| {
        s.keep_alive_timeout(Duration::from_secs(30))
            .header_read_timeout(Duration::from_millis(200))
    })
    .await;
    let mut stream = server.connect().await;
    assert!(
        raw_request(&mut stream, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .ends_with("ok")
    );
    // Idle for longer than the header timeout, then a prompt request on the same connection.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let res = raw_request(&mut stream, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(
        res.ends_with("ok"),
        "second request on the idle connection: {res:?}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_heads_get_431() {
    let server = TestServer::start(app(), |s| s.max_header_size(16 * 1024).max_headers(20)).await;
    let mut stream = server.connect().await;
    let big = "a".repeat(20 * 1024);
    let res = read_after(
        &mut stream,
        &format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n"),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 431 "), "{res}");

    let mut stream = server.connect().await;
    let many: String = (0..30).map(|i| format!("X-H{i}: v\r\n")).collect();
    let res = read_after(
        &mut stream,
        &format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n"),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 431 "), "{res}");

    // Within the limits, the same request shapes pass.
    let mut stream = server.connect().await;
    let few: String = (0..10).map(|i| format!("X-H{i}: v\r\n")).collect();
    let res = raw_request(
        &mut stream,
        &format!("GET / HTTP/1.1\r\nHost: x\r\n{few}\r\n"),
    )
    .await;
    assert!(res.ends_with("ok"), "{res}");
    server.stop().await.unwrap();
}

async fn read_after(stream: &mut tokio::net::TcpStream, request: &str) -> String {
    let _ = stream.write_all(request.as_bytes()).await;
    read_until(stream, "\r\n\r\n", Duration::from_secs(5)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_body_over_the_limit_gets_413() {
    let server = TestServer::start(app().body_limit(64 * 1024), |s| s).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // 10 MiB in 16 KiB chunks, until the server stops listening.
    let writer = tokio::spawn(async move {
        let chunk = format!("4000\r\n{}\r\n", "x".repeat(0x4000));
        for _ in 0..640 {
            if writer.write_all(chunk.as_bytes()).await.is_err() {
                return false;
            }
        }
        true
    });
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        use tokio::io::AsyncReadExt;
        while !String::from_utf8_lossy(&head).contains("\r\n\r\n") {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no response while the body was streaming");
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
    assert!(head.contains("application/problem+json"), "{head}");
    writer.abort();
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_still_uploading_a_refused_body_receives_the_413() {
    // The app refuses the announced length at once; the client, as most do, sends the whole
    // body before reading. The server closes after its answer, but lingers reading what is still
    // coming: closing with unread data would send RST and destroy the 413 in flight.
    let server = TestServer::start(app().body_limit(64 * 1024), |s| s).await;
    let stream = server.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    let body_len = 4 * 1024 * 1024;
    let sent = tokio::spawn(async move {
        let head = format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {body_len}\r\n\r\n");
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..body_len / chunk.len() {
            writer.write_all(&chunk).await?;
        }
        writer.shutdown().await
    });
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        use tokio::io::AsyncReadExt;
        reader.read_to_end(&mut response).await
    })
    .await
    .expect("the server closes after answering");
    assert!(sent.await.unwrap().is_ok(), "the whole body could be sent");
    assert!(read.is_ok(), "read without a reset: {read:?}");
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413 "), "{response}");
    assert!(response.contains("\"status\":413"), "{response}");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_connections_wait_in_the_backlog() {
    let server = TestServer::start(app(), |s| s.max_connections(2)).await;
    let mut first = server.connect().await;
    let mut second = server.connect().await;
    assert!(
        raw_request(&mut first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .ends_with("ok")
    );
    assert!(
        raw_request(&mut second, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .ends_with("ok")
    );
    // The third connects (the kernel's backlog) but is not served while two are open...
    let mut third = server.connect().await;
    third
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let early = read_until(&mut third, "ok", Duration::from_millis(300)).await;
    assert!(early.is_empty(), "served beyond the limit: {early}");
    // ...until one closes.
    drop(first);
    let res = read_until(&mut third, "ok", Duration::from_secs(5)).await;
    assert!(
        res.starts_with("HTTP/1.1 200 OK") && res.ends_with("ok"),
        "{res}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_gets_503_and_a_slow_body_408() {
    let server = TestServer::start(app(), |s| {
        s.request_timeout(Some(Duration::from_millis(200)))
    })
    .await;
    let mut stream = server.connect().await;
    let res = raw_request(&mut stream, "GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(res.starts_with("HTTP/1.1 503 "), "{res}");
    assert!(res.contains("application/problem+json"), "{res}");

    let mut stream = server.connect().await;
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten.")
        .await
        .unwrap();
    let res = read_until(&mut stream, "within", Duration::from_secs(5)).await;
    assert!(res.starts_with("HTTP/1.1 408 "), "{res}");
    assert!(res.to_lowercase().contains("connection: close"), "{res}");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_concurrent_streams_are_capped_per_connection() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (Arc::clone(&running), Arc::clone(&peak));
    let app = App::new().get("/work", move || {
        let (running, peak) = (Arc::clone(&r), Arc::clone(&p));
        async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            "done"
        }
    });
    let server = TestServer::start(app, |s| s.http2_max_concurrent_streams(2)).await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let requests = (0..8).map(|_| {
        let client = client.clone();
        let url = server.url("/work");
        tokio::spawn(async move { client.get(url).send().await.unwrap().text().await.unwrap() })
    });
    for r in requests.collect::<Vec<_>>() {
        assert_eq!(r.await.unwrap(), "done");
    }
    assert!(
        peak.load(Ordering::SeqCst) <= 2,
        "peak {} streams",
        peak.load(Ordering::SeqCst)
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_rapid_reset_closes_the_connection() {
    let server = TestServer::start(app(), |s| s.http2_max_pending_accept_reset_streams(5)).await;
    let tcp = server.connect().await;
    let (mut client, connection) = h2::client::handshake(tcp).await.unwrap();
    let driver = tokio::spawn(connection);
    // Open streams and reset each at once, faster than the server accepts them.
    let mut refused = false;
    for _ in 0..2000 {
        let req = http::Request::get(server.url("/stuck")).body(()).unwrap();
        let ready = tokio::time::timeout(Duration::from_secs(5), client.clone().ready()).await;
        match ready {
            Ok(Ok(mut ready)) => match ready.send_request(req, true) {
                Ok((_response, mut stream)) => stream.send_reset(h2::Reason::CANCEL),
                Err(_) => {
                    refused = true;
                    break;
                }
            },
            _ => {
                refused = true;
                break;
            }
        }
        client = client.clone();
    }
    let ended = tokio::time::timeout(Duration::from_secs(5), driver).await;
    assert!(
        refused || matches!(ended, Ok(Ok(Err(_)))),
        "the attack was not stopped"
    );
    // The server itself goes on.
    assert_eq!(
        reqwest::get(server.url("/"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    server.stop().await.unwrap();
}

/// A client that sends the HTTP/2 preface and then nothing, acknowledging no PING and no GOAWAY,
/// is closed soon after the idle timeout: the graceful close has a deadline (it was open after
/// 150 s before; 200 such sockets locked everyone out at the connection limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_http2_connection_is_closed() {
    let server = TestServer::start(app(), |s| {
        s.keep_alive_timeout(Duration::from_secs(1))
            .http2_keep_alive_interval(Some(Duration::from_secs(1)))
            .http2_keep_alive_timeout(Duration::from_secs(1))
    })
    .await;
    let mut silent = server.connect().await;
    // The preface and an empty SETTINGS frame; no SETTINGS ACK, no PING ACK, ever.
    silent
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    assert!(
        closed_within(&mut silent, Duration::from_secs(10)).await,
        "the silent HTTP/2 connection is still open"
    );
    // Others are served meanwhile and after.
    let mut stream = server.connect().await;
    let res = raw_request(&mut stream, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    server.stop().await.unwrap();
}
