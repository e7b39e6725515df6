//! The reverse proxy in front of real upstreams: Debian's nginx (one process per upstream,
//! answering its own name) and, for WebSocket, the Python `websockets` echo server. Traffic
//! comes from reqwest, a client rws did not write.

#[path = "../support/mod.rs"]
mod support;

mod memory;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rws::prelude::*;
use rws::proxy::{HashKey, LoadBalancing, ReverseProxy};
use support::nginx::{Nginx, free_port};
use support::server::TestServer;

async fn serve(proxy: ReverseProxy) -> TestServer {
    TestServer::start(
        App::empty().any("/*rest", proxy.clone()).fallback(proxy),
        |s| s,
    )
    .await
}

/// A Python peer of tests/peers serving on `port`, once it says it is ready; killed when
/// dropped.
async fn python_server(script: &str, port: u16) -> tokio::process::Child {
    let mut child = tokio::process::Command::new(support::PYTHON)
        .arg(format!(
            "{}/../tests/peers/{script}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(port.to_string())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python peers (scripts/setup)");
    let mut ready = tokio::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        tokio::io::AsyncBufReadExt::read_line(&mut ready, &mut line),
    )
    .await
    .expect("the peer is ready in time")
    .expect("its first line");
    assert_eq!(line.trim(), "ready", "{script}");
    child
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest")
}

