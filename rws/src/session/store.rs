//! `SessionStore`: where session records live, and the record itself.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// One session's data and deadlines, as a store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// The values, by key.
    pub data: HashMap<String, serde_json::Value>,
    /// When the session was created (seconds since the Unix epoch): the absolute expiry
    /// counts from here.
    pub created: u64,
    /// When the session expires (seconds since the Unix epoch): the sooner of the idle and the
    /// absolute deadline.
    pub expires: u64,
}

impl SessionRecord {
    /// Whether the session is past its deadline at `now` (seconds since the epoch).
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires <= now
    }

    /// How long the record has left at `now`.
    pub fn ttl(&self, now: u64) -> Duration {
        Duration::from_secs(self.expires.saturating_sub(now))
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A store failed (the connection to Redis dropped, say).
#[derive(Debug)]
pub struct StoreError(pub(crate) String);

impl StoreError {
    /// A store error saying `why`.
    pub fn new(why: impl Into<String>) -> Self {
        StoreError(why.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// A new session id: 256 bits from the operating system's CSPRNG.
pub(crate) fn new_id() -> Result<String, StoreError> {
    crate::secret::random_token()
        .map_err(|e| StoreError::new(format!("no randomness for a session id: {e}")))
}

/// Where sessions are kept: [`MemoryStore`](super::MemoryStore) in the process,
/// `RedisStore` (feature `redis`) shared between processes and across restarts, or your own.
///
/// Stores must not return records past their `expires`; they may drop them at any time after.
pub trait SessionStore: Send + Sync + 'static {
    /// The record of session `id`, if there is one and it has not expired.
    fn load_record(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;

    /// Saves `record` as session `id`, replacing what was there, until `record.expires`.
    fn save_record(
        &self,
        id: &str,
        record: &SessionRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes session `id` (nothing if there is none).
    fn delete_record(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}
