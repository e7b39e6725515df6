//! Traffic middleware: request id, security headers, client address and IP filter, timeout,
//! catch-panic and body limit; in-process and over real TCP with curl (IPv4 and IPv6).

mod support;

use std::process::Command;
use std::time::Duration;

use rws::extract::ClientIp;
use rws::middleware::{
    BodyLimitLayer, CatchPanicLayer, IpFilterLayer, RequestId, RequestIdLayer,
    SecurityHeadersLayer, TimeoutLayer,
};
use rws::prelude::*;
use support::server::TestServer;

#[tokio::test]
async fn request_ids_are_kept_when_valid_and_generated_otherwise() {
    let app = App::empty()
        .get("/", |id: RequestId| async move { id.to_string() })
        .wrap(RequestIdLayer::new());
    let client = TestClient::new(app);

    let kept = client
        .get("/")
        .header("x-request-id", "req-42")
        .send()
        .await;
    assert_eq!(kept.header("x-request-id"), Some("req-42"));
    assert_eq!(kept.text().await, "req-42");

    for incoming in [None, Some("has spaces"), Some("")] {
        let mut req = client.get("/");
        if let Some(id) = incoming {
            req = req.header("x-request-id", id);
        }
        let res = req.send().await;
        let id = res.header("x-request-id").unwrap().to_owned();
        // UUID v7: 8-4-4-4-12 hex digits, version nibble 7.
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{id}"
        );
        assert!(parts[2].starts_with('7'), "{id}");
        assert_eq!(res.text().await, id);
    }
    let a = client
        .get("/")
        .send()
        .await
        .header("x-request-id")
        .unwrap()
        .to_owned();
    let b = client
        .get("/")
        .send()
        .await
        .header("x-request-id")
        .unwrap()
        .to_owned();
    assert!(a < b, "time-ordered ids: {a} then {b}");

    let untrusting = TestClient::new(
        App::empty()
            .get("/", |id: RequestId| async move { id.to_string() })
            .wrap(RequestIdLayer::new().trust_incoming(false)),
    );
    let res = untrusting
        .get("/")
        .header("x-request-id", "req-42")
        .send()
        .await;
    assert_ne!(res.header("x-request-id"), Some("req-42"));

    let missing =
        TestClient::new(App::empty().get("/", |id: RequestId| async move { id.to_string() }));
    assert_eq!(missing.get("/").send().await.status(), 500);
}

#[tokio::test]
async fn security_headers_have_safe_defaults_and_respect_the_handler() {
    let app = App::empty()
        .get("/", || async { "hi" })
        .get("/framed", || async {
            ([(header::X_FRAME_OPTIONS, "SAMEORIGIN")], "embeddable")
        })
        .wrap(SecurityHeadersLayer::new().content_security_policy("default-src 'self'"));
    let client = TestClient::new(app);
    let res = client.get("/").send().await;
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        res.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    assert_eq!(
        res.header("content-security-policy"),
        Some("default-src 'self'")
    );
    assert_eq!(
        res.header("strict-transport-security"),
        None,
        "plain HTTP gets no HSTS"
    );
    let framed = client.get("/framed").send().await;
    assert_eq!(framed.header("x-frame-options"), Some("SAMEORIGIN"));

    let err = App::empty()
        .wrap(SecurityHeadersLayer::new().content_security_policy("bad\nvalue"))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"bad\\nvalue\" is not a valid content-security-policy value"),
        "{err}"
    );
}

#[tokio::test]
async fn the_ip_filter_denies_and_allows_by_client_address() {
    let behind = |filter: IpFilterLayer| {
        TestClient::new(App::empty().get("/", || async { "ok" }).wrap(filter))
    };
    let denied = behind(IpFilterLayer::new().deny(["127.0.0.0/8"]));
    support::problem(denied.get("/").send().await, 403).await;
    let allowed = behind(IpFilterLayer::new().allow(["127.0.0.1", "::1"]));
    assert_eq!(allowed.get("/").send().await.text().await, "ok");
    let elsewhere = behind(IpFilterLayer::new().allow(["10.0.0.0/8"]));
    support::problem(elsewhere.get("/").send().await, 403).await;
    let both = behind(
        IpFilterLayer::new()
            .allow(["127.0.0.0/8"])
            .deny(["127.0.0.1"]),
    );
    support::problem(both.get("/").send().await, 403).await;
}

