//! The generic cell rate algorithm: a token bucket kept as one number per key, the theoretical
//! arrival time (TAT) of the next request.

use std::time::Duration;

/// How many requests a key may make: `burst` at once, refilled evenly over `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    burst: u32,
    period: Duration,
}

impl Quota {
    /// `requests` per `period`, all of which may come at once. A quota of no requests or of a
    /// zero period is refused by `App::build` (through [`problem`](Self::problem)), never by a
    /// panic.
    pub fn new(requests: u32, period: Duration) -> Self {
        Quota {
            burst: requests,
            period,
        }
    }

    /// What is wrong with this quota, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.burst == 0 {
            Some(format!(
                "a quota allows at least one request (got 0 per {:?})",
                self.period
            ))
        } else if self.period.is_zero() {
            Some("a quota's period is longer than zero".to_owned())
        } else {
            None
        }
    }

    /// `requests` per second.
    pub fn per_second(requests: u32) -> Self {
        Quota::new(requests, Duration::from_secs(1))
    }

    /// `requests` per minute.
    pub fn per_minute(requests: u32) -> Self {
        Quota::new(requests, Duration::from_secs(60))
    }

    /// `requests` per hour.
    pub fn per_hour(requests: u32) -> Self {
        Quota::new(requests, Duration::from_secs(3600))
    }

    /// The number of requests per period.
    pub fn requests(&self) -> u32 {
        self.burst
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Nanoseconds between two requests at the sustained rate.
    fn emission(&self) -> u64 {
        u64::try_from(self.period.as_nanos() / u128::from(self.burst.max(1)))
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// What the limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Allowed; `remaining` more may come right away, and the quota is whole again after
    /// `reset`.
    Allowed {
        /// Requests left in the current burst.
        remaining: u32,
        /// Time until the quota is whole again.
        reset: Duration,
    },
    /// Refused; the next request is allowed after `retry_after`.
    Limited {
        /// Time until a request is allowed again.
        retry_after: Duration,
    },
}

/// Applies one request at `now` (nanoseconds on any clock that only moves forward) to a key
/// whose TAT is `tat` (`None`: never seen). Returns the decision and the new TAT to store.
pub(crate) fn check(quota: Quota, tat: Option<u64>, now: u64) -> (Decision, u64) {
    let t = quota.emission();
    let tolerance = t.saturating_mul(u64::from(quota.burst.saturating_sub(1)));
    let tat = tat.unwrap_or(now).max(now);
    if tat > now.saturating_add(tolerance) {
        let retry_after = Duration::from_nanos(tat - tolerance - now);
        return (Decision::Limited { retry_after }, tat);
    }
    let new_tat = tat.saturating_add(t);
    let room = now
        .saturating_add(tolerance)
        .saturating_sub(new_tat.saturating_sub(t));
    let remaining = u32::try_from(room / t)
        .unwrap_or(u32::MAX)
        .min(quota.burst.saturating_sub(1));
    let reset = Duration::from_nanos(new_tat - now);
    (Decision::Allowed { remaining, reset }, new_tat)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let quota = Quota::per_second(5);
        let mut tat = None;
        let mut remaining = Vec::new();
        for _ in 0..5 {
            let (d, t) = check(quota, tat, 0);
            tat = Some(t);
            match d {
                Decision::Allowed { remaining: r, .. } => remaining.push(r),
                Decision::Limited { .. } => panic!("within the burst"),
            }
        }
        assert_eq!(remaining, [4, 3, 2, 1, 0]);
        let (d, _) = check(quota, tat, 0);
        assert_eq!(
            d,
            Decision::Limited {
                retry_after: Duration::from_millis(200)
            }
        );
        // One emission interval later, one more request is allowed.
        let (d, t) = check(quota, tat, SEC / 5);
        assert!(matches!(d, Decision::Allowed { remaining: 0, .. }), "{d:?}");
        tat = Some(t);
        // A whole period later the burst is back.
        let (d, _) = check(quota, tat, 2 * SEC);
        assert_eq!(
            d,
            Decision::Allowed {
                remaining: 4,
                reset: Duration::from_millis(200)
            }
        );
    }

    #[test]
    fn a_quota_of_one() {
        let quota = Quota::per_minute(1);
        let (d, tat) = check(quota, None, 0);
        assert_eq!(
            d,
            Decision::Allowed {
                remaining: 0,
                reset: Duration::from_secs(60)
            }
        );
        let (d, _) = check(quota, Some(tat), 30 * SEC);
        assert_eq!(
            d,
            Decision::Limited {
                retry_after: Duration::from_secs(30)
            }
        );
    }
}
