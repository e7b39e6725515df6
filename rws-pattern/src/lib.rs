//! Route patterns of the rws web framework: `/users/:id`, `/files/*path`, parsed and validated.
//!
//! One parser for two users: `rws`'s router compiles patterns with it when an app is built, and
//! `rws-macros` checks the pattern of a `#[route]` with it at compile time, pointing at the
//! offending byte. Users depend on `rws`, which re-exports [`PatternError`] and
//! [`PatternErrorKind`] from `rws::router`.
//!
//! ```
//! use rws_pattern::{Pattern, PatternErrorKind, Piece};
//!
//! let p = Pattern::parse("/users/:id/files/*rest").unwrap();
//! assert_eq!(p.names, ["id".into(), "rest".into()]);
//! assert_eq!(p.pieces[1], Piece::Param("id".into()));
//!
//! let e = Pattern::parse("/users/:id.json").unwrap_err();
//! assert_eq!(e.kind(), &PatternErrorKind::MixedSegment);
//! assert_eq!(e.offset(), 7);
//! ```

use std::fmt;

/// One piece of a parsed pattern, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal bytes, possibly spanning several segments (`/users/`).
    Static(Box<str>),
    /// `:name`: exactly one non-empty segment.
    Param(Box<str>),
    /// `*name`: the rest of the path, non-empty; always the last piece.
    Wildcard(Box<str>),
}

/// A validated route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The pieces, in order: literals and parameters alternate.
    pub pieces: Vec<Piece>,
    /// The parameter names, in order.
    pub names: Vec<Box<str>>,
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pattern: Box<str>,
    at: usize,
    kind: PatternErrorKind,
}

/// The rule a refused pattern breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternErrorKind {
    /// The pattern does not start with `/`.
    NoLeadingSlash,
    /// Two slashes in a row.
    EmptySegment,
    /// `:` or `*` with no name after it.
    EmptyName,
    /// A parameter name with characters other than ASCII letters, digits and `_`.
    InvalidName,
    /// A literal and a parameter inside one segment (`/v:id`, `/:id.json`).
    MixedSegment,
    /// A wildcard that is not the last segment.
    WildcardNotLast,
    /// The same parameter name twice.
    DuplicateName,
    /// A character that may not appear in a URL path.
    InvalidChar(char),
}

impl PatternError {
    /// The byte offset in the pattern where the problem starts (macros use it to point inside
    /// the string literal).
    pub fn offset(&self) -> usize {
        self.at
    }

    /// Which rule the pattern breaks.
    pub fn kind(&self) -> &PatternErrorKind {
        &self.kind
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.pattern;
        let rest = &p[self.at..];
        match &self.kind {
            PatternErrorKind::NoLeadingSlash => {
                write!(f, "route pattern `{p}` must start with `/`")
            }
            PatternErrorKind::EmptySegment => write!(
                f,
                "route pattern `{p}` has an empty segment (`//`) at byte {}",
                self.at
            ),
            PatternErrorKind::EmptyName => write!(
                f,
                "route pattern `{p}` has a parameter without a name at byte {}: write `:name` or `*name`",
                self.at
            ),
            PatternErrorKind::InvalidName => write!(
                f,
                "route pattern `{p}`: parameter `{}` may only use ASCII letters, digits and `_`",
                segment(rest)
            ),
            PatternErrorKind::MixedSegment => write!(
                f,
                "route pattern `{p}`: segment `{}` mixes a literal and a parameter; a parameter must be a whole segment, like `/:id`",
                segment(rest)
            ),
            PatternErrorKind::WildcardNotLast => write!(
                f,
                "route pattern `{p}`: wildcard `{}` must be the last segment",
                segment(rest)
            ),
            PatternErrorKind::DuplicateName => write!(
                f,
                "route pattern `{p}`: parameter name `{}` is used twice",
                &segment(rest)[1..]
            ),
            PatternErrorKind::InvalidChar(c) => write!(
                f,
                "route pattern `{p}`: character {c:?} at byte {} is not allowed in a URL path",
                self.at
            ),
        }
    }
}

impl std::error::Error for PatternError {}

fn segment(s: &str) -> &str {
    s.split('/').next().unwrap_or(s)
}

