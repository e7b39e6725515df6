//! Certificates as the manager handles them: a chain and its key made into what rustls serves,
//! with the dates and serial the schedule and the operator need; the tls-alpn-01 challenge
//! certificate; the CSR of an order.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{CertificateParams, CustomExtension, KeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::sign::CertifiedKey;

/// A certificate ready to serve.
#[derive(Clone)]
pub(super) struct Issued {
    pub(super) key: Arc<CertifiedKey>,
    pub(super) not_before: SystemTime,
    pub(super) not_after: SystemTime,
    /// Hex, colon-separated, as `openssl x509 -serial` shows it (without the colons there).
    pub(super) serial: String,
    /// The names it is valid for (subject alternative names).
    pub(super) names: Vec<String>,
    pub(super) chain_pem: String,
    pub(super) key_pem: String,
}

impl Issued {
    /// The chain and key as PEM, checked to belong together.
    pub(super) fn from_pem(chain_pem: &str, key_pem: &str) -> Result<Issued, String> {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(chain_pem.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("the certificate chain is not PEM: {e}"))?;
        let Some(leaf) = chain.first() else {
            return Err("the certificate chain is empty".into());
        };
        let (_, parsed) = x509_parser::parse_x509_certificate(leaf)
            .map_err(|e| format!("the certificate does not parse: {e}"))?;
        let validity = parsed.validity();
        let at = |t: i64| UNIX_EPOCH + Duration::from_secs(u64::try_from(t).unwrap_or(0));
        let not_before = at(validity.not_before.timestamp());
        let not_after = at(validity.not_after.timestamp());
        let serial = parsed.tbs_certificate.raw_serial_as_string();
        let names = parsed
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        x509_parser::extensions::GeneralName::DNSName(dns) => {
                            Some(dns.to_ascii_lowercase())
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let private = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| format!("the private key is not PEM: {e}"))?;
        let key = CertifiedKey::from_der(chain, private, &ring::default_provider())
            .map_err(|e| format!("the key does not fit the certificate: {e}"))?;
        Ok(Issued {
            key: Arc::new(key),
            not_before,
            not_after,
            serial,
            names,
            chain_pem: chain_pem.to_owned(),
            key_pem: key_pem.to_owned(),
        })
    }

    /// Whether it covers every one of `domains` and is valid now.
    pub(super) fn serves(&self, domains: &[String], now: SystemTime) -> bool {
        now < self.not_after
            && domains
                .iter()
                .all(|d| self.names.iter().any(|n| n.eq_ignore_ascii_case(d)))
    }

    /// When to renew: `renew_before` ahead of expiry, but never sooner than a tenth of the
    /// lifetime after issuance, so that a `renew_before` longer than the lifetime renews
    /// early and often, not in a loop (ten certificates per lifetime at most).
    pub(super) fn renew_at(&self, renew_before: Duration) -> SystemTime {
        let lifetime = self
            .not_after
            .duration_since(self.not_before)
            .unwrap_or_default();
        let ahead = self
            .not_after
            .checked_sub(renew_before)
            .unwrap_or(UNIX_EPOCH);
        ahead.max(self.not_before + lifetime / 10)
    }
}

/// A new key pair (ECDSA P-256) and the CSR for `domains`, the key in PEM.
pub(super) fn csr(domains: &[String]) -> Result<(Vec<u8>, String), String> {
    let key = KeyPair::generate().map_err(|e| format!("cannot make a key: {e}"))?;
    let params = CertificateParams::new(domains.to_vec())
        .map_err(|e| format!("cannot make the request for {domains:?}: {e}"))?;
    let csr = params
        .serialize_request(&key)
        .map_err(|e| format!("cannot sign the request: {e}"))?;
    Ok((csr.der().to_vec(), key.serialize_pem()))
}

/// The tls-alpn-01 certificate for `domain` (RFC 8737 §3): self-signed, the domain its only
/// name, the SHA-256 of the key authorization in the critical `acmeIdentifier` extension.
pub(super) fn alpn_challenge(domain: &str, digest: &[u8]) -> Result<Arc<CertifiedKey>, String> {
    let key = KeyPair::generate().map_err(|e| format!("cannot make a key: {e}"))?;
    let mut params =
        CertificateParams::new(vec![domain.to_owned()]).map_err(|e| format!("{domain}: {e}"))?;
    params.custom_extensions = vec![CustomExtension::new_acme_identifier(digest)];
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("cannot make the challenge certificate: {e}"))?;
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    // Not `from_der`: its check that key and certificate match parses the certificate with
    // webpki, which refuses the critical extension the CA looks for.
    let signing = ring::default_provider()
        .key_provider
        .load_private_key(private)
        .map_err(|e| format!("the challenge key: {e}"))?;
    Ok(Arc::new(CertifiedKey::new(
        vec![cert.der().clone()],
        signing,
    )))
}
