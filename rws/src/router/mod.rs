//! rws's own path router: patterns compiled once into a radix tree, looked up without allocating.
//!
//! `App` uses it under the hood; it is public so that it can be used (and benchmarked) alone.
//!
//! Patterns are literal segments, `:name` parameters (exactly one non-empty segment) and a final
//! `*name` wildcard (the non-empty rest of the path). When several patterns match, the most
//! specific wins, segment by segment: a literal beats a parameter, which beats a wildcard —
//! whatever order they were inserted in.
//!
//! ```
//! use rws::router::Router;
//!
//! let mut router = Router::new();
//! router.insert("/users/:id", "user")?;
//! router.insert("/users/me", "me")?;
//! router.insert("/files/*path", "file")?;
//!
//! let m = router.at("/users/42").unwrap();
//! assert_eq!((*m.value, m.params.get_raw("id")), ("user", Some("42")));
//! assert_eq!(*router.at("/users/me").unwrap().value, "me");
//! assert_eq!(router.at("/files/a/b.txt").unwrap().params.get_raw("path"), Some("a/b.txt"));
//! assert!(router.at("/users/").is_none());
//! # Ok::<(), rws::router::InsertError>(())
//! ```

mod methods;
mod params;
mod tree;

use std::fmt;

pub(crate) use methods::{Resolution, RouteTable};
#[cfg(any(feature = "fs", feature = "mcp"))]
pub(crate) use params::SEGMENT;
pub use params::{DecodeError, Params};
pub(crate) use params::{Ranges, decode};
pub(crate) use rws_pattern::Pattern;
pub use rws_pattern::{PatternError, PatternErrorKind};

/// A path router mapping patterns to values of type `T`.
#[derive(Debug)]
pub struct Router<T> {
    root: tree::Node<T>,
    len: usize,
}

/// A successful lookup.
#[derive(Debug)]
pub struct Match<'r, 'p, T> {
    /// The value inserted with the matching pattern.
    pub value: &'r T,
    /// The matching pattern, as inserted.
    pub pattern: &'r str,
    /// The values of the pattern's parameters.
    pub params: Params<'r, 'p>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router {
            root: tree::Node::default(),
            len: 0,
        }
    }
}

impl<T> Router<T> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `pattern`, refusing a malformed pattern or one that conflicts with an earlier one.
    pub fn insert(&mut self, pattern: &str, value: T) -> Result<(), InsertError> {
        let parsed = Pattern::parse(pattern).map_err(InsertError::Pattern)?;
        let leaf = tree::Leaf {
            value,
            pattern: pattern.into(),
            names: parsed.names.into(),
        };
        self.root.insert(&parsed.pieces, leaf)?;
        self.len += 1;
        Ok(())
    }

    /// Finds the most specific pattern matching `path`. Allocates nothing for up to eight
    /// parameters.
    pub fn at<'r, 'p>(&'r self, path: &'p str) -> Option<Match<'r, 'p, T>> {
        let mut ranges = Ranges::default();
        let leaf = self.root.at(path.as_bytes(), path.len(), &mut ranges)?;
        Some(Match {
            value: &leaf.value,
            pattern: &leaf.pattern,
            params: Params::new(&leaf.names, path, ranges),
        })
    }

    /// The number of patterns inserted.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no pattern was inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every pattern and its value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        let mut out = Vec::with_capacity(self.len);
        self.root
            .for_each(&mut |leaf| out.push((&*leaf.pattern, &leaf.value)));
        out.into_iter()
    }
}

/// Why a pattern could not be inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InsertError {
    /// The pattern is malformed.
    Pattern(PatternError),
    /// The pattern matches the same paths as an earlier one, or names a parameter differently
    /// at the same position.
    Conflict {
        /// The pattern being inserted.
        pattern: Box<str>,
        /// The earlier pattern it conflicts with.
        with: Box<str>,
    },
}

impl InsertError {
    fn conflict(pattern: &str, with: &str) -> Self {
        InsertError::Conflict {
            pattern: pattern.into(),
            with: with.into(),
        }
    }
}

impl fmt::Display for InsertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsertError::Pattern(e) => e.fmt(f),
            InsertError::Conflict { pattern, with } if pattern == with => {
                write!(f, "route `{pattern}` is registered twice")
            }
            InsertError::Conflict { pattern, with } => write!(
                f,
                "route `{pattern}` conflicts with `{with}`: a parameter at the same position must have the same name, and two patterns may not match the same paths"
            ),
        }
    }
}

impl std::error::Error for InsertError {}

#[cfg(test)]
mod tests;
