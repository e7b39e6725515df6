//! `MemoryStore`: sessions in the process, bounded, purged in the background; and the older
//! rust-web-server's synchronous API over it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use super::store::{new_id, now};
use super::{SessionRecord, SessionStore, StoreError};

/// The default number of sessions a [`MemoryStore`] holds.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Sessions in this process's memory: lost on restart, not shared between processes (use
/// `RedisStore` for that). Holds at most [`capacity`](Self::with_capacity) sessions: when full,
/// expired ones are dropped, then the one closest to expiry. Expired sessions are purged every
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

struct Inner {
    sessions: Mutex<HashMap<String, SessionRecord>>,
    ttl: u64,
    capacity: usize,
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
        let inner = Arc::new(Inner {
            sessions: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(purge_every(Arc::downgrade(&inner), Duration::from_secs(60)));
        }
        MemoryStore { inner }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, SessionRecord>> {
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// How many sessions the store holds (expired ones not yet purged included).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no sessions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every expired session; returns how many.
    pub fn purge_expired(&self) -> usize {
        purge(&mut self.lock(), now())
    }

    fn insert(&self, id: &str, record: SessionRecord) {
        let mut sessions = self.lock();
        if !sessions.contains_key(id) && sessions.len() >= self.inner.capacity {
            purge(&mut sessions, now());
            if sessions.len() >= self.inner.capacity {
                let soonest = sessions
                    .iter()
                    .min_by_key(|(_, r)| r.expires)
                    .map(|(id, _)| id.clone());
                if let Some(soonest) = soonest {
                    sessions.remove(&soonest);
                }
            }
        }
        sessions.insert(id.to_owned(), record);
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
        let sessions = self.lock();
        let record = sessions.get(id).filter(|r| !r.is_expired(now()))?;
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
        self.lock().remove(id);
    }
}

fn purge(sessions: &mut HashMap<String, SessionRecord>, now: u64) -> usize {
    let before = sessions.len();
    sessions.retain(|_, r| !r.is_expired(now));
    before - sessions.len()
}

async fn purge_every(store: Weak<Inner>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(inner) = store.upgrade() else { return };
        let purged = purge(
            &mut inner
                .sessions
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            now(),
        );
        if purged > 0 {
            tracing::debug!(purged, "expired sessions purged");
        }
    }
}

impl SessionStore for MemoryStore {
    async fn load_record(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let now = now();
        Ok(self.lock().get(id).filter(|r| !r.is_expired(now)).cloned())
    }

    async fn save_record(&self, id: &str, record: &SessionRecord) -> Result<(), StoreError> {
        self.insert(id, record.clone());
        Ok(())
    }

    async fn delete_record(&self, id: &str) -> Result<(), StoreError> {
        self.lock().remove(id);
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
