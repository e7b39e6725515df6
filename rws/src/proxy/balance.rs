//! Which upstream takes a request: the strategies of [`LoadBalancing`].

use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use http::HeaderName;

use super::upstream::Upstream;
use http::request::Parts;

/// How a [`ReverseProxy`](super::ReverseProxy) spreads requests over its upstreams. Every
/// strategy skips the upstreams that are ejected or failing their health checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadBalancing {
    /// Each upstream in turn; with weights, nginx's smooth weighted round robin (an upstream
    /// of weight 3 next to one of weight 1 takes three of every four requests, interleaved).
    RoundRobin,
    /// The upstream with the fewest requests in flight (ties by weight, then in turn).
    LeastConnections,
    /// Two upstreams at random, the one with fewer requests in flight: nearly least
    /// connections without a scan, and no herd on the emptiest one.
    PowerOfTwoChoices,
    /// A ketama-style ring of 160 points per unit of weight, keyed by part of the request: a
    /// key always lands on the same upstream, and removing one of N moves only about 1/N of
    /// the keys. A request without the key is sent round robin.
    ConsistentHash(HashKey),
}

/// What [`LoadBalancing::ConsistentHash`] hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashKey {
    /// The value of a request header (`X-User-Id`, say).
    Header(HeaderName),
    /// The value of a cookie.
    Cookie(String),
    /// The client's address, as [`ClientIp`](crate::extract::ClientIp) sees it (trusted
    /// proxies honoured).
    ClientIp,
    /// The request's path.
    Path,
}

impl HashKey {
    /// The key of `req`, `None` when it has none.
    fn of<'a>(&self, req: &'a Parts, client: Option<IpAddr>) -> Option<Key<'a>> {
        match self {
            HashKey::Header(name) => req.headers.get(name).map(|v| Key::Bytes(v.as_bytes())),
            HashKey::Cookie(name) => req
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(k, _)| k == name)
                .map(|(_, v)| Key::Bytes(v.as_bytes())),
            HashKey::ClientIp => client.map(Key::Ip),
            HashKey::Path => Some(Key::Bytes(req.uri.path().as_bytes())),
        }
    }
}

enum Key<'a> {
    Bytes(&'a [u8]),
    Ip(IpAddr),
}

impl Key<'_> {
    fn hash(&self) -> u64 {
        match self {
            Key::Bytes(bytes) => hash(bytes),
            Key::Ip(IpAddr::V4(ip)) => hash(&ip.octets()),
            Key::Ip(IpAddr::V6(ip)) => hash(&ip.octets()),
        }
    }
}

/// FNV-1a with a murmur3 finaliser: stable across processes, builds and machines (so that
/// several rws instances in front of the same upstreams agree on the ring), fast on short keys,
/// and well spread once finalised. Not for anything an attacker could exploit by collision: a
/// collision only sends two keys to the same upstream.
fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Points on the ring per unit of weight, as ketama has.
const POINTS_PER_WEIGHT: u32 = 160;

/// A strategy with its running state.
#[derive(Debug)]
pub(super) struct Balancer {
    strategy: LoadBalancing,
    next: AtomicUsize,
    // Smooth weighted round robin's current weights, one per upstream.
    current: Mutex<Vec<i64>>,
    // The ring: (point, upstream index), sorted by point.
    ring: Vec<(u64, usize)>,
    weighted: bool,
}

impl Balancer {
    pub(super) fn new(strategy: LoadBalancing, upstreams: &[Upstream]) -> Self {
        let weighted = upstreams.iter().any(|u| u.weight != upstreams[0].weight);
        let mut ring = Vec::new();
        if matches!(strategy, LoadBalancing::ConsistentHash(_)) {
            for (index, upstream) in upstreams.iter().enumerate() {
                for point in 0..POINTS_PER_WEIGHT * upstream.weight {
                    let label = format!("{}-{point}", upstream.name);
                    ring.push((hash(label.as_bytes()), index));
                }
            }
            ring.sort_unstable();
        }
        Balancer {
            strategy,
            next: AtomicUsize::new(0),
            current: Mutex::new(vec![0; upstreams.len()]),
            ring,
            weighted,
        }
    }

    /// The upstream for `req` among those `usable` (healthy, and not tried already for this
    /// request), `None` when none is.
    pub(super) fn pick(
        &self,
        upstreams: &[Upstream],
        req: &Parts,
        client: Option<IpAddr>,
        usable: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        match &self.strategy {
            LoadBalancing::RoundRobin if self.weighted => self.smooth_weighted(upstreams, usable),
            LoadBalancing::RoundRobin => self.round_robin(upstreams.len(), usable),
            LoadBalancing::LeastConnections => self.least_connections(upstreams, usable),
            LoadBalancing::PowerOfTwoChoices => Self::two_choices(upstreams, usable),
            LoadBalancing::ConsistentHash(key) => match key.of(req, client) {
                Some(key) => self.on_ring(key.hash(), usable),
                None => self.round_robin(upstreams.len(), usable),
            },
        }
    }

