//! The way through the cache: look up, answer fresh hits, coalesce misses, revalidate stale
//! entries, store what may be stored.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::header;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt;
use tokio::sync::oneshot;

use super::entry::{Age, CacheEntry, CachedResponse, Stored};
use super::flight::{Lead, Outcome, Role};
use super::policy::{self, Asks, Directives, View};
use super::revalidate::{CONDITIONS, fill_request, merge, rebuild, validates};
use super::tee::Tee;
use super::{CacheLayer, CacheStore, Counters, key};
use crate::conditional::{self, Precondition, Validators};
use crate::middleware::Next;
use crate::response::IntoResponse;
use crate::{Body, Error, Request, Response};

/// How many times a request looks again after waiting on another one's miss.
const LOOKS: usize = 4;

pub(super) async fn handle<S: CacheStore>(c: &CacheLayer<S>, req: Request, next: Next) -> Response {
    let method = req.method();
    if method != Method::GET && method != Method::HEAD {
        return invalidate(c, req, next).await;
    }
    let asks = Asks::of(req.headers());
    if !c.config.rules.admits(method, asks) {
        return next.run(req).await;
    }
    let primary = key::primary(&req, &c.config.vary_by);
    let directives = asks.directives.then(|| Directives::of(req.headers()));
    // Only a conditional request needs its headers read again when answering.
    let no_conditions = HeaderMap::new();
    let conditions = if asks.conditional {
        req.headers()
    } else {
        &no_conditions
    };
    let only_if_cached = directives.as_ref().is_some_and(|d| d.has("only-if-cached"));
    let mut stale = None;
    for _ in 0..LOOKS {
        let now = SystemTime::now();
        let found = lookup(&*c.store, &primary, req.headers()).await;
        if let Some((variant, entry)) = found {
            let Stored::Response(res) = &entry.0 else {
                unreachable_variants();
                break;
            };
            match usable(res, &req, directives.as_ref(), now) {
                Age::Fresh => {
                    Counters::bump(&c.counters.hits);
                    return answer(res, conditions, now);
                }
                Age::Revalidating => {
                    Counters::bump(&c.counters.hits);
                    let key = variant.as_deref().unwrap_or(&primary);
                    revalidate_in_background(c, &req, &next, &primary, key, &entry);
                    return answer(res, conditions, now);
                }
                Age::Stale => {}
            }
            stale = Some((variant.unwrap_or_else(|| primary.clone()), entry));
        }
        if only_if_cached {
            return Error::new(StatusCode::GATEWAY_TIMEOUT)
                .with_detail("only-if-cached, and no stored response may be used")
                .into_response();
        }
        let flight = stale.as_ref().map_or(primary.as_str(), |(k, _)| k.as_str());
        match c.coalescer.join(flight) {
            // Boxed: the miss path's state stays out of every hit's future.
            Role::Lead(lead) => {
                return Box::pin(fetch(c, req, next, primary, stale, lead)).await;
            }
            // Boxed too: a timer in every hit's future would be copied with it.
            Role::Wait(rx) => {
                if !Box::pin(wait(rx, c.config.lock_timeout)).await {
                    break;
                }
            }
        }
    }
    // Not shareable, or waited long enough: this request goes to the handler on its own.
    Counters::bump(&c.counters.misses);
    let res = next.run(req).await;
    match stale {
        Some((_, entry)) if res.status().is_server_error() => match &entry.0 {
            Stored::Response(old) if old.usable_on_error(SystemTime::now()) => {
                Counters::bump(&c.counters.hits);
                answer(old, &HeaderMap::new(), SystemTime::now())
            }
            _ => res,
        },
        _ => res,
    }
}

/// Waits for another request's miss: `true` to look again (it stored the response, or went
/// away and this one may lead), `false` to go to the handler alone.
async fn wait(
    mut rx: tokio::sync::watch::Receiver<Outcome>,
    deadline: std::time::Duration,
) -> bool {
    let waited = tokio::time::timeout(deadline, rx.wait_for(|o| *o != Outcome::Pending)).await;
    matches!(
        waited.map(|r| r.map(|o| *o)),
        Ok(Ok(Outcome::Stored) | Err(_))
    )
}

