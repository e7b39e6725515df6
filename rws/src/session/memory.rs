//! `MemoryStore`: sessions in the process, bounded, purged in the background; and the older
//! rust-web-server's synchronous API over it.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use super::store::{new_id, now};
use super::{SessionRecord, SessionStore, StoreError};

/// The default number of sessions a [`MemoryStore`] holds.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Sessions in this process's memory: lost on restart, not shared between processes (use
/// `RedisStore` for that). Holds at most [`capacity`](Self::with_capacity) sessions: when full,
/// the one idle longest (saved least recently) makes room, in amortized constant time. The
/// sessions are spread over 16 independently locked shards by id, so that no request waits on
/// a lock over all of them. Expired sessions are purged every
/// minute by a background task (started when the store is made inside a tokio runtime; it
/// ends with the store).
///
/// It also has the older rust-web-server's API ([`create`](Self::create),
/// [`load`](Self::load), [`save`](Self::save), [`destroy`](Self::destroy),
/// [`purge_expired`](Self::purge_expired)), for code that manages sessions by hand:
///
/// ```
/// use rws::session::{MemoryStore, session_cookie};
///
/// let sessions = MemoryStore::new(3600);
/// let mut session = sessions.create();
/// session.set("user_id", "42");
/// sessions.save(&session);
/// let cookie = session_cookie(&session.id, "sid", 3600); // for a Set-Cookie header
/// assert_eq!(sessions.load(&session.id).unwrap().get("user_id"), Some("42"));
/// # let _ = cookie;
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

/// How many independently locked parts the sessions are spread over, by id.
const SHARDS: usize = 16;

struct Inner {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    ttl: u64,
    capacity: usize,
}

/// One part of the store: its sessions, and the order they were last saved in, oldest first,
/// for evicting the one idle longest in amortized O(1).
#[derive(Default)]
struct Shard {
    // Each session with the stamp of its last save.
    sessions: HashMap<String, (SessionRecord, u64)>,
    // (stamp, id) per save; entries whose stamp is no longer the session's are skipped.
    order: VecDeque<(u64, String)>,
    next: u64,
}

impl Shard {
    fn insert(&mut self, id: &str, record: SessionRecord, capacity: usize, now: u64) {
        if !self.sessions.contains_key(id) && self.sessions.len() >= capacity {
            self.evict_one(now);
        }
        let stamp = self.next;
        self.next += 1;
        self.sessions.insert(id.to_owned(), (record, stamp));
        self.order.push_back((stamp, id.to_owned()));
        // Stale order entries pile up with every save of a live session: compacted once they
        // outnumber the sessions, so the queue stays within twice their number.
        if self.order.len() > 2 * self.sessions.len() + 16 {
            let sessions = &self.sessions;
            self.order
                .retain(|(stamp, id)| sessions.get(id).is_some_and(|(_, s)| s == stamp));
        }
    }

    /// Drops the session idle longest (an expired one, if the oldest is).
    fn evict_one(&mut self, now: u64) {
        while let Some((stamp, id)) = self.order.pop_front() {
            let current = self.sessions.get(&id).map(|(_, s)| *s);
            if current == Some(stamp) {
                self.sessions.remove(&id);
                return;
            }
        }
        // The order lost track (it cannot, but a full shard must still make room).
        let expired: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, (r, _))| r.is_expired(now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.sessions.remove(&id);
        }
    }

    fn purge(&mut self, now: u64) -> usize {
        let before = self.sessions.len();
        self.sessions.retain(|_, (r, _)| !r.is_expired(now));
        before - self.sessions.len()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("sessions", &self.len())
            .field("capacity", &self.inner.capacity)
            .finish()
    }
}

impl Default for MemoryStore {
    /// A store whose hand-made sessions ([`create`](Self::create)) last an hour.
    fn default() -> Self {
        MemoryStore::new(3600)
    }
}

impl MemoryStore {
    /// An empty store; `ttl_secs` is how long sessions saved with [`save`](Self::save) last
    /// (sessions of a [`SessionLayer`](super::SessionLayer) follow the layer's settings).
    pub fn new(ttl_secs: u64) -> Self {
        MemoryStore::build(ttl_secs, DEFAULT_CAPACITY)
    }

