//! The ACME challenges open now, answered by the TLS listener (tls-alpn-01, RFC 8737) and the
//! plain-HTTP redirect (http-01, RFC 8555 §8.3). Empty unless an ACME order is under way.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

/// The ALPN protocol of tls-alpn-01.
pub(crate) const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// The path prefix of http-01.
pub(crate) const HTTP01_PREFIX: &str = "/.well-known/acme-challenge/";

#[derive(Debug, Default)]
pub(crate) struct Challenges {
    /// tls-alpn-01: the challenge certificate per domain (lowercase).
    alpn: RwLock<HashMap<String, Arc<CertifiedKey>>>,
    /// http-01: the key authorization per token.
    http: RwLock<HashMap<String, String>>,
}

impl Challenges {
    #[cfg_attr(not(feature = "acme"), allow(dead_code))]
    pub(crate) fn open_alpn(&self, domain: &str, key: Arc<CertifiedKey>) {
        if let Ok(mut alpn) = self.alpn.write() {
            alpn.insert(domain.to_ascii_lowercase(), key);
        }
    }

    #[cfg_attr(not(feature = "acme"), allow(dead_code))]
    pub(crate) fn open_http(&self, token: &str, key_authorization: String) {
        if let Ok(mut http) = self.http.write() {
            http.insert(token.to_owned(), key_authorization);
        }
    }

    /// Closes every challenge: the order is over, whatever its outcome.
    #[cfg_attr(not(feature = "acme"), allow(dead_code))]
    pub(crate) fn close_all(&self) {
        if let Ok(mut alpn) = self.alpn.write() {
            alpn.clear();
        }
        if let Ok(mut http) = self.http.write() {
            http.clear();
        }
    }

    /// Whether a handshake asking for `acme-tls/1` with this server name has a challenge to
    /// answer: only then is the protocol offered.
    pub(crate) fn alpn_open_for(&self, hello: &ClientHello<'_>) -> bool {
        let offers = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        offers && self.alpn_key(hello).is_some()
    }

    fn alpn_key(&self, hello: &ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name()?.to_ascii_lowercase();
        self.alpn.read().ok()?.get(&name).cloned()
    }

    /// The key authorization of an http-01 `token`.
    pub(crate) fn http_answer(&self, token: &str) -> Option<String> {
        self.http.read().ok()?.get(token).cloned()
    }
}

/// The resolver of the `acme-tls/1` configuration: the challenge certificate of the name asked
/// for, or no certificate (the handshake fails).
#[derive(Debug)]
pub(crate) struct ChallengeResolver(pub(crate) Arc<Challenges>);

impl ResolvesServerCert for ChallengeResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0.alpn_key(&hello)
    }
}
