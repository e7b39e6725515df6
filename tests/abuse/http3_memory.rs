//! 20 HTTP/3 connections × 200 streams of a large file that are never read: the server's memory
//! is bounded by its windows and its cap on sending bodies per connection (RSS grew by 720 MiB
//! before, with quinn's 10 MB send window and no cap; about 220 MiB now).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_rustls::rustls;

use crate::support::bin::{Folder, Rws, rss_kib, rws};

const CONNECTIONS: usize = 20;
const STREAMS: usize = 200;

/// A QUIC client endpoint trusting `der`, with the windows an attacker picks: small per stream,
/// so that the server's sending bodies wait in its buffers, and large for the connection, so
/// that every response's head gets through.
fn client(der: rustls_pki_types::CertificateDer<'static>) -> quinn::Endpoint {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der).unwrap();
    let mut crypto = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    crypto.alpn_protocols = vec![b"h3".to_vec()];
    let mut transport = quinn::TransportConfig::default();
    transport.stream_receive_window((64u32 * 1024).into());
    transport.receive_window((64u32 << 20).into());
    let mut config = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(crypto).unwrap(),
    ));
    config.transport_config(Arc::new(transport));
    let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
    endpoint.set_default_client_config(config);
    endpoint
}

/// Opens `STREAMS` requests for `/big.bin` on one connection and reads none of their bodies;
/// returns the statuses and the held streams' owner (dropping it lets them go).
async fn unread_streams(
    endpoint: quinn::Endpoint,
    addr: std::net::SocketAddr,
) -> (Vec<u16>, Box<dyn std::any::Any + Send>) {
    let conn = endpoint.connect(addr, "localhost").unwrap().await.unwrap();
    let (mut driver, send) = h3::client::new(h3_quinn::Connection::new(conn.clone()))
        .await
        .unwrap();
    tokio::spawn(async move { std::future::poll_fn(|cx| driver.poll_close(cx)).await });
    let requests = (0..STREAMS).map(|_| {
        let mut send = send.clone();
        async move {
            let req = http::Request::get("https://localhost/big.bin")
                .body(())
                .unwrap();
            let mut stream = send.send_request(req).await.ok()?;
            stream.finish().await.ok()?;
            let res = stream.recv_response().await.ok()?;
            Some((res.status().as_u16(), stream))
        }
    });
    let answered = futures_util::future::join_all(requests).await;
    let statuses = answered.iter().flatten().map(|(s, _)| *s).collect();
    (statuses, Box::new((conn, send, answered)))
}

#[test]
fn unread_http3_streams_of_a_large_file_stay_in_bounded_memory() {
    let dir = Folder::new("h3-memory");
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    dir.file("cert.pem", key.cert.pem())
        .file("key.pem", key.signing_key.serialize_pem());
    let der = key.cert.der().clone();
    std::fs::create_dir_all(dir.path().join("site")).unwrap();
    let big = std::fs::File::create(dir.path().join("site/big.bin")).unwrap();
    // Sparse: nothing on disk, 64 MiB of zeros for the server to read.
    big.set_len(64 << 20).unwrap();
    let site = dir.path().join("site").display().to_string();
    let (cert, key) = (
        dir.path().join("cert.pem").display().to_string(),
        dir.path().join("key.pem").display().to_string(),
    );
    let server = Rws::start_with(rws().args([
        "--root",
        &site,
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--access-log",
        "off",
    ]));
    let addr: std::net::SocketAddr = server.url.trim_start_matches("https://").parse().unwrap();
    let pid = server.pid();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let endpoint = {
        let _inside = runtime.enter();
        client(der)
    };
    // One small exchange first, so that the baseline holds the QUIC machinery's own memory.
    runtime.block_on(async {
        let (_conn, mut send) = {
            let conn = endpoint.connect(addr, "localhost").unwrap().await.unwrap();
            let (mut driver, send) = h3::client::new(h3_quinn::Connection::new(conn.clone()))
                .await
                .unwrap();
            tokio::spawn(async move { std::future::poll_fn(|cx| driver.poll_close(cx)).await });
            (conn, send)
        };
        let req = http::Request::get("https://localhost/healthz")
            .body(())
            .unwrap();
        let mut stream = send.send_request(req).await.unwrap();
        stream.finish().await.unwrap();
        assert_eq!(stream.recv_response().await.unwrap().status(), 200);
    });
    let before = rss_kib(pid);

    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while sampling.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid));
                std::thread::sleep(Duration::from_millis(10));
            }
            peak
        })
    };
    let held = runtime.block_on(async {
        let attacks = (0..CONNECTIONS).map(|_| unread_streams(endpoint.clone(), addr));
        let held = futures_util::future::join_all(attacks).await;
        // The server fills what the windows allow, then waits on the unread streams.
        tokio::time::sleep(Duration::from_secs(3)).await;
        held
    });
    sampling.store(false, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    let grown = peak.saturating_sub(before);
    eprintln!(
        "RSS {} → {} MiB with {CONNECTIONS} × {STREAMS} unread streams",
        before / 1024,
        peak / 1024
    );
    for (i, (statuses, _)) in held.iter().enumerate() {
        let ok = statuses.iter().filter(|s| **s == 200).count();
        let refused = statuses.iter().filter(|s| **s == 503).count();
        assert_eq!(
            (ok, refused),
            (64, STREAMS - 64),
            "connection {i}: {statuses:?}"
        );
    }
    // Per connection: 64 sending file bodies of two 64 KiB buffers each (the chunk on its way,
    // the file's read buffer) and 3 MiB of windows, about 11 MiB; 720 MiB for 20 before.
    assert!(
        grown < 300 * 1024,
        "RSS grew by {} MiB ({before} KiB → {peak} KiB)",
        grown / 1024
    );
    drop(held);
}
