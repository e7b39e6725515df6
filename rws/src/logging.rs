//! Logging setup for binaries: `tracing` diagnostics to stderr, filtered by `RUST_LOG`, and the
//! access log (target `rws::access`) to stdout, one bare line per request.

use std::fmt;
use std::io::IsTerminal as _;
use std::str::FromStr;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The target of the access log's events (see `middleware::AccessLogLayer`).
pub const ACCESS_TARGET: &str = "rws::access";

/// Installs a global `tracing` subscriber printing to stderr, filtered by `RUST_LOG`
/// (`info` when unset; `RUST_LOG=rws=debug,info` and the like per target). Returns the filter
/// text it could not parse, if any, after falling back to `info`; does nothing if a subscriber
/// is already installed.
///
/// ```no_run
/// rws::logging::init();
/// tracing::info!("hello");
/// ```
pub fn init() -> Option<String> {
    init_with("info")
}

/// Like [`init`], with `default` as the filter when `RUST_LOG` is unset, and the access log's
/// lines (target `rws::access`) printed bare to stdout instead of with the diagnostics.
///
/// ```no_run
/// rws::logging::init_with("warn,rws=info");
/// ```
pub fn init_with(default: &str) -> Option<String> {
    init_with_layer(default, tracing_subscriber::layer::Identity::new())
}

/// Like [`init_with`], with `layer` beside the printing ones: the OpenTelemetry bridge
/// (`rws::otel::Telemetry::tracing_layer`), say, which sees every span whatever the filter.
pub fn init_with_layer<L>(default: &str, layer: L) -> Option<String>
where
    L: tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync + 'static,
{
    let env = std::env::var("RUST_LOG").unwrap_or_default();
    let spec = if env.trim().is_empty() { default } else { &env };
    let (filter, bad) = match Targets::from_str(spec) {
        Ok(filter) => (filter, None),
        Err(_) => (
            Targets::new().with_default(tracing::Level::INFO),
            Some(spec.to_owned()),
        ),
    };
    let diagnostics = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(filter.with_target(ACCESS_TARGET, LevelFilter::OFF));
    let access = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stdout)
        .event_format(MessageOnly)
        .with_filter(Targets::new().with_target(ACCESS_TARGET, LevelFilter::INFO));
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(diagnostics)
        .with(access)
        .try_init();
    if let Some(bad) = &bad {
        tracing::warn!(filter = %bad, "not a valid log filter; logging at info");
    }
    bad
}

/// Prints an event's message and nothing else: the access log's lines carry their own time.
struct MessageOnly;

impl<S, N> FormatEvent<S, N> for MessageOnly
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut message = Message(None);
        event.record(&mut message);
        writeln!(writer, "{}", message.0.unwrap_or_default())
    }
}

struct Message(Option<String>);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}
