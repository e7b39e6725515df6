//! A body far over the limit is refused while it streams, without the server's memory growing by
//! its size. Alone in its binary so that no other test allocates while RSS is measured.

mod support;

use std::time::Duration;

use rws::prelude::*;
use support::rss_bytes;
use support::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_32_mib_body_gets_413_without_32_mib_of_memory() {
    let app = App::new().post(
        "/upload",
        |body: Bytes| async move { body.len().to_string() },
    );
    let server = TestServer::start(app, |s| s).await;
    // Warm up the allocator and the connection machinery before measuring.
    let mut warm = server.connect().await;
    warm.write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let _ = warm.read(&mut buf).await.unwrap();
    let before = rss_bytes();

    let stream = server.connect().await;
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await
        .unwrap();
    let chunk = format!("10000\r\n{}\r\n", "z".repeat(0x10000));
    let sender = tokio::spawn(async move {
        // 512 chunks of 64 KiB: 32 MiB, written from one buffer.
        for _ in 0..512 {
            if writer.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let mut head = Vec::new();
    let got = tokio::time::timeout(Duration::from_secs(20), async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(got.is_ok(), "no response");
    let head = String::from_utf8_lossy(&head).into_owned();
    assert!(head.starts_with("HTTP/1.1 413 "), "{head}");
    sender.abort();
    let after = rss_bytes();
    let grown = after.saturating_sub(before);
    // The 2 MiB limit may be buffered, plus allocator slack; never the 32 MiB offered.
    assert!(grown < 8 * 1024 * 1024, "RSS grew by {grown} bytes");
    server.stop().await.unwrap();
}
