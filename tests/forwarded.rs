//! Forwarded headers follow one policy, over real sockets: behind a trusted proxy only the header
//! it writes is read (a client-supplied `Forwarded` or `X-Forwarded-For` never picks the client's
//! address), and its `X-Forwarded-Proto: https` makes the request secure for cookies.

mod support;

use rws::extract::ClientIp;
use rws::ip::ForwardedHeader;
use rws::middleware::{CsrfLayer, IpFilterLayer};
use rws::prelude::*;
use rws::session::{MemoryStore, Session, SessionLayer};
use support::server::{TestServer, raw_request};

fn app(header: Option<ForwardedHeader>) -> App {
    let app = App::empty()
        .get(
            "/ip",
            |ClientIp(ip): ClientIp| async move { ip.to_string() },
        )
        .get(
            "/guarded",
            (|| async { "inside" }).with(IpFilterLayer::new().allow(["192.0.2.0/24"])),
        )
        .trusted_proxies(["127.0.0.1"]);
    match header {
        Some(header) => app.forwarded_header(header),
        None => app,
    }
}

async fn get(server: &TestServer, path: &str, headers: &str) -> String {
    let mut stream = server.connect().await;
    raw_request(
        &mut stream,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n"),
    )
    .await
}

fn body(res: &str) -> &str {
    res.split("\r\n\r\n").nth(1).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_configured_header_names_the_client() {
    // Default: the proxy appends to X-Forwarded-For; a client's Forwarded is ignored.
    let server = TestServer::start(app(None), |s| s).await;
    let res = get(
        &server,
        "/ip",
        "Forwarded: for=192.0.2.66\r\nX-Forwarded-For: 203.0.113.9\r\n",
    )
    .await;
    assert_eq!(body(&res), "203.0.113.9");
    // A client cannot walk past the IP filter with a header the proxy does not write.
    let res = get(
        &server,
        "/guarded",
        "Forwarded: for=192.0.2.66\r\nX-Real-IP: 192.0.2.66\r\nX-Forwarded-For: 203.0.113.9\r\n",
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 403"), "{res}");
    let res = get(
        &server,
        "/guarded",
        "X-Forwarded-For: 6.6.6.6, 192.0.2.10\r\n",
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    server.stop().await.unwrap();

    // A proxy that sets X-Real-IP: a client's X-Forwarded-For is ignored.
    let server = TestServer::start(app(Some(ForwardedHeader::XRealIp)), |s| s).await;
    let res = get(
        &server,
        "/ip",
        "X-Forwarded-For: 192.0.2.66\r\nX-Real-IP: 198.51.100.4\r\n",
    )
    .await;
    assert_eq!(body(&res), "198.51.100.4");
    server.stop().await.unwrap();

    // RFC 7239 Forwarded: X-Forwarded-For is ignored.
    let server = TestServer::start(app(Some(ForwardedHeader::Forwarded)), |s| s).await;
    let res = get(
        &server,
        "/ip",
        "X-Forwarded-For: 192.0.2.66\r\nForwarded: for=198.51.100.7\r\n",
    )
    .await;
    assert_eq!(body(&res), "198.51.100.7");
    server.stop().await.unwrap();
}

/// Behind a TLS-terminating trusted proxy, the session cookie keeps `Secure` and the CSRF cookie
/// its `__Host-` name; the same header from an untrusted peer changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_behind_a_trusted_proxy_keeps_cookies_secure() {
    let cookies = |trusted: bool| {
        let app = App::empty()
            .get("/login", |session: Session| async move {
                session.insert("user", "ada").map(|()| "in")
            })
            .get("/form", |token: rws::middleware::CsrfToken| async move {
                token.value().to_owned()
            })
            .wrap(SessionLayer::new(MemoryStore::new(3600)))
            .wrap(CsrfLayer::new());
        if trusted {
            app.trusted_proxies(["127.0.0.1"])
        } else {
            app
        }
    };
    let server = TestServer::start(cookies(true), |s| s).await;
    let res = get(&server, "/login", "X-Forwarded-Proto: https\r\n").await;
    let set = res.to_ascii_lowercase();
    assert!(
        set.contains("set-cookie: ") && set.contains("; secure"),
        "{res}"
    );
    let res = get(&server, "/form", "X-Forwarded-Proto: https\r\n").await;
    assert!(res.contains("set-cookie: __Host-rws_csrf="), "{res}");
    let res = get(&server, "/form", "X-Forwarded-Proto: http\r\n").await;
    assert!(res.contains("set-cookie: rws_csrf="), "{res}");
    server.stop().await.unwrap();

    let server = TestServer::start(cookies(false), |s| s).await;
    let res = get(&server, "/login", "X-Forwarded-Proto: https\r\n").await;
    assert!(!res.to_ascii_lowercase().contains("; secure"), "{res}");
    let res = get(&server, "/form", "X-Forwarded-Proto: https\r\n").await;
    assert!(res.contains("set-cookie: rws_csrf="), "{res}");
    server.stop().await.unwrap();
}
