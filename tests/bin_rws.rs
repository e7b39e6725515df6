//! The `rws` binary as a user runs it: welcome page, built-in endpoints, metrics, access log,
//! CORS from configuration, SIGTERM.

mod support;

use support::bin::{Folder, Rws, curl, output, rws};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_welcome_page_and_stops_on_sigterm() {
    let server = Rws::start(&[]);
    assert_eq!(
        server.banner,
        [
            "  serving the welcome page",
            "  GET /healthz",
            "  GET /readyz",
            "  GET /metrics",
            "  GET /",
        ]
    );

    let page = reqwest::get(&server.url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<h1><span>rws</span> is running</h1>"),
        "{html}"
    );
    assert!(html.contains(concat!("rws ", env!("CARGO_PKG_VERSION"))));
    for link in ["/healthz", "/readyz", "/metrics"] {
        assert!(
            html.contains(&format!("<a href=\"{link}\">")),
            "{link} in {html}"
        );
    }
    let text = |path: &str| {
        let url = server.at(path);
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    assert_eq!(text("/healthz").await, "ok");
    assert_eq!(text("/readyz").await, "ready");

    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn serves_a_folder_from_the_environment_and_from_a_config_file_in_the_working_directory() {
    let public = Folder::new("env-root");
    public.file("index.html", "from env");
    let server = Rws::start_with(rws().env("RWS_CONFIG_ROOT", public.arg()));
    assert_eq!(
        server.banner[0],
        format!("  serving the folder {}", public.arg())
    );
    assert_eq!(curl(&server.url, &[]).text(), "from env");
    drop(server);

    let site = Folder::new("cwd-config");
    site.file("public/index.html", "from the file").file(
        "rws.config.toml",
        "root = \"public\"\n[endpoints]\nmetrics = \"\"\nhealth = \"/live\"\n",
    );
    let server = Rws::start_with(rws().current_dir(site.path()));
    assert_eq!(curl(&server.url, &[]).text(), "from the file");
    assert_eq!(curl(&server.at("/live"), &[]).text(), "ok");
    assert!(
        !server.banner.iter().any(|l| l.contains("/metrics")),
        "{:?}",
        server.banner
    );
    assert_eq!(
        curl(&server.at("/metrics"), &[]).status,
        404,
        "disabled endpoint"
    );
}

#[test]
fn metrics_count_requests_connections_and_bytes() {
    let server = Rws::start(&[]);
    for _ in 0..3 {
        curl(&server.url, &[]);
    }
    curl(&server.at("/missing"), &[]);
    curl(&server.at("/healthz"), &["-X", "DELETE"]);
    // curl's `*/*` gets the 0.0.4 text format; a scraper asking for OpenMetrics gets that.
    let plain = curl(&server.at("/metrics"), &[]);
    assert_eq!(plain.status, 200);
    assert_eq!(
        plain.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(!plain.text().contains("# EOF"));
    let res = curl(
        &server.at("/metrics"),
        &["-H", "accept: application/openmetrics-text;version=1.0.0"],
    );
    assert_eq!(res.status, 200);
    assert_eq!(
        res.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let text = res.text();
    let value = |series: &str| -> String {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{series} in\n{text}"))
            .to_owned()
    };
    let number = |series: &str| -> u64 { value(series).parse().unwrap() };
    assert_eq!(
        number("rws_http_requests_total{method=\"GET\",status=\"2xx\"}"),
        4,
        "three pages and the first scrape"
    );
    assert_eq!(
        number("rws_http_requests_total{method=\"GET\",status=\"4xx\"}"),
        1
    );
    assert_eq!(
        number("rws_http_requests_total{method=\"DELETE\",status=\"4xx\"}"),
        1
    );
    // Per route, by pattern; what matched no route under one label.
    assert_eq!(
        number("rws_route_requests_total{method=\"GET\",path=\"/\",status=\"200\"}"),
        3
    );
    assert_eq!(
        number("rws_route_requests_total{method=\"GET\",path=\"<unmatched>\",status=\"404\"}"),
        1
    );
    assert_eq!(
        number("rws_route_requests_total{method=\"DELETE\",path=\"/healthz\",status=\"405\"}"),
        1
    );
    assert_eq!(
        number("rws_route_duration_seconds_count{method=\"GET\",path=\"/\"}"),
        3
    );
    // The first scrape is done; this one is in flight.
    assert_eq!(
        number("rws_route_in_flight{method=\"GET\",path=\"/metrics\"}"),
        1
    );
    // This scrape's own connection is open; curl closed the others.
    assert_eq!(number("rws_open_connections"), 1);
    assert_eq!(number("rws_connections_total"), 7);
    assert!(
        number("rws_received_bytes_total") > 5 * 70,
        "request heads were counted"
    );
    assert!(
        number("rws_sent_bytes_total") > 3 * 1000,
        "three welcome pages were sent"
    );
    assert!(value("rws_uptime_seconds").parse::<f64>().unwrap() > 0.0);
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn the_access_log_prints_one_line_per_request_on_stdout() {
    let server = Rws::start(&[]);
    curl(
        &server.at("/healthz?probe=1"),
        &["-A", "probe/1.0", "-e", "http://ref.example/"],
    );
    let line = server.next_line();
    let (prefix, rest) = line.split_once(" [").unwrap();
    assert_eq!(prefix, "127.0.0.1 - -");
    assert!(
        rest.ends_with("+0000] \"GET /healthz?probe=1 HTTP/1.1\" 200 2"),
        "{line}"
    );
    drop(server);

    let combined = Rws::start(&["--access-log", "combined"]);
    curl(
        &combined.at("/nope"),
        &["-A", "probe/1.0", "-e", "http://ref.example/"],
    );
    let line = combined.next_line();
    assert!(line.contains("\"GET /nope HTTP/1.1\" 404 "), "{line}");
    assert!(
        line.ends_with(" \"http://ref.example/\" \"probe/1.0\""),
        "{line}"
    );
    drop(combined);

    let json = Rws::start(&["--access-log", "json"]);
    curl(&json.at("/healthz"), &["-I"]);
    let entry: serde_json::Value = serde_json::from_str(&json.next_line()).unwrap();
    assert_eq!(entry["method"], "HEAD");
    assert_eq!(entry["path"], "/healthz");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["bytes"], 0);
    assert_eq!(entry["peer"], "127.0.0.1");
    assert!(entry["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(entry["time"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn cors_from_configuration() {
    let server = Rws::start(&[
        "--cors-origin",
        "https://app.example",
        "--cors-origin",
        "https://*.dev.example",
        "--set",
        "cors.methods=GET,PUT",
        "--set",
        "cors.headers=content-type,x-token",
        "--set",
        "cors.expose_headers=etag",
        "--set",
        "cors.credentials=true",
        "--set",
        "cors.max_age=10m",
    ]);
    let preflight = |origin: &str, method: &str, headers: &str| {
        curl(
            &server.at("/healthz"),
            &[
                "-X",
                "OPTIONS",
                "-H",
                &format!("origin: {origin}"),
                "-H",
                &format!("access-control-request-method: {method}"),
                "-H",
                &format!("access-control-request-headers: {headers}"),
            ],
        )
    };
    let ok = preflight("https://app.example", "PUT", "Content-Type, X-Token");
    assert_eq!(ok.status, 204);
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(ok.header("access-control-allow-methods"), Some("GET, PUT"));
    assert_eq!(
        ok.header("access-control-allow-headers"),
        Some("content-type, x-token")
    );
    assert_eq!(ok.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(ok.header("access-control-max-age"), Some("600"));
    assert!(ok.headers.iter().any(|(n, v)| n == "vary" && v == "origin"));
    let wildcard = preflight("https://x.dev.example", "GET", "x-token");
    assert_eq!(wildcard.status, 204);

    for (origin, method, headers) in [
        ("https://evil.example", "GET", "x-token"),
        ("https://app.example", "DELETE", "x-token"),
        ("https://app.example", "GET", "x-other"),
        ("https://dev.example", "GET", ""),
    ] {
        let refused = preflight(origin, method, headers);
        assert_eq!(refused.status, 403, "{origin} {method} {headers}");
        assert_eq!(refused.header("access-control-allow-origin"), None);
        assert_eq!(
            refused.header("content-type"),
            Some("application/problem+json")
        );
    }

    let simple = curl(
        &server.at("/healthz"),
        &["-H", "origin: https://app.example"],
    );
    assert_eq!(simple.text(), "ok");
    assert_eq!(
        simple.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(simple.header("access-control-expose-headers"), Some("etag"));
    let foreign = curl(
        &server.at("/healthz"),
        &["-H", "origin: https://evil.example"],
    );
    assert_eq!(
        foreign.text(),
        "ok",
        "the handler still answers; the browser hides it"
    );
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    assert_eq!(foreign.header("vary"), Some("origin"));
}

#[test]
fn a_taken_port_exits_with_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = output(rws().args(["--port", &port]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("cannot listen on 127.0.0.1:{port}"))
    );
}

#[test]
fn traffic_layers_from_configuration() {
    let site = Folder::new("traffic-config");
    site.file("public/big.txt", "all work and no play\n".repeat(500))
        .file(
            "rws.config.toml",
            "root = \"public\"\n[compression]\nenabled = true\n[security_headers]\nenabled = true\n\
         [rate_limit]\nrequests = 3\nperiod = \"1m\"\n",
        );
    let server = Rws::start_with(rws().current_dir(site.path()).args(["--access-log", "off"]));
    let first = curl(
        &server.at("/big.txt"),
        &["--compressed", "-H", "accept-encoding: br"],
    );
    assert_eq!(first.status, 200);
    assert_eq!(first.header("content-encoding"), Some("br"));
    assert_eq!(first.text(), "all work and no play\n".repeat(500));
    assert_eq!(first.header("x-content-type-options"), Some("nosniff"));
    assert!(
        first
            .header("x-request-id")
            .is_some_and(|id| id.len() == 36)
    );
    assert_eq!(
        first.header("ratelimit-policy"),
        Some("\"default\";q=3;w=60")
    );
    curl(&server.at("/big.txt"), &[]);
    curl(&server.at("/big.txt"), &[]);
    let limited = curl(&server.at("/big.txt"), &[]);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("20"));
    drop(server);

    let denied = Rws::start(&["--set", "ip_filter.deny=127.0.0.0/8,::1"]);
    let res = curl(&denied.at("/healthz"), &[]);
    assert_eq!(res.status, 403);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
}

#[test]
fn serves_https_with_the_configured_certificate() {
    let dir = Folder::new("https");
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    dir.file("cert.pem", key.cert.pem())
        .file("key.pem", key.signing_key.serialize_pem());
    let cert = dir.path().join("cert.pem").display().to_string();
    let key = dir.path().join("key.pem").display().to_string();
    let server = Rws::start_with(rws().args(["--tls-cert", &cert, "--tls-key", &key]));
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let url = server.url.replace("127.0.0.1", "localhost") + "/healthz";
    let res = curl(&url, &["--cacert", &cert, "--http2"]);
    assert_eq!(res.status, 200);
    assert_eq!(res.text(), "ok");
    // HTTP/3 is on by default with TLS: announced, advertised, and served on the same port.
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    assert!(
        server
            .banner
            .iter()
            .any(|l| l == &format!("  HTTP/3 on udp/{port}"))
    );
    assert_eq!(
        res.header("alt-svc"),
        Some(format!("h3=\":{port}\"; ma=86400").as_str())
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/peers/h3_client.py");
    let out = output(
        std::process::Command::new(support::PYTHON).args([script, &port, &cert, "/healthz"]),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["/healthz"]["status"], "200");
    assert_eq!(report["/healthz"]["body"], "ok");
    drop(server);

    let server = Rws::start_with(rws().args([
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--set",
        "tls.http3=false",
    ]));
    let url = server.url.replace("127.0.0.1", "localhost") + "/healthz";
    let res = curl(&url, &["--cacert", &cert]);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("alt-svc"), None);
    drop(server);

    let server = Rws::start_with(rws().args([
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--redirect-port",
        "0",
        "--set",
        "tls.redirect_hosts=localhost",
    ]));
    let https_port = server.url.rsplit(':').next().unwrap().to_owned();
    let plain = redirect_url(&server);
    let res = curl(&format!("{plain}/healthz?x=1"), &["-H", "host: localhost"]);
    assert_eq!(res.status, 308);
    assert_eq!(
        res.header("location"),
        Some(format!("https://localhost:{https_port}/healthz?x=1").as_str())
    );
    let res = curl(&format!("{plain}/"), &["-H", "host: elsewhere.test"]);
    assert_eq!(res.status, 400);
    drop(server);

    // Without tls.redirect_hosts: the names the certificate covers, nothing else.
    let server = Rws::start_with(rws().args([
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--redirect-port",
        "0",
    ]));
    let plain = redirect_url(&server);
    assert_eq!(
        curl(&format!("{plain}/"), &["-H", "host: localhost"]).status,
        308
    );
    assert_eq!(
        curl(&format!("{plain}/"), &["-H", "host: attacker.test"]).status,
        400
    );
}

/// `/metrics` can be limited to some networks, or moved to an address of its own (loopback,
/// say), away from the public port.
/// The plain-HTTP address the banner announces for the HTTPS redirect.
fn redirect_url(server: &Rws) -> String {
    let line = server
        .banner
        .iter()
        .find(|l| l.starts_with("  redirecting http://"))
        .expect("the redirect listener is announced");
    line.split(' ').nth(3).unwrap().to_owned()
}

#[test]
fn metrics_can_be_limited_to_networks_or_moved_to_their_own_address() {
    let limited = Rws::start(&["--set", "endpoints.metrics_allow=10.0.0.0/8"]);
    assert_eq!(curl(&limited.at("/metrics"), &[]).status, 403);
    assert_eq!(curl(&limited.at("/healthz"), &[]).status, 200);
    drop(limited);
    let loopback = Rws::start(&["--set", "endpoints.metrics_allow=127.0.0.0/8, ::1"]);
    assert_eq!(curl(&loopback.at("/metrics"), &[]).status, 200);
    drop(loopback);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let moved = Rws::start(&[
        "--set",
        &format!("endpoints.metrics_address=127.0.0.1:{port}"),
    ]);
    assert_eq!(
        curl(&moved.at("/metrics"), &[]).status,
        404,
        "not on the main port"
    );
    let res = curl(&format!("http://127.0.0.1:{port}/metrics"), &[]);
    assert_eq!(res.status, 200);
    assert!(res.text().contains("rws_connections"), "{}", res.text());
}
