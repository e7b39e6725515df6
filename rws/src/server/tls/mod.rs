//! HTTPS: rustls (with the `ring` provider) in front of the same server loop.
//!
//! ALPN offers `h2` and `http/1.1`; TLS 1.2 and 1.3 only; SNI picks among several
//! certificates; the certificates can be replaced while serving (new handshakes see the new
//! ones, open connections keep theirs).
//!
//! ```no_run
//! use rws::prelude::*;
//! use rws::server::{Server, tls::Tls};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tls = Tls::from_pem_files("cert.pem", "key.pem")?
//!     .with_sni("api.example.com", "api-cert.pem", "api-key.pem")?;
//! let certificates = tls.certificates(); // keep it to swap certificates later
//! let listener = tls.bind(tokio::net::TcpListener::bind("0.0.0.0:8443").await?);
//! Server::new(App::new()).serve(listener).await?;
//! # let _ = certificates;
//! # Ok(()) }
//! ```

#[cfg(feature = "acme")]
#[cfg_attr(docsrs, doc(cfg(feature = "acme")))]
pub mod acme;
mod challenges;
mod listener;
mod redirect;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{self, ServerConfig};

use challenges::{ACME_TLS_ALPN, ChallengeResolver, Challenges};
pub use listener::TlsListener;
pub use redirect::{redirect_to_https, redirect_to_https_for};

/// Why certificates could not be loaded: the file and the reason.
#[derive(Debug)]
pub struct TlsError(String);

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

/// The TLS side of a server: its certificates and settings. Turn it into a listener with
/// [`Tls::bind`].
#[derive(Debug, Clone)]
pub struct Tls {
    certificates: Certificates,
    handshake_timeout: Duration,
    #[cfg(feature = "acme")]
    acme: Option<acme::Acme>,
}

