//! Cache keys: what makes two requests the same resource, and which of its variants.
//!
//! A primary key is the path and query, the host, and the values of the headers the layer
//! varies by (`vary_by_header`), separated by NUL (which no URI or header value holds); a
//! variant key appends the values of the headers the stored response's `Vary` names. Purging
//! by path matches every host and variant of it, because they all start with `path\0`.

use std::fmt::Write as _;

use http::header::{self, HeaderName};
use http::{HeaderMap, Request};

const FIELD: char = '\0';
const VARIANT: char = '\u{1}';

/// The primary key of `req`.
pub(crate) fn primary<B>(req: &Request<B>, vary_by: &[HeaderName]) -> String {
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let host = req
        .uri()
        .authority()
        .map(http::uri::Authority::as_str)
        .or_else(|| req.headers().get(header::HOST)?.to_str().ok())
        .unwrap_or_default();
    let mut key = String::with_capacity(path.len() + host.len() + 2);
    key.push_str(path);
    key.push(FIELD);
    key.extend(host.chars().map(|c| c.to_ascii_lowercase()));
    for name in vary_by {
        key.push(FIELD);
        push_values(&mut key, req.headers(), name);
    }
    key
}

/// The key of the variant of `primary` that `headers` select among those `names` (a stored
/// response's `Vary`) tell apart.
pub(crate) fn variant(primary: &str, names: &[HeaderName], headers: &HeaderMap) -> String {
    let mut key = String::with_capacity(primary.len() + 16 * names.len());
    key.push_str(primary);
    for name in names {
        key.push(VARIANT);
        push_values(&mut key, headers, name);
    }
    key
}

/// The prefix every key of `path_and_query` starts with, whatever its host and variant.
pub(crate) fn of_path(path_and_query: &str) -> String {
    let mut key = String::with_capacity(path_and_query.len() + 1);
    key.push_str(path_and_query);
    key.push(FIELD);
    key
}

/// The values of every `name` field, normalised (trimmed elements joined by `,`) so that
/// `gzip,br` and `gzip, br` select the same variant. Bytes that are not text count by their
/// escaped form.
fn push_values(key: &mut String, headers: &HeaderMap, name: &HeaderName) {
    let mut first = true;
    for value in headers.get_all(name) {
        for element in value.as_bytes().split(|b| *b == b',') {
            let element = element.trim_ascii();
            if !first {
                key.push(',');
            }
            first = false;
            match std::str::from_utf8(element) {
                Ok(text) => key.push_str(text),
                Err(_) => {
                    let _ = write!(key, "{}", element.escape_ascii());
                }
            }
        }
    }
}

/// The header names a response's `Vary` lists, lowercased; `None` for `Vary: *`, which no
/// request can match.
pub(crate) fn vary_names(headers: &HeaderMap) -> Option<Vec<HeaderName>> {
    let mut names = Vec::new();
    for element in crate::header_list::elements(headers, &header::VARY) {
        let element = element.trim();
        if element.is_empty() {
            continue;
        }
        if element == "*" {
            return None;
        }
        // An invalid name cannot be in any request, so it cannot tell requests apart.
        if let Ok(name) = HeaderName::from_bytes(element.as_bytes())
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut b = Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn keys_tell_apart_what_matters_only() {
        let accept = [HeaderName::from_static("accept")];
        let a = primary(&req("/a?x=1", &[("host", "Example.com")]), &accept);
        assert_eq!(a, "/a?x=1\0example.com\0");
        assert!(a.starts_with(&of_path("/a?x=1")));
        assert!(!a.starts_with(&of_path("/a")));
        let json = primary(
            &req(
                "/a?x=1",
                &[("host", "example.com"), ("accept", "application/json")],
            ),
            &accept,
        );
        assert_ne!(a, json);
        let h = req("/", &[("accept-encoding", "gzip,br")]);
        let h2 = req("/", &[("accept-encoding", "gzip, br")]);
        let names = [header::ACCEPT_ENCODING];
        assert_eq!(
            variant("k", &names, h.headers()),
            variant("k", &names, h2.headers())
        );
        assert_ne!(
            variant("k", &names, h.headers()),
            variant("k", &names, req("/", &[]).headers())
        );
    }

    #[test]
    fn vary_star_matches_nothing() {
        let mut headers = HeaderMap::new();
        headers.insert(header::VARY, "Accept, accept-encoding".parse().unwrap());
        assert_eq!(
            vary_names(&headers).unwrap(),
            [header::ACCEPT, header::ACCEPT_ENCODING]
        );
        headers.append(header::VARY, "*".parse().unwrap());
        assert!(vary_names(&headers).is_none());
    }
}
