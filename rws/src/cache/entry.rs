//! What the cache keeps under a key.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderName};
use http::{HeaderMap, HeaderValue, StatusCode};

use super::policy::Freshness;

/// One value in a [`CacheStore`](super::CacheStore): a stored response, or, under a
/// resource's primary key, the list of request headers its `Vary` named, which tells where
/// each variant is kept.
pub struct CacheEntry(pub(crate) Stored);

pub(crate) enum Stored {
    Variants(Box<[HeaderName]>),
    Response(Box<CachedResponse>),
}

/// A complete response: the head as the handler sent it, the body in memory, and what the
/// policy made of them when they were stored.
pub(crate) struct CachedResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) freshness: Freshness,
    pub(crate) stored_at: SystemTime,
    /// Its age when stored (the `Age` it came with, RFC 9111 §4.2.3).
    pub(crate) initial_age: Duration,
}

/// What using a stored response at a given moment amounts to, before the request's own
/// directives are considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Age {
    Fresh,
    /// Stale, but may be served while one revalidation runs in the background.
    Revalidating,
    /// Stale: serve it only after revalidating (or, within `stale-if-error`, when that
    /// fails).
    Stale,
}

impl CachedResponse {
    pub(crate) fn new(
        status: StatusCode,
        mut headers: HeaderMap,
        body: Bytes,
        freshness: Freshness,
        now: SystemTime,
    ) -> Self {
        let initial_age = freshness.policy.age(now);
        // A placeholder the answer overwrites in place.
        headers
            .entry(header::AGE)
            .or_insert(HeaderValue::from_static("0"));
        CachedResponse {
            status,
            headers,
            body,
            freshness,
            stored_at: now,
            initial_age,
        }
    }

    /// The `Age` to send at `now`.
    pub(crate) fn age(&self, now: SystemTime) -> Duration {
        self.initial_age + now.duration_since(self.stored_at).unwrap_or_default()
    }

    pub(crate) fn age_at(&self, now: SystemTime) -> Age {
        let Ok(resident) = now.duration_since(self.stored_at) else {
            return Age::Fresh;
        };
        let f = &self.freshness;
        if resident < f.fresh_for {
            Age::Fresh
        } else if resident < f.fresh_for + f.stale_while_revalidate {
            Age::Revalidating
        } else {
            Age::Stale
        }
    }

    /// Whether `stale-if-error` still allows serving this response when revalidation fails.
    pub(crate) fn usable_on_error(&self, now: SystemTime) -> bool {
        let resident = now.duration_since(self.stored_at).unwrap_or_default();
        resident < self.freshness.fresh_for + self.freshness.stale_if_error
    }

    /// How long a store should keep it: while fresh, then while a stale window or a
    /// validator (for at most `keep_stale`) still make it worth having.
    pub(crate) fn keep(&self, keep_stale: Duration) -> Duration {
        let f = &self.freshness;
        let validator = if f.has_validator {
            keep_stale
        } else {
            Duration::ZERO
        };
        f.fresh_for
            + f.stale_while_revalidate
                .max(f.stale_if_error)
                .max(validator)
    }
}

impl CacheEntry {
    /// The bytes this entry holds: header names and values, and the body.
    pub fn size(&self) -> usize {
        match &self.0 {
            Stored::Variants(names) => names.iter().map(|n| n.as_str().len()).sum(),
            Stored::Response(res) => {
                res.headers
                    .iter()
                    .map(|(n, v)| n.as_str().len() + v.len())
                    .sum::<usize>()
                    + res.body.len()
            }
        }
    }
}

impl fmt::Debug for CacheEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Stored::Variants(names) => f.debug_tuple("Variants").field(names).finish(),
            Stored::Response(res) => f
                .debug_struct("Response")
                .field("status", &res.status)
                .field("body", &res.body.len())
                .finish_non_exhaustive(),
        }
    }
}
