//! The `rws` server's configuration: one typed [`Config`], layered from defaults, a
//! `rws.config.toml` file, `RWS_CONFIG_*` environment variables and command-line flags (each
//! overriding the one before), with the origin of every value kept for error messages and
//! `rws --print-config`.
//!
//! ```
//! use rws::config::{Config, Loader};
//!
//! let loaded = Loader::new()
//!     .file_text("rws.config.toml", "port = 8080\n[files]\nlisting = true\n")
//!     .env([("RWS_CONFIG_PORT", "9090")])
//!     .load()
//!     .unwrap();
//! assert_eq!(loaded.config.port, 9090); // the environment overrides the file
//! assert!(loaded.config.files.listing);
//! assert_eq!(loaded.origin("port").to_string(), "environment variable RWS_CONFIG_PORT");
//!
//! let err = Loader::new().file_text("rws.config.toml", "port = \"eighty\"\n").load().unwrap_err();
//! assert!(err.to_string().contains("rws.config.toml:1: `port`"));
//! ```

mod acme;
mod keys;
mod loader;
mod proxy;
mod traffic;
mod validate;
mod values;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use acme::{AcmeChallenge, AcmeConfig};
pub use keys::{KEYS, Key, Kind};
pub use loader::{ConfigError, Loaded, Loader, Origin};
pub use proxy::ProxyConfig;
pub use traffic::{
    CacheConfig, CompressionConfig, IpFilterConfig, RateLimitConfig, SecurityHeadersConfig,
};
pub use values::{ByteSize, HumanDuration};

pub use crate::middleware::AccessLogFormat;
use crate::middleware::CorsLayer;
use crate::server::Limits;

/// The effective configuration of an `rws` server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// The IP address to listen on.
    pub address: IpAddr,
    /// The port to listen on (0: any free port).
    pub port: u16,
    /// The folder to serve; none serves the embedded welcome page.
    pub root: Option<PathBuf>,
    /// Worker threads of the runtime (default: one per core).
    pub workers: Option<usize>,
    /// A plain-HTTP port that redirects to HTTPS (needs TLS).
    pub redirect_port: Option<u16>,
    /// Proxies whose forwarding header is believed.
    pub trusted_proxies: Vec<String>,
    /// The header those proxies write: `x-forwarded-for`, `forwarded` or `x-real-ip`.
    pub forwarded_header: String,
    /// Give every request an id (`X-Request-Id`).
    pub request_id: bool,
    /// Response compression.
    pub compression: CompressionConfig,
    /// A rate limit for every request.
    pub rate_limit: RateLimitConfig,
    /// Addresses let in or kept out.
    pub ip_filter: IpFilterConfig,
    /// Security headers.
    pub security_headers: SecurityHeadersConfig,
    /// The response cache.
    pub cache: CacheConfig,
    /// TLS certificate and key.
    pub tls: TlsConfig,
    /// Certificates obtained and renewed from an ACME CA.
    pub acme: AcmeConfig,
    /// Static file serving.
    pub files: FilesConfig,
    /// Cross-origin resource sharing.
    pub cors: CorsConfig,
    /// Size and count limits.
    pub limits: LimitsConfig,
    /// Timeouts.
    pub timeouts: TimeoutsConfig,
    /// The built-in endpoints' paths.
    pub endpoints: EndpointsConfig,
    /// Logging.
    pub log: LogConfig,
    /// OpenTelemetry tracing.
    pub telemetry: TelemetryConfig,
    /// `[[proxy]]` tables: path prefixes served by upstreams.
    pub proxy: Vec<ProxyConfig>,
    /// The MCP endpoint: the root's files as resources for AI agents.
    pub mcp: McpConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 7878,
            root: None,
            workers: None,
            redirect_port: None,
            trusted_proxies: Vec::new(),
            forwarded_header: "x-forwarded-for".to_owned(),
            request_id: true,
            compression: CompressionConfig::default(),
            rate_limit: RateLimitConfig::default(),
            ip_filter: IpFilterConfig::default(),
            security_headers: SecurityHeadersConfig::default(),
            cache: CacheConfig::default(),
            tls: TlsConfig::default(),
            acme: AcmeConfig::default(),
            files: FilesConfig::default(),
            cors: CorsConfig::default(),
            limits: LimitsConfig::default(),
            timeouts: TimeoutsConfig::default(),
            endpoints: EndpointsConfig::default(),
            telemetry: TelemetryConfig::default(),
            log: LogConfig::default(),
            proxy: Vec::new(),
            mcp: McpConfig::default(),
        }
    }
}

