//! The `rws` server binary: `cargo run --release` serves the embedded welcome page on
//! 127.0.0.1:7878; `rws --root ./public` serves a folder. `rws --help` lists every setting.
//!
//! Exit codes: 0 stopped cleanly, 1 could not serve (the port is taken, say), 2 bad
//! configuration or flags.

mod cli;
mod reload;
mod site;

use std::process::ExitCode;

use clap::Parser;
use rws::config::{Config, Loaded, Loader};
use rws::metrics::Metrics;
use rws::server::tls::Tls;
use rws::server::{Readiness, Server};

/// The configuration from the file, the environment and the flags, in that order: at start,
/// and again on every reload.
pub(crate) fn load(cli: &cli::Cli) -> Result<Loaded, Vec<String>> {
    let loader = match (&cli.config, std::env::var_os("RWS_CONFIG_FILE")) {
        (Some(path), _) => Loader::new().file(path),
        (None, Some(path)) => Loader::new().file(path),
        (None, None) => Loader::new().file_if_exists("rws.config.toml"),
    };
    // Variables that are not UTF-8 cannot be settings; skipping them beats std's panic.
    let env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    cli.apply(loader.env(env))
        .load()
        .map_err(|e| e.problems().to_vec())
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let loaded = match load(&cli) {
        Ok(loaded) => loaded,
        Err(problems) => return refuse(&problems),
    };
    if cli.print_config {
        print!("{}", loaded.describe());
        return ExitCode::SUCCESS;
    }
    // Certificates are read now, so that a bad file is refused like any bad setting.
    let tls = match (&loaded.config.tls.cert, &loaded.config.tls.key) {
        (Some(cert), Some(key)) => match Tls::from_pem_files(cert, key) {
            Ok(tls) => Some(tls),
            Err(e) => return refuse(&[format!("{}: `tls.cert`: {e}", loaded.origin("tls.cert"))]),
        },
        _ if loaded.config.acme.enabled() => match Tls::acme(loaded.config.acme.clone()) {
            Ok(tls) => Some(tls),
            // The loader has checked every `[acme]` value but the roots' contents, read here.
            Err(e) => return refuse(&[format!("{}: {e}", loaded.origin("acme.ca_root"))]),
        },
        _ => None,
    };
    if cli.check_config {
        println!("rws: the configuration is valid");
        return ExitCode::SUCCESS;
    }

    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(workers) = loaded.config.workers {
        runtime.worker_threads(workers);
    }
    match runtime.build() {
        Ok(runtime) => runtime.block_on(traced(cli, loaded.config, tls)),
        Err(e) => {
            eprintln!("rws: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the OpenTelemetry export when an endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`
/// or `telemetry.endpoint`) and logging with its bridge, serves, then flushes the export.
async fn traced(cli: cli::Cli, config: Config, tls: Option<Tls>) -> ExitCode {
    let telemetry = match telemetry(&config.telemetry) {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("rws: {e}");
            return ExitCode::from(2);
        }
    };
    let bridge = telemetry.as_ref().map(rws::otel::Telemetry::tracing_layer);
    rws::logging::init_with_layer(&config.log.level, bridge);
    let code = run(cli, config, tls, telemetry.as_ref()).await;
    if let Some(telemetry) = telemetry {
        telemetry.shutdown().await;
    }
    code
}

fn telemetry(
    config: &rws::config::TelemetryConfig,
) -> Result<Option<rws::otel::Telemetry>, rws::otel::TelemetryError> {
    // The OTEL_* variables win over both keys.
    rws::otel::Telemetry::builder()
        .endpoint(&config.endpoint)
        .service_name(&config.service_name)
        .build_if_endpoint()
}

async fn run(
    cli: cli::Cli,
    config: Config,
    tls: Option<Tls>,
    telemetry: Option<&rws::otel::Telemetry>,
) -> ExitCode {
    let addr = config.socket_addr();
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("rws: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let readiness = Readiness::new();
    let metrics = Metrics::new();
    let tracing_layer = telemetry.map(rws::otel::Telemetry::layer);
    let app = site::app(&config, readiness.clone(), &metrics, tracing_layer.as_ref());
    let local = listener
        .local_addr()
        .map_or_else(|_| addr.to_string(), |a| a.to_string());
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "rws {} listening on {scheme}://{local}",
        env!("CARGO_PKG_VERSION")
    );
    match &config.root {
        Some(root) => println!("  serving the folder {}", root.display()),
        None => println!("  serving the welcome page"),
    }
    for route in app.routes() {
        println!("  {} {}", route.method, route.pattern);
    }
    let tls = tls.map(|tls| tls.acme_metrics(&metrics));
    if let Some(status) = tls.as_ref().and_then(Tls::acme_status) {
        println!("{}", acme_line(&status, &config));
    }
    if let Some(metrics_addr) = config.endpoints.metrics_address
        && !config.endpoints.metrics.is_empty()
        && let Err(code) = serve_metrics(&config, metrics_addr, &metrics).await
    {
        return code;
    }
    let reloader = reload::Reloader::new(reload::Parts {
        cli,
        config: config.clone(),
        readiness: readiness.clone(),
        metrics: metrics.clone(),
        tracing_layer,
        certificates: tls.as_ref().map(Tls::certificates),
    });
    let server = Server::new(app)
        .limits(config.server_limits())
        .readiness(readiness)
        .metrics(metrics)
        .on_reload(move || {
            let reloader = reloader.clone();
            async move { reloader.reload() }
        });
    let served = match tls {
        Some(tls) => {
            if let Some(port) = config.redirect_port
                && let Err(code) = redirect(&config, &tls, port, local_port(&listener)).await
            {
                return code;
            }
            let server = if config.tls.http3 {
                match http3(&tls, &listener) {
                    Ok(server_http3) => server.http3(server_http3),
                    Err(code) => return code,
                }
            } else {
                server
            };
            server.serve(tls.bind(listener)).await
        }
        None => server.serve(listener).await,
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rws: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Binds HTTP/3 on the UDP port of the HTTPS listener.
fn http3(
    tls: &Tls,
    listener: &tokio::net::TcpListener,
) -> Result<rws::server::http3::Http3Listener, ExitCode> {
    let addr = listener.local_addr().map_err(|e| {
        eprintln!("rws: {e}");
        ExitCode::FAILURE
    })?;
    let quic = tls.bind_http3(addr).map_err(|e| {
        eprintln!("rws: cannot listen on {addr}/udp (tls.http3): {e}");
        ExitCode::FAILURE
    })?;
    println!("  HTTP/3 on udp/{}", addr.port());
    Ok(quic)
}

/// The launch line of ACME: what is managed, from where, kept where, valid until when.
fn acme_line(status: &rws::server::tls::acme::AcmeStatus, config: &Config) -> String {
    let current = match (status.expires, &status.serial) {
        (Some(expires), Some(serial)) => format!(
            "serving the cached certificate {serial}, expires {}",
            httpdate::fmt_http_date(expires)
        ),
        _ => "no certificate yet: obtaining one (handshakes fail until then)".to_owned(),
    };
    format!(
        "  ACME certificates for {} from {} ({}), cache {}; {current}",
        status.domains.join(", "),
        status.directory,
        config.acme.challenge.as_str(),
        status.cache.display(),
    )
}

fn local_port(listener: &tokio::net::TcpListener) -> u16 {
    listener.local_addr().map_or(0, |a| a.port())
}

/// Serves the metrics alone on `addr` (`endpoints.metrics_address`), in the background.
async fn serve_metrics(
    config: &Config,
    addr: std::net::SocketAddr,
    metrics: &Metrics,
) -> Result<(), ExitCode> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        eprintln!("rws: cannot listen on {addr} (endpoints.metrics_address): {e}");
        ExitCode::FAILURE
    })?;
    let local = listener
        .local_addr()
        .map_or_else(|_| addr.to_string(), |a| a.to_string());
    println!("  metrics on http://{local}{}", config.endpoints.metrics);
    let app = site::metrics_route(rws::App::empty(), config, metrics);
    let server = Server::new(app).limits(config.server_limits());
    tokio::spawn(async move {
        if let Err(e) = server.serve(listener).await {
            eprintln!("rws: the metrics listener stopped: {e}");
        }
    });
    Ok(())
}

/// Serves the plain-HTTP redirect to HTTPS on `port`, in the background, until shutdown.
async fn redirect(config: &Config, tls: &Tls, port: u16, https_port: u16) -> Result<(), ExitCode> {
    let addr = std::net::SocketAddr::new(config.address, port);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        eprintln!("rws: cannot listen on {addr} (redirect_port): {e}");
        ExitCode::FAILURE
    })?;
    println!(
        "  redirecting http://{} to https",
        listener
            .local_addr()
            .map_or_else(|_| addr.to_string(), |a| a.to_string())
    );
    let hosts: Vec<&str> = config
        .tls
        .redirect_hosts
        .iter()
        .map(String::as_str)
        .collect();
    // Without configured names, only those the certificate covers: never an open redirect.
    let permanent = config.tls.redirect_301;
    let app = if hosts.is_empty() {
        rws::server::tls::redirect_to_https_for(tls.certificates(), https_port, permanent)
    } else {
        rws::server::tls::redirect_to_https(https_port, &hosts, permanent)
    };
    // The CA's http-01 requests are answered before the redirect.
    let app = if config.acme.enabled() {
        app.wrap(rws::server::tls::acme::Http01Layer::new(tls.certificates()))
    } else {
        app
    };
    let server = Server::new(app).limits(config.server_limits());
    tokio::spawn(async move {
        if let Err(e) = server.serve(listener).await {
            eprintln!("rws: the HTTPS redirect stopped: {e}");
        }
    });
    Ok(())
}

fn refuse(problems: &[String]) -> ExitCode {
    eprintln!("rws: invalid configuration:");
    for problem in problems {
        eprintln!("  {problem}");
    }
    ExitCode::from(2)
}
