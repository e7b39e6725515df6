//! HTTP/1.1 and HTTP/2 over real TCP with real clients: keep-alive, pipelining, h2c, panics,
//! connection info.
// Test requests are built with `format!` in iterators; their cost does not matter here.
#![allow(clippy::format_collect)]

mod support;

use rws::prelude::*;
use support::server::{TestServer, raw_request, read_response};
use tokio::io::AsyncWriteExt;

fn app() -> App {
    App::new()
        .get("/", || async { "hello" })
        .get("/peer", |c: ConnectionInfo| async move {
            format!("{} {} {:?}", c.peer_addr(), c.local_addr(), c.version())
        })
        .get(
            "/n/:n",
            |Path(n): Path<u32>| async move { format!("n={n}") },
        )
        .get("/boom", || async {
            let v: Vec<u8> = Vec::new();
            // Index out of bounds: a panic in the handler.
            format!("{}", v[usize::from(v.is_empty())])
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_requests_reuse_one_keep_alive_connection() {
    let server = TestServer::start(app(), |s| s).await;
    let mut stream = server.connect().await;
    let me = stream.local_addr().unwrap();
    for n in 0..100 {
        let res = raw_request(
            &mut stream,
            &format!("GET /peer?{n} HTTP/1.1\r\nHost: x\r\n\r\n"),
        )
        .await;
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "request {n}: {res}");
        assert!(
            res.contains(&format!("\r\n\r\n{me} ")),
            "request {n} on the same connection: {res}"
        );
    }
    // curl, too, keeps one connection for several URLs.
    let out = tokio::process::Command::new("curl")
        .args([
            "-sS",
            "-v",
            &server.url("/n/1"),
            &server.url("/n/2"),
            &server.url("/n/3"),
        ])
        .output()
        .await
        .expect("curl is installed by scripts/setup");
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n=1n=2n=3");
    assert_eq!(log.matches("Connected to").count(), 1, "{log}");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let server = TestServer::start(app(), |s| s).await;
    let mut stream = server.connect().await;
    let batch: String = (1..=5)
        .map(|n| format!("GET /n/{n} HTTP/1.1\r\nHost: x\r\n\r\n"))
        .collect();
    stream.write_all(batch.as_bytes()).await.unwrap();
    for n in 1..=5 {
        let res = read_response(&mut stream).await;
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
        assert!(
            res.ends_with(&format!("n={n}")),
            "response {n} out of order: {res}"
        );
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2c_with_prior_knowledge_from_curl_and_reqwest() {
    let server = TestServer::start(app(), |s| s).await;
    let out = tokio::process::Command::new("curl")
        .args([
            "-sS",
            "--http2-prior-knowledge",
            "-w",
            "\n%{http_version}",
            &server.url("/peer"),
        ])
        .output()
        .await
        .expect("curl is installed by scripts/setup");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.ends_with("HTTP/2.0\n2"), "{text}");

    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let res = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.text().await.unwrap(), "hello");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_info_comes_from_the_socket() {
    let server = TestServer::start(app(), |s| s).await;
    let mut stream = server.connect().await;
    let client_addr = stream.local_addr().unwrap();
    let res = raw_request(&mut stream, "GET /peer HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(
        res.ends_with(&format!("{client_addr} {} HTTP/1.1", server.addr)),
        "{res}"
    );
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_500_and_the_connection_goes_on() {
    let server = TestServer::start(app(), |s| s).await;
    let mut stream = server.connect().await;
    let res = raw_request(&mut stream, "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(
        res.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
        "{res}"
    );
    assert!(res.contains("application/problem+json"), "{res}");
    let res = raw_request(&mut stream, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(
        res.ends_with("hello"),
        "same connection still served: {res}"
    );
    let res = reqwest::get(server.url("/")).await.unwrap();
    assert_eq!(res.status(), 200, "the server goes on");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_over_the_wire_announces_the_length_without_a_body() {
    let server = TestServer::start(app(), |s| s).await;
    let out = tokio::process::Command::new("curl")
        .args(["-sS", "-I", &server.url("/")])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(text.starts_with("http/1.1 200 ok"), "{text}");
    assert!(text.contains("content-length: 5"), "{text}");
    server.stop().await.unwrap();
}

/// RFC 9112 §3.2: an HTTP/1.1 request without `Host`, with two, with a bad one, or whose
/// absolute-form target names another host is a 400 problem, and the connection closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_1_1_requests_name_their_host_once_and_consistently() {
    let server = TestServer::start(app(), |s| s).await;
    for (request, status) in [
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", 400),
        (
            "GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n",
            400,
        ),
        (
            "GET http://a.example/ HTTP/1.1\r\nHost: A.example:80\r\n\r\n",
            200,
        ),
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200),
        ("GET / HTTP/1.0\r\n\r\n", 200),
    ] {
        let mut stream = server.connect().await;
        let res = raw_request(&mut stream, request).await;
        let first = res.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("HTTP/1.") && first[8..].starts_with(&format!(" {status} ")),
            "{request:?}: {res}"
        );
        if status == 400 {
            assert!(
                res.contains("application/problem+json"),
                "{request:?}: {res}"
            );
            assert!(
                res.to_ascii_lowercase().contains("connection: close"),
                "{res}"
            );
        }
    }
}
