//! Validators (`ETag`, `Last-Modified`) and the evaluation of conditional requests, in the order
//! RFC 9110 §13.2.2 prescribes: one rule for static files and for cached responses.

use std::time::SystemTime;
#[cfg(feature = "fs")]
use std::time::UNIX_EPOCH;

#[cfg(feature = "fs")]
use http::HeaderValue;
use http::{HeaderMap, Method, header};

/// What a representation's validators allow the server to say about it.
#[derive(Debug, Clone)]
pub(crate) struct Validators {
    /// The entity tag, quotes included (and `W/` when weak); empty when there is none.
    pub(crate) etag: String,
    /// Whole seconds since the epoch, as `Last-Modified` carries them.
    pub(crate) modified: Option<SystemTime>,
}

impl Validators {
    /// The validators a response carries: its `ETag` and `Last-Modified`.
    #[cfg(feature = "cache")]
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        Validators {
            etag: header_str(headers, &header::ETAG)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            modified: header_date(headers, &header::LAST_MODIFIED),
        }
    }

    /// Validators from a file's length and modification time; `variant` tells representations of
    /// the same file apart (a precompressed sibling has its own tag).
    #[cfg(feature = "fs")]
    pub(crate) fn new(len: u64, modified: Option<SystemTime>, variant: &str) -> Self {
        let nanos = modified
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let etag = if variant.is_empty() {
            format!("\"{len:x}-{nanos:x}\"")
        } else {
            format!("\"{len:x}-{nanos:x}-{variant}\"")
        };
        Validators {
            etag,
            modified: modified.map(truncate_to_seconds),
        }
    }

    #[cfg(feature = "fs")]
    pub(crate) fn etag_header(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&self.etag).ok()
    }

    #[cfg(feature = "fs")]
    pub(crate) fn last_modified_header(&self) -> Option<HeaderValue> {
        let modified = self.modified?;
        HeaderValue::from_str(&httpdate::fmt_http_date(modified)).ok()
    }
}

/// The outcome of the preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// Go on and answer normally.
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 Precondition Failed.
    Failed,
}

/// Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and `If-Modified-Since`.
pub(crate) fn evaluate(method: &Method, headers: &HeaderMap, v: &Validators) -> Precondition {
    let safe = *method == Method::GET || *method == Method::HEAD;
    // Step 1 and 2: the client's copy must still be current.
    if let Some(if_match) = header_str(headers, &header::IF_MATCH) {
        if !matches(if_match, &v.etag, Comparison::Strong) {
            return Precondition::Failed;
        }
    } else if let Some(date) = header_date(headers, &header::IF_UNMODIFIED_SINCE)
        && v.modified.is_none_or(|m| m > date)
    {
        return Precondition::Failed;
    }
    // Step 3 and 4: the client's copy is still good.
    if let Some(if_none_match) = header_str(headers, &header::IF_NONE_MATCH) {
        if matches(if_none_match, &v.etag, Comparison::Weak) {
            return if safe {
                Precondition::NotModified
            } else {
                Precondition::Failed
            };
        }
    } else if safe
        && let Some(date) = header_date(headers, &header::IF_MODIFIED_SINCE)
        && v.modified.is_some_and(|m| m <= date)
    {
        return Precondition::NotModified;
    }
    Precondition::Proceed
}

#[cfg(feature = "fs")]
/// Whether a `Range` may be honoured under `If-Range` (RFC 9110 §13.1.5): the client's
/// validator must be a strong match, or the exact `Last-Modified` date.
pub(crate) fn if_range_allows(headers: &HeaderMap, v: &Validators) -> bool {
    let Some(value) = header_str(headers, &header::IF_RANGE) else {
        return true;
    };
    let value = value.trim();
    if value.starts_with('"') {
        return value == v.etag;
    }
    if value.starts_with("W/") {
        return false;
    }
    match (httpdate::parse_http_date(value), v.modified) {
        (Ok(date), Some(modified)) => date == modified,
        _ => false,
    }
}

#[derive(Clone, Copy)]
enum Comparison {
    Strong,
    Weak,
}

