//! Logging setup for binaries: `tracing` events to stderr, filtered by `RUST_LOG`.

use std::str::FromStr;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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
    let spec = std::env::var("RUST_LOG").unwrap_or_default();
    let (filter, bad) = match Targets::from_str(if spec.trim().is_empty() {
        "info"
    } else {
        &spec
    }) {
        Ok(filter) => (filter, None),
        Err(_) => (
            Targets::new().with_default(tracing::Level::INFO),
            Some(spec),
        ),
    };
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init();
    if let Some(bad) = &bad {
        tracing::warn!(RUST_LOG = %bad, "RUST_LOG is not a valid filter; logging at info");
    }
    bad
}