#[test]
fn invalid_ranges_are_build_errors_naming_the_value() {
    let err = App::empty()
        .get("/", || async { "ok" })
        .wrap(IpFilterLayer::new().allow(["10.0.0.0/33"]))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("IP filter allow list: \"10.0.0.0/33\" is not an IP address or CIDR range"),
        "{err}"
    );
    assert!(err.contains("traffic.rs"), "{err}");
    let err = App::empty()
        .get(
            "/",
            (|| async { "ok" }).with(IpFilterLayer::new().deny(["not-an-ip"])),
        )
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"not-an-ip\"") && err.contains("route GET /"),
        "{err}"
    );
    let err = App::empty()
        .trusted_proxies(["10.0.0.1/8x"])
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("trusted proxies") && err.contains("\"10.0.0.1/8x\""),
        "{err}"
    );
}

#[tokio::test]
async fn client_ip_believes_forwarding_headers_only_from_trusted_proxies() {
    let whoami = |ClientIp(ip): ClientIp| async move { ip.to_string() };
    let untrusted = TestClient::new(App::empty().get("/", whoami));
    let res = untrusted
        .get("/")
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await;
    assert_eq!(res.text().await, "127.0.0.1");
    let trusted = TestClient::new(App::empty().get("/", whoami).trusted_proxies(["127.0.0.1"]));
    let res = trusted
        .get("/")
        .header("x-forwarded-for", "6.6.6.6, 203.0.113.7")
        .send()
        .await;
    assert_eq!(res.text().await, "203.0.113.7");
    // Only the header the proxy is said to write counts: X-Forwarded-For unless told.
    let res = trusted
        .get("/")
        .header("forwarded", "for=\"[2001:db8::9]:443\"")
        .send()
        .await;
    assert_eq!(res.text().await, "127.0.0.1");
    let forwarded = TestClient::new(
        App::empty()
            .get("/", whoami)
            .trusted_proxies(["127.0.0.1"])
            .forwarded_header(rws::ip::ForwardedHeader::Forwarded),
    );
    let res = forwarded
        .get("/")
        .header("forwarded", "for=\"[2001:db8::9]:443\"")
        .send()
        .await;
    assert_eq!(res.text().await, "2001:db8::9");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_answer_503_for_a_slow_handler_and_drop_it() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tx = std::sync::Arc::new(std::sync::Mutex::new(Some(tx)));
    let app = App::empty()
        .get("/slow", move || {
            // Dropped with the future when the deadline passes: the receiver sees the sender go.
            let guard = tx.lock().unwrap().take();
            async move {
                tokio::time::sleep(Duration::from_secs(60)).await;
                drop(guard);
                "late"
            }
        })
        .get(
            "/quick",
            (|| async { "quick" }).with(TimeoutLayer::new(Duration::from_secs(60))),
        )
        .wrap(TimeoutLayer::new(Duration::from_millis(200)));
    let client = TestClient::new(app);
    let res = client.get("/slow").send().await;
    support::problem(res, 503).await;
    assert!(rx.await.is_err(), "the handler's future was dropped");
    assert_eq!(client.get("/quick").send().await.text().await, "quick");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_slow_to_send_its_body_gets_408() {
    let app = App::empty()
        .post("/echo", |body: String| async move { body })
        .wrap(TimeoutLayer::new(Duration::from_millis(300)));
    let server = TestServer::start(app, |s| s).await;
    let mut stream = server.connect().await;
    let head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc";
    tokio::io::AsyncWriteExt::write_all(&mut stream, head.as_bytes())
        .await
        .unwrap();
    let response = support::server::read_until(&mut stream, "within", Duration::from_secs(5)).await;
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    // The same rule as the server's request timeout: the unread rest closes the connection.
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "{response}"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn catch_panic_and_per_route_body_limits() {
    let app = App::empty()
        .get("/boom", || async {
            "x".parse::<u8>().map(|_| "never").expect("kaboom")
        })
        .post(
            "/small",
            (|body: Bytes| async move { body.len().to_string() }).with(BodyLimitLayer::new(4)),
        )
        .post("/big", |body: Bytes| async move { body.len().to_string() })
        .wrap(CatchPanicLayer::new())
        .wrap(BodyLimitLayer::new(16));
    let client = TestClient::new(app);
    let res = support::problem(client.get("/boom").send().await, 500).await;
    assert!(
        !res.to_string().contains("kaboom"),
        "the message is logged, not sent"
    );
    support::problem(client.post("/small").body("12345").send().await, 413).await;
    assert_eq!(
        client
            .post("/big")
            .body("x".repeat(16))
            .send()
            .await
            .text()
            .await,
        "16"
    );
    support::problem(client.post("/big").body("x".repeat(17)).send().await, 413).await;
}

fn curl(url: &str, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "-g"])
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_over_tcp_from_untrusted_and_trusted_peers() {
    let whoami = |ClientIp(ip): ClientIp| async move { ip.to_string() };
    let plain = TestServer::start(App::empty().get("/", whoami), |s| s).await;
    let proxied = TestServer::start(
        App::empty()
            .get("/", whoami)
            .trusted_proxies(["127.0.0.0/8"]),
        |s| s,
    )
    .await;
    let (plain_url, proxied_url) = (plain.url("/"), proxied.url("/"));
    let (a, b) = tokio::task::spawn_blocking(move || {
        (
            curl(&plain_url, &["-H", "X-Forwarded-For: 198.51.100.20"]),
            curl(&proxied_url, &["-H", "X-Forwarded-For: 198.51.100.20"]),
        )
    })
    .await
    .unwrap();
    assert_eq!(a, "127.0.0.1", "ignored from an untrusted peer");
    assert_eq!(b, "198.51.100.20", "honoured from a trusted proxy");
    plain.stop().await.unwrap();
    proxied.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv6_cidr_matches_a_client_on_loopback_v6() {
    let Ok(listener) = tokio::net::TcpListener::bind("[::1]:0").await else {
        eprintln!("no IPv6 loopback on this machine; skipping");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let app = App::empty()
        .get(
            "/open",
            |ClientIp(ip): ClientIp| async move { ip.to_string() },
        )
        .nest(
            "/v6",
            App::empty()
                .get("/", || async { "v6 only" })
                .wrap(IpFilterLayer::new().allow(["::1/128"])),
        )
        .nest(
            "/v4",
            App::empty()
                .get("/", || async { "v4 only" })
                .wrap(IpFilterLayer::new().allow(["127.0.0.0/8"])),
        );
    let server = tokio::spawn(
        rws::server::Server::new(app)
            .handle_signals(false)
            .with_graceful_shutdown(tokio::time::sleep(Duration::from_secs(30)))
            .serve(listener),
    );
    let base = format!("http://[::1]:{port}");
    let (open, v6, v4) = tokio::task::spawn_blocking(move || {
        (
            curl(&format!("{base}/open"), &[]),
            curl(&format!("{base}/v6"), &["-w", " %{http_code}"]),
            curl(
                &format!("{base}/v4"),
                &["-o", "/dev/null", "-w", "%{http_code}"],
            ),
        )
    })
    .await
    .unwrap();
    assert_eq!(open, "::1");
    assert_eq!(v6, "v6 only 200");
    assert_eq!(v4, "403");
    server.abort();
}

#[tokio::test]
async fn hsts_is_sent_on_tls_connections_only() {
    let service = App::empty()
        .get("/", || async { "hi" })
        .wrap(SecurityHeadersLayer::new())
        .into_service();
    let peer = "203.0.113.5:50000".parse().unwrap();
    let local = "127.0.0.1:443".parse().unwrap();
    let send = |info: rws::ConnectionInfo| {
        let req = http::Request::get("/").body(Body::empty()).unwrap();
        service.with_connection_info(info).dispatch(req)
    };
    let tls = send(rws::ConnectionInfo::new(peer, local).with_tls(Some("example.com")))
        .await
        .unwrap();
    assert_eq!(
        tls.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let plain = send(rws::ConnectionInfo::new(peer, local)).await.unwrap();
    assert!(plain.headers().get("strict-transport-security").is_none());
}