/// The upstream that answered each of `n` GETs of `path`, counted by name.
async fn spread(
    server: &TestServer,
    n: usize,
    header: Option<(&str, String)>,
) -> HashMap<String, usize> {
    let client = client();
    let mut counts = HashMap::new();
    for _ in 0..n {
        let mut req = client.get(server.url("/"));
        if let Some((name, value)) = &header {
            req = req.header(*name, value);
        }
        let res = req.send().await.expect("request through the proxy");
        assert_eq!(res.status(), 200);
        *counts
            .entry(res.text().await.unwrap().trim().to_owned())
            .or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn round_robin_is_exact_and_weights_are_kept() {
    let ups = [Nginx::start("a"), Nginx::start("b"), Nginx::start("c")];
    let proxy = ReverseProxy::new(ups.iter().map(Nginx::url)).strategy(LoadBalancing::RoundRobin);
    let server = serve(proxy).await;
    let counts = spread(&server, 999, None).await;
    assert_eq!(
        counts,
        HashMap::from([("a".into(), 333), ("b".into(), 333), ("c".into(), 333)])
    );

    let weighted = ReverseProxy::weighted([(ups[0].url(), 3), (ups[1].url(), 1)]);
    let server = serve(weighted).await;
    let counts = spread(&server, 1000, None).await;
    // Within 2 % of three quarters (smooth weighted round robin is exact: 750).
    assert!((730..=770).contains(&counts["a"]), "{counts:?}");
}

#[tokio::test]
async fn least_connections_and_two_choices_use_every_upstream() {
    let ups = [Nginx::start("a"), Nginx::start("b"), Nginx::start("c")];
    for strategy in [
        LoadBalancing::LeastConnections,
        LoadBalancing::PowerOfTwoChoices,
    ] {
        let proxy = ReverseProxy::new(ups.iter().map(Nginx::url)).strategy(strategy.clone());
        let server = serve(proxy).await;
        let counts = spread(&server, 300, None).await;
        assert_eq!(counts.len(), 3, "{strategy:?}: {counts:?}");
        assert!(
            counts.values().all(|&n| n >= 30),
            "{strategy:?}: {counts:?}"
        );
    }
}

#[tokio::test]
async fn hashing_keeps_a_key_on_its_upstream_and_moves_only_the_removed_ones_keys() {
    let mut ups = vec![
        Nginx::start("a"),
        Nginx::start("b"),
        Nginx::start("c"),
        Nginx::start("d"),
    ];
    let proxy = ReverseProxy::new(ups.iter().map(Nginx::url))
        .strategy(LoadBalancing::ConsistentHash(HashKey::Header(
            rws::http::HeaderName::from_static("x-user"),
        )))
        .eject_after(1, Duration::from_secs(600));
    let server = serve(proxy).await;
    let mut before = HashMap::new();
    for user in 0..200 {
        let counts = spread(&server, 3, Some(("x-user", user.to_string()))).await;
        assert_eq!(
            counts.len(),
            1,
            "user {user} moved between requests: {counts:?}"
        );
        before.insert(user, counts.into_keys().next().unwrap());
    }
    let on_d = before.values().filter(|u| *u == "d").count();
    assert!((25..=75).contains(&on_d), "d holds {on_d} of 200 keys");
    ups.pop().unwrap().kill();
    let mut moved = 0;
    for user in 0..200 {
        let counts = spread(&server, 1, Some(("x-user", user.to_string()))).await;
        let now = counts.into_keys().next().unwrap();
        if now != before[&user] {
            assert_eq!(before[&user], "d", "user {user} moved from a live upstream");
            moved += 1;
        }
    }
    assert_eq!(
        moved, on_d,
        "every key of the removed upstream moved, and only those"
    );
}

#[tokio::test]
async fn a_killed_upstream_is_ejected_without_a_5xx_and_returns_when_healthy() {
    let mut ups = [Nginx::start("a"), Nginx::start("b"), Nginx::start("c")];
    let proxy = ReverseProxy::new(ups.iter().map(Nginx::url))
        .health_check("/healthz")
        .health_check_every(Duration::from_millis(100), Duration::from_millis(500));
    let server = serve(proxy).await;
    assert_eq!(spread(&server, 30, None).await.len(), 3);
    let port = ups[1].port;
    ups[1].kill();
    // Refused connections are retried on another upstream: no client sees a 5xx, and once
    // ejected b gets nothing.
    let counts = spread(&server, 300, None).await;
    assert!(!counts.contains_key("b"), "{counts:?}");
    ups[1] = Nginx::start_on("b", port);
    let started = Instant::now();
    loop {
        if spread(&server, 30, None).await.contains_key("b") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "b never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the series `line` starts with in a `/metrics` text.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|rest| rest.trim().parse().ok())
}

#[tokio::test]
async fn by_default_a_refusing_upstream_costs_three_failures_and_no_client_sees_one() {
    let (a, mut b) = (Nginx::start("a"), Nginx::start("b"));
    let metrics = rws::metrics::Metrics::new();
    let proxy = ReverseProxy::new([a.url(), b.url()]).metrics(&metrics);
    let app = App::empty()
        .get("/metrics", metrics.endpoint())
        .any("/*rest", proxy);
    let server = TestServer::start(app, |s| s).await;
    b.kill();
    let client = client();
    for _ in 0..100 {
        let res = client.get(server.url("/x")).send().await.unwrap();
        assert_eq!(
            res.status(),
            200,
            "a failed attempt is retried on the other upstream"
        );
    }
    let text = client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let b_failures = format!(
        "rws_upstream_failures_total{{upstream=\"{}\",kind=\"connect\"}}",
        b.url()
    );
    // Three refusals eject b for its 10 s cool-down: it gets nothing more.
    assert_eq!(value(&text, &b_failures), Some(3.0), "{text}");
    let a_answers = format!(
        "rws_upstream_requests_total{{upstream=\"{}\",status=\"200\"}}",
        a.url()
    );
    assert_eq!(value(&text, &a_answers), Some(100.0), "{text}");
    let b_healthy = format!("rws_upstream_healthy{{upstream=\"{}\"}}", b.url());
    assert_eq!(value(&text, &b_healthy), Some(0.0), "{text}");
    assert!(
        text.contains("rws_upstream_duration_seconds_count"),
        "{text}"
    );
}

#[tokio::test]
async fn refused_is_502_slow_is_504_none_left_is_503_and_no_address_is_shown() {
    let dead = format!("http://127.0.0.1:{}", free_port());
    let server = serve(ReverseProxy::new([dead.as_str()]).retries(0)).await;
    let res = client().get(server.url("/x")).send().await.unwrap();
    assert_eq!(res.status(), 502);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert!(!res.text().await.unwrap().contains("127.0.0.1"));

    // An upstream that takes the request and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let proxy =
        ReverseProxy::new([silent_url.as_str()]).response_timeout(Duration::from_millis(300));
    let server = serve(proxy).await;
    let started = Instant::now();
    let res = client().get(server.url("/slow")).send().await.unwrap();
    assert_eq!(res.status(), 504);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(!res.text().await.unwrap().contains("127.0.0.1"));

    // Ejected after one failure, for long: the next request finds no upstream.
    let proxy = ReverseProxy::new([dead.as_str()]).eject_after(1, Duration::from_secs(600));
    let server = serve(proxy).await;
    assert_eq!(
        client().get(server.url("/")).send().await.unwrap().status(),
        502
    );
    let res = client().get(server.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
}

/// What nginx's `/headers` says it received, as a map.
async fn received(res: reqwest::Response) -> HashMap<String, String> {
    res.text()
        .await
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[tokio::test]
async fn hop_by_hop_headers_never_reach_the_upstream_and_forwarding_ones_do() {
    let up = Nginx::start("a");
    let server = serve(ReverseProxy::new([up.url()])).await;
    let res = client()
        .get(server.url("/headers"))
        .header("connection", "keep-alive, X-Hop")
        .header("x-hop", "secret")
        .header("keep-alive", "timeout=5")
        .header("te", "trailers")
        .header("proxy-authorization", "Basic c2VjcmV0")
        .header("x-forwarded-for", "6.6.6.6")
        .send()
        .await
        .unwrap();
    let got = received(res).await;
    for gone in [
        "x-hop",
        "keep-alive",
        "te",
        "proxy-authorization",
        "upgrade",
    ] {
        assert_eq!(got[gone], "", "{gone} reached the upstream: {got:?}");
    }
    // Only nginx's own keep-alive to us, never the client's token list.
    assert!(
        !got["connection"].to_ascii_lowercase().contains("x-hop"),
        "{got:?}"
    );
    // The spoofed address is gone: the client is who connected.
    assert_eq!(got["x-forwarded-for"], "127.0.0.1");
    assert_eq!(got["x-forwarded-proto"], "http");
    let host = server.addr.to_string();
    assert_eq!(got["host"], host, "Host is kept by default");
    assert_eq!(got["x-forwarded-host"], host);
    assert_eq!(
        got["forwarded"],
        format!("for=127.0.0.1;proto=http;host=\"{host}\"")
    );
    assert_eq!(got["uri"], "/headers");

    let rewritten = ReverseProxy::new([format!("{}/base", up.url())])
        .rewrite_host()
        .strip_prefix("/api");
    let app = App::empty().any("/api/*rest", rewritten);
    let server = TestServer::start(app, |s| s).await;
    let got = received(
        client()
            .get(server.url("/api/headers?x=1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(got["host"], format!("127.0.0.1:{}", up.port));
    assert_eq!(got["uri"], "/base/headers?x=1");
}

#[tokio::test]
async fn a_websocket_session_passes_through_with_its_forwarding_headers() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let port = free_port();
    let _echo = python_server("ws_echo_server.py", port).await;
    let server = serve(ReverseProxy::new([format!("http://127.0.0.1:{port}")])).await;
    let url = format!("ws://{}/chat", server.addr);
    let socket = server.connect().await;
    let (mut ws, res) = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::client_async(url, socket),
    )
    .await
    .expect("handshake in time")
    .expect("handshake through the proxy");
    assert_eq!(res.status(), 101);
    let first = ws.next().await.unwrap().unwrap().into_text().unwrap();
    let seen: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(seen["host"], server.addr.to_string());
    assert_eq!(seen["x-forwarded-for"], "127.0.0.1");
    assert_eq!(seen["x-forwarded-proto"], "http");
    for text in ["hello", "through", "the proxy"] {
        ws.send(Message::text(text)).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap().into_text().unwrap(), text);
    }
    ws.close(None).await.unwrap();
}

#[test]
fn bad_groups_are_build_errors_not_panics() {
    let app = App::empty()
        .any("/a/*rest", ReverseProxy::new(Vec::<String>::new()))
        .any(
            "/b/*rest",
            ReverseProxy::weighted([("http://127.0.0.1:1", 0)]),
        )
        .any("/c/*rest", ReverseProxy::new(["backend:8080"]));
    let err = app.build().expect_err("three bad groups");
    let text = err.to_string();
    assert!(text.contains("at least one upstream"), "{text}");
    assert!(text.contains("weight 0"), "{text}");
    assert!(text.contains("has no scheme"), "{text}");
}

/// A configuration file in a fresh folder, and its path.
fn config_file(name: &str, text: &str) -> (support::bin::Folder, String) {
    let dir = support::bin::Folder::new(name);
    dir.file("rws.config.toml", text);
    let path = dir.path().join("rws.config.toml").display().to_string();
    (dir, path)
}

#[tokio::test]
async fn the_binary_is_a_reverse_proxy_from_its_config_alone() {
    let (a, b) = (Nginx::start("a"), Nginx::start("b"));
    let (_dir, path) = config_file(
        "proxy-config",
        &format!(
            "[[proxy]]\npath = \"/api\"\nupstreams = [\"{}\", \"{}\"]\nstrip_prefix = true\nhealth_check = \"/healthz\"\n",
            a.url(),
            b.url()
        ),
    );
    let rws = support::bin::Rws::start(&["--config", &path]);
    let client = client();
    let mut names = Vec::new();
    for _ in 0..4 {
        let res = client.get(rws.at("/api/anything")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        names.push(res.text().await.unwrap().trim().to_owned());
    }
    assert_eq!(names, ["a", "b", "a", "b"]);
    let got = received(client.get(rws.at("/api/headers")).send().await.unwrap()).await;
    assert_eq!(got["uri"], "/headers", "the prefix is stripped");
    // What the binary answers itself is still its own.
    let health = client.get(rws.at("/healthz")).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    let text = client
        .get(rws.at("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let a_answers = format!(
        "rws_upstream_requests_total{{upstream=\"{}\",status=\"200\"}}",
        a.url()
    );
    assert!(value(&text, &a_answers).is_some_and(|n| n >= 2.0), "{text}");
    let welcome = client.get(rws.at("/")).send().await.unwrap();
    assert!(welcome.text().await.unwrap().contains("<html"));

    let (_dir, path) = config_file(
        "proxy-root",
        &format!("[[proxy]]\nupstreams = [\"{}\"]\n", a.url()),
    );
    let rws = support::bin::Rws::start(&["--config", &path]);
    for path in ["/", "/deep/path?q=1"] {
        let res = client.get(rws.at(path)).send().await.unwrap();
        assert_eq!(res.text().await.unwrap().trim(), "a", "{path}");
    }
    let health = client.get(rws.at("/healthz")).send().await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
}

#[test]
fn bad_proxy_tables_are_all_reported_with_their_lines() {
    let (_dir, path) = config_file(
        "proxy-bad",
        "[[proxy]]\npath = \"api\"\nupstreams = []\n\n[[proxy]]\npath = \"/b\"\nupstreams = [\"http://127.0.0.1:1\", \"backend:8080\"]\nweights = [0, 1]\nstrategy = \"fastest\"\nretries = \"x\"\nupstream = 1\n",
    );
    let out = support::bin::run(&["--config", &path, "--check-config"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        format!("{path}:2: `proxy[0].path`: \"api\" must start with /"),
        format!("{path}:3: `proxy[0].upstreams`: is empty"),
        format!("{path}:7: `proxy[1].upstreams`: upstream `http://127.0.0.1:1` has weight 0"),
        format!("{path}:7: `proxy[1].upstreams`: upstream `backend:8080` has no scheme"),
        format!("{path}:9: `proxy[1].strategy`: \"fastest\" is not a strategy"),
        format!("{path}:10: `proxy[1].retries`: invalid type"),
        "unknown field `upstream`".to_owned(),
    ] {
        assert!(err.contains(&expected), "{expected:?} in\n{err}");
    }
    let set = support::bin::run(&["--set", "proxy=x", "--check-config"]);
    assert!(
        String::from_utf8_lossy(&set.stderr).contains("is a list of tables"),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
}

// Multi-threaded, and the exporter shut down before the runtime ends: the SDK's shutdown blocks
// its thread on the export task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstream_request_carries_the_server_span_as_its_parent() {
    let up = Nginx::start("a");
    let telemetry = rws::otel::Telemetry::builder()
        .endpoint(format!("http://127.0.0.1:{}", free_port()))
        .build()
        .unwrap();
    let app = App::empty()
        .any("/*rest", ReverseProxy::new([up.url()]))
        .wrap(telemetry.layer());
    let server = TestServer::start(app, |s| s).await;
    let res = client()
        .get(server.url("/headers"))
        .header(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        )
        .send()
        .await
        .unwrap();
    let got = received(res).await;
    let parts: Vec<&str> = got["traceparent"].split('-').collect();
    assert_eq!(parts.len(), 4, "{got:?}");
    assert_eq!(
        parts[1], "0af7651916cd43dd8448eb211c80319c",
        "the caller's trace goes on"
    );
    assert_ne!(
        parts[2], "b7ad6b7169203331",
        "parented on rws's server span, not the caller's"
    );
    assert_eq!(parts[3], "01");
    server.stop().await.unwrap();
    telemetry.shutdown().await;
}

#[tokio::test]
async fn the_apps_body_limit_holds_for_what_passes_through() {
    let port = free_port();
    let _sink = python_server("upload_sink.py", port).await;
    let proxy = ReverseProxy::new([format!("http://127.0.0.1:{port}")]);
    let app = App::empty().any("/*rest", proxy).body_limit(1024);
    let server = TestServer::start(app, |s| s).await;
    let client = client();
    let fits = client
        .post(server.url("/up"))
        .body(vec![1u8; 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(fits.text().await.unwrap(), "1024");
    // Said too long up front: refused before any upstream is asked.
    let declared = client
        .post(server.url("/up"))
        .body(vec![1u8; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), 413);
    // Streamed past the limit: cut off, and a 413, not a 502 against the upstream.
    let chunks = futures_util::stream::iter(
        (0..8).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 512]))),
    );
    let streamed = client
        .post(server.url("/up"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    assert_eq!(
        streamed.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn https_upstreams_are_verified_against_the_roots_given_and_speak_http2() {
    let dir = support::bin::Folder::new("proxy-tls");
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    dir.file("cert.pem", key.cert.pem());
    dir.file("key.pem", key.signing_key.serialize_pem());
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let up = Nginx::start_tls("tls", &cert, &key);
    let url = format!("https://localhost:{}", up.port);

    let trusted = ReverseProxy::new([url.as_str()]).ca_root(&cert);
    let server = serve(trusted).await;
    let res = client().get(server.url("/headers")).send().await.unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let got = received(client().get(server.url("/headers")).send().await.unwrap()).await;
    assert_eq!(got.get("name").map(String::as_str), Some("tls"), "{got:?}");
    assert_eq!(got["sni"], "localhost", "SNI names the upstream's host");
    assert_eq!(got["protocol"], "HTTP/2.0", "ALPN chose HTTP/2");

    // The Mozilla roots do not know this certificate: no answer is taken from it.
    let untrusted = serve(ReverseProxy::new([url.as_str()]).retries(0)).await;
    let res = client()
        .get(untrusted.url("/headers"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 502);

    let missing = ReverseProxy::new([url.as_str()]).ca_root(dir.path().join("none.pem"));
    assert!(
        missing.problems()[0].contains("none.pem"),
        "{:?}",
        missing.problems()
    );
}

#[tokio::test]
async fn an_upstream_silent_in_the_middle_of_its_body_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // Sends a head and 4 of its 100 bytes, then nothing, holding the connection open.
    let stalling = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", stalling.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = stalling.accept().await {
            let mut head = [0u8; 4096];
            let _ = socket.read(&mut head).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhalf")
                .await;
            held.push(socket);
        }
    });
    let proxy = ReverseProxy::new([url.as_str()]).idle_timeout(Duration::from_millis(300));
    let server = serve(proxy).await;
    let res = client().get(server.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = tokio::time::timeout(Duration::from_secs(10), res.bytes())
        .await
        .expect("the body ends (cut off), rather than hanging");
    assert!(
        body.is_err(),
        "a short body is an error to the client: {body:?}"
    );
}
