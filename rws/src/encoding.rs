//! Content codings and `Accept-Encoding` negotiation: for precompressed static files and for
//! on-the-fly compression.

use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// A content coding rws can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Encoding {
    Brotli,
    Zstd,
    Gzip,
    Deflate,
}

impl Encoding {
    /// Our preference when the client weighs several equally: smallest output first.
    pub(crate) const PREFERENCE: [Encoding; 4] = [
        Encoding::Brotli,
        Encoding::Zstd,
        Encoding::Gzip,
        Encoding::Deflate,
    ];

    /// The coding a `Content-Encoding` token names.
    #[cfg_attr(not(feature = "compression"), allow(dead_code))]
    pub(crate) fn from_token(token: &str) -> Option<Encoding> {
        let token = token.trim();
        Encoding::PREFERENCE
            .into_iter()
            .find(|e| token.eq_ignore_ascii_case(e.token()))
            .or_else(|| {
                token
                    .eq_ignore_ascii_case("x-gzip")
                    .then_some(Encoding::Gzip)
            })
    }

    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        }
    }

    /// A precompressed sibling file's extension (none for deflate, which nobody precompresses).
    #[cfg_attr(not(feature = "fs"), allow(dead_code))]
    pub(crate) fn extension(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Zstd => Some("zst"),
            Encoding::Gzip => Some("gz"),
            Encoding::Deflate => None,
        }
    }
}

/// The encodings the client accepts, best first (by q-value, then our preference).
#[cfg_attr(not(any(feature = "fs", feature = "compression")), allow(dead_code))]
pub(crate) fn accepted(headers: &HeaderMap) -> Vec<Encoding> {
    let mut weighed: Vec<(u16, usize, Encoding)> = Vec::new();
    for (rank, encoding) in Encoding::PREFERENCE.into_iter().enumerate() {
        let q = quality(headers, encoding.token());
        if q > 0 {
            weighed.push((q, rank, encoding));
        }
    }
    weighed.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    weighed.into_iter().map(|(_, _, e)| e).collect()
}

/// The q-value (in thousandths) `Accept-Encoding` gives `token`, via `*` if it is not named.
fn quality(headers: &HeaderMap, token: &str) -> u16 {
    let mut wildcard = None;
    for (name, q) in crate::header_list::weighted(headers, &ACCEPT_ENCODING) {
        if name.eq_ignore_ascii_case(token)
            || (token == "gzip" && name.eq_ignore_ascii_case("x-gzip"))
        {
            return q;
        }
        if name == "*" {
            wildcard = Some(q);
        }
    }
    wildcard.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> Vec<Encoding> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        accepted(&headers)
    }

    #[test]
    fn q_values_then_preference() {
        use Encoding::*;
        assert_eq!(accepted(&HeaderMap::new()), vec![]);
        assert_eq!(
            accept("gzip, deflate, br, zstd"),
            vec![Brotli, Zstd, Gzip, Deflate]
        );
        assert_eq!(accept("gzip;q=1, br;q=0.5"), vec![Gzip, Brotli]);
        assert_eq!(accept("br;q=0, gzip"), vec![Gzip]);
        assert_eq!(accept("*"), vec![Brotli, Zstd, Gzip, Deflate]);
        assert_eq!(accept("*;q=0, gzip"), vec![Gzip]);
        assert_eq!(accept("identity"), vec![]);
        assert_eq!(accept("x-gzip"), vec![Gzip]);
        assert_eq!(accept("gzip;q=2"), vec![]);
        assert_eq!(accept("gzip;q=0.001"), vec![Gzip]);
    }
}
