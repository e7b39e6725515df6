//! The `rws` binary as a user runs it: welcome page, health and readiness, SIGTERM, bad config.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn rws() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rws"));
    cmd.env("RUST_LOG", "warn");
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_welcome_page_and_stops_on_sigterm() {
    let mut child = rws()
        .env("RWS_CONFIG_ADDRESS", "127.0.0.1")
        .env("RWS_CONFIG_PORT", "0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start rws");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first.rsplit(' ').next().expect("an address").to_owned();
    assert!(
        first.starts_with("rws ") && url.starts_with("http://127.0.0.1:"),
        "{first}"
    );
    let listed: Vec<String> = lines
        .by_ref()
        .take(3)
        .map(Result::unwrap_or_default)
        .collect();
    assert_eq!(listed, ["  GET /", "  GET /healthz", "  GET /readyz"]);

    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<h1><span>rws</span> is running</h1>"),
        "{html}"
    );
    assert!(html.contains(concat!("rws ", env!("CARGO_PKG_VERSION"))));
    assert!(html.contains("href=\"/healthz\"") && html.contains("href=\"/readyz\""));
    assert_eq!(
        reqwest::get(format!("{url}/healthz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        reqwest::get(format!("{url}/readyz"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ready"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::task::spawn_blocking(move || child.wait()),
    )
    .await
    .expect("rws stops after SIGTERM")
    .unwrap()
    .unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_bad_port_is_refused_with_the_key_and_exit_code_2() {
    let out = rws().env("RWS_CONFIG_PORT", "seventy").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "rws: RWS_CONFIG_PORT: \"seventy\" is not a port number (0-65535)"
    );
    let out = rws()
        .env("RWS_CONFIG_ADDRESS", "localhost:80")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RWS_CONFIG_ADDRESS"));
}