    fn round_robin(&self, n: usize, usable: impl Fn(usize) -> bool) -> Option<usize> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n).map(|i| (start + i) % n).find(|&i| usable(i))
    }

    /// nginx's algorithm: every usable upstream gains its weight, the one with the most current
    /// weight is chosen and loses the total.
    fn smooth_weighted(
        &self,
        upstreams: &[Upstream],
        usable: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut total = 0;
        let mut best: Option<usize> = None;
        for (i, upstream) in upstreams.iter().enumerate() {
            if !usable(i) {
                continue;
            }
            let weight = i64::from(upstream.weight);
            current[i] += weight;
            total += weight;
            if best.is_none_or(|b| current[i] > current[b]) {
                best = Some(i);
            }
        }
        let best = best?;
        current[best] -= total;
        Some(best)
    }

    fn least_connections(
        &self,
        upstreams: &[Upstream],
        usable: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let n = upstreams.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        // Fewest in flight per unit of weight; starting at a rotating index spreads the ties.
        (0..n)
            .map(|i| (start + i) % n)
            .filter(|&i| usable(i))
            .min_by_key(|&i| {
                let u = &upstreams[i];
                (u.in_flight() as u64 * 1_000_000) / u64::from(u.weight)
            })
    }

    fn two_choices(upstreams: &[Upstream], usable: impl Fn(usize) -> bool) -> Option<usize> {
        let candidates: Vec<usize> = (0..upstreams.len()).filter(|&i| usable(i)).collect();
        match candidates.len() {
            0 => None,
            1 => Some(candidates[0]),
            n => {
                let a = fastrand::usize(..n);
                let b = (a + 1 + fastrand::usize(..n - 1)) % n;
                let (a, b) = (candidates[a], candidates[b]);
                Some(if upstreams[b].in_flight() < upstreams[a].in_flight() {
                    b
                } else {
                    a
                })
            }
        }
    }

    /// The first usable upstream clockwise from `point`.
    fn on_ring(&self, point: u64, usable: impl Fn(usize) -> bool) -> Option<usize> {
        let start = self.ring.partition_point(|&(p, _)| p < point);
        let n = self.ring.len();
        (0..n)
            .map(|i| self.ring[(start + i) % n].1)
            .find(|&i| usable(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstreams(weights: &[u32]) -> Vec<Upstream> {
        weights
            .iter()
            .enumerate()
            .map(|(i, &w)| Upstream::parse(&format!("http://10.0.0.{i}:80"), w).unwrap())
            .collect()
    }

    fn counts(
        strategy: LoadBalancing,
        weights: &[u32],
        n: usize,
        path: impl Fn(usize) -> String,
    ) -> Vec<usize> {
        let ups = upstreams(weights);
        let balancer = Balancer::new(strategy, &ups);
        let mut counts = vec![0; ups.len()];
        for i in 0..n {
            let (req, ()) = http::Request::builder()
                .uri(path(i))
                .body(())
                .unwrap()
                .into_parts();
            counts[balancer.pick(&ups, &req, None, |_| true).unwrap()] += 1;
        }
        counts
    }

    #[test]
    fn smooth_weighted_round_robin_interleaves_as_nginx_does() {
        let ups = upstreams(&[5, 1, 1]);
        let balancer = Balancer::new(LoadBalancing::RoundRobin, &ups);
        let (req, ()) = http::Request::new(()).into_parts();
        let order: Vec<usize> = (0..7)
            .map(|_| balancer.pick(&ups, &req, None, |_| true).unwrap())
            .collect();
        // nginx's documented sequence for weights {5, 1, 1}: a a b a c a a.
        assert_eq!(order, [0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn round_robin_skips_what_is_not_usable() {
        let ups = upstreams(&[1, 1, 1]);
        let balancer = Balancer::new(LoadBalancing::RoundRobin, &ups);
        let (req, ()) = http::Request::new(()).into_parts();
        let picks: Vec<usize> = (0..4)
            .map(|_| balancer.pick(&ups, &req, None, |i| i != 1).unwrap())
            .collect();
        assert!(picks.iter().all(|&i| i != 1), "{picks:?}");
        assert_eq!(balancer.pick(&ups, &req, None, |_| false), None);
    }

    #[test]
    fn the_ring_moves_about_one_nth_of_the_keys_when_an_upstream_goes() {
        let ups = upstreams(&[1, 1, 1, 1]);
        let balancer = Balancer::new(LoadBalancing::ConsistentHash(HashKey::Path), &ups);
        let (mut moved, mut spread) = (0, vec![0; 4]);
        for i in 0..4000 {
            let point = hash(format!("/users/{i}").as_bytes());
            let before = balancer.on_ring(point, |_| true).unwrap();
            let after = balancer.on_ring(point, |u| u != 3).unwrap();
            spread[before] += 1;
            if before != after {
                moved += 1;
                assert_eq!(before, 3, "only keys of the removed upstream move");
            }
        }
        assert!((800..1200).contains(&moved), "{moved} of 4000 moved");
        assert!(
            spread.iter().all(|&n| (700..1300).contains(&n)),
            "{spread:?}"
        );
    }

    #[test]
    fn hashing_is_stable_for_a_key() {
        let by_path = counts(
            LoadBalancing::ConsistentHash(HashKey::Path),
            &[1, 1, 1],
            30,
            |_| "/same".into(),
        );
        assert!(by_path.contains(&30), "{by_path:?}");
    }
}
