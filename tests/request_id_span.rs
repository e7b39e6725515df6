//! The request id lands on the request's tracing span (its own test binary: it installs a
//! global subscriber).

mod support;

use std::sync::{Arc, Mutex};

use rws::middleware::RequestIdLayer;
use rws::prelude::*;
use support::server::TestServer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Records every `request_id` value given to a span named `request`.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Value<'a>(&'a mut Option<String>);

impl Visit for Value<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "request_id" {
            *self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "request_id" {
            *self.0 = Some(format!("{value:?}"));
        }
    }
}

impl<S> Layer<S> for Recorder
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        assert!(
            attrs.metadata().name() != "request" || attrs.fields().field("request_id").is_some(),
            "the request span declares request_id"
        );
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if ctx.span(id).is_some_and(|s| s.name() == "request") {
            let mut value = None;
            values.record(&mut Value(&mut value));
            if let Some(value) = value {
                self.0.lock().unwrap().push(value);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_span_carries_the_request_id() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry()
        .with(recorder.clone())
        .with(tracing_subscriber::filter::LevelFilter::DEBUG);
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let app = App::empty()
        .get("/", || async { "ok" })
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
    server.stop().await.unwrap();

    assert_eq!(*recorder.0.lock().unwrap(), ["trace-me-1".to_owned(), id]);
}
