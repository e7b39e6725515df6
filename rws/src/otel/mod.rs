//! OpenTelemetry tracing: [`OtelLayer`] makes one server span per request, parented on the
//! caller's W3C or B3 context; [`Telemetry`] exports spans over OTLP/HTTP (protobuf, through a
//! hyper client on the tokio runtime) as the standard `OTEL_*` variables say, and bridges
//! `tracing` spans into the same traces; [`inject`] carries the current context to outgoing
//! requests.
//!
//! ```no_run
//! use rws::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 OTEL_SERVICE_NAME=shop
//! let telemetry = rws::otel::Telemetry::from_env()?;
//! let mut app = App::new().get("/users/:id", || async { "ada" });
//! if let Some(telemetry) = &telemetry {
//!     app = app.wrap(telemetry.layer());
//! }
//! rws::serve(tokio::net::TcpListener::bind("127.0.0.1:8080").await?, app).await?;
//! if let Some(telemetry) = telemetry {
//!     telemetry.shutdown().await; // exports what is still queued
//! }
//! # Ok(()) }
//! ```
//!
//! Variables read: `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
//! `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` (+ `_ARG`), `OTEL_BSP_*`,
//! `OTEL_PROPAGATORS` (`tracecontext`, `baggage`, `b3`, `b3multi`, `none`; default
//! `tracecontext,baggage`).

mod b3;
mod export;
mod layer;

pub use export::{Telemetry, TelemetryBuilder, TelemetryError};
pub use layer::OtelLayer;

use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry_http::HeaderInjector;

use self::b3::{B3Encoding, B3Propagator};

/// Writes the current OpenTelemetry context (inside a handler: the request's server span)
/// into `headers` of an outgoing request, with the propagators [`Telemetry`] installed (or
/// whatever `opentelemetry::global::set_text_map_propagator` set).
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// rws::otel::inject(&mut headers);
/// ```
pub fn inject(headers: &mut http::HeaderMap) {
    let cx = opentelemetry::Context::current();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&cx, &mut HeaderInjector(headers));
    });
}

/// One propagator `OTEL_PROPAGATORS` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Propagator {
    TraceContext,
    Baggage,
    B3,
    B3Multi,
}

/// The propagators `OTEL_PROPAGATORS` names, in its order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Propagators(Vec<Propagator>);

impl Propagators {
    fn from_env() -> Propagators {
        Propagators::parse(std::env::var("OTEL_PROPAGATORS").ok().as_deref())
    }

    /// Unknown names are skipped with a warning, as the specification asks.
    fn parse(value: Option<&str>) -> Propagators {
        let value = value.map(str::trim).filter(|v| !v.is_empty());
        let value = value.unwrap_or("tracecontext,baggage");
        let mut found = Vec::new();
        for name in value.split(',').map(str::trim) {
            let propagator = match name.to_ascii_lowercase().as_str() {
                "tracecontext" => Propagator::TraceContext,
                "baggage" => Propagator::Baggage,
                "b3" => Propagator::B3,
                "b3multi" => Propagator::B3Multi,
                "none" => return Propagators(Vec::new()),
                other => {
                    tracing::warn!(
                        propagator = other,
                        "OTEL_PROPAGATORS names an unknown propagator; skipped"
                    );
                    continue;
                }
            };
            if !found.contains(&propagator) {
                found.push(propagator);
            }
        }
        Propagators(found)
    }

    fn apply(&self, mut layer: OtelLayer) -> OtelLayer {
        for propagator in &self.0 {
            layer = match propagator {
                Propagator::TraceContext => layer.propagate_w3c(),
                Propagator::Baggage => layer.propagate_baggage(),
                Propagator::B3 => layer.propagate_b3(),
                Propagator::B3Multi => layer.propagate_b3_multi(),
            };
        }
        layer
    }

    /// The composite for [`inject`].
    fn composite(&self) -> TextMapCompositePropagator {
        let all = self
            .0
            .iter()
            .map(|p| -> Box<dyn TextMapPropagator + Send + Sync> {
                match p {
                    Propagator::TraceContext => {
                        Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new())
                    }
                    Propagator::Baggage => {
                        Box::new(opentelemetry_sdk::propagation::BaggagePropagator::new())
                    }
                    Propagator::B3 => Box::new(B3Propagator(B3Encoding::Single)),
                    Propagator::B3Multi => Box::new(B3Propagator(B3Encoding::Multi)),
                }
            })
            .collect();
        TextMapCompositePropagator::new(all)
    }
}

#[cfg(test)]
mod tests {
    use super::Propagator::*;
    use super::*;

    #[test]
    fn otel_propagators_is_read_as_the_specification_says() {
        assert_eq!(Propagators::parse(None).0, [TraceContext, Baggage]);
        assert_eq!(Propagators::parse(Some(" ")).0, [TraceContext, Baggage]);
        assert_eq!(
            Propagators::parse(Some("b3multi, tracecontext,b3,xray,b3")).0,
            [B3Multi, TraceContext, B3]
        );
        assert_eq!(Propagators::parse(Some("tracecontext,none")).0, []);
    }
}
