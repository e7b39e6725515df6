//! ACME end to end: the `rws` binary against Debian's `pebble` (which rejects 5 % of nonces, so
//! `badNonce` retries happen along the way). For each challenge, a server that starts with no
//! certificate obtains one, and curl trusting only pebble's root completes a verified request
//! to the domain; HTTP/3 serves the same certificate. A renewal replaces the certificate (a new
//! serial) while a connection opened before stays up; with the CA down and a cached
//! certificate, the server serves it and retries.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use support::bin::{Folder, Rws, curl, logged, output, rws};
use support::nginx::free_port;
use support::pebble::Pebble;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `rws` for `domains` from `pebble`, HTTPS on `port`, its diagnostic log in `log`.
fn acme_rws(
    pebble: &Pebble,
    cache: &Path,
    port: u16,
    domains: &[&str],
    log: &Path,
    extra: &[&str],
) -> Rws {
    let mut cmd = rws();
    cmd.env("RUST_LOG", "info,rws::access=off")
        .args(["--port", &port.to_string(), "--access-log", "off"])
        .args(["--acme-email", "admin@acme.test"])
        .args(["--set", &format!("acme.directory={}", pebble.directory)])
        .args([
            "--set",
            &format!("acme.ca_root={}", pebble.https_root.display()),
        ])
        .args(["--set", &format!("acme.cache={}", cache.display())])
        .args(extra)
        .stderr(std::fs::File::create(log).expect("log"));
    for domain in domains {
        cmd.args(["--acme-domain", domain]);
    }
    Rws::start_as_given(&mut cmd)
}

const OBTAINED: &str = "ACME: certificate obtained and served";

/// A verified HTTPS GET of `path` on `domain:port` (resolved to loopback), trusting `root` only.
fn verified_get(domain: &str, port: u16, root: &Path, path: &str) -> support::bin::Curl {
    curl(
        &format!("https://{domain}:{port}{path}"),
        &[
            "--resolve",
            &format!("{domain}:{port}:127.0.0.1"),
            "--cacert",
            root.to_str().expect("utf-8 path"),
        ],
    )
}

