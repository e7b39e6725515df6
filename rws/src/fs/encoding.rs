//! Precompressed siblings (`app.js.br`, `app.js.zst`, `app.js.gz`) chosen by `Accept-Encoding`.

use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// A content coding rws can serve from a precompressed sibling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Brotli,
    Zstd,
    Gzip,
}

impl Encoding {
    /// Our preference when the client weighs several equally: smallest first.
    const PREFERENCE: [Encoding; 3] = [Encoding::Brotli, Encoding::Zstd, Encoding::Gzip];

    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
        }
    }

    /// The sibling file's extension.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zst",
            Encoding::Gzip => "gz",
        }
    }
}

/// The encodings the client accepts, best first (by q-value, then our preference).
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
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .map_or(1000, parse_q);
            if name.eq_ignore_ascii_case(token)
                || (token == "gzip" && name.eq_ignore_ascii_case("x-gzip"))
            {
                return q;
            }
            if name == "*" {
                wildcard = Some(q);
            }
        }
    }
    wildcard.unwrap_or(0)
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
        assert_eq!(accept("gzip, deflate, br, zstd"), vec![Brotli, Zstd, Gzip]);
        assert_eq!(accept("gzip;q=1, br;q=0.5"), vec![Gzip, Brotli]);
        assert_eq!(accept("br;q=0, gzip"), vec![Gzip]);
        assert_eq!(accept("*"), vec![Brotli, Zstd, Gzip]);
        assert_eq!(accept("*;q=0, gzip"), vec![Gzip]);
        assert_eq!(accept("identity"), vec![]);
        assert_eq!(accept("x-gzip"), vec![Gzip]);
        assert_eq!(accept("gzip;q=2"), vec![]);
        assert_eq!(accept("gzip;q=0.001"), vec![Gzip]);
    }
}