impl Config {
    /// `address:port`.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.port)
    }

    /// The server limits and timeouts this configuration sets.
    pub fn server_limits(&self) -> Limits {
        let l = &self.limits;
        let t = &self.timeouts;
        Limits {
            max_header_size: usize::try_from(l.header_size.0).unwrap_or(usize::MAX),
            max_headers: l.headers,
            max_connections: l.connections,
            http2_max_concurrent_streams: l.http2_streams,
            header_read_timeout: t.header_read.0,
            keep_alive_timeout: t.keep_alive.0,
            request_timeout: Some(t.request.0).filter(|d| !d.is_zero()),
            send_timeout: t.send.0,
            grace_period: t.grace_period.0,
            ..Limits::default()
        }
    }

    /// The request body limit, in bytes.
    pub fn body_limit(&self) -> usize {
        usize::try_from(self.limits.body.0).unwrap_or(usize::MAX)
    }

    /// The CORS middleware `[cors]` describes, if it allows any origin. A configuration that
    /// was not checked by [`Loader::load`] and has an invalid origin, header name, or
    /// credentials with `*` gives a layer that `App::build` refuses, naming the value.
    pub fn cors(&self) -> Option<CorsLayer> {
        let c = &self.cors;
        if c.origins.is_empty() {
            return None;
        }
        let mut cors = CorsLayer::new();
        for origin in &c.origins {
            cors = cors.allow_origin(origin);
        }
        if !c.methods.is_empty() {
            cors = cors.allow_methods(c.methods.iter().filter_map(|m| m.parse().ok()));
        }
        cors = if c.headers.iter().any(|h| h == "*") {
            cors.allow_any_header()
        } else {
            cors.allow_headers(c.headers.iter().map(String::as_str))
        };
        cors = cors
            .expose_headers(c.expose_headers.iter().map(String::as_str))
            .allow_credentials(c.credentials);
        if let Some(max_age) = c.max_age {
            cors = cors.max_age(max_age.0);
        }
        Some(cors)
    }

    /// The [`ServeDir`](crate::fs::ServeDir) for `root` with the `[files]` options, if a root
    /// is set.
    #[cfg(feature = "fs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
    pub fn serve_dir(&self) -> Option<crate::fs::ServeDir> {
        let f = &self.files;
        let mut dir = crate::fs::ServeDir::new(self.root.as_ref()?)
            .index_file(Some(f.index.as_str()).filter(|i| !i.is_empty()))
            .listing(f.listing)
            .precompressed(f.precompressed)
            .dotfiles(f.dotfiles);
        if let Some(cache_control) = &f.cache_control {
            dir = dir.cache_control(cache_control);
        }
        if let Some(fallback) = &f.spa_fallback {
            dir = dir.spa_fallback(fallback);
        }
        Some(dir)
    }
}

/// `[tls]`: certificate and key, PEM files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TlsConfig {
    /// The certificate chain.
    pub cert: Option<PathBuf>,
    /// The private key.
    pub key: Option<PathBuf>,
    /// Hosts the HTTPS redirect may point at (empty: the names the certificate covers).
    pub redirect_hosts: Vec<String>,
    /// Redirect GET and HEAD with 301 instead of 308.
    pub redirect_301: bool,
    /// Also serve HTTP/3 (QUIC, UDP) on the HTTPS port, advertised with `Alt-Svc`.
    pub http3: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            cert: None,
            key: None,
            redirect_hosts: Vec::new(),
            redirect_301: false,
            http3: true,
        }
    }
}

/// `[files]`: how the root folder is served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct FilesConfig {
    /// A directory's index file (empty: none).
    pub index: String,
    /// HTML listings of directories without an index.
    pub listing: bool,
    /// Serve `.br`, `.zst`, `.gz` siblings to clients accepting them.
    pub precompressed: bool,
    /// The `Cache-Control` header of file responses.
    pub cache_control: Option<String>,
    /// A file (relative to the root) served for paths naming no file: single-page apps.
    pub spa_fallback: Option<PathBuf>,
    /// Serve names starting with a dot (`.env`, `.git/config`); `.well-known` always is.
    pub dotfiles: bool,
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig {
            index: "index.html".to_owned(),
            listing: false,
            precompressed: true,
            cache_control: None,
            spa_fallback: None,
            dotfiles: false,
        }
    }
}

/// `[cors]`: cross-origin requests (off while `origins` is empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct CorsConfig {
    /// Allowed origins: exact (`https://app.example`), `*`, or a wildcard subdomain
    /// (`https://*.example.com`).
    pub origins: Vec<String>,
    /// Allowed methods (default GET, HEAD, POST).
    pub methods: Vec<String>,
    /// Allowed request headers (default: the simple ones only).
    pub headers: Vec<String>,
    /// Response headers the browser may show to scripts.
    pub expose_headers: Vec<String>,
    /// Allow credentials (cookies); never together with `*`.
    pub credentials: bool,
    /// How long browsers may cache a preflight answer.
    pub max_age: Option<HumanDuration>,
}