/// Whether an `If-Match`/`If-None-Match` list matches `etag` (RFC 9110 §8.8.3.2: a strong
/// comparison needs both tags strong, a weak one compares the opaque tags alone). A
/// representation without a tag matches `*` only.
fn matches(list: &str, etag: &str, comparison: Comparison) -> bool {
    if list.trim() == "*" {
        return true;
    }
    if etag.is_empty() {
        return false;
    }
    let (ours, ours_weak) = match etag.strip_prefix("W/") {
        Some(opaque) => (opaque, true),
        None => (etag, false),
    };
    list.split(',').map(str::trim).any(|candidate| {
        let (theirs, theirs_weak) = match candidate.strip_prefix("W/") {
            Some(opaque) => (opaque, true),
            None => (candidate, false),
        };
        match comparison {
            Comparison::Weak => theirs == ours,
            Comparison::Strong => !theirs_weak && !ours_weak && theirs == ours,
        }
    })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A header's HTTP date; an unparsable date is ignored, as RFC 9110 requires.
fn header_date(headers: &HeaderMap, name: &header::HeaderName) -> Option<SystemTime> {
    httpdate::parse_http_date(header_str(headers, name)?).ok()
}

#[cfg(feature = "fs")]
fn truncate_to_seconds(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => UNIX_EPOCH + std::time::Duration::from_secs(d.as_secs()),
        Err(_) => t,
    }
}

#[cfg(all(test, feature = "fs"))]
mod tests {
    use std::time::Duration;

    use super::*;

    fn validators() -> Validators {
        Validators::new(
            10,
            Some(UNIX_EPOCH + Duration::from_millis(1_700_000_000_500)),
            "",
        )
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    fn eval(method: &Method, pairs: &[(&str, &str)]) -> Precondition {
        evaluate(method, &headers(pairs), &validators())
    }

    #[test]
    fn rfc_9110_order_and_comparisons() {
        use Precondition::*;
        let v = validators();
        let tag = v.etag.as_str();
        let weak = format!("W/{tag}");
        let date = httpdate::fmt_http_date(v.modified.unwrap());
        let earlier = httpdate::fmt_http_date(v.modified.unwrap() - Duration::from_secs(1));
        assert_eq!(eval(&Method::GET, &[]), Proceed);
        assert_eq!(eval(&Method::GET, &[("if-none-match", tag)]), NotModified);
        assert_eq!(eval(&Method::GET, &[("if-none-match", &weak)]), NotModified);
        assert_eq!(
            eval(&Method::GET, &[("if-none-match", "\"x\", *")]),
            Proceed
        );
        assert_eq!(eval(&Method::GET, &[("if-none-match", "*")]), NotModified);
        assert_eq!(eval(&Method::DELETE, &[("if-none-match", tag)]), Failed);
        assert_eq!(eval(&Method::GET, &[("if-match", tag)]), Proceed);
        assert_eq!(eval(&Method::GET, &[("if-match", &weak)]), Failed);
        assert_eq!(eval(&Method::GET, &[("if-match", "\"other\"")]), Failed);
        assert_eq!(
            eval(&Method::GET, &[("if-modified-since", &date)]),
            NotModified
        );
        assert_eq!(
            eval(&Method::GET, &[("if-modified-since", &earlier)]),
            Proceed
        );
        assert_eq!(
            eval(&Method::GET, &[("if-modified-since", "yesterday")]),
            Proceed
        );
        // If-None-Match wins over If-Modified-Since.
        assert_eq!(
            eval(
                &Method::GET,
                &[("if-none-match", "\"x\""), ("if-modified-since", &date)]
            ),
            Proceed
        );
        assert_eq!(
            eval(&Method::GET, &[("if-unmodified-since", &date)]),
            Proceed
        );
        assert_eq!(
            eval(&Method::GET, &[("if-unmodified-since", &earlier)]),
            Failed
        );
        // If-Match wins over If-Unmodified-Since.
        assert_eq!(
            eval(
                &Method::GET,
                &[("if-match", tag), ("if-unmodified-since", &earlier)]
            ),
            Proceed
        );
    }

    #[test]
    fn if_range_needs_a_strong_match_or_the_exact_date() {
        let v = validators();
        let date = httpdate::fmt_http_date(v.modified.unwrap());
        let later = httpdate::fmt_http_date(v.modified.unwrap() + Duration::from_secs(1));
        assert!(if_range_allows(&headers(&[]), &v));
        assert!(if_range_allows(&headers(&[("if-range", &v.etag)]), &v));
        assert!(!if_range_allows(&headers(&[("if-range", "\"old\"")]), &v));
        let weak = format!("W/{}", v.etag);
        assert!(!if_range_allows(&headers(&[("if-range", &weak)]), &v));
        assert!(if_range_allows(&headers(&[("if-range", &date)]), &v));
        assert!(!if_range_allows(&headers(&[("if-range", &later)]), &v));
    }
}