impl Tls {
    /// The certificate chain and private key (PKCS#8, PKCS#1 RSA or SEC1 EC) in PEM files; the
    /// key must belong to the chain's first certificate.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Tls, TlsError> {
        let default = load(cert.as_ref(), key.as_ref())?;
        Ok(Tls::with_default(Some(default)))
    }

    /// Certificates for `config.domains` from an ACME CA (RFC 8555), kept in `config.cache`
    /// and renewed before they expire, served through the same resolver as
    /// [`from_pem_files`](Tls::from_pem_files)' (so HTTP/3 serves them too). A valid cached
    /// certificate is served at once; otherwise handshakes fail cleanly until the first one is
    /// issued. The work starts in the background at [`bind`](Tls::bind) (or
    /// [`bind_http3`](Tls::bind_http3)); [`acme_status`](Tls::acme_status) tells how it goes.
    ///
    /// ```no_run
    /// use rws::config::AcmeConfig;
    /// use rws::server::{Server, tls::Tls};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let tls = Tls::acme(AcmeConfig::new(["example.com"]).email("admin@example.com"))?;
    /// let listener = tls.bind(tokio::net::TcpListener::bind("0.0.0.0:443").await?);
    /// Server::new(rws::App::new()).serve(listener).await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "acme")]
    #[cfg_attr(docsrs, doc(cfg(feature = "acme")))]
    pub fn acme(config: crate::config::AcmeConfig) -> Result<Tls, TlsError> {
        let mut tls = Tls::with_default(None);
        let acme = acme::Acme::new(config, &tls.certificates)?;
        tls.acme = Some(acme);
        Ok(tls)
    }

    /// The ACME manager's state, when the certificates come from ACME.
    #[cfg(feature = "acme")]
    #[cfg_attr(docsrs, doc(cfg(feature = "acme")))]
    pub fn acme_status(&self) -> Option<acme::AcmeStatus> {
        self.acme.as_ref().map(acme::Acme::status)
    }

    /// Reports the ACME manager's `rws_acme_*` series into `metrics`.
    #[cfg(all(feature = "acme", feature = "metrics"))]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "acme", feature = "metrics"))))]
    #[must_use]
    pub fn acme_metrics(self, metrics: &crate::metrics::Metrics) -> Tls {
        if let Some(acme) = &self.acme {
            acme.report_to(metrics);
        }
        self
    }

    fn with_default(default: Option<Arc<CertifiedKey>>) -> Tls {
        Tls {
            certificates: Certificates(Arc::new(Resolver {
                current: RwLock::new(Arc::new(Store {
                    default,
                    by_name: HashMap::new(),
                })),
                challenges: Arc::default(),
            })),
            handshake_timeout: Duration::from_secs(10),
            #[cfg(feature = "acme")]
            acme: None,
        }
    }

    /// Starts the ACME manager, once, when there is one.
    fn start_acme(&self) {
        #[cfg(feature = "acme")]
        if let Some(acme) = &self.acme {
            acme.start();
        }
    }

    /// Serves `cert`/`key` to clients asking for `name` by SNI (`api.example.com`, or
    /// `*.example.com` for any one label); others get the default certificate.
    pub fn with_sni(
        self,
        name: &str,
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Tls, TlsError> {
        self.certificates.replace(Some(name), cert, key)?;
        Ok(self)
    }

    /// How long a client may take to complete the handshake (default 10 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Tls {
        self.handshake_timeout = timeout;
        self
    }

    /// A handle to replace the certificates while serving.
    pub fn certificates(&self) -> Certificates {
        self.certificates.clone()
    }

    /// The rustls configuration: TLS 1.2 and 1.3, ALPN `h2` then `http/1.1`, certificates
    /// from the swappable resolver.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.rustls_config(
            &[&rustls::version::TLS13, &rustls::version::TLS12],
            vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        )
    }

    /// A rustls configuration over the same certificates for `versions` and `alpn`.
    pub(crate) fn rustls_config(
        &self,
        versions: &[&'static rustls::SupportedProtocolVersion],
        alpn: Vec<Vec<u8>>,
    ) -> Arc<ServerConfig> {
        let resolver = Arc::clone(&self.certificates.0) as Arc<dyn ResolvesServerCert>;
        config_with(resolver, versions, alpn)
    }

    /// The configuration for handshakes asking for `acme-tls/1` while a tls-alpn-01 challenge
    /// is open: that protocol alone, the challenge certificates alone.
    fn challenge_config(&self) -> Arc<ServerConfig> {
        let challenges = ChallengeResolver(Arc::clone(&self.certificates.0.challenges));
        config_with(
            Arc::new(challenges),
            &[&rustls::version::TLS13, &rustls::version::TLS12],
            vec![ACME_TLS_ALPN.to_vec()],
        )
    }

    /// Accepts HTTP/3 (QUIC) on the UDP address `addr` with the same certificates: TLS 1.3,
    /// ALPN `h3`. Give it to [`Server::http3`](crate::server::Server::http3) beside the TCP
    /// listener on the same port; TCP responses then advertise it with `Alt-Svc`.
    #[cfg(feature = "http3")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http3")))]
    pub fn bind_http3(
        &self,
        addr: std::net::SocketAddr,
    ) -> std::io::Result<super::http3::Http3Listener> {
        let config = self.rustls_config(&[&rustls::version::TLS13], vec![b"h3".to_vec()]);
        let listener = super::http3::Http3Listener::bind(addr, config, self.handshake_timeout)?;
        self.start_acme();
        Ok(listener)
    }

    /// Accepts TLS connections on `tcp`; handshakes run concurrently, off the accept loop.
    pub fn bind(self, tcp: tokio::net::TcpListener) -> TlsListener {
        self.start_acme();
        let configs = listener::Configs {
            served: self.server_config(),
            challenge: self.challenge_config(),
            challenges: Arc::clone(&self.certificates.0.challenges),
        };
        TlsListener::new(tcp, configs, self.handshake_timeout)
    }
}

/// A rustls server configuration (the ring provider) answering with `resolver`.
fn config_with(
    resolver: Arc<dyn ResolvesServerCert>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    alpn: Vec<Vec<u8>>,
) -> Arc<ServerConfig> {
    let provider = Arc::new(ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider).with_protocol_versions(versions);
    let mut config = match builder {
        Ok(builder) => builder.with_no_client_auth().with_cert_resolver(resolver),
        // The ring provider supports both versions; this cannot fail.
        Err(e) => unreachable!("the ring provider refused TLS 1.2/1.3: {e}"),
    };
    config.alpn_protocols = alpn;
    Arc::new(config)
}

/// The server's certificates, replaceable while it serves: new handshakes use the new ones,
/// open connections keep theirs. Cloning shares them.
#[derive(Debug, Clone)]
pub struct Certificates(Arc<Resolver>);

