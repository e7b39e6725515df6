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

/// A certificate chain and its private key, as PEM: what the cache keeps and the CA's answer
/// becomes.
pub(super) struct Pem {
    pub(super) chain: String,
    pub(super) key: String,
}

/// A certificate ready to serve.
pub(super) struct Issued {
    pub(super) key: Arc<CertifiedKey>,
    pub(super) not_before: SystemTime,
    pub(super) not_after: SystemTime,
    /// Hex, colon-separated, as `openssl x509 -serial` shows it (without the colons there).
    pub(super) serial: String,
    /// The names it is valid for (subject alternative names).
    pub(super) names: Vec<String>,
}

impl Issued {
    /// The chain and key as PEM, checked to belong together.
    pub(super) fn from_pem(pem: &Pem) -> Result<Issued, String> {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(pem.chain.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("the certificate chain is not PEM: {e}"))?;
        let Some(leaf) = chain.first() else {
            return Err("the certificate chain is empty".into());
        };
        let (_, parsed) = x509_parser::parse_x509_certificate(leaf)
            .map_err(|e| format!("the certificate does not parse: {e}"))?;
        let validity = parsed.validity();
        let not_before = unix_time(validity.not_before.timestamp());
        let not_after = unix_time(validity.not_after.timestamp());
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
        let private = PrivateKeyDer::from_pem_slice(pem.key.as_bytes())
            .map_err(|e| format!("the private key is not PEM: {e}"))?;
        let key = CertifiedKey::from_der(chain, private, &ring::default_provider())
            .map_err(|e| format!("the key does not fit the certificate: {e}"))?;
        Ok(Issued {
            key: Arc::new(key),
            not_before,
            not_after,
            serial,
            names,
        })
    }

    /// Whether it covers every one of `domains` and is valid now.
    pub(super) fn serves(&self, domains: &[String], now: SystemTime) -> bool {
        now < self.not_after
            && domains
                .iter()
                .all(|d| self.names.iter().any(|n| n.eq_ignore_ascii_case(d)))
    }

    /// When to renew it (see [`renewal_time`]).
    pub(super) fn renew_at(&self, renew_before: Duration) -> SystemTime {
        renewal_time(self.not_before, self.not_after, renew_before)
    }
}

/// The instant `seconds` after the Unix epoch (the epoch itself for a time before it).
pub(super) fn unix_time(seconds: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or(0))
}

/// When to renew a certificate valid from `not_before` to `not_after`: `renew_before` ahead of
/// expiry, but never sooner than a tenth of its lifetime after issuance, so that a
/// `renew_before` longer than the lifetime renews early and often, not in a loop (ten
/// certificates per lifetime at most: a misconfigured 90-day setting stays inside Let's
/// Encrypt's limits).
pub(super) fn renewal_time(
    not_before: SystemTime,
    not_after: SystemTime,
    renew_before: Duration,
) -> SystemTime {
    let lifetime = not_after.duration_since(not_before).unwrap_or_default();
    let ahead = not_after.checked_sub(renew_before).unwrap_or(UNIX_EPOCH);
    ahead.max(not_before + lifetime / 10)
}

/// A new key pair (ECDSA P-256) and the CSR for `domains` (DER), the key in PEM.
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

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn renewal_is_renew_before_ahead_of_expiry_and_never_a_loop() {
        let issued = UNIX_EPOCH + 1000 * DAY;
        let expires = issued + 90 * DAY;
        assert_eq!(renewal_time(issued, expires, 30 * DAY), issued + 60 * DAY);
        // Longer than the lifetime: a tenth of it after issuance, not at once.
        assert_eq!(renewal_time(issued, expires, 365 * DAY), issued + 9 * DAY);
        let short = issued + Duration::from_secs(90);
        assert_eq!(
            renewal_time(issued, short, Duration::from_secs(3600)),
            issued + Duration::from_secs(9)
        );
    }

    #[test]
    fn a_chain_and_key_that_do_not_belong_together_are_refused() {
        let one = rcgen::generate_simple_self_signed(vec!["a.example".to_owned()]).unwrap();
        let two = rcgen::generate_simple_self_signed(vec!["a.example".to_owned()]).unwrap();
        let pem = |chain: String, key: String| Pem { chain, key };
        let ok = Issued::from_pem(&pem(one.cert.pem(), one.signing_key.serialize_pem())).unwrap();
        assert_eq!(ok.names, ["a.example"]);
        assert!(ok.serves(&["a.example".to_owned()], SystemTime::now()));
        assert!(!ok.serves(&["b.example".to_owned()], SystemTime::now()));
        let err = Issued::from_pem(&pem(one.cert.pem(), two.signing_key.serialize_pem())).err();
        assert!(err.is_some_and(|e| e.contains("does not fit")));
        assert!(Issued::from_pem(&pem("garbage".into(), "garbage".into())).is_err());
    }
}
