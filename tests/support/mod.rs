//! Shared helpers of the integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod bin;
#[cfg(feature = "auth")]
pub mod jwt;
pub mod nginx;
pub mod pebble;
pub mod redis;
pub mod server;

use rws::TestResponse;
use serde_json::Value;

/// Asserts a problem-details response: status, content type, and the body's `status`.
/// Returns the body for further checks.
pub async fn problem(res: TestResponse, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let body: Value = res.json().await;
    assert_eq!(body["status"], status, "problem status member: {body}");
    assert!(body["title"].is_string(), "problem title: {body}");
    assert!(body["type"].is_string(), "problem type: {body}");
    body
}

/// This process's resident set size in bytes (Linux: `/proc/self/status`).
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line");
    kb * 1024
}

/// Descriptors of this process open on `path` (Linux: `/proc/self/fd`), counted by target so
/// that other tests of the same binary do not disturb the count.
#[cfg(target_os = "linux")]
pub fn open_on(path: &std::path::Path) -> usize {
    let target = std::fs::canonicalize(path).unwrap();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|link| *link == target)
        .count()
}

/// The Python that runs the peers in `tests/peers/`: the venv `scripts/setup` fills with them.
pub const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.peers/venv/bin/python3");

/// Runs the Python peer `tests/peers/{script}` with `args` and parses the one JSON object it
/// prints; fails the test, with what the peer wrote, if it fails.
pub async fn peer<S: AsRef<std::ffi::OsStr>>(
    script: &str,
    args: impl IntoIterator<Item = S>,
) -> Value {
    let path = format!("{}/../tests/peers/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = tokio::process::Command::new(PYTHON)
        .arg(path)
        .args(args)
        .output()
        .await
        .expect("the peers' Python runs (scripts/setup makes .peers/venv)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{script} printed {stdout:?}: {e}"))
}
