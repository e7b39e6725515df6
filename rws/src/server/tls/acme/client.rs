//! The HTTPS client that talks to the CA: hyper-util's pooled client over rustls (ring), the
//! public roots plus `ca_root`, and a deadline and a size bound on every exchange (instant-acme's
//! own client has neither: a CA that stops answering would hold the manager forever).

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use instant_acme::{BodyWrapper, BytesResponse, Error, HttpClient};
use tokio_rustls::rustls;

/// How long one exchange with the CA may take, connection, request and the whole response.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response read from the CA (a directory, an order, a certificate chain are a
/// few KiB).
const MAX_RESPONSE: usize = 1 << 20;

#[derive(Clone)]
pub(super) struct CaClient {
    client: Client<HttpsConnector<HttpConnector>, BodyWrapper<Bytes>>,
}

impl CaClient {
    /// A client trusting the Mozilla roots and those in `ca_root`.
    pub(super) fn new(ca_root: Option<&Path>) -> Result<CaClient, String> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(path) = ca_root {
            roots.roots.extend(super::super::load_roots(path)?.roots);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS to the CA: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(CaClient { client })
    }
}

impl HttpClient for CaClient {
    fn request(
        &self,
        req: http::Request<BodyWrapper<Bytes>>,
    ) -> Pin<Box<dyn Future<Output = Result<BytesResponse, Error>> + Send>> {
        let sent = self.client.request(req);
        Box::pin(async move {
            let exchange = async {
                let response = sent.await.map_err(|e| Error::Other(Box::new(e)))?;
                let (parts, body) = response.into_parts();
                let body = Limited::new(body, MAX_RESPONSE)
                    .collect()
                    .await
                    .map_err(Error::Other)?
                    .to_bytes();
                Ok(BytesResponse::from(http::Response::from_parts(
                    parts,
                    Full::new(body),
                )))
            };
            match tokio::time::timeout(EXCHANGE_TIMEOUT, exchange).await {
                Ok(result) => result,
                Err(_) => Err(Error::Str("the CA did not answer within 30 s")),
            }
        })
    }
}