impl Certificates {
    /// Loads `cert`/`key` and makes them the certificate for `name` (SNI), or the default with
    /// `None`. On error nothing changes.
    pub fn replace(
        &self,
        name: Option<&str>,
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<(), TlsError> {
        let loaded = load(cert.as_ref(), key.as_ref())?;
        let mut current = self
            .0
            .current
            .write()
            .map_err(|_| TlsError("the certificate store is poisoned".into()))?;
        let mut next = Store::clone(&current);
        match name {
            Some(name) => {
                next.by_name.insert(name.to_ascii_lowercase(), loaded);
            }
            None => next.default = Some(loaded),
        }
        *current = Arc::new(next);
        Ok(())
    }

    /// Makes `key` the default certificate: what the ACME manager does with each new one.
    #[cfg_attr(not(feature = "acme"), allow(dead_code))]
    pub(crate) fn set_default(&self, key: Arc<CertifiedKey>) {
        if let Ok(mut current) = self.0.current.write() {
            let mut next = Store::clone(&current);
            next.default = Some(key);
            *current = Arc::new(next);
        }
    }

    /// The ACME challenges open now.
    pub(crate) fn challenges(&self) -> &Challenges {
        &self.0.challenges
    }

    /// Whether one of the certificates (the default or an SNI one) is valid for `host`, checked
    /// as a TLS client checks it (RFC 6125: exact names, one-label wildcards, IP addresses):
    /// the hosts [`redirect_to_https_for`] may redirect to.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), rws::server::tls::TlsError> {
    /// let tls = rws::server::tls::Tls::from_pem_files("cert.pem", "key.pem")?;
    /// assert!(tls.certificates().cover("example.com"));
    /// # Ok(()) }
    /// ```
    pub fn cover(&self, host: &str) -> bool {
        let Ok(name) = rustls_pki_types::ServerName::try_from(host) else {
            return false;
        };
        let Ok(store) = self.0.current.read().map(|s| Arc::clone(&s)) else {
            return false;
        };
        store
            .default
            .iter()
            .chain(store.by_name.values())
            .filter_map(|key| key.end_entity_cert().ok())
            .filter_map(|der| webpki::EndEntityCert::try_from(der).ok())
            .any(|cert| cert.verify_is_valid_for_subject_name(&name).is_ok())
    }
}

#[derive(Clone)]
struct Store {
    /// None while an ACME manager has no certificate yet: handshakes then fail.
    default: Option<Arc<CertifiedKey>>,
    by_name: HashMap<String, Arc<CertifiedKey>>,
}

struct Resolver {
    current: RwLock<Arc<Store>>,
    challenges: Arc<Challenges>,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .current
            .read()
            .map(|s| s.by_name.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("Certificates")
            .field("sni", &names)
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let store = Arc::clone(&*self.current.read().ok()?);
        let chosen = hello.server_name().and_then(|name| {
            let name = name.to_ascii_lowercase();
            store.by_name.get(&name).or_else(|| {
                let (_, parent) = name.split_once('.')?;
                store.by_name.get(&format!("*.{parent}"))
            })
        });
        chosen.or(store.default.as_ref()).cloned()
    }
}

/// The certificates of a PEM file, as roots to trust (a private CA's): for the proxy's
/// `https://` upstreams and an ACME directory.
#[cfg_attr(not(any(feature = "proxy", feature = "acme")), allow(dead_code))]
pub(crate) fn load_roots(path: &Path) -> Result<rustls::RootCertStore, String> {
    let shown = path.display();
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| format!("{shown}: {e}"))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("{shown}: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("{shown}: not a usable CA certificate: {e}"))?;
    }
    if roots.is_empty() {
        return Err(format!("{shown}: no certificate in it"));
    }
    Ok(roots)
}

/// Reads and checks a certificate chain and its key.
fn load(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(Iterator::collect)
        .map_err(|e| {
            TlsError(format!(
                "{}: cannot read the certificates: {e}",
                cert.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(TlsError(format!(
            "{}: no certificate (no `-----BEGIN CERTIFICATE-----` section)",
            cert.display()
        )));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        TlsError(format!(
            "{}: cannot read the private key: {e}",
            key.display()
        ))
    })?;
    let provider: CryptoProvider = ring::default_provider();
    CertifiedKey::from_der(chain, private, &provider)
        .map(Arc::new)
        .map_err(|e| {
            TlsError(format!(
                "{} and {}: the key does not fit the certificate: {e}",
                cert.display(),
                key.display()
            ))
        })
}
