//! `[acme]`: certificates obtained and renewed from an ACME CA (RFC 8555), and the checks of
//! its values.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::HumanDuration;

/// How the CA checks that this server answers for a domain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AcmeChallenge {
    /// RFC 8737: the CA opens a TLS connection to the HTTPS port asking for ALPN `acme-tls/1`,
    /// and the server shows a certificate made for the challenge. Needs only the HTTPS port
    /// (443 for a public CA).
    #[default]
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
    /// RFC 8555 §8.3: the CA fetches `/.well-known/acme-challenge/<token>` over plain HTTP
    /// (port 80 for a public CA), from the `redirect_port` listener.
    #[serde(rename = "http-01")]
    Http01,
}

impl AcmeChallenge {
    /// The name the CA and the configuration use: `tls-alpn-01` or `http-01`.
    pub fn as_str(self) -> &'static str {
        match self {
            AcmeChallenge::TlsAlpn01 => "tls-alpn-01",
            AcmeChallenge::Http01 => "http-01",
        }
    }
}

/// `[acme]`: the domains whose certificate the server obtains and renews by itself (on while
/// `domains` is not empty), and, for a library user, what
/// [`Tls::acme`](crate::server::tls::Tls) takes.
///
/// ```
/// use rws::config::{AcmeChallenge, AcmeConfig};
///
/// let acme = AcmeConfig::new(["example.com", "www.example.com"])
///     .email("admin@example.com")
///     .directory("letsencrypt-staging")
///     .cache("/var/lib/rws/acme")
///     .challenge(AcmeChallenge::Http01);
/// assert_eq!(acme.directory_url(), Some("https://acme-staging-v02.api.letsencrypt.org/directory"));
/// assert!(acme.problems().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct AcmeConfig {
    /// The names the certificate is for (its first names the certificate in the cache and the
    /// metrics).
    pub domains: Vec<String>,
    /// The account's contact address, for the CA's expiry and policy mail.
    pub email: Option<String>,
    /// `letsencrypt`, `letsencrypt-staging`, or the `https://` URL of any CA's directory.
    pub directory: String,
    /// A PEM file of roots to trust for the directory's own HTTPS (a private CA's, pebble's),
    /// beside the public roots.
    pub ca_root: Option<PathBuf>,
    /// The folder keeping the account and the certificates (files readable by the owner only).
    pub cache: PathBuf,
    /// `tls-alpn-01` or `http-01`.
    pub challenge: AcmeChallenge,
    /// How long before expiry the certificate is renewed.
    pub renew_before: HumanDuration,
}

impl Default for AcmeConfig {
    fn default() -> Self {
        AcmeConfig {
            domains: Vec::new(),
            email: None,
            directory: "letsencrypt".to_owned(),
            ca_root: None,
            cache: PathBuf::from("rws-acme"),
            challenge: AcmeChallenge::TlsAlpn01,
            renew_before: HumanDuration(Duration::from_secs(30 * 86_400)),
        }
    }
}

const LETSENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
const LETSENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

impl AcmeConfig {
    /// Certificates for `domains`, from Let's Encrypt, cached in `./rws-acme`, by tls-alpn-01,
    /// renewed 30 days before expiry.
    pub fn new<S: Into<String>>(domains: impl IntoIterator<Item = S>) -> Self {
        AcmeConfig {
            domains: domains.into_iter().map(Into::into).collect(),
            ..AcmeConfig::default()
        }
    }

    /// The account's contact address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The CA: `letsencrypt`, `letsencrypt-staging` or a directory URL.
    #[must_use]
    pub fn directory(mut self, directory: impl Into<String>) -> Self {
        self.directory = directory.into();
        self
    }

    /// Roots (PEM) trusted for the directory's HTTPS, beside the public ones.
    #[must_use]
    pub fn ca_root(mut self, pem: impl Into<PathBuf>) -> Self {
        self.ca_root = Some(pem.into());
        self
    }