fn unreachable_variants() {
    tracing::debug!("cache: a variant key held a variant list; ignoring it");
}

/// The entry for a request: under its primary key, or, when that holds a `Vary` list, under
/// the variant key its headers select (returned).
async fn lookup<S: CacheStore>(
    store: &S,
    primary: &str,
    headers: &HeaderMap,
) -> Option<(Option<String>, Arc<CacheEntry>)> {
    let entry = store.get(primary).await?;
    match &entry.0 {
        Stored::Response(_) => Some((None, entry)),
        Stored::Variants(names) => {
            let key = key::variant(primary, names, headers);
            let entry = store.get(&key).await?;
            matches!(entry.0, Stored::Response(_)).then_some((Some(key), entry))
        }
    }
}

/// What a stored response is worth to this request: its age, and then the request's own
/// directives, judged by the policy (which also checks the `Vary` headers and the host).
fn usable(
    res: &CachedResponse,
    req: &Request,
    directives: Option<&Directives>,
    now: SystemTime,
) -> Age {
    let age = res.age_at(now);
    let Some(directives) = directives else {
        return age;
    };
    let view = View {
        uri: req.uri(),
        headers: req.headers(),
    };
    match res.freshness.policy.before_request(&view, now) {
        http_cache_semantics::BeforeRequest::Fresh(_) => Age::Fresh,
        http_cache_semantics::BeforeRequest::Stale { .. } => {
            let insists = directives.has("no-cache")
                || directives.has("max-age")
                || req.headers().get(header::PRAGMA).is_some();
            if age == Age::Revalidating && !insists {
                Age::Revalidating
            } else {
                Age::Stale
            }
        }
    }
}

/// A stored response as the answer to a request with `conditions` (its own headers, or
/// those taken off it before filling).
fn answer(res: &CachedResponse, conditions: &HeaderMap, now: SystemTime) -> Response {
    let mut headers = res.headers.clone();
    // In place: the stored headers hold an `Age` already, so the map does not grow.
    headers.insert(header::AGE, age_value(res.age(now).as_secs()));
    if res.status == StatusCode::OK
        && !conditions.is_empty()
        && CONDITIONS.iter().any(|h| conditions.contains_key(h))
    {
        match conditional::evaluate(&Method::GET, conditions, &Validators::of(&res.headers)) {
            Precondition::Proceed => {}
            Precondition::NotModified => {
                headers.remove(header::CONTENT_LENGTH);
                let mut not_modified = Response::new(Body::empty());
                *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
                *not_modified.headers_mut() = headers;
                return not_modified;
            }
            Precondition::Failed => {
                return Error::new(StatusCode::PRECONDITION_FAILED)
                    .with_detail(
                        "the stored representation does not meet the request's preconditions",
                    )
                    .into_response();
            }
        }
    }
    let mut out = Response::new(Body::from(res.body.clone()));
    *out.status_mut() = res.status;
    *out.headers_mut() = headers;
    out
}

/// An `Age` value; the first hundred seconds, where most hits fall, without an allocation.
fn age_value(secs: u64) -> HeaderValue {
    const ONES: &str = "0123456789";
    const TENS: &str = "1011121314151617181920212223242526272829303132333435363738394041424344\
        4546474849505152535455565758596061626364656667686970717273747576777879808182838485868788\
        8990919293949596979899";
    let text = match usize::try_from(secs) {
        Ok(n @ 0..10) => &ONES[n..=n],
        Ok(n @ 10..100) => &TENS[2 * (n - 10)..2 * (n - 10) + 2],
        _ => return HeaderValue::from(secs),
    };
    HeaderValue::from_static(text)
}

/// What came of asking the handler.
enum Fetched {
    /// Refreshed by a `304`: answer from it.
    Cached(Arc<CacheEntry>),
    /// Stored just now from a full response: answer from it.
    Filled(Arc<CacheEntry>),
    /// The handler failed and `stale-if-error` allows the old entry.
    StaleOnError(Arc<CacheEntry>),
    /// Passed on as the handler sent it (perhaps being copied into the store as it streams).
    Passed(Response),
}

