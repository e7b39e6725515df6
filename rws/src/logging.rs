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
    let (filter, handle) =
        tracing_subscriber::reload::Layer::new(filter.with_target(ACCESS_TARGET, LevelFilter::OFF));
    let diagnostics = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(filter);
    let access = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stdout)
        .event_format(MessageOnly)
        .with_filter(Targets::new().with_target(ACCESS_TARGET, LevelFilter::INFO));
    if tracing_subscriber::registry()
        .with(layer)
        .with(diagnostics)
        .with(access)
        .try_init()
        .is_ok()
    {
        let _ = FILTER.set(Box::new(move |filter| {
            handle.reload(filter).map_err(|e| e.to_string())
        }));
    }
    if let Some(bad) = &bad {
        tracing::warn!(filter = %bad, "not a valid log filter; logging at info");
    }
    bad
}

type FilterHandle = Box<dyn Fn(Targets) -> Result<(), String> + Send + Sync>;

/// The diagnostics filter of the subscriber [`init_with_layer`] installed, for [`set_filter`].
static FILTER: std::sync::OnceLock<FilterHandle> = std::sync::OnceLock::new();

/// Replaces the diagnostics filter of the subscriber [`init`] (or its siblings) installed, as
/// a reload does when `log.level` changes; `RUST_LOG`, when set, still wins, as at start.
/// Errors name the filter that does not parse, or say that no rws subscriber is installed.
///
/// ```no_run
/// rws::logging::init();
/// rws::logging::set_filter("debug").unwrap();
/// ```
pub fn set_filter(default: &str) -> Result<(), String> {
    let env = std::env::var("RUST_LOG").unwrap_or_default();
    let spec = if env.trim().is_empty() { default } else { &env };
    let filter = Targets::from_str(spec).map_err(|e| format!("`{spec}`: {e}"))?;
    let handle = FILTER
        .get()
        .ok_or_else(|| "no rws logging subscriber is installed".to_owned())?;
    handle(filter.with_target(ACCESS_TARGET, LevelFilter::OFF))
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
