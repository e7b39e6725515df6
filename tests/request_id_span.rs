//! The request id and the matched route land on the request's tracing span (its own test
//! binary: it installs a global subscriber).

mod support;

use std::sync::{Arc, Mutex};

use rws::middleware::RequestIdLayer;
use rws::prelude::*;
use support::server::TestServer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Records every `request_id` and `route` value given to a span named `request`.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(&'static str, String)>>>);

struct Value<'a>(&'a mut Vec<(&'static str, String)>);

impl Visit for Value<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if ["request_id", "route"].contains(&field.name()) {
            self.0.push((field.name(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if ["request_id", "route"].contains(&field.name()) {
            self.0.push((field.name(), format!("{value:?}")));
        }
    }
}

impl<S> Layer<S> for Recorder
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        assert!(
            attrs.metadata().name() != "request"
                || (attrs.fields().field("request_id").is_some()
                    && attrs.fields().field("route").is_some()),
            "the request span declares request_id and route"
        );
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if ctx.span(id).is_some_and(|s| s.name() == "request") {
            let mut recorded = Vec::new();
            values.record(&mut Value(&mut recorded));
            self.0.lock().unwrap().extend(recorded);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_span_carries_the_request_id_and_the_route() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry()
        .with(recorder.clone())
        .with(tracing_subscriber::filter::LevelFilter::DEBUG);
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let users = App::empty().get(
        "/users/:id",
        |path: MatchedPath| async move { path.to_string() },
    );
    let app = App::empty()
        .get("/", || async { "ok" })
        .nest("/api", users)
        .wrap(RequestIdLayer::new());
    let server = TestServer::start(app, |s| s).await;
    let client = reqwest::Client::new();
    let given = client
        .get(server.url("/"))
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-me-1");
    let generated = client.get(server.url("/")).send().await.unwrap();
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let nested = client.get(server.url("/api/users/7")).send().await.unwrap();
    assert_eq!(nested.text().await.unwrap(), "/api/users/:id");
    let _ = client.get(server.url("/nowhere")).send().await.unwrap();
    server.stop().await.unwrap();

    let recorded = recorder.0.lock().unwrap().clone();
    let of = |name: &str| -> Vec<String> {
        recorded
            .iter()
            .filter(|(field, _)| *field == name)
            .map(|(_, value)| value.clone())
            .collect()
    };
    assert_eq!(of("request_id")[..2], ["trace-me-1".to_owned(), id]);
    // The pattern, never the raw path; a request no route matched records none.
    assert_eq!(of("route"), ["/", "/", "/api/users/:id"]);
}
