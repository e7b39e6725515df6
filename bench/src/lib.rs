//! Shared inputs of the rws benchmarks: the route table, the payloads, the runtime settings.

pub mod github;

use serde::{Deserialize, Serialize};

/// The `/json` response body.
#[derive(Debug, Serialize)]
pub struct Message {
    /// Always "Hello, World!".
    pub message: &'static str,
}

/// The `/echo` request and response body: a list of items (~16 KiB as sent by the driver).
#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    /// The order's lines.
    pub items: Vec<Item>,
}

/// One line of an [`Order`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Item {
    /// Item id.
    pub id: u64,
    /// Item name.
    pub name: String,
    /// Price in cents.
    pub price: u64,
    /// Tags.
    pub tags: Vec<String>,
}

/// The plaintext body.
pub const HELLO: &str = "Hello, World!";

/// The address to listen on: `RWS_CONFIG_ADDRESS`:`RWS_CONFIG_PORT` (default 127.0.0.1:7878).
pub fn address() -> String {
    let host = std::env::var("RWS_CONFIG_ADDRESS").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("RWS_CONFIG_PORT").unwrap_or_else(|_| "7878".into());
    format!("{host}:{port}")
}

/// `BENCH_TLS_CERT` and `BENCH_TLS_KEY`: PEM files to serve HTTPS with (bench/https.sh).
pub fn tls_files() -> Option<(String, String)> {
    Some((
        std::env::var("BENCH_TLS_CERT").ok()?,
        std::env::var("BENCH_TLS_KEY").ok()?,
    ))
}

/// Whether `BENCH_IDENTITY=1` asks for the session and JWT routes (bench/identity.sh).
pub fn identity() -> bool {
    std::env::var("BENCH_IDENTITY").is_ok_and(|v| v == "1")
}

/// The HS256 secret both servers sign and verify bench tokens with.
pub const JWT_SECRET: &[u8] = b"the rws bench secret, 32 bytes or more";

/// The claims of a bench token.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The user.
    pub sub: String,
    /// Expiry: far in the future.
    pub exp: u64,
}

impl TokenClaims {
    /// Claims for `ada`, valid for a day.
    pub fn ada() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        TokenClaims {
            sub: "ada".into(),
            exp: now + 86_400,
        }
    }
}

/// `BENCH_OBSERVE`: `metrics` for the per-route metrics layer, `otel` for `OtelLayer`
/// exporting as the `OTEL_*` variables say (bench/observability.sh).
pub fn observe() -> String {
    std::env::var("BENCH_OBSERVE").unwrap_or_default()
}

/// Whether `BENCH_CACHE=1` asks for `/page` and the same handler behind a `CacheLayer` at
/// `/cached/page` (bench/cache.sh).
pub fn cache() -> bool {
    std::env::var("BENCH_CACHE").is_ok_and(|v| v == "1")
}

/// A page of 50 list items, about 2 KiB: a handler with some work in it, the same for every
/// server that renders it.
pub fn page() -> String {
    use std::fmt::Write as _;
    let mut html = String::with_capacity(2560);
    html.push_str("<!doctype html><title>Items</title><ul>");
    for i in 0..50 {
        let _ = write!(
            html,
            "<li id=\"item-{i}\">Item number {i}, priced {}.{:02}</li>",
            i * 3,
            i % 100
        );
    }
    html.push_str("</ul>");
    html
}

/// Whether `BENCH_LAYERS=1` asks for the traffic layers (compression, request id, rate limit).
pub fn layers() -> bool {
    std::env::var("BENCH_LAYERS").is_ok_and(|v| v == "1")
}

/// The same tokio runtime for every server: multi-thread with `BENCH_WORKERS` workers (default
/// 1, the server pinned to one core).
pub fn runtime() -> tokio::runtime::Runtime {
    let workers = std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(1);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The body limit of the `/upload` route of each server (bench/upload.sh): 1 GiB.
pub const UPLOAD_LIMIT: usize = 1 << 30;

/// The GitHub table's patterns in a server's syntax, without the benchmarked two-param route,
/// whose handler each server registers itself.
pub fn filler_routes() -> impl Iterator<Item = &'static str> {
    github::ROUTES.iter().copied()
}
