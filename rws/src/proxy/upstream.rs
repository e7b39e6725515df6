//! One upstream: where it is, its weight, and what is known of its health.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http::Uri;
use http::uri::{Authority, PathAndQuery, Scheme};

/// An upstream server of a [`ReverseProxy`](super::ReverseProxy).
#[derive(Debug)]
pub(super) struct Upstream {
    /// As configured (`http://backend-1:8080`), for logs and labels; never sent to clients.
    pub(super) name: String,
    pub(super) scheme: Scheme,
    pub(super) authority: Authority,
    // Prepended to every proxied path; empty or without a trailing slash.
    pub(super) base: String,
    pub(super) weight: u32,
    in_flight: AtomicUsize,
    // Passive health: failures in a row, and until when the upstream sits out (ms after
    // `epoch`; 0: it does not).
    failures: AtomicU32,
    ejected_until: AtomicU64,
    // Active health: the checks' verdict, and the streak that leads to the next one.
    pub(super) healthy: AtomicBool,
    pub(super) streak: AtomicU32,
}

impl Upstream {
    /// `http://host:port[/base]` or `https://…`, with weight `weight`.
    pub(super) fn parse(url: &str, weight: u32) -> Result<Self, String> {
        let uri: Uri = url
            .parse()
            .map_err(|e| format!("upstream `{url}` is not a URL: {e}"))?;
        let scheme = uri.scheme().cloned().ok_or_else(|| {
            format!("upstream `{url}` has no scheme: write `http://{url}` or `https://{url}`")
        })?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(format!(
                "upstream `{url}`: the scheme must be http or https, not {scheme}"
            ));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| format!("upstream `{url}` has no host"))?;
        if uri.query().is_some() {
            return Err(format!(
                "upstream `{url}`: a query has no place in an upstream"
            ));
        }
        if weight == 0 {
            return Err(format!(
                "upstream `{url}` has weight 0; remove it instead, or give it at least 1"
            ));
        }
        Ok(Upstream {
            name: url.to_owned(),
            scheme,
            authority,
            base: uri.path().trim_end_matches('/').to_owned(),
            weight,
            in_flight: AtomicUsize::new(0),
            failures: AtomicU32::new(0),
            ejected_until: AtomicU64::new(0),
            healthy: AtomicBool::new(true),
            streak: AtomicU32::new(0),
        })
    }

    /// The URI of `path_and_query` on this upstream.
    pub(super) fn uri(&self, path_and_query: &PathAndQuery) -> Result<Uri, http::Error> {
        let path_and_query = if self.base.is_empty() {
            path_and_query.clone()
        } else {
            let mut target = String::with_capacity(self.base.len() + path_and_query.as_str().len());
            target.push_str(&self.base);
            target.push_str(path_and_query.as_str());
            PathAndQuery::try_from(target)?
        };
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path_and_query);
        Ok(Uri::from_parts(parts)?)
    }

    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// A request is on its way here (least connections reads the count)...
    pub(super) fn start(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// ...and is done, its response body included.
    pub(super) fn finish(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// Whether requests may go here: not ejected, and passing its health checks.
    pub(super) fn usable(&self, now: u64) -> bool {
        self.healthy.load(Ordering::Relaxed) && self.ejected_until.load(Ordering::Relaxed) <= now
    }

    /// An answer came back: the failure streak ends.
    pub(super) fn succeeded(&self) {
        if self.failures.load(Ordering::Relaxed) != 0 {
            self.failures.store(0, Ordering::Relaxed);
        }
    }

    /// The upstream could not be reached or did not answer in time: after `limit` such in a
    /// row it sits out `cool_down` (then gets one chance: a failure ejects it again at once).
    /// Whether this failure ejected it.
    pub(super) fn failed(&self, limit: u32, cool_down: Duration, now: u64) -> bool {
        let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if failures < limit {
            return false;
        }
        let until = now.saturating_add(u64::try_from(cool_down.as_millis()).unwrap_or(u64::MAX));
        self.ejected_until.store(until, Ordering::Relaxed);
        // One failure more after the cool-down ejects it again.
        self.failures
            .store(limit.saturating_sub(1), Ordering::Relaxed);
        true
    }
}

/// A request in flight on one upstream of a group, its response body or upgraded connection
/// included: least connections reads the count, so it ends only when they do.
pub(super) struct InFlight(Arc<[Upstream]>, usize);

impl InFlight {
    /// Counts one more request on `upstreams[index]` (already started by `Upstream::start`).
    pub(super) fn new(upstreams: &Arc<[Upstream]>, index: usize) -> Self {
        InFlight(Arc::clone(upstreams), index)
    }

    /// The upstream's name, for the log.
    pub(super) fn name(&self) -> &str {
        &self.0[self.1].name
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0[self.1].finish();
    }
}

/// Milliseconds since `epoch`: the clock of ejections, one atomic word per upstream.
pub(super) fn millis_since(epoch: Instant) -> u64 {
    millis_between(epoch, Instant::now())
}

/// The same clock at `now`, for a caller that has just read the time anyway.
pub(super) fn millis_between(epoch: Instant, now: Instant) -> u64 {
    u64::try_from(now.duration_since(epoch).as_millis()).unwrap_or(u64::MAX)
}
