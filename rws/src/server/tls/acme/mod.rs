//! Certificates from an ACME CA (RFC 8555): obtained at start when none is cached, renewed
//! before they expire, swapped into the TLS resolver with no downtime (open connections keep
//! the certificate they shook hands with).
//!
//! Made by [`Tls::acme`](super::Tls::acme) from an [`AcmeConfig`]; the `rws` binary does it
//! for `--acme-domain` or `[acme]`. The account is created once and kept in the cache folder
//! with the certificates (owner-only files). The CA checks the domains by **tls-alpn-01**
//! (RFC 8737, on the HTTPS port: `acme-tls/1` is offered only while a challenge is open) or
//! **http-01** (on the plain-HTTP port: wrap its app, the HTTPS redirect say, in
//! [`Http01Layer`]).
//!
//! Failures keep the current certificate in service and retry with exponential backoff and
//! jitter (one hour at least after the CA says `rateLimited`), logging the CA's problem
//! document. Every exchange with the CA has a deadline.

mod cert;
mod client;
mod http01;
mod issue;
mod renew;
mod store;

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

pub use crate::config::{AcmeChallenge, AcmeConfig};
pub use http01::Http01Layer;

use super::{Certificates, TlsError};
use cert::Issued;
use store::Store;

/// The manager of one set of domains; cheap to clone (clones share it).
#[derive(Clone)]
pub(crate) struct Acme {
    shared: Arc<Shared>,
}

impl fmt::Debug for Acme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acme")
            .field("domains", &self.shared.config.domains)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    config: AcmeConfig,
    directory_url: String,
    certificates: Certificates,
    store: Store,
    /// Made once, at start: the roots of `ca_root` are read and checked there.
    client: client::CaClient,
    state: Mutex<State>,
    started: AtomicBool,
    #[cfg(feature = "metrics")]
    metrics: renew::Series,
}

#[derive(Default)]
struct State {
    current: Option<Issued>,
    /// When the CA's renewal information (ARI) says to renew, if it said.
    suggested: Option<SystemTime>,
    last_success: Option<SystemTime>,
    last_error: Option<String>,
    next_attempt: Option<SystemTime>,
}

/// What the manager knows now: for the launch line, a status page, a test.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AcmeStatus {
    /// The managed domains.
    pub domains: Vec<String>,
    /// The directory URL of the CA.
    pub directory: String,
    /// The folder the certificate and its key are kept in.
    pub cache: PathBuf,
    /// When the certificate served now expires (none yet: handshakes fail until one is issued).
    pub expires: Option<SystemTime>,
    /// Its serial number (hex).
    pub serial: Option<String>,
    /// When the last certificate was obtained, by this process.
    pub last_success: Option<SystemTime>,
    /// Why the last attempt failed, if it did (the CA's problem document when it sent one).
    pub last_error: Option<String>,
    /// When the next attempt is due.
    pub next_attempt: Option<SystemTime>,
}

/// Why an attempt failed, and what the CA said about retrying.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    rate_limited: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            rate_limited: false,
            retry_after: None,
        }
    }
}

impl From<instant_acme::Error> for Failure {
    fn from(e: instant_acme::Error) -> Failure {
        match e {
            instant_acme::Error::Api(problem) => Failure {
                rate_limited: problem.r#type.as_deref()
                    == Some("urn:ietf:params:acme:error:rateLimited"),
                message: format!("the CA refused: {problem}"),
                retry_after: None,
            },
            instant_acme::Error::Timeout(Some(at)) => Failure {
                message: "the CA did not finish in time".into(),
                rate_limited: false,
                retry_after: Some(at.saturating_duration_since(std::time::Instant::now())),
            },
            other => Failure::new(other.to_string()),
        }
    }
}

impl Acme {
    /// Checks `config`, and loads a cached certificate that still serves.
    pub(crate) fn new(config: AcmeConfig, certificates: &Certificates) -> Result<Acme, TlsError> {
        let mut problems: Vec<String> = config
            .problems()
            .into_iter()
            .map(|(key, why)| format!("`acme.{key}`: {why}"))
            .collect();
        if config.domains.is_empty() {
            problems.push("`acme.domains`: name at least one domain".into());
        }
        let client = client::CaClient::new(config.ca_root.as_deref())
            .map_err(|why| problems.push(format!("`acme.ca_root`: {why}")));
        let directory_url = config.directory_url().unwrap_or_default().to_owned();
        let (Ok(client), true) = (client, problems.is_empty()) else {
            return Err(TlsError(problems.join("; ")));
        };
        let store = Store::new(&config.cache, &directory_url, &config.domains[0]);
        let mut state = State::default();
        if let Some(pem) = store.certificate() {
            match Issued::from_pem(&pem) {
                Ok(issued) if issued.serves(&config.domains, SystemTime::now()) => {
                    certificates.set_default(Arc::clone(&issued.key));
                    state.current = Some(issued);
                }
                Ok(_) => tracing::info!(
                    cache = %store.certificate_dir().display(),
                    "the cached certificate has expired or lacks a domain: obtaining a new one"
                ),
                Err(e) => tracing::warn!(
                    cache = %store.certificate_dir().display(),
                    "the cached certificate is unusable ({e}): obtaining a new one"
                ),
            }
        }
        let shared = Shared {
            #[cfg(feature = "metrics")]
            metrics: renew::Series::new(state.current.as_ref()),
            config,
            directory_url,
            certificates: certificates.clone(),
            store,
            client,
            state: Mutex::new(state),
            started: AtomicBool::new(false),
        };
        Ok(Acme {
            shared: Arc::new(shared),
        })
    }

    /// Starts obtaining and renewing in the background, once.
    pub(crate) fn start(&self) {
        if !self.shared.started.swap(true, Ordering::AcqRel) {
            tokio::spawn(renew::run(Arc::clone(&self.shared)));
        }
    }

    pub(crate) fn status(&self) -> AcmeStatus {
        let shared = &self.shared;
        let state = shared.lock();
        AcmeStatus {
            domains: shared.config.domains.clone(),
            directory: shared.directory_url.clone(),
            cache: shared.store.certificate_dir().to_path_buf(),
            expires: state.current.as_ref().map(|c| c.not_after),
            serial: state.current.as_ref().map(|c| c.serial.clone()),
            last_success: state.last_success,
            last_error: state.last_error.clone(),
            next_attempt: state.next_attempt,
        }
    }

    #[cfg(feature = "metrics")]
    pub(crate) fn report_to(&self, metrics: &crate::metrics::Metrics) {
        self.shared
            .metrics
            .register(metrics, &self.shared.config.domains[0]);
    }
}
