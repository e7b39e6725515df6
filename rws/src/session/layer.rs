//! `SessionLayer`: loads the request's session, saves it after the handler if it changed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;

use super::handle::State;
use super::store::{new_id, now};
use super::{Session, SessionRecord, SessionStore};
use crate::context::RequestContext;
use crate::cookie::{Cookie, SameSite};
use crate::middleware::{Middleware, Next};
use crate::response::IntoResponse;
use crate::secret::is_token;
use crate::{Error, Request, Response};

/// Sessions for the routes it wraps, kept in `store`, named by a cookie.
///
/// The cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` on TLS connections unless
/// told otherwise. A session expires after [`idle`](Self::idle) without requests (default 1 h)
/// and at the latest [`absolute`](Self::absolute) after it began (default 12 h). It is saved
/// only when a handler changed it, or when its idle deadline needs pushing back (when a
/// quarter of the idle time has passed), so reads cost one store lookup and no write.
///
/// A response that sets the cookie gets `Cache-Control: no-store`, so that no shared cache hands
/// one user's session to another. A store that fails answers 503 (loading) or 500 (saving)
/// rather than dropping the session.
///
/// ```
/// use std::time::Duration;
/// use rws::prelude::*;
/// use rws::session::{MemoryStore, Session, SessionLayer};
///
/// let app = App::new()
///     .get("/", |session: Session| async move {
///         let n = session.get::<u32>("n").unwrap_or(0) + 1;
///         session.insert("n", n)?;
///         Ok::<_, Error>(format!("{n}"))
///     })
///     .wrap(SessionLayer::new(MemoryStore::default()).idle(Duration::from_secs(30 * 60)));
/// # let _ = app;
/// ```
pub struct SessionLayer<S> {
    store: Arc<S>,
    cookie_name: String,
    idle: Duration,
    absolute: Duration,
    secure: Option<bool>,
    same_site: SameSite,
    domain: Option<String>,
}

impl<S> fmt::Debug for SessionLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("cookie_name", &self.cookie_name)
            .field("idle", &self.idle)
            .field("absolute", &self.absolute)
            .finish_non_exhaustive()
    }
}

impl<S: SessionStore> SessionLayer<S> {
    /// Sessions in `store`, with the defaults above and the cookie `rws_session`.
    pub fn new(store: S) -> Self {
        SessionLayer::with_shared_store(Arc::new(store))
    }

    /// Sessions in a store shared with other code (to end sessions from outside, say).
    pub fn with_shared_store(store: Arc<S>) -> Self {
        SessionLayer {
            store,
            cookie_name: "rws_session".to_owned(),
            idle: Duration::from_secs(3600),
            absolute: Duration::from_secs(12 * 3600),
            secure: None,
            same_site: SameSite::Lax,
            domain: None,
        }
    }

    /// The cookie's name.
    #[must_use]
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// How long a session lives without requests.
    #[must_use]
    pub fn idle(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// How long a session lives at most, however active.
    #[must_use]
    pub fn absolute(mut self, absolute: Duration) -> Self {
        self.absolute = absolute;
        self
    }

    /// Marks the cookie `Secure` always (`true`) or never (`false`), instead of on TLS
    /// connections only (behind a TLS-terminating proxy, say `true`).
    #[must_use]
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = Some(secure);
        self
    }

