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

/// Each element of every `name` field as its first token (trimmed: `gzip`, `text/plain`) and
/// its q-value in thousandths (RFC 9110 §12.4.2; 1000 when absent, 0 when unparsable).
#[cfg_attr(
    not(any(feature = "fs", feature = "compression", feature = "metrics")),
    allow(dead_code)
)]
pub(crate) fn weighted<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> impl Iterator<Item = (&'a str, u16)> + use<'a> {
    elements(headers, name).map(|item| {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or_default().trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .map_or(1000, parse_q);
        (token, q)
    })
}

/// `1`, `0.8`, `0.001` as thousandths; anything unparsable counts as 0 (not acceptable).
fn parse_q(q: &str) -> u16 {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    let int: u16 = match int {
        "0" => 0,
        "1" => 1000,
        _ => return 0,
    };
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let frac = format!("{frac:0<3}").parse::<u16>().unwrap_or(0);
    (int + frac).min(1000)
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
