//! The OTLP/HTTP export pipeline, configured from the standard `OTEL_*` variables.

use std::fmt;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_subscriber::Layer;
use tracing_subscriber::Registry;

use super::{OtelLayer, Propagators};

/// What may go wrong starting the export: an unusable endpoint, no tokio runtime.
#[derive(Debug)]
pub struct TelemetryError(String);

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpenTelemetry export: {}", self.0)
    }
}

impl std::error::Error for TelemetryError {}

/// A running export of spans over OTLP/HTTP, and the tracer and propagators that feed it.
/// Spans are batched and sent from a task on the tokio runtime (never from a thread of the
/// SDK's own, where an async client cannot run); each export has the OTLP timeout
/// (`OTEL_EXPORTER_OTLP_TIMEOUT`, 10 s), and a full queue (`OTEL_BSP_MAX_QUEUE_SIZE`, 2048)
/// drops spans rather than grow.
#[derive(Debug, Clone)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    propagators: Propagators,
}

/// Settings the standard variables do not carry, from a configuration file; the variables
/// win where both speak.
#[derive(Debug, Clone, Default)]
pub struct TelemetryBuilder {
    endpoint: Option<String>,
    service_name: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether the variables say where to export.
fn endpoint_in_env() -> bool {
    env("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
        || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
}

impl Telemetry {
    /// Starts the export when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; `None` when neither is. Call it inside the
    /// tokio runtime.
    pub fn from_env() -> Result<Option<Telemetry>, TelemetryError> {
        Telemetry::builder().build_if_endpoint()
    }

    /// Settings beside the variables.
    pub fn builder() -> TelemetryBuilder {
        TelemetryBuilder::default()
    }

    /// The tracer spans are made with.
    pub fn tracer(&self) -> SdkTracer {
        self.tracer.clone()
    }

    /// An [`OtelLayer`] with this tracer and the `OTEL_PROPAGATORS` propagators.
    pub fn layer(&self) -> OtelLayer {
        self.propagators.apply(OtelLayer::new(self.tracer.clone()))
    }

    /// The `tracing` layer that turns `tracing` spans into spans of the same traces: a span a
    /// handler opens nests under the request's server span. Add it to your subscriber
    /// (`rws::logging::init_with_layer` takes it).
    pub fn tracing_layer(&self) -> impl Layer<Registry> + Send + Sync + 'static {
        // rws's own `request` span is the OtelLayer's server span already.
        // Info and above, as the usual diagnostics: debug spans would cost every request.
        let not_ours = tracing_subscriber::filter::filter_fn(|meta| {
            *meta.level() <= tracing::Level::INFO
                && !(meta.is_span()
                    && meta.name() == "request"
                    && meta.target().starts_with("rws::"))
        });
        tracing_opentelemetry::layer()
            .with_tracer(self.tracer.clone())
            .with_filter(not_ours)
    }

    /// Exports what is still queued and stops; waits at most the OTLP timeout.
    pub async fn shutdown(self) {
        let provider = self.provider;
        // The SDK blocks this thread on the export task: off the runtime's workers.
        let done = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(e)) = done {
            tracing::warn!(error = %e, "OpenTelemetry export did not shut down cleanly");
        }
    }
}

impl TelemetryBuilder {
    /// The collector's base URL (`http://collector:4318`); `/v1/traces` is added, as for
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, which wins when set.
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The `service.name` resource attribute; `OTEL_SERVICE_NAME` wins when set.
    #[must_use]
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Starts the export when an endpoint is set, here or in the variables; `None` when
    /// neither says where to export.
    pub fn build_if_endpoint(self) -> Result<Option<Telemetry>, TelemetryError> {
        let configured = self
            .endpoint
            .as_deref()
            .is_some_and(|e| !e.trim().is_empty());
        if !configured && !endpoint_in_env() {
            return Ok(None);
        }
        self.build().map(Some)
    }

    /// Starts the export. Call it inside the tokio runtime: the batch task is spawned on it.
    pub fn build(self) -> Result<Telemetry, TelemetryError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(TelemetryError(
                "must be started inside a tokio runtime".to_owned(),
            ));
        }
        let timeout = env("OTEL_EXPORTER_OTLP_TIMEOUT")
            .and_then(|ms| ms.trim().parse().ok())
            .map_or(Duration::from_secs(10), Duration::from_millis);
        let client = opentelemetry_http::hyper::HyperClient::with_default_connector(timeout, None);
        let mut exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary)
            .with_timeout(timeout);
        let from_env = endpoint_in_env();
        if let Some(base) = self.endpoint.filter(|e| !e.trim().is_empty() && !from_env) {
            exporter = exporter.with_endpoint(format!("{}/v1/traces", base.trim_end_matches('/')));
        }
        let exporter = exporter
            .build()
            .map_err(|e| TelemetryError(e.to_string()))?;
        let processor =
            BatchSpanProcessor::builder(exporter, opentelemetry_sdk::runtime::Tokio).build();
        let mut resource = Resource::builder();
        if let Some(name) = self
            .service_name
            .filter(|_| env("OTEL_SERVICE_NAME").is_none())
        {
            resource = resource.with_service_name(name);
        }
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_resource(resource.build())
            .build();
        let tracer = provider.tracer("rws");
        let propagators = Propagators::from_env();
        opentelemetry::global::set_text_map_propagator(propagators.composite());
        Ok(Telemetry {
            provider,
            tracer,
            propagators,
        })
    }
}