/// The characters RFC 3986 allows in a path segment (`pchar`), besides `:` and `*`, which
/// introduce parameters here.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '.'
                | '_'
                | '~'
                | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '+'
                | ','
                | ';'
                | '='
                | '@'
                | '%'
        )
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Pattern {
    /// Parses and validates `pattern`.
    pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
        let err = |at: usize, kind: PatternErrorKind| PatternError {
            pattern: pattern.into(),
            at,
            kind,
        };
        if !pattern.starts_with('/') {
            return Err(err(0, PatternErrorKind::NoLeadingSlash));
        }
        let mut pieces = Vec::new();
        let mut names: Vec<Box<str>> = Vec::new();
        let mut literal = String::new();
        // Offsets of each segment's first byte, after its leading `/`.
        let mut start = 1;
        let segments: Vec<&str> = pattern[1..].split('/').collect();
        for (i, seg) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let kind = seg.chars().next();
            match kind {
                Some(sigil @ (':' | '*')) => {
                    let name = &seg[1..];
                    if name.is_empty() {
                        return Err(err(start, PatternErrorKind::EmptyName));
                    }
                    if let Some(off) = name.find(|c: char| !is_name_char(c)) {
                        let c = name[off..].chars().next().unwrap_or(' ');
                        // `:id.json` is a literal glued to a parameter; `:i!d` a bad name.
                        let (at, kind) = match c {
                            '.' | '-' | '~' | ':' | '*' => (start, PatternErrorKind::MixedSegment),
                            c if is_path_char(c) => (start, PatternErrorKind::InvalidName),
                            c => (start + 1 + off, PatternErrorKind::InvalidChar(c)),
                        };
                        return Err(err(at, kind));
                    }
                    if names.iter().any(|n| **n == *name) {
                        return Err(err(start, PatternErrorKind::DuplicateName));
                    }
                    if sigil == '*' && !last {
                        return Err(err(start, PatternErrorKind::WildcardNotLast));
                    }
                    literal.push('/');
                    pieces.push(Piece::Static(std::mem::take(&mut literal).into()));
                    names.push(name.into());
                    pieces.push(if sigil == ':' {
                        Piece::Param(name.into())
                    } else {
                        Piece::Wildcard(name.into())
                    });
                }
                _ => {
                    if seg.is_empty() && !last {
                        return Err(err(start, PatternErrorKind::EmptySegment));
                    }
                    for (off, c) in seg.char_indices() {
                        if c == ':' || c == '*' {
                            return Err(err(start, PatternErrorKind::MixedSegment));
                        }
                        if !is_path_char(c) {
                            return Err(err(start + off, PatternErrorKind::InvalidChar(c)));
                        }
                    }
                    literal.push('/');
                    literal.push_str(seg);
                }
            }
            start += seg.len() + 1;
        }
        if !literal.is_empty() {
            pieces.push(Piece::Static(literal.into()));
        }
        Ok(Pattern { pieces, names })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Piece {
        Piece::Static(x.into())
    }
    fn p(x: &str) -> Piece {
        Piece::Param(x.into())
    }
    fn w(x: &str) -> Piece {
        Piece::Wildcard(x.into())
    }

    #[test]
    fn valid_patterns_parse_into_pieces() {
        let cases: Vec<(&str, Vec<Piece>)> = vec![
            ("/", vec![s("/")]),
            ("/users", vec![s("/users")]),
            ("/users/", vec![s("/users/")]),
            ("/users/:id", vec![s("/users/"), p("id")]),
            (
                "/users/:id/posts/:post",
                vec![s("/users/"), p("id"), s("/posts/"), p("post")],
            ),
            ("/files/*path", vec![s("/files/"), w("path")]),
            ("/:a/:b", vec![s("/"), p("a"), s("/"), p("b")]),
            ("/a/:b/", vec![s("/a/"), p("b"), s("/")]),
            ("/v1.0/~me/@x", vec![s("/v1.0/~me/@x")]),
        ];
        for (pattern, pieces) in cases {
            assert_eq!(Pattern::parse(pattern).unwrap().pieces, pieces, "{pattern}");
        }
    }

    #[test]
    fn invalid_patterns_are_refused_with_a_reason() {
        let cases = [
            ("users", "route pattern `users` must start with `/`"),
            ("", "route pattern `` must start with `/`"),
            (
                "/a//b",
                "route pattern `/a//b` has an empty segment (`//`) at byte 3",
            ),
            (
                "/users/:",
                "route pattern `/users/:` has a parameter without a name at byte 7: write `:name` or `*name`",
            ),
            (
                "/users/:id.json",
                "route pattern `/users/:id.json`: segment `:id.json` mixes a literal and a parameter; a parameter must be a whole segment, like `/:id`",
            ),
            (
                "/v:id",
                "route pattern `/v:id`: segment `v:id` mixes a literal and a parameter; a parameter must be a whole segment, like `/:id`",
            ),
            (
                "/files/*path/x",
                "route pattern `/files/*path/x`: wildcard `*path` must be the last segment",
            ),
            (
                "/a/:id/b/:id",
                "route pattern `/a/:id/b/:id`: parameter name `id` is used twice",
            ),
            (
                "/a b",
                "route pattern `/a b`: character ' ' at byte 2 is not allowed in a URL path",
            ),
            (
                "/a?b",
                "route pattern `/a?b`: character '?' at byte 2 is not allowed in a URL path",
            ),
            (
                "/:na!me",
                "route pattern `/:na!me`: parameter `:na!me` may only use ASCII letters, digits and `_`",
            ),
            (
                "/é",
                "route pattern `/é`: character 'é' at byte 1 is not allowed in a URL path",
            ),
        ];
        for (pattern, message) in cases {
            assert_eq!(Pattern::parse(pattern).unwrap_err().to_string(), message);
        }
    }
}
