//! Hot reload: values replaced while the server runs, and what `SIGHUP` does.
//!
//! A [`Reloadable<T>`] holds a value that readers take a snapshot of ([`get`](Reloadable::get)):
//! a request that started with one keeps it to the end, however often it is replaced.
//! [`Server::on_reload`](crate::server::Server::on_reload) says what `SIGHUP` does: re-read
//! what the app reads (into its `Reloadable` values), and, by returning a new [`App`](crate::App),
//! replace the whole app for the requests that start afterwards. A server without a reload
//! handler logs `SIGHUP` and goes on, like a daemon that has nothing to reload.
//!
//! ```
//! use rws::prelude::*;
//! use rws::reload::Reloadable;
//! use rws::server::Server;
//!
//! #[derive(Debug)]
//! struct Greeting(String);
//!
//! let greeting = Reloadable::new(Greeting("hello".into()));
//! let app = App::new()
//!     .state(greeting.clone())
//!     .get("/", |State(g): State<Reloadable<Greeting>>| async move { g.get().0.clone() });
//! let server = Server::new(app).on_reload(move || {
//!     let greeting = greeting.clone();
//!     async move {
//!         greeting.set(Greeting("bonjour".into()));
//!         None // the same app, reading the new value
//!     }
//! });
//! # let _ = server;
//! ```

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

/// A value replaced atomically while others read it: cheap to clone (clones share it), read
/// without a lock.
pub struct Reloadable<T>(Arc<ArcSwap<T>>);

impl<T> Clone for Reloadable<T> {
    fn clone(&self) -> Self {
        Reloadable(Arc::clone(&self.0))
    }
}

impl<T: fmt::Debug> fmt::Debug for Reloadable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Reloadable").field(&*self.0.load()).finish()
    }
}

impl<T> Reloadable<T> {
    /// Holds `value`.
    pub fn new(value: T) -> Self {
        Reloadable(Arc::new(ArcSwap::from_pointee(value)))
    }

    /// The value now: a snapshot, unaffected by later replacements.
    pub fn get(&self) -> Arc<T> {
        self.0.load_full()
    }

    /// Replaces the value for every reader that comes after.
    pub fn set(&self, value: T) {
        self.0.store(Arc::new(value));
    }

    /// Replaces the value with `f` of the current one (retried if another replacement came
    /// in between, so no update is lost).
    pub fn update(&self, f: impl Fn(&T) -> T) {
        self.0.rcu(|current| Arc::new(f(current)));
    }
}
