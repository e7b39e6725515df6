//! Active health checks: every upstream asked for its health path on an interval; so many
//! failures in a row take it out, so many successes bring it back.

use std::sync::Weak;
use std::sync::atomic::Ordering;
use std::time::Duration;

use http::{Method, Request, header};

use super::shared::Shared;
use super::upstream::Upstream;
use crate::Body;

/// When and how an upstream is checked.
#[derive(Debug, Clone)]
pub(super) struct HealthCheck {
    pub(super) path: String,
    pub(super) interval: Duration,
    pub(super) timeout: Duration,
    /// Failures in a row that take a healthy upstream out.
    pub(super) fall: u32,
    /// Successes in a row that bring it back.
    pub(super) rise: u32,
}

impl HealthCheck {
    pub(super) fn new(path: String) -> Self {
        HealthCheck {
            path,
            interval: Duration::from_secs(2),
            timeout: Duration::from_secs(1),
            fall: 2,
            rise: 2,
        }
    }
}

/// Checks the upstreams of `shared` until the proxy is dropped.
pub(super) async fn run(shared: Weak<Shared>, check: HealthCheck) {
    let mut tick = tokio::time::interval(check.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let probes = shared
            .upstreams
            .iter()
            .map(|upstream| probe(&shared, upstream, &check));
        let results = futures_util::future::join_all(probes).await;
        for (index, (upstream, ok)) in shared.upstreams.iter().zip(results).enumerate() {
            if let Some(now) = record(upstream, ok, &check) {
                shared.report.healthy(index, now);
            }
        }
    }
}

/// Whether `upstream` answers its health path with a 2xx or 3xx in time.
async fn probe(shared: &Shared, upstream: &Upstream, check: &HealthCheck) -> bool {
    let Ok(path) = http::uri::PathAndQuery::try_from(check.path.as_str()) else {
        return false;
    };
    let Ok(uri) = upstream.uri(&path) else {
        return false;
    };
    let Ok(req) = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(header::USER_AGENT, "rws-health-check")
        .body(Body::empty())
    else {
        return false;
    };
    let answer = tokio::time::timeout(check.timeout, shared.client.request(req)).await;
    matches!(answer, Ok(Ok(res)) if res.status().is_success() || res.status().is_redirection())
}

/// Counts a probe's result; the new verdict when it changes.
fn record(upstream: &Upstream, ok: bool, check: &HealthCheck) -> Option<bool> {
    let healthy = upstream.healthy.load(Ordering::Relaxed);
    if ok == healthy {
        upstream.streak.store(0, Ordering::Relaxed);
        return None;
    }
    let streak = upstream.streak.fetch_add(1, Ordering::Relaxed) + 1;
    if streak >= if healthy { check.fall } else { check.rise } {
        upstream.healthy.store(ok, Ordering::Relaxed);
        upstream.streak.store(0, Ordering::Relaxed);
        if ok {
            tracing::info!(upstream = %upstream.name, "upstream passes its health checks again");
        } else {
            tracing::warn!(upstream = %upstream.name, "upstream fails its health checks: taken out");
        }
        return Some(ok);
    }
    None
}
