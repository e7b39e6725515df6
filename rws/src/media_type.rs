//! The media type of a `Content-Type`: one reading of `type/subtype; parameters` for every
//! part that decides by what a body is (the body extractors, CSRF, compression, uploads).

use http::HeaderMap;
use http::header::CONTENT_TYPE;

/// `type/subtype` of a field value, parameters and surrounding whitespace left off. Case is
/// kept: compare with [`str::eq_ignore_ascii_case`].
pub(crate) fn essence(value: &str) -> &str {
    value.split(';').next().unwrap_or_default().trim()
}

/// The request's or response's `Content-Type` essence, if it has a readable one.
pub(crate) fn of(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(essence(value))
}

/// Whether `headers` declare `media` (ASCII case-insensitive, parameters ignored).
pub(crate) fn is(headers: &HeaderMap, media: &str) -> bool {
    of(headers).is_some_and(|found| found.eq_ignore_ascii_case(media))
}

/// Whether `essence` is JSON: `application/json` or `application/<anything>+json`.
pub(crate) fn is_json(essence: &str) -> bool {
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (sub.eq_ignore_ascii_case("json")
            || sub.len() > 5 && sub[sub.len() - 5..].eq_ignore_ascii_case("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_case_and_space_do_not_matter() {
        let mut headers = HeaderMap::new();
        assert_eq!(of(&headers), None);
        headers.insert(
            CONTENT_TYPE,
            " Multipart/Form-Data ; boundary=x".parse().unwrap(),
        );
        assert_eq!(of(&headers), Some("Multipart/Form-Data"));
        assert!(is(&headers, "multipart/form-data"));
        assert!(!is(&headers, "multipart/mixed"));
        assert_eq!(essence("text/plain"), "text/plain");
        assert!(is_json("application/json") && is_json("Application/Problem+JSON"));
        assert!(!is_json("text/json") && !is_json("application/+json"));
    }
}