/// `[limits]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct LimitsConfig {
    /// The largest request body (413 past it).
    pub body: ByteSize,
    /// The largest request head (431 past it).
    pub header_size: ByteSize,
    /// The most request headers (431 past it).
    pub headers: usize,
    /// The most connections served at once.
    pub connections: usize,
    /// The most concurrent HTTP/2 streams per connection.
    pub http2_streams: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let d = Limits::default();
        LimitsConfig {
            body: ByteSize(crate::DEFAULT_BODY_LIMIT as u64),
            header_size: ByteSize(d.max_header_size as u64),
            headers: d.max_headers,
            connections: d.max_connections,
            http2_streams: d.http2_max_concurrent_streams,
        }
    }
}

/// `[timeouts]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TimeoutsConfig {
    /// How long a client may take to send a request head.
    pub header_read: HumanDuration,
    /// How long an idle keep-alive connection stays open.
    pub keep_alive: HumanDuration,
    /// How long a request may take until its response starts (0: no limit).
    pub request: HumanDuration,
    /// How long sending a response may make no progress before the connection closes (0: no
    /// limit).
    pub send: HumanDuration,
    /// How long shutdown waits for in-flight requests.
    pub grace_period: HumanDuration,
}

impl Default for TimeoutsConfig {
    fn default() -> Self {
        let d = Limits::default();
        TimeoutsConfig {
            header_read: HumanDuration(d.header_read_timeout),
            keep_alive: HumanDuration(d.keep_alive_timeout),
            request: HumanDuration(d.request_timeout.unwrap_or(Duration::ZERO)),
            send: HumanDuration(d.send_timeout),
            grace_period: HumanDuration(d.grace_period),
        }
    }
}

/// `[endpoints]`: the built-in endpoints' paths (an empty path disables one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct EndpointsConfig {
    /// Liveness: 200 while the process runs.
    pub health: String,
    /// Readiness: 503 while starting or shutting down.
    pub ready: String,
    /// Prometheus metrics.
    pub metrics: String,
    /// Who may read the metrics: addresses or CIDR ranges (empty: anyone who reaches it).
    pub metrics_allow: Vec<String>,
    /// Serve the metrics on their own address (`127.0.0.1:9100`, say) instead of the main port.
    pub metrics_address: Option<std::net::SocketAddr>,
}

impl Default for EndpointsConfig {
    fn default() -> Self {
        EndpointsConfig {
            health: "/healthz".to_owned(),
            ready: "/readyz".to_owned(),
            metrics: "/metrics".to_owned(),
            metrics_allow: Vec::new(),
            metrics_address: None,
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct LogConfig {
    /// The diagnostic log's level or filter (`info`, `warn,rws=debug`); `RUST_LOG` wins.
    pub level: String,
    /// The access log's format, one line per request on standard output.
    pub access: AccessLogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".to_owned(),
            access: AccessLogFormat::Common,
        }
    }
}

/// `[mcp]`: an MCP endpoint (Streamable HTTP) offering the files under `root` as `file:///…`
/// resources, for AI agents and tool-callers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct McpConfig {
    /// Whether the endpoint is served.
    pub enabled: bool,
    /// Where (`/mcp`).
    pub path: String,
    /// The names it answers to in `Host` and `Origin` besides loopback (`example.com`), for a
    /// deployment reached by name.
    pub allowed_hosts: Vec<String>,
}

impl Default for McpConfig {
    fn default() -> Self {
        McpConfig {
            enabled: false,
            path: "/mcp".to_owned(),
            allowed_hosts: Vec::new(),
        }
    }
}

/// `[telemetry]`: OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is set here or
/// in `OTEL_EXPORTER_OTLP_ENDPOINT` (the standard `OTEL_*` variables win over these keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct TelemetryConfig {
    /// The collector's base URL (`http://127.0.0.1:4318`); empty: export only if the variable
    /// says where.
    pub endpoint: String,
    /// The exported spans' `service.name`.
    pub service_name: String,
    /// Paths left untraced (every route is traced, the built-in endpoints included, unless
    /// listed here).
    pub exclude: Vec<String>,
    /// A response header echoing the trace id (`x-trace-id`); empty: none.
    pub trace_id_header: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            endpoint: String::new(),
            service_name: "rws".to_owned(),
            exclude: Vec::new(),
            trace_id_header: String::new(),
        }
    }
}
