//! `Range: bytes=…` (RFC 9110 §14): which parts of a file a client asked for.

use std::ops::Range;

/// The most ranges one request may ask for; past it the header is ignored and the whole file
/// is sent, so that a thousand tiny ranges cannot multiply the work of one request.
const MAX_RANGES: usize = 32;

/// What a `Range` header asks of a file of a given length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ranges {
    /// No usable `Range`: send the whole file (absent, malformed or not in bytes, as RFC 9110
    /// lets a server ignore).
    Full,
    /// These byte ranges (end exclusive), in the client's order unless they overlapped.
    Satisfiable(Vec<Range<u64>>),
    /// None of the ranges overlaps the file: 416.
    Unsatisfiable,
}

/// Parses a `Range` header value against a file of `len` bytes.
pub(crate) fn parse(value: &str, len: u64) -> Ranges {
    let Some(specs) = value.trim().strip_prefix("bytes=") else {
        return Ranges::Full;
    };
    let mut ranges = Vec::new();
    let mut count = 0;
    for spec in specs.split(',') {
        let spec = spec.trim();
        if spec.is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_RANGES {
            return Ranges::Full;
        }
        let Some((first, last)) = spec.split_once('-') else {
            return Ranges::Full;
        };
        let (first, last) = (first.trim(), last.trim());
        let range = if first.is_empty() {
            // `-N`: the last N bytes.
            let Ok(suffix) = last.parse::<u64>() else {
                return Ranges::Full;
            };
            if suffix == 0 || len == 0 {
                continue;
            }
            len.saturating_sub(suffix)..len
        } else {
            let Ok(first) = first.parse::<u64>() else {
                return Ranges::Full;
            };
            let last = if last.is_empty() {
                u64::MAX
            } else {
                match last.parse::<u64>() {
                    Ok(last) if last >= first => last,
                    _ => return Ranges::Full,
                }
            };
            if first >= len {
                continue;
            }
            first..last.min(len - 1) + 1
        };
        ranges.push(range);
    }
    if count == 0 {
        return Ranges::Full;
    }
    if ranges.is_empty() {
        return Ranges::Unsatisfiable;
    }
    Ranges::Satisfiable(coalesce(ranges))
}

/// Merges overlapping or adjacent ranges (sorted), leaving disjoint ones in the client's order.
fn coalesce(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    let mut sorted = ranges.clone();
    sorted.sort_by_key(|r| r.start);
    if sorted.windows(2).all(|w| w[0].end < w[1].start) {
        return ranges;
    }
    ranges.clear();
    for r in sorted {
        match ranges.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => ranges.push(r),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(ranges: &[Range<u64>]) -> Ranges {
        Ranges::Satisfiable(ranges.to_vec())
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn single_ranges() {
        assert_eq!(parse("bytes=0-499", 1000), ok(&[0..500]));
        assert_eq!(parse("bytes=500-", 1000), ok(&[500..1000]));
        assert_eq!(parse("bytes=-200", 1000), ok(&[800..1000]));
        assert_eq!(parse("bytes=-2000", 1000), ok(&[0..1000]));
        assert_eq!(parse("bytes=900-5000", 1000), ok(&[900..1000]));
        assert_eq!(parse("bytes= 0 - 0 ", 1000), ok(&[0..1]));
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn multiple_ranges_keep_order_unless_they_overlap() {
        assert_eq!(parse("bytes=500-599,0-99", 1000), ok(&[500..600, 0..100]));
        assert_eq!(
            parse("bytes=0-99,50-149,500-", 1000),
            ok(&[0..150, 500..1000])
        );
        assert_eq!(parse("bytes=0-99,100-199", 1000), ok(&[0..200]));
        // An unsatisfiable one among satisfiable ones is dropped.
        assert_eq!(parse("bytes=0-9,5000-6000", 1000), ok(&[0..10]));
    }

    #[test]
    fn unsatisfiable_and_ignored() {
        assert_eq!(parse("bytes=1000-", 1000), Ranges::Unsatisfiable);
        assert_eq!(parse("bytes=-0", 1000), Ranges::Unsatisfiable);
        assert_eq!(parse("bytes=0-", 0), Ranges::Unsatisfiable);
        for ignored in [
            "items=0-1",
            "bytes=",
            "bytes=abc",
            "bytes=5-1",
            "bytes=1-2-3",
            "bytes=--5",
            "0-5",
        ] {
            assert_eq!(parse(ignored, 1000), Ranges::Full, "{ignored}");
        }
        let many = format!("bytes={}", vec!["0-0"; MAX_RANGES + 1].join(","));
        assert_eq!(parse(&many, 1000), Ranges::Full);
    }
}
