//! OpenTelemetry tracing judged by OpenTelemetry's own code: Python's SDK sends W3C and B3
//! context to the `rws` binary (exporting because `OTEL_EXPORTER_OTLP_ENDPOINT` is set, nothing
//! else), and a receiver decoding with the official protobuf definitions (`opentelemetry-proto`)
//! gets server spans parented on what was sent, with the HTTP semantic conventions.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::bin::{Rws, rws};

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/peers");

/// `otlp_receiver.py`, its port and the spans it prints; killed when dropped.
struct Receiver {
    child: Child,
    port: u16,
    spans: mpsc::Receiver<Value>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    fn start() -> Receiver {
        let mut child = Command::new(support::PYTHON)
            .arg(format!("{PEERS}/otlp_receiver.py"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("the peers' Python runs (scripts/setup makes .peers/venv)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let port = first.strip_prefix("port ").unwrap().parse().unwrap();
        let (tx, spans) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                    break;
                }
            }
        });
        Receiver { child, port, spans }
    }

    /// Spans until `want` have arrived or 30 s have passed.
    fn collect(&self, want: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut spans = Vec::new();
        while spans.len() < want {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.spans.recv_timeout(left) {
                Ok(span) => spans.push(span),
                Err(_) => break,
            }
        }
        spans
    }
}

fn find<'a>(spans: &'a [Value], trace_id: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["trace_id"] == trace_id)
        .unwrap_or_else(|| panic!("no span of trace {trace_id} in {spans:#?}"))
}

