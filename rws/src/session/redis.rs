//! `RedisStore`: sessions in Redis, shared by every process and surviving restarts.

use std::fmt;

use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;

use super::store::now;
use super::{SessionRecord, SessionStore, StoreError};

/// Sessions in Redis under `rws:session:<id>` (the prefix is settable), as JSON with Redis's
/// own expiry set to the session's, through redis-rs's reconnecting connection manager.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use rws::session::{RedisStore, SessionLayer};
///
/// let store = RedisStore::connect("redis://127.0.0.1:6379").await?;
/// let app = rws::App::new().wrap(SessionLayer::new(store));
/// # let _ = app;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://host:port/db`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError::new(e.to_string()))?;
        let connection = ConnectionManager::new(client)
            .await
            .map_err(|e| StoreError::new(e.to_string()))?;
        Ok(RedisStore::new(connection))
    }

    /// A store over an existing connection manager.
    pub fn new(connection: ConnectionManager) -> Self {
        RedisStore {
            connection,
            prefix: "rws:session:".to_owned(),
        }
    }

    /// Keys are `prefix` followed by the session id.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }
}

fn failed(e: &redis::RedisError) -> StoreError {
    StoreError::new(format!("redis: {e}"))
}

impl SessionStore for RedisStore {
    async fn load_record(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        let mut connection = self.connection.clone();
        let json: Option<String> = connection.get(self.key(id)).await.map_err(|e| failed(&e))?;
        let Some(json) = json else { return Ok(None) };
        let record: SessionRecord = serde_json::from_str(&json)
            .map_err(|e| StoreError::new(format!("session {id} is not a record: {e}")))?;
        Ok((!record.is_expired(now())).then_some(record))
    }

    async fn save_record(&self, id: &str, record: &SessionRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(record).map_err(|e| StoreError::new(e.to_string()))?;
        let ttl = record.ttl(now()).as_secs().max(1);
        let mut connection = self.connection.clone();
        connection
            .set_ex::<_, _, ()>(self.key(id), json, ttl)
            .await
            .map_err(|e| failed(&e))
    }

    async fn delete_record(&self, id: &str) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        connection
            .del::<_, ()>(self.key(id))
            .await
            .map_err(|e| failed(&e))
    }
}
