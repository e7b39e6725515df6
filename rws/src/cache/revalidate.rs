//! Talking to the handler about a stored response: the fill request (full, without the
//! client's conditions, with the entry's validators) and what a `304` means for the entry.

use bytes::Bytes;
use http::header::{self, HeaderName};
use http::{HeaderMap, Method, StatusCode};

use super::entry::CachedResponse;
use super::policy;
use crate::{Body, Request, Response};

/// The request headers that make a request conditional: the cache answers them itself, and
/// keeps them from the handler when filling an entry (which needs the full response).
pub(super) const CONDITIONS: [HeaderName; 5] = [
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_MATCH,
    header::IF_UNMODIFIED_SINCE,
    header::IF_RANGE,
];

/// The request as the handler gets it to fill or refresh an entry: a full `GET`, without
/// the client's conditions (returned), with the stored response's validators when there is
/// one to refresh.
pub(super) fn fill_request(req: &mut Request, stale: Option<&CachedResponse>) -> HeaderMap {
    let mut conditions = HeaderMap::new();
    for name in CONDITIONS {
        if let Some(value) = req.headers_mut().remove(&name) {
            conditions.insert(name, value);
        }
    }
    *req.method_mut() = Method::GET;
    if let Some(old) = stale {
        if let Some(etag) = old.headers.get(header::ETAG) {
            req.headers_mut()
                .insert(header::IF_NONE_MATCH, etag.clone());
        }
        if let Some(modified) = old.headers.get(header::LAST_MODIFIED) {
            req.headers_mut()
                .insert(header::IF_MODIFIED_SINCE, modified.clone());
        }
    }
    conditions
}

/// Whether a `304` is about the stored response (RFC 9111 §4.3.4): the same strong tag, or
/// the same weak one, or, without tags, the same `Last-Modified`.
pub(super) fn validates(old: &CachedResponse, not_modified: &HeaderMap) -> bool {
    let tag = |h: &HeaderMap| {
        h.get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|t| t.trim().trim_start_matches("W/").to_owned())
    };
    match (tag(&old.headers), tag(not_modified)) {
        (Some(ours), Some(theirs)) => ours == theirs,
        (_, Some(_)) => false,
        (_, None) => match not_modified.get(header::LAST_MODIFIED) {
            Some(date) => old.headers.get(header::LAST_MODIFIED) == Some(date),
            None => true,
        },
    }
}

/// The stored headers updated with those of a `304` (RFC 9111 §3.2).
pub(super) fn merge(stored: &HeaderMap, not_modified: &HeaderMap) -> HeaderMap {
    let mut headers = stored.clone();
    // The refreshed response is as old as the 304 says, not as the first one was.
    headers.remove(header::AGE);
    for name in not_modified.keys() {
        if policy::updatable(name) {
            headers.remove(name);
            for value in not_modified.get_all(name) {
                headers.append(name.clone(), value.clone());
            }
        }
    }
    headers
}

pub(super) fn rebuild(status: StatusCode, headers: HeaderMap, body: Bytes) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    *res.headers_mut() = headers;
    res
}
