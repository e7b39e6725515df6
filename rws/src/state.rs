//! Application state: values stored by type, built once, shared by `Arc`.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

/// The typed map behind `App::state`: one value per type, looked up by `TypeId`.
///
/// Apps hold a handful of state types, so a vector scan beats hashing.
#[derive(Clone, Default)]
pub(crate) struct StateMap {
    entries: Vec<(TypeId, &'static str, Arc<dyn Any + Send + Sync>)>,
}

impl StateMap {
    /// Stores `value`, replacing an earlier value of the same type.
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.insert_arc(
            TypeId::of::<T>(),
            std::any::type_name::<T>(),
            Arc::new(value),
        );
    }

    fn insert_arc(&mut self, id: TypeId, name: &'static str, value: Arc<dyn Any + Send + Sync>) {
        match self.entries.iter_mut().find(|(t, ..)| *t == id) {
            Some(entry) => entry.2 = value,
            None => self.entries.push((id, name, value)),
        }
    }

    /// Adds the entries of `other` whose types this map lacks.
    pub(crate) fn fill_from(&mut self, other: StateMap) {
        for (id, name, value) in other.entries {
            if !self.contains(id) {
                self.entries.push((id, name, value));
            }
        }
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let id = TypeId::of::<T>();
        let (.., value) = self.entries.iter().find(|(t, ..)| *t == id)?;
        Arc::clone(value).downcast::<T>().ok()
    }

    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.entries.iter().any(|(t, ..)| *t == id)
    }
}

impl fmt::Debug for StateMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|(_, name, _)| name))
            .finish()
    }
}

/// What a handler needs from the app to run, collected from its extractors when the app is
/// built, so that a missing state type is an error at start-up and never a 500 at request time.
///
/// Custom extractors that read state report it from `requirements`:
///
/// ```
/// # use rws::extract::{FromRequestParts, Requirements};
/// # struct Db;
/// struct CurrentUser;
/// impl FromRequestParts for CurrentUser {
///     type Rejection = rws::Error;
///     async fn from_request_parts(parts: &mut rws::http::request::Parts) -> Result<Self, rws::Error> {
///         Ok(CurrentUser)
///     }
///     fn requirements(r: &mut Requirements) {
///         r.state::<Db>();
///     }
/// }
/// ```
#[derive(Debug, Default, Clone)]
pub struct Requirements {
    pub(crate) states: Vec<(TypeId, &'static str)>,
    // The request extensions read, each with the extractor reading it and the layer inserting it.
    pub(crate) layers: Vec<(TypeId, &'static str, &'static str)>,
}

impl Requirements {
    /// Declares that `extractor` reads the request extension `E`, which only the middleware
    /// called `layer` inserts (it says so with [`Provided::extension`]). A route whose
    /// middleware has no such layer is refused by `App::build`, naming the route, the extractor
    /// and the layer to add.
    ///
    /// ```
    /// # use rws::extract::{FromRequestParts, Requirements};
    /// #[derive(Clone)]
    /// struct Tenant(String);
    ///
    /// impl FromRequestParts for Tenant {
    ///     type Rejection = rws::Error;
    ///     async fn from_request_parts(parts: &mut rws::http::request::Parts) -> Result<Self, rws::Error> {
    ///         parts.extensions.get::<Tenant>().cloned().ok_or_else(|| rws::Error::internal("no TenantLayer"))
    ///     }
    ///     fn requirements(r: &mut Requirements) {
    ///         r.layer::<Tenant>("Tenant", "TenantLayer");
    ///     }
    /// }
    /// ```
    pub fn layer<E: 'static>(&mut self, extractor: &'static str, layer: &'static str) {
        let id = TypeId::of::<E>();
        if !self.layers.iter().any(|(t, ..)| *t == id) {
            self.layers.push((id, extractor, layer));
        }
    }

    /// The layers declared missing from `provided`: (extractor, layer).
    pub(crate) fn missing_layers(
        &self,
        provided: &Provided,
    ) -> impl Iterator<Item = (&'static str, &'static str)> {
        self.layers
            .iter()
            .filter(|(id, ..)| !provided.0.contains(id))
            .map(|&(_, extractor, layer)| (extractor, layer))
    }

    /// Declares that the app must hold a state value of type `T`.
    pub fn state<T: 'static>(&mut self) {
        let id = TypeId::of::<T>();
        if !self.states.iter().any(|(t, _)| *t == id) {
            self.states.push((id, std::any::type_name::<T>()));
        }
    }

    /// The state types declared missing from `map`, by name.
    pub(crate) fn missing(&self, map: &StateMap) -> Vec<&'static str> {
        self.states
            .iter()
            .filter(|(id, _)| !map.contains(*id))
            .map(|(_, name)| *name)
            .collect()
    }
}

/// The request extensions a route's middleware inserts, for the extractors that read them (see
/// [`Requirements::layer`]); what [`Middleware::provides`](crate::middleware::Middleware::provides)
/// fills.
#[derive(Debug, Default, Clone)]
pub struct Provided(Vec<TypeId>);

impl Provided {
    /// Declares that the middleware inserts the request extension `E` for every request it
    /// passes on.
    pub fn extension<E: 'static>(&mut self) {
        self.0.push(TypeId::of::<E>());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_type_and_reports_missing_requirements() {
        let mut map = StateMap::default();
        map.insert(5u32);
        map.insert(String::from("a"));
        map.insert(6u32);
        assert_eq!(*map.get::<u32>().unwrap(), 6);
        assert_eq!(&*map.get::<String>().unwrap(), "a");
        assert!(map.get::<u64>().is_none());

        let mut req = Requirements::default();
        req.state::<u32>();
        req.state::<u64>();
        req.state::<u64>();
        assert_eq!(req.missing(&map), vec!["u64"]);

        let mut other = StateMap::default();
        other.insert(1u32);
        other.insert(2u64);
        map.fill_from(other);
        assert_eq!(*map.get::<u32>().unwrap(), 6, "existing values win");
        assert_eq!(*map.get::<u64>().unwrap(), 2);
    }
}
