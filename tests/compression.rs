//! Compression and decompression layers: every coding decoded by a real decoder (and by
//! `curl --compressed` over TCP), the skip rules, streaming flushes, and zip bombs.

mod support;

use std::process::Command;
use std::time::Duration;

use async_compression::tokio::bufread::{BrotliDecoder, DeflateDecoder, GzipDecoder, ZstdDecoder};
use async_compression::tokio::write::GzipEncoder;
use futures_util::StreamExt;
use rws::middleware::{CompressionLayer, DecompressionLayer};
use rws::prelude::*;
use support::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn text() -> String {
    "the quick brown fox jumps over the lazy dog\n".repeat(200)
}

fn app(compression: CompressionLayer) -> App {
    App::empty()
        .get("/text", || async { text() })
        .get("/small", || async { "tiny" })
        .get("/png", || async {
            ([(header::CONTENT_TYPE, "image/png")], text())
        })
        .get("/encoded", || async {
            ([(header::CONTENT_ENCODING, "gzip")], text())
        })
        .get("/partial", || async {
            (
                StatusCode::PARTIAL_CONTENT,
                [(header::CONTENT_RANGE, "bytes 0-99/1000")],
                text(),
            )
        })
        .get("/sse", || async {
            ([(header::CONTENT_TYPE, "text/event-stream")], text())
        })
        .get("/no-transform", || async {
            ([(header::CACHE_CONTROL, "no-transform")], text())
        })
        .wrap(compression)
}

async fn decode(encoding: &str, bytes: &[u8]) -> String {
    let mut out = String::new();
    match encoding {
        "gzip" => GzipDecoder::new(bytes).read_to_string(&mut out).await,
        "deflate" => DeflateDecoder::new(bytes).read_to_string(&mut out).await,
        "br" => BrotliDecoder::new(bytes).read_to_string(&mut out).await,
        "zstd" => ZstdDecoder::new(bytes).read_to_string(&mut out).await,
        other => panic!("{other}"),
    }
    .unwrap();
    out
}

#[tokio::test]
async fn every_coding_round_trips_and_the_best_is_chosen() {
    let client = TestClient::new(app(CompressionLayer::new()));
    for (accept, expected) in [
        ("gzip", "gzip"),
        ("deflate", "deflate"),
        ("br", "br"),
        ("zstd", "zstd"),
        ("gzip, deflate, br, zstd", "br"),
        ("gzip;q=1, br;q=0.4", "gzip"),
        ("*", "br"),
    ] {
        let res = client
            .get("/text")
            .header("accept-encoding", accept)
            .send()
            .await;
        assert_eq!(res.header("content-encoding"), Some(expected), "{accept}");
        assert_eq!(res.header("vary"), Some("accept-encoding"));
        assert_eq!(res.header("content-length"), None);
        let body = res.bytes().await;
        assert!(
            body.len() < text().len() / 4,
            "{expected} compressed {} bytes to {}",
            text().len(),
            body.len()
        );
        assert_eq!(decode(expected, &body).await, text(), "{accept}");
    }
    let only = TestClient::new(app(CompressionLayer::new().encodings(["gzip"])));
    let res = only
        .get("/text")
        .header("accept-encoding", "br, gzip;q=0.1")
        .send()
        .await;
    assert_eq!(res.header("content-encoding"), Some("gzip"));
}

#[tokio::test]
async fn what_is_left_uncompressed_still_says_vary() {
    let client = TestClient::new(app(CompressionLayer::new()));
    for path in ["/small", "/png", "/partial", "/sse", "/no-transform"] {
        let res = client
            .get(path)
            .header("accept-encoding", "gzip")
            .send()
            .await;
        assert_eq!(res.header("content-encoding"), None, "{path}");
        assert_eq!(res.header("vary"), Some("accept-encoding"), "{path}");
    }
    let encoded = client
        .get("/encoded")
        .header("accept-encoding", "br")
        .send()
        .await;
    assert_eq!(
        encoded.header("content-encoding"),
        Some("gzip"),
        "already encoded: untouched"
    );
    let plain = client.get("/text").send().await;
    assert_eq!(plain.header("content-encoding"), None, "no Accept-Encoding");
    assert_eq!(plain.text().await, text());
    let head = client
        .head("/text")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(head.header("content-encoding"), None);

    let sse = TestClient::new(app(CompressionLayer::new().event_streams(true)));
    let res = sse
        .get("/sse")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(res.header("content-encoding"), Some("gzip"));
}

