//! What the `rws` binary serves, built from its configuration: the welcome page or a folder, the
//! built-in endpoints, and the middleware (access log, metrics, CORS).

use std::fmt::Write as _;

use rws::config::Config;
use rws::metrics::Metrics;
use rws::middleware::{AccessLogFormat, AccessLogLayer, RequestIdLayer};
use rws::middleware::{HandlerExt, IpFilterLayer};
use rws::prelude::*;
use rws::server::Readiness;

const WELCOME: &str = include_str!("welcome.html");

/// The app `config` describes.
/// The metrics endpoint, for `endpoints.metrics_allow` only when that is set.
pub(crate) fn metrics_route(app: App, config: &Config, metrics: &Metrics) -> App {
    let endpoints = &config.endpoints;
    if endpoints.metrics_allow.is_empty() {
        return app.get(&endpoints.metrics, metrics.endpoint());
    }
    let allowed = IpFilterLayer::new().allow(endpoints.metrics_allow.iter().map(String::as_str));
    app.get(&endpoints.metrics, metrics.endpoint().with(allowed))
}

pub(crate) fn app(
    config: &Config,
    readiness: Readiness,
    metrics: &Metrics,
    tracing_layer: Option<&rws::otel::OtelLayer>,
) -> App {
    let endpoints = &config.endpoints;
    let mut app = App::new().state(readiness).body_limit(config.body_limit());
    if !endpoints.health.is_empty() {
        app = app.get(&endpoints.health, || async { "ok" });
    }
    if !endpoints.ready.is_empty() {
        app = app.get(&endpoints.ready, ready);
    }
    if !endpoints.metrics.is_empty() && endpoints.metrics_address.is_none() {
        app = metrics_route(app, config, metrics);
    }
    let proxies_root = config
        .proxy
        .iter()
        .any(|p| p.path.trim_end_matches('/').is_empty());
    app = proxies(app, config, metrics);
    app = match config.serve_dir() {
        Some(dir) => app.serve_dir("/", dir),
        // A proxy at / answers every path the endpoints do not.
        None if proxies_root => app,
        None => {
            let page = welcome_page(config);
            app.get("/", move || {
                let page = page.clone();
                async move { Html(page) }
            })
        }
    };
    if config.mcp.enabled
        && let Some(root) = &config.root
    {
        let loopback = ["localhost", "127.0.0.1", "::1"].map(str::to_owned);
        app = app
            .mcp_files(root)
            .mcp_path(&config.mcp.path)
            .mcp_allowed_hosts(loopback.into_iter().chain(config.mcp.allowed_hosts.clone()));
    }
    if !config.trusted_proxies.is_empty() {
        app = app.trusted_proxies(config.trusted_proxies.iter().map(String::as_str));
    }
    if let Some(header) = rws::ip::ForwardedHeader::parse(&config.forwarded_header) {
        app = app.forwarded_header(header);
    }
    // Outermost first: the trace and the request id are set before anything logs; the access
    // log and the metrics see the final status, refusals by the layers after them included.
    if let Some(layer) = tracing_layer {
        let mut layer = layer.clone();
        for path in &config.telemetry.exclude {
            layer = layer.exclude(path);
        }
        if let Ok(name) =
            header::HeaderName::from_bytes(config.telemetry.trace_id_header.as_bytes())
        {
            layer = layer.echo_trace_id(name);
        }
        app = app.wrap(layer);
    }
    if config.request_id {
        app = app.wrap(RequestIdLayer::new());
    }
    if config.log.access != AccessLogFormat::Off {
        app = app.wrap(AccessLogLayer::new(config.log.access));
    }
    app = app.wrap(metrics.layer());
    if let Some(headers) = config.security_headers.layer() {
        app = app.wrap(headers);
    }
    if let Some(filter) = config.ip_filter.layer() {
        app = app.wrap(filter);
    }
    // Validated with the configuration: an invalid key never gets here.
    if let Ok(Some(limit)) = config.rate_limit.layer() {
        app = app.wrap(limit);
    }
    if let Some(cors) = config.cors() {
        app = app.wrap(cors);
    }
    if let Some(compression) = config.compression.layer() {
        app = app.wrap(compression);
    }
    // Innermost: the limits, filters and logs above apply to hits too, and CORS and
    // compression fit each answer to its request.
    if let Ok(Some(cache)) = config.cache.layer() {
        app = app.wrap(cache.metrics(metrics));
    }
    app
}

/// The `[[proxy]]` tables, each as routes for its prefix and every path under it.
fn proxies(mut app: App, config: &Config, metrics: &Metrics) -> App {
    for table in &config.proxy {
        // Validated with the configuration: a table that would not build never gets here.
        let Ok(proxy) = table.reverse_proxy() else {
            continue;
        };
        let proxy = proxy.metrics(metrics);
        let prefix = table.path.trim_end_matches('/');
        app = app
            .any(if prefix.is_empty() { "/" } else { prefix }, proxy.clone())
            .any(&format!("{prefix}/*rest"), proxy);
    }
    app
}

async fn ready(State(ready): State<Readiness>) -> (StatusCode, &'static str) {
    if ready.is_ready() {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
    }
}

/// The welcome page, listing the paths this configuration serves.
fn welcome_page(config: &Config) -> String {
    let e = &config.endpoints;
    let rows = [
        ("/", "this page"),
        (
            e.health.as_str(),
            "<code>200 ok</code> while the process runs",
        ),
        (
            e.ready.as_str(),
            "<code>200</code> while ready for traffic, <code>503</code> once shutdown starts",
        ),
        (
            e.metrics.as_str(),
            "Prometheus metrics: requests per route, latency, connections, bytes, uptime",
        ),
    ];
    let mut table = String::new();
    for (path, what) in rows.iter().filter(|(path, _)| !path.is_empty()) {
        let path = escape(path);
        let _ = writeln!(
            table,
            "<tr><td><a href=\"{path}\">{path}</a></td><td>{what}</td></tr>"
        );
    }
    WELCOME
        .replace("__VERSION__", env!("CARGO_PKG_VERSION"))
        .replace("__ROUTES__", table.trim_end())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
