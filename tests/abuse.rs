//! The abuse group: attacks on the release engine reproduced over real sockets, each bounded
//! (file descriptors, CPU seconds, log lines), each failing before its fix. Others live beside
//! the feature they attack (`server_limits.rs`: silent HTTP/2, slow bodies; `compression.rs`:
//! brotli on the workers; `websocket.rs`: silent sockets, permits; `forwarded.rs`: spoofed
//! client addresses; `static_files.rs`: dotfiles).

mod support;

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