/// The serial `openssl s_client` sees for `domain` on `port`.
fn served_serial(domain: &str, port: u16) -> String {
    let out = output(Command::new("sh").arg("-c").arg(format!(
        "openssl s_client -connect 127.0.0.1:{port} -servername {domain} </dev/null 2>/dev/null \
         | openssl x509 -noout -serial"
    )));
    let serial = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(serial.starts_with("serial="), "{serial:?}");
    serial.trim_start_matches("serial=").to_ascii_lowercase()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn tls_alpn_01_obtains_a_certificate_served_over_https_and_http3() {
    let dir = Folder::new("acme-alpn");
    let port = free_port();
    let pebble = Pebble::start(&dir, port, free_port(), 0);
    let cache = dir.path().join("cache");
    let log = dir.path().join("rws.log");
    let domains = ["acme-a.test", "www.acme-a.test"];
    let server = acme_rws(&pebble, &cache, port, &domains, &log, &[]);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let launch = server
        .banner
        .iter()
        .find(|l| l.contains("ACME certificates"))
        .unwrap_or_else(|| panic!("no ACME launch line in {:?}", server.banner));
    assert!(
        launch.contains("acme-a.test, www.acme-a.test")
            && launch.contains("tls-alpn-01")
            && launch.contains("no certificate yet"),
        "{launch}"
    );

    let text = logged(&log, OBTAINED, 1);
    assert!(text.contains("ACME: account created"), "{text}");
    let root = pebble.issuing_root(&dir.path().join("root.pem"));
    for domain in domains {
        let res = verified_get(domain, port, &root, "/healthz");
        assert_eq!(res.status, 200, "{domain}");
        assert_eq!(res.text(), "ok");
    }
    // Without the challenge open, `acme-tls/1` is not offered: the handshake fails cleanly.
    let probe = output(Command::new("sh").arg("-c").arg(format!(
        "openssl s_client -connect 127.0.0.1:{port} -servername acme-a.test -alpn acme-tls/1 \
         </dev/null 2>&1"
    )));
    let said = String::from_utf8_lossy(&probe.stdout);
    assert!(
        !said.contains("ALPN protocol: acme-tls/1"),
        "acme-tls/1 offered with no challenge open:\n{said}"
    );

    // HTTP/3 on the same port serves the same certificate, verified for the domain.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/peers/h3_client.py");
    let out = output(
        Command::new(support::PYTHON)
            .env("H3_SERVER_NAME", "acme-a.test")
            .args([script, &port.to_string()])
            .arg(&root)
            .arg("/healthz"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["/healthz"]["status"], "200");

    // The account, the certificate and its key are the owner's alone.
    let kept = std::fs::read_dir(&cache)
        .expect("cache")
        .next()
        .expect("a CA folder")
        .expect("entry")
        .path();
    assert_eq!(mode(&kept.join("account.json")), 0o600);
    assert_eq!(mode(&kept.join("acme-a.test").join("key.pem")), 0o600);
    assert_eq!(mode(&kept.join("acme-a.test").join("cert.pem")), 0o600);

    let metrics = verified_get("acme-a.test", port, &root, "/metrics").text();
    assert!(
        metrics.contains("rws_acme_certificates_total{domain=\"acme-a.test\"} 1"),
        "{metrics}"
    );
    let expiry = metrics
        .lines()
        .find(|l| l.starts_with("rws_acme_certificate_expiry_timestamp_seconds{"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .expect("the expiry gauge");
    assert!(expiry > 1.7e9, "{expiry}");
}

#[test]
fn http_01_is_answered_on_the_redirect_port_before_the_redirect() {
    let dir = Folder::new("acme-http");
    let (port, redirect) = (free_port(), free_port());
    let pebble = Pebble::start(&dir, free_port(), redirect, 0);
    let log = dir.path().join("rws.log");
    let cache = dir.path().join("cache");
    let redirect_arg = redirect.to_string();
    let _server = acme_rws(
        &pebble,
        &cache,
        port,
        &["acme-b.test"],
        &log,
        &[
            "--redirect-port",
            &redirect_arg,
            "--set",
            "acme.challenge=http-01",
        ],
    );
    let text = logged(&log, OBTAINED, 1);
    assert!(!text.contains("panicked"), "{text}");
    let root = pebble.issuing_root(&dir.path().join("root.pem"));
    let res = verified_get("acme-b.test", port, &root, "/healthz");
    assert_eq!(res.status, 200);
    // The plain port still redirects, now to a host the certificate covers.
    let res = curl(
        &format!("http://acme-b.test:{redirect}/x?y=1"),
        &["--resolve", &format!("acme-b.test:{redirect}:127.0.0.1")],
    );
    assert_eq!(res.status, 308);
    assert_eq!(
        res.header("location"),
        Some(format!("https://acme-b.test:{port}/x?y=1").as_str())
    );
    // A token nobody opened is not answered as a challenge.
    let res = curl(
        &format!("http://acme-b.test:{redirect}/.well-known/acme-challenge/nope"),
        &["--resolve", &format!("acme-b.test:{redirect}:127.0.0.1")],
    );
    assert_eq!(res.status, 308);
}

/// A TLS connection to `domain` trusting `root`, kept open by the caller.
async fn open_connection(
    domain: &str,
    port: u16,
    root: &Path,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    use rustls_pki_types::pem::PemObject;
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_file_iter(root).expect("root") {
        roots.add(cert.expect("pem")).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let name = rustls_pki_types::ServerName::try_from(domain.to_owned()).expect("name");
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("a verified handshake")
}

/// One keep-alive GET of `/healthz` on `tls`; the status line.
async fn get_on(
    tls: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    domain: &str,
) -> String {
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {domain}\r\n\r\n");
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), tls.read(&mut buf))
        .await
        .expect("an answer within 10 s")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

fn leaf_serial(tls: &tokio_rustls::client::TlsStream<tokio::net::TcpStream>) -> String {
    let (_, session) = tls.get_ref();
    let leaf = session.peer_certificates().expect("certificates")[0].clone();
    let (_, parsed) = x509_parser::parse_x509_certificate(&leaf).expect("x509");
    parsed
        .tbs_certificate
        .raw_serial_as_string()
        .replace(':', "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_replaces_the_certificate_and_a_cached_one_outlives_the_ca() {
    let dir = Folder::new("acme-renew");
    let port = free_port();
    // Certificates for 90 s, renewed 1 h ahead: sooner than that is impossible, so renewal is
    // as early as rws allows (a tenth of the lifetime after issuance).
    let mut pebble = Pebble::start(&dir, port, free_port(), 90);
    let cache = dir.path().join("cache");
    let log = dir.path().join("rws.log");
    let domain = "acme-c.test";
    let server = acme_rws(
        &pebble,
        &cache,
        port,
        &[domain],
        &log,
        &["--set", "acme.renew_before=1h"],
    );
    logged(&log, OBTAINED, 1);
    let root = pebble.issuing_root(&dir.path().join("root.pem"));
    let mut before = open_connection(domain, port, &root).await;
    assert_eq!(get_on(&mut before, domain).await, "HTTP/1.1 200 OK");
    let first = leaf_serial(&before);

    let log_path = log.clone();
    tokio::task::spawn_blocking(move || logged(&log_path, OBTAINED, 2))
        .await
        .expect("renewed");
    let renewed = served_serial(domain, port);
    assert_ne!(renewed, first, "a renewal brings a new serial");
    // The connection opened before the swap keeps its certificate and goes on serving.
    assert_eq!(get_on(&mut before, domain).await, "HTTP/1.1 200 OK");
    assert_eq!(leaf_serial(&before), first);
    drop(server);

    // The CA goes away; a new process serves the cached certificate at once and retries.
    pebble.stop();
    let log2 = dir.path().join("rws2.log");
    let server = acme_rws(
        &pebble,
        &cache,
        port,
        &[domain],
        &log2,
        &["--set", "acme.renew_before=1h"],
    );
    let launch = server
        .banner
        .iter()
        .find(|l| l.contains("ACME certificates"))
        .expect("launch line");
    assert!(
        launch.contains("serving the cached certificate"),
        "{launch}"
    );
    let res = verified_get(domain, port, &root, "/healthz");
    assert_eq!(res.status, 200);
    let text = tokio::task::spawn_blocking({
        let log2 = log2.clone();
        move || logged(&log2, "retry_in", 1)
    })
    .await
    .expect("retried");
    assert!(!text.contains(OBTAINED), "{text}");
    assert_eq!(verified_get(domain, port, &root, "/healthz").status, 200);
    let metrics = verified_get(domain, port, &root, "/metrics").text();
    assert!(
        metrics.lines().any(
            |l| l.starts_with("rws_acme_failures_total{domain=\"acme-c.test\"} ")
                && !l.ends_with(" 0")
        ),
        "{metrics}"
    );
}

#[test]
fn with_no_certificate_yet_handshakes_fail_cleanly_and_the_server_keeps_trying() {
    let dir = Folder::new("acme-none");
    let port = free_port();
    let log = dir.path().join("rws.log");
    // A directory nobody answers at: the first certificate cannot be obtained.
    let mut cmd = rws();
    cmd.env("RUST_LOG", "info")
        .args(["--port", &port.to_string(), "--acme-domain", "acme-d.test"])
        .args([
            "--set",
            &format!("acme.directory=https://127.0.0.1:{}/dir", free_port()),
        ])
        .args([
            "--set",
            &format!("acme.cache={}", dir.path().join("cache").display()),
        ])
        .stderr(std::fs::File::create(&log).expect("log"));
    let server = Rws::start_as_given(&mut cmd);
    logged(&log, "retry_in", 1);
    for _ in 0..3 {
        let out = output(Command::new("curl").args([
            "-sk",
            "--max-time",
            "5",
            "--resolve",
            &format!("acme-d.test:{port}:127.0.0.1"),
            &format!("https://acme-d.test:{port}/healthz"),
        ]));
        // 35: the TLS handshake failed (the server has no certificate to offer); not 28, a
        // timeout: nothing hangs.
        assert_eq!(out.status.code(), Some(35));
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("panicked"), "{text}");
    assert!(
        server.terminate().success(),
        "the server stopped cleanly after failing handshakes"
    );
}

#[test]
fn a_ca_root_that_holds_no_certificate_is_refused_at_start() {
    let dir = Folder::new("acme-root");
    dir.file("root.pem", "not a certificate\n");
    let root = dir.path().join("root.pem");
    let out = support::bin::run(&[
        "--acme-domain",
        "acme-e.test",
        "--set",
        &format!("acme.ca_root={}", root.display()),
        "--check-config",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("command line --set acme.ca_root: `acme.ca_root`:")
            && said.contains("no certificate"),
        "{said}"
    );
}
