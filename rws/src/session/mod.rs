//! Sessions (feature `sessions`): a [`SessionLayer`] that loads the session a cookie names and
//! saves it after the handler if it changed, the [`Session`] extractor, and stores behind the
//! [`SessionStore`] trait: [`MemoryStore`] in the process, `RedisStore` (feature `redis`)
//! shared and durable.
//!
//! Ids are 256 bits from the operating system's CSPRNG. Sessions expire after an idle time and
//! at an absolute deadline; [`Session::cycle_id`] on login defeats session fixation.
//!
//! The older rust-web-server's hand-managed API is here too: [`MemoryStore::new`]`(ttl)`,
//! `create`, `load`, `save`, `destroy`, `purge_expired`, and [`session_cookie`],
//! [`destroy_cookie`], [`session_id_from_request`]. (Its `SessionStore` struct is
//! [`MemoryStore`]: the name is the trait's now.)

mod handle;
mod layer;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod store;

#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::RedisStore;
pub use handle::Session;
pub use layer::SessionLayer;
pub use memory::{DEFAULT_CAPACITY, MemoryStore, StoredSession};
pub use store::{SessionRecord, SessionStore, StoreError};

/// A `Set-Cookie` value carrying session `id` in the cookie `name` for `max_age_secs`:
/// `HttpOnly`, `SameSite=Lax`, `Path=/`.
///
/// ```
/// assert_eq!(
///     rws::session::session_cookie("abc", "sid", 3600),
///     "sid=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=3600"
/// );
/// ```
pub fn session_cookie(id: &str, name: &str, max_age_secs: u64) -> String {
    crate::cookie::Cookie::build((name.to_owned(), id.to_owned()))
        .http_only(true)
        .same_site(crate::cookie::SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::seconds(
            i64::try_from(max_age_secs).unwrap_or(i64::MAX),
        ))
        .build()
        .encoded()
        .to_string()
}

/// A `Set-Cookie` value deleting the cookie `name`.
///
/// ```
/// assert!(rws::session::destroy_cookie("sid").starts_with("sid=; "));
/// ```
pub fn destroy_cookie(name: &str) -> String {
    let mut cookie = crate::cookie::Cookie::build((name.to_owned(), String::new()))
        .path("/")
        .build();
    cookie.make_removal();
    cookie.encoded().to_string()
}

/// The value of the cookie `name` in `req`'s `Cookie` headers.
///
/// ```
/// let req = rws::http::Request::get("/").header("cookie", "a=1; sid=xyz").body(()).unwrap();
/// assert_eq!(rws::session::session_id_from_request(&req, "sid").as_deref(), Some("xyz"));
/// ```
pub fn session_id_from_request<B>(req: &http::Request<B>, name: &str) -> Option<String> {
    crate::cookie::value(req.headers(), name)
}
