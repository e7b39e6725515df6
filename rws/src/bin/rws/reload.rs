//! `SIGHUP`: the configuration read again as at start (file, environment, flags), and, when it
//! is valid, applied at once: a new app (static root, endpoints, proxies, every middleware and
//! its settings), the certificates, the log filter. A configuration with errors changes
//! nothing; what needs a new socket or a new process is logged as needing a restart.

use std::sync::{Arc, Mutex, PoisonError};

use rws::App;
use rws::config::Config;
use rws::metrics::Metrics;
use rws::server::Readiness;
use rws::server::tls::{Certificates, Tls};

use crate::cli::Cli;

/// What a reload needs from the running server.
pub(crate) struct Parts {
    pub(crate) cli: Cli,
    pub(crate) config: Config,
    pub(crate) readiness: Readiness,
    pub(crate) metrics: Metrics,
    pub(crate) tracing_layer: Option<rws::otel::OtelLayer>,
    pub(crate) certificates: Option<Certificates>,
}

#[derive(Clone)]
pub(crate) struct Reloader(Arc<Inner>);

struct Inner {
    parts: Parts,
    // The configuration last applied, to tell what changed.
    applied: Mutex<Config>,
}

impl Reloader {
    pub(crate) fn new(parts: Parts) -> Self {
        let applied = Mutex::new(parts.config.clone());
        Reloader(Arc::new(Inner { parts, applied }))
    }

    /// The app to serve from now on, or `None` when nothing may change.
    pub(crate) fn reload(&self) -> Option<App> {
        let parts = &self.0.parts;
        let loaded = match crate::load(&parts.cli) {
            Ok(loaded) => loaded,
            Err(problems) => {
                for problem in &problems {
                    tracing::error!("reload: {problem}");
                }
                tracing::warn!(
                    "reload refused: the configuration has {} problem(s); still serving the previous one",
                    problems.len()
                );
                return None;
            }
        };
        let cert_origin = loaded.origin("tls.cert").to_string();
        let config = loaded.config;
        // Certificates are read before anything changes, so that a bad file changes nothing.
        let certificates = match (&parts.certificates, &config.tls.cert, &config.tls.key) {
            (Some(current), Some(cert), Some(key)) => match Tls::from_pem_files(cert, key) {
                Ok(_) => Some((current, cert, key)),
                Err(e) => {
                    tracing::error!("reload: {cert_origin}: `tls.cert`: {e}");
                    tracing::warn!("reload refused: still serving the previous configuration");
                    return None;
                }
            },
            _ => None,
        };
        let mut applied = self
            .0
            .applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in needs_restart(&applied, &config) {
            tracing::warn!("reload: `{key}` changed; it takes effect after a restart");
        }
        if let Some((current, cert, key)) = certificates
            && let Err(e) = current.replace(None, cert, key)
        {
            tracing::error!("reload: the certificate could not be swapped: {e}");
        }
        if let Err(e) = rws::logging::set_filter(&config.log.level) {
            tracing::warn!("reload: `log.level`: {e}");
        }
        let app = crate::site::app(
            &config,
            parts.readiness.clone(),
            &parts.metrics,
            parts.tracing_layer.as_ref(),
        );
        *applied = config;
        Some(app)
    }
}

/// The keys whose new value needs a new socket, a new runtime or a new exporter.
fn needs_restart(old: &Config, new: &Config) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let mut check = |key, changed: bool| {
        if changed {
            keys.push(key);
        }
    };
    check("address", old.address != new.address);
    check("port", old.port != new.port);
    check("workers", old.workers != new.workers);
    check("redirect_port", old.redirect_port != new.redirect_port);
    check("tls.cert", old.tls.cert.is_some() != new.tls.cert.is_some());
    check("tls.http3", old.tls.http3 != new.tls.http3);
    check("acme", old.acme != new.acme);
    check(
        "endpoints.metrics_address",
        old.endpoints.metrics_address != new.endpoints.metrics_address,
    );
    check("telemetry", old.telemetry != new.telemetry);
    keys
}