#[tokio::test]
async fn a_slow_stream_is_flushed_chunk_by_chunk() {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(1);
    let rx = std::sync::Arc::new(tokio::sync::Mutex::new(Some(rx)));
    let app = App::empty()
        .get("/events", move || {
            let rx = rx.clone();
            async move {
                let mut rx = rx.lock().await.take().unwrap();
                let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
                (
                    [(header::CONTENT_TYPE, "text/plain")],
                    Body::from_stream(stream),
                )
            }
        })
        .wrap(CompressionLayer::new().min_size(0));
    let client = TestClient::new(app);
    tx.send(Ok("first chunk\n".repeat(50))).await.unwrap();
    let res = client
        .get("/events")
        .header("accept-encoding", "gzip")
        .send()
        .await;
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    let mut stream = res.into_stream();
    // The second chunk is not sent until the first one has arrived compressed.
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("the first chunk is flushed without waiting for more")
        .unwrap()
        .unwrap();
    let mut all = first.to_vec();
    tx.send(Ok("second\n".into())).await.unwrap();
    drop(tx);
    while let Some(chunk) = stream.next().await {
        all.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(
        decode("gzip", &all).await,
        format!("{}second\n", "first chunk\n".repeat(50))
    );
}

async fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzipEncoder::new(Vec::new());
    encoder.write_all(data).await.unwrap();
    encoder.shutdown().await.unwrap();
    encoder.into_inner()
}

#[tokio::test]
async fn request_bodies_are_decoded_and_bombs_defused() {
    let app = App::empty()
        .post("/len", |body: Bytes| async move { body.len().to_string() })
        .body_limit(1024 * 1024)
        .wrap(DecompressionLayer::new());
    let client = TestClient::new(app);
    let res = client
        .post("/len")
        .header("content-encoding", "gzip")
        .body(gzip(b"hello, compressed world").await)
        .send()
        .await;
    assert_eq!(res.text().await, "23");
    // 64 MiB of zeros is 64 KiB gzipped: refused when the decoded size passes the limit.
    let bomb = gzip(&vec![0u8; 64 * 1024 * 1024]).await;
    assert!(bomb.len() < 128 * 1024);
    let res = client
        .post("/len")
        .header("content-encoding", "gzip")
        .body(bomb)
        .send()
        .await;
    support::problem(res, 413).await;
    let res = client
        .post("/len")
        .header("content-encoding", "compress")
        .body("x")
        .send()
        .await;
    support::problem(res, 415).await;
    let res = client.post("/len").body("plain").send().await;
    assert_eq!(res.text().await, "5");
}

#[test]
fn an_unknown_coding_is_a_build_error() {
    let err = App::empty()
        .wrap(CompressionLayer::new().encodings(["gzip", "lzma"]))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("compression: \"lzma\" is not a coding"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_decodes_every_coding_over_tcp() {
    let server = TestServer::start(app(CompressionLayer::new()), |s| s).await;
    let url = server.url("/text");
    let results = tokio::task::spawn_blocking(move || {
        ["gzip", "deflate", "br", "zstd"].map(|coding| {
            let out = Command::new("curl")
                .args([
                    "-s",
                    "--compressed",
                    "-H",
                    &format!("accept-encoding: {coding}"),
                    "-D",
                    "/dev/stderr",
                ])
                .arg(&url)
                .output()
                .unwrap();
            (
                coding,
                String::from_utf8_lossy(&out.stderr).to_lowercase(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            )
        })
    })
    .await
    .unwrap();
    for (coding, head, body) in results {
        assert!(
            head.contains(&format!("content-encoding: {coding}")),
            "{coding}: {head}"
        );
        assert_eq!(body, text(), "{coding}");
    }
    server.stop().await.unwrap();
}

/// Two megabytes that compress, but not trivially: words in a pseudo-random order.
fn big_text() -> String {
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut out = String::with_capacity(2 << 20);
    while out.len() < 2 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.push_str(words[(state % 8) as usize]);
        out.push(if state.is_multiple_of(11) { '\n' } else { ' ' });
    }
    out
}

/// Compressing large responses never holds the runtime: while 8 clients download 2 MB brotli
/// responses, a small request is answered within 100 ms (seconds before, at quality 11 on the
/// workers). One worker thread, so that a compression holding it would stall everything. A
/// bound, not a speed measurement.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn large_brotli_responses_do_not_stall_small_requests() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let body = std::sync::Arc::new(big_text());
    let served = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&served);
    let app = App::empty()
        .get("/big", move || {
            let body = std::sync::Arc::clone(&body);
            counted.fetch_add(1, Ordering::SeqCst);
            async move { String::clone(&body) }
        })
        .get("/small", || async { "ok" })
        .wrap(CompressionLayer::new());
    let server = TestServer::start(app, |s| s).await;
    let mut downloads = Vec::new();
    for _ in 0..8 {
        let mut stream = server.connect().await;
        downloads.push(tokio::spawn(async move {
            stream
                .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut all = Vec::new();
            stream.read_to_end(&mut all).await.unwrap();
            all.len()
        }));
    }
    // Big responses are being compressed when the small requests start.
    while served.load(Ordering::SeqCst) < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let mut stream = server.connect().await;
        let res = support::server::raw_request(
            &mut stream,
            "GET /small HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\n\r\n",
        )
        .await;
        slowest = slowest.max(started.elapsed());
        assert!(res.ends_with("ok"), "{res}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for download in downloads {
        let got = download.await.unwrap();
        assert!(
            got > 10_000 && got < 2 << 20,
            "a compressed body of {got} bytes"
        );
    }
    assert!(
        slowest < Duration::from_millis(100),
        "a small request took {slowest:?}"
    );
}
