//! `Session`: the request's session, as handlers see it.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::SessionRecord;
use crate::Error;
use crate::extract::FromRequestParts;

/// What the layer needs to know after the handler ran.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// The id the request came with, when it named a live session.
    pub(crate) id: Option<String>,
    pub(crate) record: SessionRecord,
    pub(crate) changed: bool,
    pub(crate) cycle: bool,
    pub(crate) destroyed: bool,
}

/// The request's session, put there by [`SessionLayer`](super::SessionLayer). Cheap to clone;
/// clones are the same session. Values are kept as JSON.
///
/// Nothing is stored, and no cookie set, until a value is inserted; the layer saves the session
/// after the handler only if it changed (or to push its idle deadline back).
///
/// ```
/// use rws::prelude::*;
/// use rws::session::Session;
///
/// async fn login(session: Session) -> Result<&'static str, Error> {
///     session.cycle_id(); // a new id on privilege change: a planted id is worth nothing
///     session.insert("user_id", 42)?;
///     Ok("logged in")
/// }
///
/// async fn me(session: Session) -> String {
///     match session.get::<u64>("user_id") {
///         Some(id) => format!("user {id}"),
///         None => "anonymous".into(),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Session {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Session")
            .field("keys", &state.record.data.keys().collect::<Vec<_>>())
            .field("changed", &state.changed)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(id: Option<String>, record: SessionRecord) -> Self {
        Session {
            state: Arc::new(Mutex::new(State {
                id,
                record,
                ..State::default()
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn take(&self) -> State {
        std::mem::take(&mut *self.lock())
    }

    /// The value under `key`, if there is one of type `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let state = self.lock();
        let value = state.record.data.get(key)?;
        T::deserialize(value).ok()
    }

    /// Stores `value` under `key`. Fails (500) only if `value` does not serialise to JSON.
    pub fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<(), Error> {
        let value = serde_json::to_value(value).map_err(|e| {
            Error::internal(format!("session value `{key}` does not serialise: {e}"))
        })?;
        let mut state = self.lock();
        if state.record.data.get(key) != Some(&value) {
            state.record.data.insert(key.to_owned(), value);
            state.changed = true;
        }
        Ok(())
    }

    /// Removes the value under `key`, returning it if it was of type `T`.
    pub fn remove<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let mut state = self.lock();
        let value = state.record.data.remove(key)?;
        state.changed = true;
        T::deserialize(value).ok()
    }

    /// Removes every value; a session without values is deleted from the store.
    pub fn clear(&self) {
        let mut state = self.lock();
        if !state.record.data.is_empty() {
            state.record.data.clear();
            state.changed = true;
        }
    }

    /// Gives the session a new id, keeping its values: call it on login and on any change of
    /// privilege, so that an id an attacker planted before (session fixation) is worth nothing.
    pub fn cycle_id(&self) {
        self.lock().cycle = true;
    }

    /// Ends the session: deleted from the store, its cookie removed.
    pub fn destroy(&self) {
        let mut state = self.lock();
        state.destroyed = true;
        state.record.data.clear();
    }

    /// The session's id as the request named it (`None` for a new session).
    pub fn id(&self) -> Option<String> {
        self.lock().id.clone()
    }

    /// Whether the session holds no values.
    pub fn is_empty(&self) -> bool {
        self.lock().record.data.is_empty()
    }
}

impl FromRequestParts for Session {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Error> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| crate::extract::missing_layer("Session", "SessionLayer"))
    }

    fn requirements(requirements: &mut crate::extract::Requirements) {
        requirements.layer::<Session>("Session", "SessionLayer");
    }
}
