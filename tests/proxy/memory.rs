//! A GiB each way through the `rws` binary as a proxy, nginx serving the download and Python's
//! http.server taking the upload: bodies stream, the proxy's peak memory stays flat.

use super::*;

/// The peak resident memory of process `pid` so far (`VmHWM`), in KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

const GIB: u64 = 1 << 30;
/// The upload's chunks.
const PIECE: usize = 64 * 1024;
/// What the proxy's peak memory may grow by while 2 GiB pass through it.
const BOUND_KIB: u64 = 64 * 1024;

#[tokio::test]
async fn a_gib_up_and_a_gib_down_pass_with_flat_memory() {
    let files = Nginx::start("files");
    files.sparse_file("big.bin", GIB);
    let sink_port = free_port();
    let _sink = python_server("upload_sink.py", sink_port).await;
    let (_dir, path) = config_file(
        "proxy-memory",
        &format!(
            "[limits]\nbody = \"2GiB\"\n\n[log]\naccess = \"off\"\n\n[[proxy]]\npath = \"/dl\"\nupstreams = [\"{}\"]\nstrip_prefix = true\n\n[[proxy]]\npath = \"/ul\"\nupstreams = [\"http://127.0.0.1:{sink_port}\"]\nstrip_prefix = true\n",
            files.url()
        ),
    );
    let rws = support::bin::Rws::start(&["--config", &path]);
    let client = client();
    let warm = client.get(rws.at("/dl/healthz")).send().await.unwrap();
    assert_eq!(warm.status(), 200);
    let before = peak_kib(rws.pid());

    // Bounded, so that a stalled transfer fails the test instead of hanging it.
    let transfer = Duration::from_secs(300);
    let download = async {
        let mut down = client
            .get(rws.at("/dl/files/big.bin"))
            .send()
            .await
            .unwrap();
        assert_eq!(down.status(), 200);
        let mut received = 0u64;
        while let Some(chunk) = down.chunk().await.unwrap() {
            received += chunk.len() as u64;
        }
        received
    };
    let received = tokio::time::timeout(transfer, download)
        .await
        .expect("download in time");
    assert_eq!(received, GIB);

    let piece = bytes::Bytes::from(vec![7u8; PIECE]);
    let pieces = (1 << 30) / PIECE;
    let stream = futures_util::stream::iter(
        (0..pieces).map(move |_| Ok::<_, std::io::Error>(piece.clone())),
    );
    let upload = client
        .post(rws.at("/ul/upload"))
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let up = tokio::time::timeout(transfer, upload)
        .await
        .expect("upload in time")
        .unwrap();
    assert_eq!(up.status(), 200);
    assert_eq!(
        up.text().await.unwrap(),
        GIB.to_string(),
        "the sink read every byte"
    );

    let grown = peak_kib(rws.pid()) - before;
    assert!(
        grown < BOUND_KIB,
        "peak memory grew by {grown} KiB while 2 GiB passed"
    );
}
