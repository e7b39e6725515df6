//! HTTPS with certificates made at test time (rcgen): curl over HTTP/1.1 and HTTP/2 with ALPN,
//! SNI checked with `openssl s_client`, certificates swapped under an open connection, and bad
//! PEM refused with the file and the reason.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rws::ConnectionInfo;
use rws::prelude::*;
use rws::server::Server;
use rws::server::tls::Tls;
use support::bin::Folder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// A self-signed certificate for `names`, written as `<stem>.pem` and `<stem>.key`.
fn certificate(dir: &Folder, stem: &str, names: &[&str]) -> (PathBuf, PathBuf) {
    let key = rcgen::generate_simple_self_signed(
        names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
    )
    .unwrap();
    dir.file(&format!("{stem}.pem"), key.cert.pem());
    dir.file(&format!("{stem}.key"), key.signing_key.serialize_pem());
    (
        dir.path().join(format!("{stem}.pem")),
        dir.path().join(format!("{stem}.key")),
    )
}

fn app() -> App {
    App::empty().get("/", |info: ConnectionInfo| async move {
        format!(
            "tls={} alpn={} sni={}",
            info.is_tls(),
            info.alpn().unwrap_or("-"),
            info.server_name().unwrap_or("-")
        )
    })
}

/// Serves `app()` over `tls` on a free port; returns the port.
async fn serve(tls: Tls) -> u16 {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = tcp.local_addr().unwrap().port();
    let listener = tls.bind(tcp);
    tokio::spawn(
        Server::new(app())
            .handle_signals(false)
            .with_graceful_shutdown(tokio::time::sleep(Duration::from_secs(60)))
            .serve(listener),
    );
    port
}

