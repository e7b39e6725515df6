//! The manager's life: obtain when there is no certificate, sleep until renewal is due, renew,
//! back off on failure, keep the metrics.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use instant_acme::{Account, AccountCredentials, CertificateIdentifier, NewAccount};

use super::cert::{Issued, Pem, unix_time};
use super::issue::issue;
use super::{Failure, Shared};

/// The longest single sleep: the schedule is looked at again at least this often, so that a
/// clock change or new renewal information applies.
const MAX_SLEEP: Duration = Duration::from_secs(3600);
/// The first retry's delay; doubled after each failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// The least wait after the CA says `rateLimited`.
const RATE_LIMITED: Duration = Duration::from_secs(3600);

pub(super) async fn run(shared: Arc<Shared>) {
    let mut account: Option<Account> = None;
    let mut failures: u32 = 0;
    loop {
        let wait = shared.due_in(SystemTime::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait.min(MAX_SLEEP)).await;
            continue;
        }
        let renewing = shared.lock().current.is_some();
        tracing::info!(
            domains = ?shared.config.domains,
            directory = %shared.directory_url,
            challenge = shared.config.challenge.as_str(),
            "ACME: {} a certificate",
            if renewing { "renewing" } else { "obtaining" }
        );
        match attempt(&shared, &mut account).await {
            Ok((issued, pem)) => {
                failures = 0;
                shared.install(issued, &pem, account.as_ref()).await;
            }
            Err(failure) => {
                failures = failures.saturating_add(1);
                let delay = backoff(failures, &failure);
                shared.failed(&failure, delay);
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// The account (created on first use and kept in the cache), then an order.
async fn attempt(shared: &Shared, account: &mut Option<Account>) -> Result<(Issued, Pem), Failure> {
    let account = match account {
        Some(account) => account,
        None => account.insert(open_account(shared).await?),
    };
    issue(shared, account).await
}

async fn open_account(shared: &Shared) -> Result<Account, Failure> {
    let client = || Box::new(shared.client.clone());
    if let Some(json) = shared.store.account() {
        match serde_json::from_str::<AccountCredentials>(&json) {
            Ok(credentials) => {
                return Ok(Account::builder_with_http(client())
                    .from_credentials(credentials)
                    .await?);
            }
            Err(e) => {
                tracing::warn!("ACME: the cached account is unreadable ({e}): making a new one");
            }
        }
    }
    let contact = shared.config.email.as_ref().map(|e| format!("mailto:{e}"));
    let contact: Vec<&str> = contact.iter().map(String::as_str).collect();
    let new = NewAccount {
        contact: &contact,
        terms_of_service_agreed: true,
        only_return_existing: false,
    };
    let (account, credentials) = Account::builder_with_http(client())
        .create(&new, shared.directory_url.clone(), None)
        .await?;
    let json = serde_json::to_string(&credentials)
        .map_err(|e| Failure::new(format!("cannot keep the account: {e}")))?;
    if let Err(e) = shared.store.save_account(&json) {
        tracing::warn!("ACME: cannot keep the account in the cache: {e}");
    }
    tracing::info!(id = account.id(), "ACME: account created");
    Ok(account)
}

/// The delay before retry number `failures`: exponential, with jitter (±25 %) so that many
/// instances do not knock on the CA together; what the CA asked for when it said.
fn backoff(failures: u32, failure: &Failure) -> Duration {
    let doubled = FIRST_BACKOFF.saturating_mul(1 << failures.saturating_sub(1).min(16));
    let base = doubled.min(MAX_BACKOFF);
    let jittered = base.mul_f64(0.75 + fastrand::f64() / 2.0);
    let mut delay = jittered.max(failure.retry_after.unwrap_or_default());
    if failure.rate_limited {
        delay = delay.max(RATE_LIMITED);
    }
    delay
}

impl Shared {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, super::State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long until an attempt is due: now without a certificate, else at renewal time.
    fn due_in(&self, now: SystemTime) -> Duration {
        let state = self.lock();
        let Some(current) = &state.current else {
            return Duration::ZERO;
        };
        let at = state
            .suggested
            .unwrap_or_else(|| current.renew_at(self.config.renew_before.0));
        at.duration_since(now).unwrap_or_default()
    }

    /// Serves `issued` from now on, keeps it, and asks the CA when to renew it.
    async fn install(&self, issued: Issued, pem: &Pem, account: Option<&Account>) {
        self.certificates.set_default(Arc::clone(&issued.key));
        if let Err(e) = self.store.save_certificate(pem) {
            tracing::warn!(
                cache = %self.store.certificate_dir().display(),
                "ACME: cannot keep the certificate in the cache: {e}"
            );
        }
        let suggested = match account {
            Some(account) => renewal_info(account, &issued).await,
            None => None,
        };
        let renew_at = suggested.unwrap_or_else(|| issued.renew_at(self.config.renew_before.0));
        tracing::info!(
            domains = ?self.config.domains,
            serial = %issued.serial,
            expires = %httpdate::fmt_http_date(issued.not_after),
            renews = %httpdate::fmt_http_date(renew_at),
            "ACME: certificate obtained and served",
        );
        #[cfg(feature = "metrics")]
        self.metrics.success(&issued);
        let mut state = self.lock();
        state.current = Some(issued);
        state.suggested = suggested;
        state.last_success = Some(SystemTime::now());
        state.last_error = None;
        state.next_attempt = Some(renew_at);
    }

    fn failed(&self, failure: &Failure, delay: Duration) {
        let serving = self.lock().current.as_ref().map(|c| c.serial.clone());
        tracing::warn!(
            domains = ?self.config.domains,
            retry_in = ?delay,
            serving = serving.as_deref().unwrap_or("nothing yet"),
            "ACME: {}",
            failure.message
        );
        #[cfg(feature = "metrics")]
        self.metrics.failures.inc();
        let mut state = self.lock();
        state.last_error = Some(failure.message.clone());
        state.next_attempt = Some(SystemTime::now() + delay);
    }
}

/// The CA's suggested renewal time (RFC 9773, ARI): a random point of its window. `None` when
/// the CA has no renewal information or the certificate lacks what it asks for.
async fn renewal_info(account: &Account, issued: &Issued) -> Option<SystemTime> {
    let leaf = issued.key.cert.first()?;
    let id = CertificateIdentifier::try_from(leaf).ok()?;
    match account.renewal_info(&id).await {
        Ok((info, _)) => {
            let start = info.suggested_window.start.unix_timestamp();
            let end = info.suggested_window.end.unix_timestamp().max(start);
            let at = start + i64::try_from(fastrand::u64(0..=end.abs_diff(start))).ok()?;
            // A window before the epoch is nonsense: the schedule decides instead.
            (at >= 0).then(|| unix_time(at))
        }
        Err(instant_acme::Error::Unsupported(_)) => None,
        Err(e) => {
            tracing::debug!("ACME: no renewal information: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_the_ca() {
        let plain = Failure::new("down");
        for failures in 1..=20 {
            let nominal = FIRST_BACKOFF
                .saturating_mul(1 << (failures - 1).min(16))
                .min(MAX_BACKOFF);
            let delay = backoff(failures, &plain);
            assert!(delay >= nominal.mul_f64(0.75) && delay <= nominal.mul_f64(1.25));
        }
        let limited = Failure {
            rate_limited: true,
            ..Failure::new("rateLimited")
        };
        assert!(backoff(1, &limited) >= RATE_LIMITED);
        let later = Failure {
            retry_after: Some(Duration::from_secs(600)),
            ..Failure::new("busy")
        };
        assert!(backoff(1, &later) >= Duration::from_secs(600));
    }
}

#[cfg(feature = "metrics")]
pub(super) use series::Series;

#[cfg(feature = "metrics")]
mod series {
    use std::sync::atomic::AtomicU64;
    use std::time::{SystemTime, UNIX_EPOCH};

    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::gauge::Gauge;
    use prometheus_client::registry::Unit;

    use super::Issued;

    /// `rws_acme_*`, labelled by the first domain.
    pub(crate) struct Series {
        expiry: Gauge<f64, AtomicU64>,
        last_success: Gauge<f64, AtomicU64>,
        issued: Counter,
        pub(super) failures: Counter,
    }

    fn seconds(at: SystemTime) -> f64 {
        at.duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    impl Series {
        pub(crate) fn new(current: Option<&Issued>) -> Series {
            let series = Series {
                expiry: Gauge::default(),
                last_success: Gauge::default(),
                issued: Counter::default(),
                failures: Counter::default(),
            };
            if let Some(current) = current {
                series.expiry.set(seconds(current.not_after));
            }
            series
        }

        pub(super) fn success(&self, issued: &Issued) {
            self.expiry.set(seconds(issued.not_after));
            self.last_success.set(seconds(SystemTime::now()));
            self.issued.inc();
        }

        pub(crate) fn register(&self, metrics: &crate::metrics::Metrics, domain: &str) {
            metrics.register(|registry| {
                let registry =
                    registry.sub_registry_with_label(("domain".into(), domain.to_owned().into()));
                registry.register_with_unit(
                    "acme_certificate_expiry_timestamp",
                    "When the served certificate expires (Unix time); 0 while there is none",
                    Unit::Seconds,
                    self.expiry.clone(),
                );
                registry.register_with_unit(
                    "acme_last_success_timestamp",
                    "When a certificate was last obtained (Unix time); 0 if never by this process",
                    Unit::Seconds,
                    self.last_success.clone(),
                );
                registry.register(
                    "acme_certificates",
                    "Certificates obtained from the CA",
                    self.issued.clone(),
                );
                registry.register(
                    "acme_failures",
                    "Attempts to obtain or renew a certificate that failed",
                    self.failures.clone(),
                );
            });
        }
    }
}
