//! The `rws` server binary: `cargo run --release` serves the embedded welcome page.
//!
//! Listens on `RWS_CONFIG_ADDRESS`:`RWS_CONFIG_PORT` (default `127.0.0.1:7878`) with the
//! default limits, until SIGINT or SIGTERM.

use std::process::ExitCode;

use rws::prelude::*;
use rws::server::{Readiness, Server};

const WELCOME: &str = include_str!("welcome.html");

fn app(readiness: Readiness) -> App {
    let welcome = WELCOME.replace("__VERSION__", env!("CARGO_PKG_VERSION"));
    App::new()
        .state(readiness)
        .get("/", move || {
            let page = welcome.clone();
            async move { Html(page) }
        })
        .get("/healthz", || async { "ok" })
        .get("/readyz", |State(ready): State<Readiness>| async move {
            if ready.is_ready() {
                (StatusCode::OK, "ready")
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, "shutting down")
            }
        })
}

/// The listen address from `RWS_CONFIG_ADDRESS` and `RWS_CONFIG_PORT`.
fn address() -> Result<std::net::SocketAddr, String> {
    let host = std::env::var("RWS_CONFIG_ADDRESS").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("RWS_CONFIG_PORT").unwrap_or_else(|_| "7878".into());
    let ip: std::net::IpAddr = host
        .parse()
        .map_err(|_| format!("RWS_CONFIG_ADDRESS: {host:?} is not an IP address"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("RWS_CONFIG_PORT: {port:?} is not a port number (0-65535)"))?;
    Ok(std::net::SocketAddr::new(ip, port))
}

#[rws::main]
async fn main() -> ExitCode {
    let addr = match address() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!("rws: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("rws: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let readiness = Readiness::new();
    let app = app(readiness.clone());
    let local = listener
        .local_addr()
        .map_or_else(|_| addr.to_string(), |a| a.to_string());
    println!(
        "rws {} listening on http://{local}",
        env!("CARGO_PKG_VERSION")
    );
    for route in app.routes() {
        println!("  {} {}", route.method, route.pattern);
    }
    match Server::new(app).readiness(readiness).serve(listener).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rws: {e}");
            ExitCode::FAILURE
        }
    }
}