fn curl(args: &[&str]) -> (bool, String) {
    let out = Command::new("curl")
        .args(["-s", "-S"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_speaks_http1_and_http2_over_alpn() {
    let dir = Folder::new("tls-alpn");
    let (cert, key) = certificate(&dir, "localhost", &["localhost"]);
    let port = serve(Tls::from_pem_files(&cert, &key).unwrap()).await;
    let url = format!("https://localhost:{port}/");
    let cacert = cert.display().to_string();
    let (h1, h2) = tokio::task::spawn_blocking(move || {
        (
            curl(&[
                "--http1.1",
                "--cacert",
                &cacert,
                "-w",
                " %{http_version}",
                &url,
            ]),
            curl(&[
                "--http2",
                "--cacert",
                &cacert,
                "-w",
                " %{http_version}",
                &url,
            ]),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        h1,
        (true, "tls=true alpn=http/1.1 sni=localhost 1.1".to_owned())
    );
    assert_eq!(h2, (true, "tls=true alpn=h2 sni=localhost 2".to_owned()));
}

/// The PEM of the certificate `openssl s_client` is shown for `server_name`.
fn presented(port: u16, server_name: &str) -> String {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            server_name,
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text
        .find("-----BEGIN CERTIFICATE-----")
        .expect("a certificate");
    let end = text.find("-----END CERTIFICATE-----").expect("its end");
    text[start..end].to_owned()
}

fn pem_body(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let end = text.find("-----END CERTIFICATE-----").unwrap();
    text[..end].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sni_picks_the_certificate() {
    let dir = Folder::new("tls-sni");
    let (cert, key) = certificate(&dir, "default", &["localhost"]);
    let (other, other_key) = certificate(&dir, "other", &["other.test"]);
    let (wild, wild_key) = certificate(&dir, "wild", &["*.wild.test"]);
    let tls = Tls::from_pem_files(&cert, &key)
        .unwrap()
        .with_sni("other.test", &other, &other_key)
        .unwrap()
        .with_sni("*.wild.test", &wild, &wild_key)
        .unwrap();
    let port = serve(tls).await;
    let (a, b, c, d) = tokio::task::spawn_blocking(move || {
        (
            presented(port, "other.test"),
            presented(port, "localhost"),
            presented(port, "api.wild.test"),
            presented(port, "unknown.test"),
        )
    })
    .await
    .unwrap();
    assert_eq!(a.replace('\r', ""), pem_body(&other));
    assert_eq!(b.replace('\r', ""), pem_body(&cert));
    assert_eq!(c.replace('\r', ""), pem_body(&wild));
    assert_eq!(
        d.replace('\r', ""),
        pem_body(&cert),
        "unknown names get the default"
    );
    // And curl, verifying the name, reaches the SNI host with its own CA only.
    let other_ca = other.display().to_string();
    let resolve = format!("other.test:{port}:127.0.0.1");
    let url = format!("https://other.test:{port}/");
    let (ok, body) = tokio::task::spawn_blocking(move || {
        curl(&["--resolve", &resolve, "--cacert", &other_ca, &url])
    })
    .await
    .unwrap();
    assert!(ok, "{body}");
    assert!(body.contains("sni=other.test"), "{body}");
}

/// A rustls client trusting `roots`, over which `GET /` is sent on demand.
async fn connect(
    port: u16,
    roots: &[&PathBuf],
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    use rustls_pki_types::pem::PemObject;
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store
            .add(rustls_pki_types::CertificateDer::from_pem_file(root).unwrap())
            .unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(store)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap()
}

async fn get(stream: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>) -> String {
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_swap_under_open_connections() {
    let dir = Folder::new("tls-swap");
    let (first, first_key) = certificate(&dir, "first", &["localhost"]);
    let (second, second_key) = certificate(&dir, "second", &["localhost"]);
    let tls = Tls::from_pem_files(&first, &first_key).unwrap();
    let certificates = tls.certificates();
    let port = serve(tls).await;

    let mut old = connect(port, &[&first]).await;
    assert!(get(&mut old).await.starts_with("HTTP/1.1 200 OK"));

    certificates.replace(None, &second, &second_key).unwrap();
    let mut new = connect(port, &[&second]).await;
    assert!(get(&mut new).await.starts_with("HTTP/1.1 200 OK"));
    assert!(
        get(&mut old).await.starts_with("HTTP/1.1 200 OK"),
        "the old connection keeps working"
    );
    let presented_now = tokio::task::spawn_blocking(move || presented(port, "localhost"))
        .await
        .unwrap();
    assert_eq!(presented_now.replace('\r', ""), pem_body(&second));
}

/// The TLS side keeps RFC 9112's host rules too: no `Host` is a 400 problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_request_without_host_is_a_400() {
    let dir = Folder::new("tls-host");
    let (cert, key) = certificate(&dir, "host", &["localhost"]);
    let port = serve(Tls::from_pem_files(&cert, &key).unwrap()).await;
    let mut stream = connect(port, &[&cert]).await;
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    let res = String::from_utf8_lossy(&buf[..n]);
    assert!(res.starts_with("HTTP/1.1 400 Bad Request"), "{res}");
    assert!(res.contains("must have a `Host` header"), "{res}");
    let mut good = connect(port, &[&cert]).await;
    assert!(get(&mut good).await.starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn bad_pem_and_mismatched_keys_name_the_file() {
    let dir = Folder::new("tls-bad");
    let (cert, key) = certificate(&dir, "good", &["localhost"]);
    let (_, other_key) = certificate(&dir, "other", &["localhost"]);
    dir.file("garbage.pem", "not a certificate at all\n");

    let garbage = dir.path().join("garbage.pem");
    let err = Tls::from_pem_files(&garbage, &key).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}: ", garbage.display())),
        "{err}"
    );
    let err = Tls::from_pem_files(&cert, &garbage)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "{}: cannot read the private key",
            garbage.display()
        )),
        "{err}"
    );
    let err = Tls::from_pem_files(&cert, &other_key)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the key does not fit the certificate"),
        "{err}"
    );
    let err = Tls::from_pem_files(dir.path().join("missing.pem"), &key)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing.pem: cannot read the certificates"),
        "{err}"
    );
}

#[tokio::test]
async fn the_http_side_redirects_to_https_without_open_redirects() {
    // An empty list allows nothing: the redirect is never open.
    let none = TestClient::new(rws::server::tls::redirect_to_https(8443, &[], false));
    let res = none.get("/").header("host", "example.com").send().await;
    assert_eq!(res.status(), 400);
    let client = TestClient::new(rws::server::tls::redirect_to_https(
        8443,
        &["example.com"],
        false,
    ));
    let res = client
        .post("/a/b?c=1")
        .header("host", "example.com:8080")
        .send()
        .await;
    assert_eq!(res.status(), 308);
    assert_eq!(
        res.header("location"),
        Some("https://example.com:8443/a/b?c=1")
    );
    let missing = client.get("/").send().await;
    assert_eq!(missing.status(), 400, "no Host");
    let bad = client
        .get("/")
        .header("host", "evil.com@example.com")
        .send()
        .await;
    assert_eq!(bad.status(), 400);

    let strict = TestClient::new(rws::server::tls::redirect_to_https(
        443,
        &["example.com"],
        true,
    ));
    let res = strict.get("/x").header("host", "EXAMPLE.com").send().await;
    assert_eq!(res.status(), 301);
    assert_eq!(res.header("location"), Some("https://example.com/x"));
    let res = strict.post("/x").header("host", "example.com").send().await;
    assert_eq!(res.status(), 308);
    let res = strict
        .get("/x")
        .header("host", "attacker.test")
        .send()
        .await;
    assert_eq!(res.status(), 400);
}

/// By default (the binary's, with no `tls.redirect_hosts`) the redirect goes only to names the
/// certificates cover, wildcards as TLS clients read them; any other `Host` gets 400.
#[tokio::test]
async fn the_redirect_for_certificates_allows_only_their_names() {
    let dir = Folder::new("tls-redirect-names");
    let (cert, key) = certificate(&dir, "names", &["localhost", "*.example.test"]);
    let (other, other_key) = certificate(&dir, "other", &["api.other.test"]);
    let tls = Tls::from_pem_files(&cert, &key).unwrap();
    let certificates = tls.certificates();
    let client = TestClient::new(rws::server::tls::redirect_to_https_for(
        certificates.clone(),
        443,
        false,
    ));
    for (host, status) in [
        ("localhost", 308),
        ("a.example.test", 308),
        ("A.Example.Test:8080", 308),
        ("example.test", 400),
        ("a.b.example.test", 400),
        ("evil.com", 400),
        ("api.other.test", 400),
    ] {
        let res = client.post("/x").header("host", host).send().await;
        assert_eq!(res.status().as_u16(), status, "{host}");
    }
    // A certificate added for SNI extends the names at once.
    certificates
        .replace(Some("api.other.test"), &other, &other_key)
        .unwrap();
    let res = client
        .get("/y")
        .header("host", "api.other.test")
        .send()
        .await;
    assert_eq!(res.header("location"), Some("https://api.other.test/y"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_neither_blocks_others_nor_stays_forever() {
    let dir = Folder::new("tls-silent");
    let (cert, key) = certificate(&dir, "localhost", &["localhost"]);
    let tls = Tls::from_pem_files(&cert, &key)
        .unwrap()
        .handshake_timeout(Duration::from_millis(300));
    let port = serve(tls).await;
    // A client that connects and never says hello.
    let mut silent = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    // Meanwhile a real client is served: handshakes do not queue behind each other.
    let mut other = connect(port, &[&cert]).await;
    assert!(get(&mut other).await.starts_with("HTTP/1.1 200 OK"));
    // The silent one is dropped once its handshake time is up.
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf))
        .await
        .expect("the server closes a connection whose handshake never starts");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}

/// TLS handshakes cannot be starved: with 600 idle TCP sockets open on the TLS port (more than
/// the 512 handshake slots), a fresh client's handshake still completes within a second (it
/// waited ~8 s behind 520 idle sockets before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_hundred_silent_sockets_do_not_starve_a_fresh_handshake() {
    let dir = Folder::new("tls-starve");
    let (cert, key) = certificate(&dir, "localhost", &["localhost"]);
    let port = serve(Tls::from_pem_files(&cert, &key).unwrap()).await;
    let mut silent = Vec::new();
    for _ in 0..600 {
        silent.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let mut fresh = tokio::time::timeout(Duration::from_secs(1), connect(port, &[&cert]))
        .await
        .expect("the fresh handshake completed within 1 s");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(get(&mut fresh).await.starts_with("HTTP/1.1 200 OK"));
    drop(silent);
}
