//! The abuse group: attacks on the release engine reproduced over real sockets, each bounded
//! (file descriptors, CPU seconds, log lines), each failing before its fix. Others live beside
//! the feature they attack (`server_limits.rs`: silent HTTP/2, slow bodies; `compression.rs`:
//! brotli on the workers; `websocket.rs`: silent sockets, permits; `forwarded.rs`: spoofed
//! client addresses; `static_files.rs`: dotfiles).

#[path = "../support/mod.rs"]
mod support;

mod http2;
#[cfg(feature = "http3")]
mod http3_memory;

use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use support::bin::Rws;

/// CPU seconds (user + system) the process has used, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Out of file descriptors, the accept loop backs off and logs once per interval; it never
/// spins, and serves again once descriptors are free.
#[cfg(target_os = "linux")]
#[test]
fn running_out_of_file_descriptors_neither_spins_nor_floods_the_log() {
    let log = std::env::temp_dir().join(format!("rws-abuse-emfile-{}.log", std::process::id()));
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        &format!("ulimit -n 48; exec \"$0\" \"$@\" 2>{}", log.display()),
        env!("CARGO_BIN_EXE_rws"),
    ])
    .env("RUST_LOG", "warn")
    .env_remove("RWS_CONFIG_FILE")
    .current_dir(std::env::temp_dir());
    let rws = Rws::start_with(&mut cmd);
    let addr = rws.url.trim_start_matches("http://").to_owned();
    // Far more connections than the server has descriptors for, held open.
    let held: Vec<TcpStream> = (0..120)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    assert!(held.len() > 60, "the backlog took the connections");
    let before = cpu_seconds(rws.pid());
    std::thread::sleep(Duration::from_secs(3));
    let spent = cpu_seconds(rws.pid()) - before;
    drop(held);
    std::thread::sleep(Duration::from_millis(1500));
    let res = support::bin::curl(&rws.at("/healthz"), &["--max-time", "10"]);
    assert_eq!(res.status, 200, "served again once descriptors are free");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let failures = text.matches("accepting connections fails").count();
    assert!(
        (1..=2).contains(&failures),
        "{failures} log lines in 3 s:\n{text}"
    );
    assert!(spent < 1.0, "{spent:.2} CPU seconds in 3 s of EMFILE");
}

/// A directory holding `big.bin`, 8 MiB; the directory and the file.
fn big_file(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("rws-abuse-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.bin");
    std::fs::write(&file, vec![7u8; 8 << 20]).unwrap();
    (dir, file)
}

/// Clients that ask for a large many-range response and stop reading are cut off by the send
/// timeout: their connections close and the files they pinned are released (900 such clients
/// took the server to its descriptor limit before).
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stop_reading_are_cut_off_by_the_send_timeout() {
    use rws::prelude::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (dir, file) = big_file("send-timeout");
    let server = support::server::TestServer::start(App::empty().serve_dir("/", &dir), |s| {
        s.send_timeout(Duration::from_secs(1))
    })
    .await;
    let ranges: Vec<String> = (0..32u64)
        .map(|i| format!("{}-{}", i * 250_000, i * 250_000 + 199_999))
        .collect();
    let request = format!(
        "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes={}\r\n\r\n",
        ranges.join(",")
    );
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = server.connect().await;
        stream.write_all(request.as_bytes()).await.unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(support::open_on(&file) >= 10, "the responses have started");
    // Nobody reads: within the send timeout (and the watcher's tick) every response is cut off
    // and its file released.
    let mut released = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if support::open_on(&file) == 0 {
            released = true;
            break;
        }
    }
    assert!(
        released,
        "{} files still open after 5 s",
        support::open_on(&file)
    );
    // Reading now drains what the kernel had buffered, then finds the connection closed.
    for (i, stream) in stalled.iter_mut().enumerate() {
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            let mut buf = vec![0u8; 1 << 16];
            let mut total = 0usize;
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return total,
                    Ok(n) => total += n,
                }
            }
        })
        .await;
        let total = closed.unwrap_or_else(|_| panic!("connection {i} was never closed"));
        assert!(
            total < 6_400_000,
            "connection {i} got the whole response ({total} bytes)"
        );
    }
    // Others are served all along.
    let res = reqwest::get(server.url("/big.bin")).await.unwrap();
    assert_eq!(res.bytes().await.unwrap().len(), 8 << 20);
    server.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
