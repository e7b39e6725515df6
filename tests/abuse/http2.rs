//! HTTP/2 clients that stop reading, played by Python's `h2` (`tests/peers/h2_attacks.py`): a
//! stream whose window never opens is cut off by the send timeout, and one connection keeps at
//! most 64 bodies sending, however its requests arrive.

use std::time::Duration;

use rws::prelude::*;
use rws::server::Server;
use serde_json::Value;

use crate::support::server::TestServer;

/// Runs `h2_attacks.py` against `server` with `args`; its report.
async fn attack(server: &TestServer, args: &[&str]) -> Value {
    let port = server.addr.port().to_string();
    let all = [port.as_str(), "/big.bin"]
        .into_iter()
        .chain(args.iter().copied());
    crate::support::peer("h2_attacks.py", all).await
}

async fn serve_big_file(name: &str, configure: impl FnOnce(Server) -> Server) -> TestServer {
    let (dir, _file) = super::big_file(name);
    TestServer::start(App::empty().serve_dir("/", &dir), configure).await
}

/// An HTTP/2 client that asks for a large response but never opens its flow-control window is
/// cut off by the send timeout, as an HTTP/1.1 client that stops reading is (it stayed open for
/// as long as the client wished before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http2_stream_with_a_shut_window_is_cut_off_by_the_send_timeout() {
    let server = serve_big_file("h2-window", |s| s.send_timeout(Duration::from_secs(1))).await;
    let report = attack(&server, &["shut-window", "10"]).await;
    assert_eq!(report["status"], 200, "{report}");
    assert_eq!(report["body_bytes"], 0, "{report}");
    assert_eq!(
        report["closed"], true,
        "the connection with a shut window is still open after 10 s: {report}"
    );
    server.stop().await.unwrap();
}

/// One HTTP/2 connection cannot keep more than 64 responses sending at once: past that, a new
/// stream is answered 503 with `Retry-After`. Requests one by one are refused up front; a burst
/// whose handlers all run finds the bound taken as each response is ready (100 of 100 were
/// sent before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http2_connection_keeps_at_most_64_bodies_sending() {
    let server = serve_big_file("h2-bodies", |s| s).await;
    let report = attack(&server, &["bodies", "50", "50"]).await;
    let answers = report["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 100, "{report}");
    let ok = answers.iter().filter(|a| a[0] == 200).count();
    let refused: Vec<_> = answers.iter().filter(|a| a[0] == 503).collect();
    assert_eq!((ok, refused.len()), (64, 36), "{report}");
    assert!(refused.iter().all(|a| a[1] == "1"), "{report}");
    server.stop().await.unwrap();
}
