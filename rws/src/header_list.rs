//! Comma-separated header lists (RFC 9110 §5.6.1), across every field line of a header.

use http::HeaderMap;
use http::header::HeaderName;

/// The elements of every `name` field, as written (untrimmed; empty ones included). A field
/// that is not text is skipped.
pub(crate) fn elements<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> impl Iterator<Item = &'a str> + use<'a> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
}

/// Whether a `name` field lists `token`, compared case-insensitively.
#[cfg_attr(not(any(feature = "compression", feature = "ws")), allow(dead_code))]
pub(crate) fn contains(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    elements(headers, name).any(|t| t.trim().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{CONNECTION, UPGRADE};

    #[test]
    fn tokens_are_found_across_lines_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.append(CONNECTION, "keep-alive".parse().unwrap());
        headers.append(CONNECTION, "Upgrade, foo".parse().unwrap());
        headers.insert(UPGRADE, http::HeaderValue::from_bytes(b"\xff").unwrap());
        assert!(contains(&headers, &CONNECTION, "upgrade"));
        assert!(!contains(&headers, &CONNECTION, "close"));
        assert!(!contains(&headers, &UPGRADE, "websocket"));
        assert_eq!(
            elements(&headers, &CONNECTION).collect::<Vec<_>>(),
            ["keep-alive", "Upgrade", " foo"]
        );
    }
}
