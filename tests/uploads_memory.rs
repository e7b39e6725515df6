//! A 200 MiB file sent by `curl -F` streams through `Multipart` to a temp file with the
//! server's memory bounded far below the file's size. Alone in its binary so that no other
//! test allocates while RSS is measured.

mod support;

use std::fmt::Write as _;

use rws::middleware::BodyLimitLayer;
use rws::prelude::*;
use support::rss_bytes;
use support::server::TestServer;

const SIZE: usize = 200 * 1024 * 1024;

async fn store(mut multipart: Multipart) -> Result<String, rws::Error> {
    let mut out = String::new();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().to_owned();
        let file = field.to_temp_file().await?;
        let _ = write!(out, "{name}={} ", file.size());
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mib_curl_upload_streams_with_flat_memory() {
    let temp = tempfile::tempdir().unwrap();
    let app = App::new().post(
        "/upload",
        store
            .with(BodyLimitLayer::new(SIZE + 1024 * 1024))
            .with(MultipartLimits::new().upload_dir(temp.path())),
    );
    let server = TestServer::start(app, |s| s).await;
    let src = tempfile::tempdir().unwrap();
    let big = src.path().join("big.bin");
    // Sparse: the file costs no disk until written by the server.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(SIZE as u64)
        .unwrap();
    let small = src.path().join("small.txt");
    std::fs::write(&small, "warm").unwrap();
    let curl = |file: &std::path::Path| {
        tokio::process::Command::new("curl")
            .args(["-sS", "--fail-with-body", "-F", "note=hi"])
            .arg("-F")
            .arg(format!("file=@{}", file.display()))
            .arg(server.url("/upload"))
            .output()
    };
    // Warm up the allocator, the connection machinery and the temp-file path.
    let warm = curl(&small).await.expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&warm.stdout), "note=2 file=4 ");
    let before = rss_bytes();
    let out = curl(&big).await.expect("curl runs");
    let after = rss_bytes();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("note=2 file={SIZE} ")
    );
    let grown = after.saturating_sub(before);
    // Socket-sized buffers and allocator slack; never the 200 MiB sent.
    assert!(grown < 24 * 1024 * 1024, "RSS grew by {grown} bytes");
    // The temp files went with their `UploadedFile`s.
    assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0);
    server.stop().await.unwrap();
}
