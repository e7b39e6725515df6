//! Per-route metrics, judged by Prometheus itself: `promtool check metrics` accepts the text
//! exposition, and a real `prometheus` scraping (in `OpenMetrics`) an app and the `rws` binary every second
//! counts what was sent. Registries are per app; unmatched paths are one series.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rws::metrics::Metrics;
use rws::prelude::*;
use support::bin::{Folder, Rws};
use support::server::TestServer;

fn app(metrics: &Metrics) -> App {
    App::empty()
        .get("/users/:id", |Path(id): Path<u64>| async move {
            Json(serde_json::json!({ "id": id }))
        })
        .post("/users", |body: Bytes| async move {
            format!("{} bytes", body.len())
        })
        .get("/stream", || async {
            rws::response::StreamBody::new(futures_util::stream::iter(
                (0..3).map(|_| Ok::<_, std::io::Error>("chunk ")),
            ))
        })
        .get("/metrics", metrics.endpoint())
        .wrap(metrics.layer())
}

/// The series of `name` in the exposition `text` (lines starting `name{`).
fn series<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}{{");
    text.lines().filter(|l| l.starts_with(&prefix)).collect()
}

#[tokio::test]
async fn two_apps_keep_their_own_series_and_scanners_add_one() {
    let (a, b) = (Metrics::new(), Metrics::new());
    let (client_a, client_b) = (TestClient::new(app(&a)), TestClient::new(app(&b)));
    for id in 0..3 {
        client_a.get(&format!("/users/{id}")).send().await;
    }
    client_b.get("/users/9").send().await;
    for i in 0..1000u32 {
        let path = format!("/scan/{:08x}/{}", i.wrapping_mul(2_654_435_761), i % 7);
        assert_eq!(client_a.get(&path).send().await.status(), 404);
    }
    let text = a.render();
    assert!(
        text.contains(r#"rws_route_requests_total{method="GET",path="/users/:id",status="200"} 3"#),
        "{text}"
    );
    assert!(
        b.render()
            .contains(r#"rws_route_requests_total{method="GET",path="/users/:id",status="200"} 1"#)
    );
    // 1,000 distinct paths that match no route: one series per metric.
    let unmatched: Vec<_> = series(&text, "rws_route_requests_total")
        .into_iter()
        .filter(|l| l.contains("path=\"<unmatched>\""))
        .collect();
    assert_eq!(
        unmatched,
        [r#"rws_route_requests_total{method="GET",path="<unmatched>",status="404"} 1000"#]
    );
    assert_eq!(
        series(&text, "rws_route_duration_seconds_count")
            .iter()
            .filter(|l| l.contains("<unmatched>"))
            .count(),
        1
    );
    assert!(!text.contains("/scan/"));
}

#[tokio::test]
async fn body_sizes_and_in_flight_are_counted_per_route() {
    let metrics = Metrics::new();
    let client = TestClient::new(app(&metrics));
    client.post("/users").body("x".repeat(300)).send().await;
    assert_eq!(
        client.get("/stream").send().await.text().await,
        "chunk chunk chunk "
    );
    let text = metrics.render();
    let one = |line: &str| assert!(text.contains(line), "{line} in\n{text}");
    one(r#"rws_route_request_size_bytes_sum{method="POST",path="/users"} 300.0"#);
    one(r#"rws_route_request_size_bytes_bucket{le="256.0",method="POST",path="/users"} 0"#);
    one(r#"rws_route_request_size_bytes_bucket{le="1024.0",method="POST",path="/users"} 1"#);
    // "300 bytes" answered with a length; the stream counted as it went.
    one(r#"rws_route_response_size_bytes_sum{method="POST",path="/users"} 9.0"#);
    one(r#"rws_route_response_size_bytes_sum{method="GET",path="/stream"} 18.0"#);
    one(r#"rws_route_in_flight{method="POST",path="/users"} 0"#);
    one(r#"rws_route_duration_seconds_bucket{le="+Inf",method="GET",path="/stream"} 1"#);
}

/// Runs `promtool check metrics` on `text`; its output when it complains.
fn promtool(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (scripts/setup installs prometheus)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_accepts_the_exposition_after_traffic() {
    let metrics = Metrics::new();
    let server = TestServer::start(app(&metrics), |s| s.metrics(metrics.clone())).await;
    let client = reqwest::Client::new();
    for path in ["/users/1", "/users/2", "/stream", "/nowhere", "/users/x"] {
        client.get(server.url(path)).send().await.unwrap();
    }
    client.delete(server.url("/users/1")).send().await.unwrap();
    client
        .post(server.url("/users"))
        .body("hello")
        .send()
        .await
        .unwrap();
    // promtool lints the Prometheus text format (what `*/*` gets); OpenMetrics, which
    // Prometheus asks for, is judged by the scrape below.
    let res = client.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = res.text().await.unwrap();
    for line in [
        r#"rws_route_requests_total{method="GET",path="/users/:id",status="200"} 2"#,
        r#"rws_route_requests_total{method="GET",path="/users/:id",status="400"} 1"#,
        r#"rws_route_requests_total{method="DELETE",path="/users/:id",status="405"} 1"#,
        r#"rws_route_requests_total{method="GET",path="<unmatched>",status="404"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    if let Err(complaint) = promtool(&text) {
        panic!("promtool check metrics:\n{complaint}\n{text}");
    }
    server.stop().await.unwrap();
}

/// A free loopback port, for a peer that cannot be told to pick one itself.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `prometheus` on loopback; killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    _dir: Folder,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Scrapes each `(job, address)` every second.
    fn start(targets: &[(&str, String)]) -> Prometheus {
        let dir = Folder::new("prometheus");
        let mut jobs = String::new();
        for (job, addr) in targets {
            use std::fmt::Write;
            let _ = writeln!(
                jobs,
                "  - job_name: {job}\n    static_configs:\n      - targets: ['{addr}']"
            );
        }
        dir.file(
            "prometheus.yml",
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n{jobs}"
            ),
        );
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus runs (scripts/setup installs it)");
        Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    /// The value of the instant query `query`: `None` while it has no result.
    async fn value(&self, client: &reqwest::Client, query: &str) -> Option<f64> {
        let query =
            percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC);
        let res = client
            .get(format!("{}/api/v1/query?query={query}", self.url))
            .send()
            .await
            .ok()?;
        let body: serde_json::Value = res.json().await.ok()?;
        body["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// Waits up to 60 s for `query` to equal `want`; what it last was.
    async fn wait_for(&self, client: &reqwest::Client, query: &str, want: f64) -> Option<f64> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = None;
        while Instant::now() < deadline {
            last = self.value(client, query).await;
            if last == Some(want) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        last
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_the_route_series() {
    let metrics = Metrics::new();
    let server = TestServer::start(app(&metrics), |s| s.metrics(metrics.clone())).await;
    let binary = Rws::start(&["--access-log", "off"]);
    let binary_addr = binary.url.trim_start_matches("http://").to_owned();
    let prometheus = Prometheus::start(&[
        ("app", server.addr.to_string()),
        ("rws", binary_addr.clone()),
    ]);
    let client = reqwest::Client::new();
    for id in 0..17 {
        let res = client
            .get(server.url(&format!("/users/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    for _ in 0..5 {
        client.get(binary.at("/healthz")).send().await.unwrap();
    }
    let requests = r#"sum(rws_route_requests_total{job="app",path="/users/:id"})"#;
    assert_eq!(
        prometheus.wait_for(&client, requests, 17.0).await,
        Some(17.0)
    );
    let count = r#"sum(rws_route_duration_seconds_count{job="app",path="/users/:id"})"#;
    assert_eq!(prometheus.value(&client, count).await, Some(17.0));
    let bucket = r#"sum(rws_route_duration_seconds_bucket{job="app",path="/users/:id",le="+Inf"})"#;
    assert_eq!(prometheus.value(&client, bucket).await, Some(17.0));
    let binary_health = r#"sum(rws_route_requests_total{job="rws",path="/healthz",status="200"})"#;
    assert_eq!(
        prometheus.wait_for(&client, binary_health, 5.0).await,
        Some(5.0)
    );
    assert_eq!(
        prometheus.value(&client, r#"up{job="rws"}"#).await,
        Some(1.0)
    );
    drop(prometheus);
    server.stop().await.unwrap();
}
