//! The proxy's HTTP client: hyper-util's pooled client, HTTP/1.1 and HTTP/2, `https://` over
//! rustls (ring), keep-alive pools per upstream.

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio_rustls::rustls;

use crate::Body;

/// The pooled client every request of one proxy goes through.
pub(super) type Client = Pool<HttpsConnector<HttpConnector>, Body>;

/// How the client connects.
#[derive(Debug, Clone)]
pub(super) struct ClientOptions {
    pub(super) connect_timeout: Duration,
    pub(super) pool_idle_timeout: Duration,
    pub(super) max_idle_per_upstream: usize,
    /// HTTP/2 with prior knowledge to `http://` upstreams (`https://` ones choose by ALPN).
    pub(super) http2_only: bool,
    /// Roots to trust for `https://` upstreams instead of the Mozilla set (`webpki-roots`).
    pub(super) roots: Option<Arc<rustls::RootCertStore>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            pool_idle_timeout: Duration::from_secs(90),
            max_idle_per_upstream: 64,
            http2_only: false,
            roots: None,
        }
    }
}

pub(super) fn build(options: &ClientOptions) -> Result<Client, String> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(options.connect_timeout));
    http.set_keepalive(Some(Duration::from_secs(60)));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = match &options.roots {
        Some(roots) => Arc::clone(roots),
        None => Arc::new(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS for upstreams: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(Pool::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(options.pool_idle_timeout)
        .pool_max_idle_per_host(options.max_idle_per_upstream)
        .http2_only(options.http2_only)
        // A request without Host (rewritten, or to an https:// or HTTP/2 upstream) gets the
        // upstream's on HTTP/1.1; the proxy sets the client's itself where it is kept.
        .set_host(true)
        // A request the pool could not send on a connection that just closed is ours to
        // retry (or not): the budget decides, not the pool.
        .retry_canceled_requests(true)
        .build(https))
}
