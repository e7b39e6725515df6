//! Where the limiter keeps its state: a trait, so that a shared store (Redis, say) can take the
//! in-memory default's place when several instances must share limits.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::future::{Future, ready};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::Instant;

use super::gcra::{self, Decision, Quota};

/// The state behind a rate limiter: applies one request of `key` to `quota`, atomically.
///
/// A shared store implements the same decision (GCRA: one "theoretical arrival time" per key)
/// where the state lives, e.g. in a Redis script, so that concurrent instances agree.
pub trait RateLimitStore: Send + Sync + 'static {
    /// Counts one request of `key` and says whether it is allowed.
    fn acquire(&self, key: &str, quota: Quota) -> impl Future<Output = Decision> + Send;
}

const SHARDS: usize = 16;

/// The in-memory store: sharded maps from key to state, bounded in size.
///
/// A key whose bucket is full again is the same as a key never seen, so such keys are dropped
/// whenever a shard is full; if none is, the key closest to full is dropped (that client starts
/// over with a fresh bucket, which errs on the side of letting requests through).
#[derive(Debug)]
pub struct MemoryStore {
    shards: Vec<Mutex<HashMap<Box<str>, u64>>>,
    per_shard: usize,
    hasher: RandomState,
    epoch: Instant,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new(100_000)
    }
}

impl MemoryStore {
    /// A store keeping at most about `max_keys` keys.
    pub fn new(max_keys: usize) -> Self {
        MemoryStore {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: max_keys.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
            epoch: Instant::now(),
        }
    }

    /// How many keys are held now.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |m| m.len()))
            .sum()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn decide(&self, key: &str, quota: Quota) -> Decision {
        let now = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let shard = usize::try_from(self.hasher.hash_one(key)).unwrap_or(0) % SHARDS;
        let Ok(mut map) = self.shards[shard].lock() else {
            // A poisoned shard (a panic while holding it) must not take the service down.
            return Decision::Allowed {
                remaining: 0,
                reset: quota.period(),
            };
        };
        if let Some(tat) = map.get_mut(key) {
            let (decision, new_tat) = gcra::check(quota, Some(*tat), now);
            *tat = new_tat;
            return decision;
        }
        if map.len() >= self.per_shard {
            map.retain(|_, tat| *tat > now);
            if map.len() >= self.per_shard
                && let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, tat)| **tat)
                    .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        let (decision, tat) = gcra::check(quota, None, now);
        map.insert(key.into(), tat);
        decision
    }
}

impl RateLimitStore for MemoryStore {
    fn acquire(&self, key: &str, quota: Quota) -> impl Future<Output = Decision> + Send {
        ready(self.decide(key, quota))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_stays_bounded() {
        let store = MemoryStore::new(160);
        let quota = Quota::per_hour(10);
        for i in 0..10_000 {
            store.decide(&format!("client-{i}"), quota);
        }
        assert!(store.len() <= 160, "{} keys", store.len());
        // A key seen just now keeps its state.
        for _ in 0..10 {
            store.decide("hot", quota);
        }
        assert!(matches!(
            store.decide("hot", quota),
            Decision::Limited { .. }
        ));
    }
}