async fn fetch<S: CacheStore>(
    c: &CacheLayer<S>,
    mut req: Request,
    next: Next,
    primary: String,
    stale: Option<(String, Arc<CacheEntry>)>,
    lead: Lead,
) -> Response {
    let old = stale.as_ref().map(|(_, e)| Arc::clone(e));
    let conditions = fill_request(&mut req, old.as_deref().and_then(response_of));
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let res = next.run(req).await;
    let view = View {
        uri: &uri,
        headers: &headers,
    };
    let now = SystemTime::now();
    match complete(c, &primary, &view, old, res, lead, now).await {
        Fetched::Cached(entry) | Fetched::StaleOnError(entry) => match response_of(&entry) {
            Some(res) => answer(res, &conditions, now),
            None => Error::new(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
        },
        Fetched::Filled(entry) => match response_of(&entry) {
            Some(res) => {
                let mut answered = answer(res, &conditions, now);
                // Just made: no `Age`, unless it came with one.
                if res.initial_age.is_zero() {
                    answered.headers_mut().remove(header::AGE);
                }
                answered
            }
            None => Error::new(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
        },
        Fetched::Passed(res) => res,
    }
}

fn response_of(entry: &CacheEntry) -> Option<&CachedResponse> {
    match &entry.0 {
        Stored::Response(res) => Some(res),
        Stored::Variants(_) => None,
    }
}

/// Stores (or refreshes with a `304`) what the handler answered, and tells the waiters.
async fn complete<S: CacheStore>(
    c: &CacheLayer<S>,
    primary: &str,
    view: &View<'_>,
    old: Option<Arc<CacheEntry>>,
    res: Response,
    lead: Lead,
    now: SystemTime,
) -> Fetched {
    if let Some(entry) = &old
        && let Some(old) = response_of(entry)
    {
        if res.status() == StatusCode::NOT_MODIFIED && validates(old, res.headers()) {
            let headers = merge(&old.headers, res.headers());
            let Some(freshness) = c.config.rules.storable(view, old.status, &headers, now) else {
                lead.finish(Outcome::NotStored);
                return Fetched::Passed(rebuild(old.status, headers, old.body.clone()));
            };
            let refreshed =
                CachedResponse::new(old.status, headers, old.body.clone(), freshness, now);
            let entry = store(c, primary, view.headers, refreshed).await;
            lead.finish(Outcome::Stored);
            Counters::bump(&c.counters.hits);
            return Fetched::Cached(entry);
        }
        if res.status().is_server_error() && old.usable_on_error(now) {
            lead.finish(Outcome::NotStored);
            Counters::bump(&c.counters.hits);
            return Fetched::StaleOnError(Arc::clone(entry));
        }
    }
    Counters::bump(&c.counters.misses);
    let (parts, body) = res.into_parts();
    let Some(freshness) = c
        .config
        .rules
        .storable(view, parts.status, &parts.headers, now)
        .filter(|_| key::vary_names(&parts.headers).is_some())
    else {
        lead.finish(Outcome::NotStored);
        return Fetched::Passed(Response::from_parts(parts, body));
    };
    keep_body(c, primary, view, parts, body, freshness, lead, now).await
}

/// Stores a storable response: at once when its length is known and within the cap, or as
/// it streams to the client otherwise.
#[allow(clippy::too_many_arguments)]
async fn keep_body<S: CacheStore>(
    c: &CacheLayer<S>,
    primary: &str,
    view: &View<'_>,
    parts: http::response::Parts,
    body: Body,
    freshness: policy::Freshness,
    lead: Lead,
    now: SystemTime,
) -> Fetched {
    let cap = c.config.max_entry_size;
    match body.size_hint().exact() {
        Some(len) if usize::try_from(len).is_ok_and(|len| len <= cap) => {
            let body = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) => {
                    lead.finish(Outcome::NotStored);
                    return Fetched::Passed(Error::from_source(e).into_response());
                }
            };
            let entry = store(
                c,
                primary,
                view.headers,
                CachedResponse::new(parts.status, parts.headers, body, freshness, now),
            )
            .await;
            lead.finish(Outcome::Stored);
            Fetched::Filled(entry)
        }
        Some(_) => {
            lead.finish(Outcome::NotStored);
            Fetched::Passed(Response::from_parts(parts, body))
        }
        None => {
            // Streamed: the client gets it as it comes; the store gets the copy if it ends
            // within the cap. The waiters wait for that (or take over if it never comes).
            let (done, copied) = oneshot::channel();
            let head = CachedResponse::new(
                parts.status,
                parts.headers.clone(),
                Bytes::new(),
                freshness,
                now,
            );
            let layer = c.clone();
            let primary = primary.to_owned();
            let request_headers = view.headers.clone();
            tokio::spawn(async move {
                let Ok(body) = copied.await else {
                    return drop(lead);
                };
                store(
                    &layer,
                    &primary,
                    &request_headers,
                    CachedResponse { body, ..head },
                )
                .await;
                lead.finish(Outcome::Stored);
            });
            Fetched::Passed(Response::from_parts(
                parts,
                Body::new(Tee::new(body, cap, done)),
            ))
        }
    }
}

