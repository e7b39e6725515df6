//! One issuance (RFC 8555 §7.4): an order for every domain, each authorization answered by the
//! configured challenge, the CSR, the chain.

use std::time::Duration;

use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewOrder, OrderStatus, RetryPolicy,
};

use super::cert::{self, Issued, Pem};
use super::{Failure, Shared};
use crate::config::AcmeChallenge;

/// How long the CA may take to validate the challenges and to issue, each.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(90);

/// Closes the challenges when the order ends, however it ends.
struct Opened<'a>(&'a Shared);

impl Drop for Opened<'_> {
    fn drop(&mut self) {
        self.0.certificates.challenges().close_all();
    }
}

/// Orders, proves and fetches a certificate for the configured domains: ready to serve, and
/// as PEM to keep.
pub(super) async fn issue(shared: &Shared, account: &Account) -> Result<(Issued, Pem), Failure> {
    let domains = &shared.config.domains;
    let identifiers: Vec<Identifier> = domains.iter().cloned().map(Identifier::Dns).collect();
    let mut order = account.new_order(&NewOrder::new(&identifiers)).await?;
    let _opened = Opened(shared);
    let kind = match shared.config.challenge {
        AcmeChallenge::Http01 => ChallengeType::Http01,
        _ => ChallengeType::TlsAlpn01,
    };
    let mut authorizations = order.authorizations();
    while let Some(authorization) = authorizations.next().await {
        let mut authorization = authorization?;
        match authorization.status {
            AuthorizationStatus::Pending => {}
            AuthorizationStatus::Valid => continue,
            status => {
                return Err(Failure::new(format!(
                    "the authorization for {} is {status:?}",
                    authorization.identifier()
                )));
            }
        }
        let domain = authorization.identifier().to_string();
        let Some(mut challenge) = authorization.challenge(kind.clone()) else {
            return Err(Failure::new(format!(
                "the CA offers no {} challenge for {domain}",
                shared.config.challenge.as_str()
            )));
        };
        let key_authorization = challenge.key_authorization();
        let challenges = shared.certificates.challenges();
        match kind {
            ChallengeType::Http01 => {
                challenges.open_http(&challenge.token, key_authorization.as_str().to_owned());
            }
            _ => {
                let key = cert::alpn_challenge(&domain, key_authorization.digest().as_ref())
                    .map_err(Failure::new)?;
                challenges.open_alpn(&domain, key);
            }
        }
        tracing::debug!(%domain, challenge = shared.config.challenge.as_str(), "ACME challenge open");
        challenge.set_ready().await?;
    }
    let patience = RetryPolicy::new()
        .initial_delay(Duration::from_millis(250))
        .backoff(1.5)
        .timeout(VALIDATION_TIMEOUT);
    let status = order.poll_ready(&patience).await?;
    if status != OrderStatus::Ready {
        return Err(Failure::new(format!(
            "the order is {status:?}: the CA could not validate the challenges"
        )));
    }
    let (csr, key) = cert::csr(domains).map_err(Failure::new)?;
    order.finalize_csr(&csr).await?;
    let chain = order.poll_certificate(&patience).await?;
    let pem = Pem { chain, key };
    let issued =
        Issued::from_pem(&pem).map_err(|e| Failure::new(format!("the CA's answer: {e}")))?;
    Ok((issued, pem))
}
