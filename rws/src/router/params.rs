//! Matched path parameters: byte ranges into the request path, decoded only when read.

use std::borrow::Cow;

/// How many parameters are held without touching the heap.
const INLINE: usize = 8;

/// The byte ranges of a match's parameter values, in pattern order.
///
/// Up to eight ranges live inline, so a lookup with up to eight parameters allocates nothing.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ranges {
    len: usize,
    inline: [(u32, u32); INLINE],
    // Only used past `INLINE` parameters.
    spill: Vec<(u32, u32)>,
}

impl Ranges {
    pub(crate) fn push(&mut self, start: usize, end: usize) {
        // Paths are bounded far below 4 GiB by the server's header limits.
        let range = (
            u32::try_from(start).unwrap_or(u32::MAX),
            u32::try_from(end).unwrap_or(u32::MAX),
        );
        if self.len < INLINE {
            self.inline[self.len] = range;
        } else {
            self.spill.push(range);
        }
        self.len += 1;
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.spill.truncate(len.saturating_sub(INLINE));
            self.len = len;
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn get(&self, i: usize) -> Option<(usize, usize)> {
        let (s, e) = if i >= self.len {
            return None;
        } else if i < INLINE {
            self.inline[i]
        } else {
            self.spill[i - INLINE]
        };
        Some((s as usize, e as usize))
    }
}

/// The parameters of a route match: names from the pattern, values borrowed from the path.
///
/// Values are returned raw (still percent-encoded) by [`Params::get_raw`], and decoded by
/// [`Params::get`], which borrows unless the value holds a `%` escape.
#[derive(Clone, Debug)]
pub struct Params<'r, 'p> {
    names: &'r [Box<str>],
    path: &'p str,
    ranges: Ranges,
}

impl<'r, 'p> Params<'r, 'p> {
    pub(crate) fn new(names: &'r [Box<str>], path: &'p str, ranges: Ranges) -> Self {
        Params {
            names,
            path,
            ranges,
        }
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether the route has no parameters.
    pub fn is_empty(&self) -> bool {
        self.ranges.len() == 0
    }

    /// The raw (percent-encoded) value of parameter `name`.
    pub fn get_raw(&self, name: &str) -> Option<&'p str> {
        let i = self.names.iter().position(|n| **n == *name)?;
        let (s, e) = self.ranges.get(i)?;
        self.path.get(s..e)
    }

    /// The percent-decoded value of parameter `name`; `Err` if it does not decode to UTF-8.
    pub fn get(&self, name: &str) -> Option<Result<Cow<'p, str>, DecodeError>> {
        self.get_raw(name).map(decode)
    }

    /// Name and raw value of every parameter, in pattern order.
    pub fn iter(&self) -> impl Iterator<Item = (&'r str, &'p str)> + '_ {
        (0..self.len()).filter_map(move |i| {
            let (s, e) = self.ranges.get(i)?;
            Some((&*self.names[i], self.path.get(s..e)?))
        })
    }

    pub(crate) fn into_ranges(self) -> Ranges {
        self.ranges
    }
}

/// A parameter whose percent-decoded bytes are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError;

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("percent-decoded value is not valid UTF-8")
    }
}

impl std::error::Error for DecodeError {}

/// What a path segment escapes when rws writes one (a listing's link, a tool call's path, a
/// file resource's URI): controls, space, `%`, `/` and the characters URIs or HTML quote or
/// delimit with; what [`decode`] undoes.
#[cfg(any(feature = "fs", feature = "mcp"))]
pub(crate) const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'\\')
    .add(b'\'');

/// Percent-decodes `raw`, borrowing when there is nothing to decode.
pub(crate) fn decode(raw: &str) -> Result<Cow<'_, str>, DecodeError> {
    if !raw.as_bytes().contains(&b'%') {
        return Ok(Cow::Borrowed(raw));
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| DecodeError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_spill_past_the_inline_capacity_and_truncate() {
        let mut r = Ranges::default();
        for i in 0..12 {
            r.push(i, i + 1);
        }
        assert_eq!(r.len(), 12);
        assert_eq!(r.get(9), Some((9, 10)));
        r.truncate(9);
        assert_eq!(r.get(8), Some((8, 9)));
        assert_eq!(r.get(9), None);
        r.truncate(3);
        assert_eq!(r.len(), 3);
        assert_eq!(r.get(2), Some((2, 3)));
    }

    #[test]
    fn decoding_borrows_when_possible_and_rejects_bad_utf8() {
        assert!(matches!(decode("plain"), Ok(Cow::Borrowed("plain"))));
        assert_eq!(decode("a%20b").unwrap(), "a b");
        assert_eq!(decode("caf%C3%A9").unwrap(), "café");
        assert_eq!(decode("%FF"), Err(DecodeError));
        // A lone or malformed `%` stays as written, as RFC 3986 decoders do.
        assert_eq!(decode("100%").unwrap(), "100%");
    }
}