    /// The same store holding at most `capacity` sessions.
    #[must_use]
    pub fn with_capacity(self, capacity: usize) -> Self {
        MemoryStore::build(self.inner.ttl, capacity.max(1))
    }

    fn build(ttl: u64, capacity: usize) -> Self {
        // Few sessions: one shard, so that the capacity and the eviction order are exact.
        let shards = if capacity < 16 * SHARDS { 1 } else { SHARDS };
        let inner = Arc::new(Inner {
            shards: (0..shards).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            ttl,
            capacity,
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(purge_every(Arc::downgrade(&inner), Duration::from_secs(60)));
        }
        MemoryStore { inner }
    }

    fn shard(&self, id: &str) -> MutexGuard<'_, Shard> {
        self.inner.shard(id)
    }

    /// How many sessions the store holds (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.inner
            .shards
            .iter()
            .map(|s| lock(s).sessions.len())
            .sum()
    }

    /// Whether the store holds no sessions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every expired session; returns how many.
    pub fn purge_expired(&self) -> usize {
        self.inner.purge(now())
    }

    fn insert(&self, id: &str, record: SessionRecord) {
        // Rounded down: the store never holds more than its capacity.
        let per_shard = (self.inner.capacity / self.inner.shards.len()).max(1);
        self.shard(id).insert(id, record, per_shard, now());
    }

    fn get(&self, id: &str) -> Option<SessionRecord> {
        let now = now();
        let shard = self.shard(id);
        let (record, _) = shard.sessions.get(id)?;
        (!record.is_expired(now)).then(|| record.clone())
    }

    fn remove(&self, id: &str) {
        self.shard(id).sessions.remove(id);
    }

    /// A new session with a fresh id, not stored until [`save`](Self::save)d.
    ///
    /// # Panics
    ///
    /// If the operating system has no randomness to give (it always has on supported systems).
    pub fn create(&self) -> StoredSession {
        let id = match new_id() {
            Ok(id) => id,
            Err(e) => panic!("{e}"),
        };
        StoredSession {
            id,
            values: HashMap::new(),
        }
    }

    /// The session `id`, if it exists and has not expired.
    pub fn load(&self, id: &str) -> Option<StoredSession> {
        let record = self.get(id)?;
        let values = record
            .data
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        Some(StoredSession {
            id: id.to_owned(),
            values,
        })
    }

    /// Stores `session` for the store's TTL from now.
    pub fn save(&self, session: &StoredSession) {
        let now = now();
        let record = SessionRecord {
            data: session
                .values
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
            created: now,
            expires: now.saturating_add(self.inner.ttl),
        };
        self.insert(&session.id, record);
    }

    /// Deletes the session `id`.
    pub fn destroy(&self, id: &str) {
        self.remove(id);
    }
}

fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Inner {
    fn shard(&self, id: &str) -> MutexGuard<'_, Shard> {
        let n = self.shards.len();
        let index = usize::try_from(self.hasher.hash_one(id) % n as u64).unwrap_or(0);
        lock(&self.shards[index])
    }

    /// Drops the expired sessions, one shard at a time.
    fn purge(&self, now: u64) -> usize {
        self.shards.iter().map(|s| lock(s).purge(now)).sum()
    }
}

async fn purge_every(store: Weak<Inner>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(inner) = store.upgrade() else { return };
        let purged = inner.purge(now());
        if purged > 0 {
            tracing::debug!(purged, "expired sessions purged");
        }
    }
}

impl SessionStore for MemoryStore {
    async fn load_record(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        Ok(self.get(id))
    }

    async fn save_record(&self, id: &str, record: &SessionRecord) -> Result<(), StoreError> {
        self.insert(id, record.clone());
        Ok(())
    }

    async fn delete_record(&self, id: &str) -> Result<(), StoreError> {
        self.remove(id);
        Ok(())
    }
}

/// A session of the hand-managed API: its id and string values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The session id (256 random bits, base64url).
    pub id: String,
    values: HashMap<String, String>,
}

impl StoredSession {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Sets `key` to `value`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(key.to_owned(), value.into());
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.values.remove(key)
    }
}