    /// Where the account and certificates are kept.
    #[must_use]
    pub fn cache(mut self, folder: impl Into<PathBuf>) -> Self {
        self.cache = folder.into();
        self
    }

    /// The challenge the CA uses.
    #[must_use]
    pub fn challenge(mut self, challenge: AcmeChallenge) -> Self {
        self.challenge = challenge;
        self
    }

    /// How long before expiry to renew.
    #[must_use]
    pub fn renew_before(mut self, ahead: Duration) -> Self {
        self.renew_before = HumanDuration(ahead);
        self
    }

    /// Whether certificates are managed at all (some domain is named).
    pub fn enabled(&self) -> bool {
        !self.domains.is_empty()
    }

    /// The directory's URL, `None` when `directory` is neither a known name nor an `https://`
    /// URL.
    pub fn directory_url(&self) -> Option<&str> {
        match self.directory.as_str() {
            "letsencrypt" => Some(LETSENCRYPT),
            "letsencrypt-staging" => Some(LETSENCRYPT_STAGING),
            url if url
                .parse::<http::Uri>()
                .is_ok_and(|u| u.scheme_str() == Some("https") && u.host().is_some()) =>
            {
                Some(url)
            }
            _ => None,
        }
    }

    /// Every problem of these settings, as `(key, why)` with the key relative to `[acme]`.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        for domain in &self.domains {
            if let Err(why) = check_domain(domain) {
                problems.push(("domains", why));
            }
        }
        if let Some(email) = &self.email
            && !valid_email(email)
        {
            problems.push(("email", format!("{email:?} is not an email address")));
        }
        if self.directory_url().is_none() {
            problems.push((
                "directory",
                format!(
                    "{:?} is not `letsencrypt`, `letsencrypt-staging` or an https:// URL (RFC 8555 §6.1)",
                    self.directory
                ),
            ));
        }
        if let Some(root) = &self.ca_root
            && !root.is_file()
        {
            problems.push((
                "ca_root",
                format!("{} is not a readable file", root.display()),
            ));
        }
        if self.cache.exists() && !self.cache.is_dir() {
            problems.push((
                "cache",
                format!("{} exists and is not a folder", self.cache.display()),
            ));
        }
        if self.renew_before.0.is_zero() {
            problems.push((
                "renew_before",
                "must be longer than 0 (renewing at expiry leaves no room for a failure)".into(),
            ));
        }
        problems
    }
}

/// A name a CA can issue for by http-01 or tls-alpn-01: a DNS name, not an address, and no
/// wildcard (those need dns-01).
fn check_domain(domain: &str) -> Result<(), String> {
    if domain.starts_with("*.") {
        return Err(format!(
            "{domain:?}: a wildcard needs the dns-01 challenge, which rws does not answer"
        ));
    }
    if domain.parse::<std::net::IpAddr>().is_ok() {
        return Err(format!(
            "{domain:?} is an IP address; ACME here issues for DNS names"
        ));
    }
    let valid = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(())
    } else {
        Err(format!("{domain:?} is not a DNS name"))
    }
}

fn valid_email(email: &str) -> bool {
    email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !email.contains([' ', ',', '<', '>'])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_at_once() {
        let acme = AcmeConfig::new(["example.com", "*.example.com", "10.0.0.1", "bad_name"])
            .email("nobody")
            .directory("http://insecure.example/directory");
        let keys: Vec<&str> = acme.problems().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            ["domains", "domains", "domains", "email", "directory"]
        );
        assert!(AcmeConfig::new(["example.com"]).problems().is_empty());
    }

    #[test]
    fn directories_by_name_or_url() {
        let url = "https://127.0.0.1:14000/dir";
        assert_eq!(AcmeConfig::default().directory_url(), Some(LETSENCRYPT));
        assert_eq!(
            AcmeConfig::default().directory(url).directory_url(),
            Some(url)
        );
    }
}