/// Puts `res` under its key (its variant's, and the variant list under the primary key, when
/// it has a `Vary`).
async fn store<S: CacheStore>(
    c: &CacheLayer<S>,
    primary: &str,
    request_headers: &HeaderMap,
    res: CachedResponse,
) -> Arc<CacheEntry> {
    let keep = res.keep(c.config.keep_stale);
    let names = key::vary_names(&res.headers).unwrap_or_default();
    let entry = Arc::new(CacheEntry(Stored::Response(Box::new(res))));
    if names.is_empty() {
        c.store
            .put(primary.to_owned(), Arc::clone(&entry), keep)
            .await;
    } else {
        let key = key::variant(primary, &names, request_headers);
        c.store.put(key, Arc::clone(&entry), keep).await;
        let list = Arc::new(CacheEntry(Stored::Variants(names.into())));
        c.store.put(primary.to_owned(), list, keep).await;
    }
    Counters::bump(&c.counters.stores);
    entry
}

/// `stale-while-revalidate`: one request refreshes the entry in the background (bounded by
/// the revalidation timeout) while this one is answered from it.
fn revalidate_in_background<S: CacheStore>(
    c: &CacheLayer<S>,
    req: &Request,
    next: &Next,
    primary: &str,
    key: &str,
    entry: &Arc<CacheEntry>,
) {
    let Role::Lead(lead) = c.coalescer.join(key) else {
        return;
    };
    let mut fill = Request::new(Body::empty());
    *fill.uri_mut() = req.uri().clone();
    *fill.version_mut() = req.version();
    *fill.headers_mut() = req.headers().clone();
    *fill.extensions_mut() = req.extensions().clone();
    let layer = c.clone();
    let next = next.clone();
    let primary = primary.to_owned();
    let entry = Arc::clone(entry);
    tokio::spawn(async move {
        let work = async {
            fill_request(&mut fill, response_of(&entry));
            let uri = fill.uri().clone();
            let headers = fill.headers().clone();
            let res = next.run(fill).await;
            let view = View {
                uri: &uri,
                headers: &headers,
            };
            let fetched = complete(
                &layer,
                &primary,
                &view,
                Some(entry),
                res,
                lead,
                SystemTime::now(),
            )
            .await;
            if let Fetched::Passed(res) = fetched {
                // Drain it, so that a streamed body reaches the store.
                let _ = res.into_body().collect().await;
            }
        };
        if tokio::time::timeout(layer.config.revalidate_timeout, work)
            .await
            .is_err()
        {
            tracing::warn!(key = %primary.replace('\0', " "), "cache: background revalidation timed out");
        }
    });
}

/// RFC 9111 §4.4: a successful unsafe request makes the stored responses of its path
/// invalid.
async fn invalidate<S: CacheStore>(c: &CacheLayer<S>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *req.method(),
        Method::OPTIONS | Method::TRACE | Method::CONNECT
    );
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
    let res = next.run(req).await;
    if unsafe_method && (res.status().is_success() || res.status().is_redirection()) {
        c.store.remove_prefix(&key::of_path(&path)).await;
    }
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn age_values_read_as_their_number() {
        for secs in (0..=150).chain([86_400, u64::MAX]) {
            assert_eq!(super::age_value(secs).to_str().unwrap(), secs.to_string());
        }
    }
}