#[test]
fn the_binary_exports_server_spans_parented_on_w3c_and_b3_context() {
    let receiver = Receiver::start();
    let server = Rws::start_with(
        rws()
            .env(
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{}", receiver.port),
            )
            .env_remove("OTEL_SERVICE_NAME")
            .env("OTEL_PROPAGATORS", "tracecontext,baggage,b3")
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            // The endpoint from the variable, the name from the configuration.
            .args(["--set", "telemetry.trace_id_header=x-trace-id"])
            .args(["--set", "telemetry.service_name=rws-otel-test"]),
    );
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    let out = Command::new(support::PYTHON)
        .arg(format!("{PEERS}/otel_client.py"))
        .arg(&server.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let spans = receiver.collect(4);
    assert_eq!(spans.len(), 4, "{spans:#?}");

    for (case, name) in [
        ("w3c", "GET /healthz"),
        ("b3", "GET /"),
        ("b3multi", "GET /healthz"),
    ] {
        let sent = &report[case];
        let span = find(&spans, sent["trace_id"].as_str().unwrap());
        assert_eq!(span["parent_span_id"], sent["span_id"], "{case}: {span}");
        assert_eq!(span["name"], name, "{case}");
        assert_eq!(span["kind"], "SPAN_KIND_SERVER");
        assert_eq!(span["service"], "rws-otel-test");
        assert_eq!(span["path"], "/v1/traces");
        assert_eq!(span["content_type"], "application/x-protobuf");
        assert_eq!(span["status"], "STATUS_CODE_UNSET");
        let attrs = &span["attributes"];
        assert_eq!(attrs["http.request.method"], "GET");
        assert_eq!(attrs["http.route"], name.trim_start_matches("GET "));
        assert_eq!(attrs["url.path"], name.trim_start_matches("GET "));
        assert_eq!(attrs["url.scheme"], "http");
        assert_eq!(attrs["http.response.status_code"], 200);
        assert_eq!(attrs["server.address"], "127.0.0.1");
        assert_eq!(attrs["server.port"], port.parse::<i64>().unwrap());
        assert_eq!(attrs["client.address"], "127.0.0.1");
        assert_eq!(attrs["network.protocol.version"], "1.1");
        assert!(
            attrs["user_agent.original"]
                .as_str()
                .unwrap()
                .starts_with("Python-urllib"),
            "{attrs}"
        );
        // The opt-in header echoes the trace the span joined.
        assert_eq!(sent["headers"]["x-trace-id"], sent["trace_id"], "{case}");
    }
    // The access log line of each traced request carries its ids.
    let w3c = find(&spans, report["w3c"]["trace_id"].as_str().unwrap());
    let logged: Vec<String> = (0..4).map(|_| server.next_line()).collect();
    let line = format!(
        "trace_id={} span_id={}",
        w3c["trace_id"].as_str().unwrap(),
        w3c["span_id"].as_str().unwrap()
    );
    assert!(
        logged
            .iter()
            .any(|l| l.contains("GET /healthz") && l.ends_with(&line)),
        "{line} in {logged:#?}"
    );
    // A malformed traceparent starts a new trace, never a child of garbage.
    let sent: Vec<&str> = ["w3c", "b3", "b3multi"]
        .iter()
        .map(|c| report[c]["trace_id"].as_str().unwrap())
        .collect();
    let fresh = spans
        .iter()
        .find(|s| !sent.contains(&s["trace_id"].as_str().unwrap()))
        .unwrap();
    assert_eq!(fresh["parent_span_id"], "", "{fresh}");
    assert_eq!(fresh["name"], "GET /");
    assert_ne!(fresh["trace_id"], "0".repeat(32));
    assert_eq!(
        report["garbage"]["headers"]["x-trace-id"],
        fresh["trace_id"]
    );
}

/// In a library app: a handler's own `tracing` span nests under the server span (the bridge),
/// `rws::otel::inject` hands the request's trace to outgoing calls, and a 5xx marks the span.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_spans_nest_under_the_server_span_and_a_5xx_is_an_error() {
    use rws::prelude::*;
    use tracing_subscriber::layer::SubscriberExt;

    let receiver = Receiver::start();
    let telemetry = rws::otel::Telemetry::builder()
        .endpoint(format!("http://127.0.0.1:{}", receiver.port))
        .service_name("in-process")
        .build()
        .unwrap();
    let recorded = TraceFields::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry()
            .with(telemetry.tracing_layer())
            .with(recorded.clone()),
    )
    .unwrap();
    let app = App::empty()
        .get("/users/:id", || async {
            let _load = tracing::info_span!("load user").entered();
            let mut outgoing = HeaderMap::new();
            rws::otel::inject(&mut outgoing);
            outgoing
                .get("traceparent")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        })
        .get("/boom", || async { StatusCode::INTERNAL_SERVER_ERROR })
        .wrap(telemetry.layer());
    let server = support::server::TestServer::start(app, |s| s).await;
    let traceparent = reqwest::get(server.url("/users/7"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let boom = reqwest::get(server.url("/boom")).await.unwrap();
    assert_eq!(boom.status(), 500);
    server.stop().await.unwrap();
    telemetry.shutdown().await;
    let spans = tokio::task::spawn_blocking(move || receiver.collect(3))
        .await
        .unwrap();
    assert_eq!(spans.len(), 3, "{spans:#?}");

    let by_name = |name: &str| {
        spans
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
    };
    let server_span = by_name("GET /users/:id");
    let load = by_name("load user");
    assert_eq!(load["trace_id"], server_span["trace_id"]);
    assert_eq!(load["parent_span_id"], server_span["span_id"]);
    assert_eq!(load["kind"], "SPAN_KIND_INTERNAL");
    assert_eq!(server_span["service"], "in-process");
    // `00-{trace}-{span}-01`: the request's trace, from inside its handler.
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent:?}");
    assert_eq!(parts[1], server_span["trace_id"]);
    assert_eq!(parts[2], load["span_id"]);
    // rws's own request span carries the ids of the server span it stands beside.
    let fields = recorded.0.lock().unwrap().clone();
    assert!(
        fields.contains(&(
            "trace_id",
            server_span["trace_id"].as_str().unwrap().to_owned()
        )),
        "{fields:?}"
    );
    assert!(
        fields.contains(&(
            "span_id",
            server_span["span_id"].as_str().unwrap().to_owned()
        )),
        "{fields:?}"
    );
    let boom = by_name("GET /boom");
    assert_eq!(boom["status"], "STATUS_CODE_ERROR");
    assert_eq!(boom["attributes"]["http.response.status_code"], 500);
}

/// Every `trace_id` and `span_id` recorded on a span named `request`.
#[derive(Clone, Default)]
struct TraceFields(std::sync::Arc<std::sync::Mutex<Vec<(&'static str, String)>>>);

struct Fields<'a>(&'a mut Vec<(&'static str, String)>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if ["trace_id", "span_id"].contains(&field.name()) {
            self.0.push((field.name(), format!("{value:?}")));
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for TraceFields
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if ctx.span(id).is_some_and(|s| s.name() == "request") {
            let mut found = Vec::new();
            values.record(&mut Fields(&mut found));
            self.0.lock().unwrap().extend(found);
        }
    }
}
