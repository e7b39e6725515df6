//! Where in a body or query a value failed to deserialise: the field path (`items[1].price`) and
//! its JSON Pointer (`/items/1/price`), one rule for `Json`, `Form` and `Query`.
//!
//! Parsing is done plainly first; only a failure parses again with `serde_path_to_error`, so the
//! common case pays nothing for the path.

use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};

/// A value that does not fit the type asked for, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldError {
    /// `items[1].price`; a missing field is named too (`age`, `items[0].name`); `.` for the root.
    pub(super) path: String,
    /// RFC 6901: `/items/1/price`, `/age`; empty for the root.
    pub(super) pointer: String,
    /// What serde says.
    pub(super) message: String,
    /// Whether the field is missing (rather than of the wrong shape).
    pub(super) missing: bool,
}

impl FieldError {
    /// The problem's detail, naming the field as `what` (`query parameter`, `form field`,
    /// `field`) and the whole input as `whole`: "missing field \`age\`", "invalid field
    /// \`items[1].price\`: …".
    pub(super) fn describe(&self, what: &str, whole: &str) -> String {
        match (self.missing, self.path.as_str()) {
            (true, path) => format!("missing {what} `{path}`"),
            (false, ".") => format!("invalid {whole}: {}", self.message),
            (false, path) => format!("invalid {what} `{path}`: {}", self.message),
        }
    }
}

impl FieldError {
    /// Describes a tracked failure; `message` is the inner error's text.
    pub(super) fn new(path: &Path, message: String) -> Self {
        let mut segments: Vec<Part> = path
            .iter()
            .filter_map(|s| match s {
                Segment::Seq { index } => Some(Part::Index(*index)),
                Segment::Map { key } => Some(Part::Key(key.clone())),
                Segment::Enum { variant } => Some(Part::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect();
        // serde reports a missing field at its parent; the client wants the field itself.
        let missing = missing_field(&message);
        if let Some(field) = missing {
            segments.push(Part::Key(field.to_owned()));
        }
        FieldError {
            path: dotted(&segments),
            pointer: pointer(&segments),
            missing: missing.is_some(),
            message,
        }
    }
}

enum Part {
    Index(usize),
    Key(String),
}

/// serde's own wording for `de::Error::missing_field`.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split_once('`')
        .map(|(field, _)| field)
}

fn dotted(parts: &[Part]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Part::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

fn pointer(parts: &[Part]) -> String {
    let mut out = String::new();
    for part in parts {
        out.push('/');
        match part {
            Part::Index(i) => {
                let _ = write!(out, "{i}");
            }
            Part::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
        }
    }
    out
}

/// An urlencoded form or query string into `T`.
pub(super) fn urlencoded<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FieldError> {
    serde_html_form::from_bytes(bytes).map_err(|_| {
        let de = serde_html_form::Deserializer::from_bytes(bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Err(tracked) => FieldError::new(tracked.path(), tracked.inner().to_string()),
            // Plain parsing failed, so tracked parsing does too; never reached.
            Ok(_) => FieldError {
                path: ".".to_owned(),
                pointer: String::new(),
                message: "the input does not fit the expected type".to_owned(),
                missing: false,
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        q: String,
        page: Option<u32>,
    }

    #[test]
    fn names_the_failing_and_the_missing_field() {
        let e = urlencoded::<Page>(b"q=a&page=x").unwrap_err();
        assert_eq!((e.path.as_str(), e.pointer.as_str()), ("page", "/page"));
        assert_eq!(
            e.describe("query parameter", "query string"),
            "invalid query parameter `page`: invalid digit found in string"
        );
        let e = urlencoded::<Page>(b"page=2").unwrap_err();
        assert_eq!((e.path.as_str(), e.pointer.as_str()), ("q", "/q"));
        assert_eq!(
            e.describe("query parameter", "query string"),
            "missing query parameter `q`"
        );
        assert_eq!(urlencoded::<Page>(b"q=a").unwrap().q, "a");
    }

    #[test]
    fn pointers_escape_and_index() {
        let parts = [
            Part::Key("a/b~c".into()),
            Part::Index(2),
            Part::Key("d".into()),
        ];
        assert_eq!(pointer(&parts), "/a~1b~0c/2/d");
        assert_eq!(dotted(&parts), "a/b~c[2].d");
        assert_eq!((dotted(&[]), pointer(&[])), (".".to_owned(), String::new()));
        let _: HashMap<String, String> = urlencoded(b"x=1").unwrap();
    }
}