    /// The cookie's `SameSite` (default `Lax`).
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// The cookie's `Domain` (default: none, the host that set it only).
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    fn cookie(&self, id: String, max_age: Duration, tls: bool) -> Cookie<'static> {
        let mut cookie = Cookie::build((self.cookie_name.clone(), id))
            .http_only(true)
            .same_site(self.same_site)
            .path("/")
            .secure(self.secure.unwrap_or(tls))
            .max_age(cookie::time::Duration::seconds(
                i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
            ))
            .build();
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie
    }

    fn removal(&self, tls: bool) -> Cookie<'static> {
        let mut cookie = self.cookie(String::new(), Duration::ZERO, tls);
        cookie.make_removal();
        cookie
    }

    /// The session the cookie `id` names, if it is live.
    async fn load(
        &self,
        id: Option<String>,
        now: u64,
    ) -> Result<(Option<String>, SessionRecord), Error> {
        // An id not of our shape (a forged cookie) never reaches the store.
        let Some(id) = id.filter(|id| is_token(id)) else {
            return Ok((None, SessionRecord::default()));
        };
        match self.store.load_record(&id).await {
            Ok(Some(record)) if !record.is_expired(now) => Ok((Some(id), record)),
            Ok(_) => Ok((None, SessionRecord::default())),
            Err(e) => {
                tracing::error!(error = %e, "cannot load a session");
                Err(Error::new(StatusCode::SERVICE_UNAVAILABLE)
                    .with_detail("sessions are unavailable, try again later"))
            }
        }
    }

    /// Saves, deletes or leaves the session as the handler left it; the cookie to send, if any.
    async fn commit(
        &self,
        state: State,
        had_cookie: bool,
        now: u64,
        tls: bool,
    ) -> Result<Option<Cookie<'static>>, Error> {
        let State {
            id,
            mut record,
            changed,
            cycle,
            destroyed,
        } = state;
        let failed = |e: super::StoreError| {
            tracing::error!(error = %e, "cannot save a session");
            Error::internal("the session could not be saved")
        };
        if destroyed || (changed && record.data.is_empty()) {
            if let Some(id) = &id {
                self.store.delete_record(id).await.map_err(failed)?;
            }
            return Ok((id.is_some() || had_cookie).then(|| self.removal(tls)));
        }
        if id.is_none() {
            record.created = now;
        }
        let idle = self.idle.as_secs();
        let deadline = record.created.saturating_add(self.absolute.as_secs());
        let expires = now.saturating_add(idle).min(deadline);
        // Worth a write: a quarter of the idle time has passed, and the deadline would move
        // (near the absolute deadline it cannot).
        let stale = id.is_some()
            && record.expires.saturating_sub(now) < idle - idle / 4
            && expires > record.expires;
        if !(changed || cycle || stale) || record.data.is_empty() {
            return Ok(None);
        }
        record.expires = expires;
        let new_id = match (&id, cycle) {
            (Some(id), false) => id.clone(),
            _ => new_id().map_err(failed)?,
        };
        self.store
            .save_record(&new_id, &record)
            .await
            .map_err(failed)?;
        if cycle && let Some(old) = &id {
            self.store.delete_record(old).await.map_err(failed)?;
        }
        Ok(Some(self.cookie(new_id, record.ttl(now), tls)))
    }
}

impl<S: SessionStore> Middleware for SessionLayer<S> {
    fn provides(&self, provided: &mut crate::middleware::Provided) {
        provided.extension::<Session>();
    }

    async fn handle(&self, mut req: Request, next: Next) -> Response {
        let now = now();
        let tls = RequestContext::is_secure(req.extensions(), req.headers());
        let cookie = crate::cookie::value(req.headers(), &self.cookie_name);
        let had_cookie = cookie.is_some();
        let (id, record) = match self.load(cookie, now).await {
            Ok(loaded) => loaded,
            Err(e) => return e.into_response(),
        };
        let session = Session::new(id, record);
        req.extensions_mut().insert(session.clone());
        let mut res = next.run(req).await;
        match self.commit(session.take(), had_cookie, now, tls).await {
            Ok(Some(cookie)) => {
                if let Err(e) = crate::cookie::set_cookies(&mut res, std::iter::once(&cookie)) {
                    return e.into_response();
                }
                // A response that sets a session cookie must not be cached for others.
                res.headers_mut().insert(
                    http::header::CACHE_CONTROL,
                    http::HeaderValue::from_static("no-store"),
                );
            }
            Ok(None) => {}
            Err(e) => return e.into_response(),
        }
        res
    }
}
