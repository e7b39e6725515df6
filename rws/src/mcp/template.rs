//! URI templates of RFC 6570 level 1 (`user://{id}`, `file:///{dir}/{name}`), and level 2's
//! reserved expansion (`file:///{+path}`, whose value may hold `/`), as resource templates use
//! them: parsed once, matched against the URIs clients read.

use std::sync::Arc;

use http::uri::PathAndQuery;

use crate::context::MatchedRoute;
use crate::router::Ranges;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// A variable; `true` for reserved expansion (`{+name}`).
    Variable(Box<str>, bool),
}

/// A parsed template.
#[derive(Debug, Clone)]
pub(crate) struct UriTemplate {
    text: Arc<str>,
    parts: Vec<Part>,
    names: Arc<[Box<str>]>,
    // The route pattern handlers see (`/:a/*b`): a reserved variable is a wildcard, as a
    // route's `*rest` is, so `ServeDir` serves it.
    pattern: Arc<str>,
}

impl UriTemplate {
    /// Parses `text`, or says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut names: Vec<Box<str>> = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("`{text}` opens a `{{` it never closes"));
            };
            let inner = &rest[open + 1..open + close];
            let (name, reserved) = match inner.strip_prefix('+') {
                Some(name) => (name, true),
                None => (inner, false),
            };
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
            if !valid {
                return Err(format!(
                    "`{{{name}}}` in `{text}` is not a level-1 variable (letters, digits, `_`)"
                ));
            }
            if matches!(parts.last(), Some(Part::Variable(..))) {
                return Err(format!(
                    "`{text}` puts two variables side by side: nothing tells where one ends"
                ));
            }
            if names.iter().any(|n| **n == *name) {
                return Err(format!("`{text}` names `{name}` twice"));
            }
            names.push(name.into());
            parts.push(Part::Variable(name.into(), reserved));
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("`{text}` closes a `}}` it never opened"));
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        let mut pattern = String::new();
        for part in &parts {
            if let Part::Variable(name, reserved) = part {
                pattern.push_str(if *reserved { "/*" } else { "/:" });
                pattern.push_str(name);
            }
        }
        if pattern.is_empty() {
            pattern.push('/');
        }
        Ok(UriTemplate {
            text: text.into(),
            parts,
            names: names.into(),
            pattern: pattern.into(),
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the template has variables (a resource template) or none (one resource).
    pub(crate) fn is_template(&self) -> bool {
        !self.names.is_empty()
    }

    /// The route `Path` extractors read when `uri` matches: each variable's value, still
    /// percent-encoded, as a path parameter of that name.
    pub(crate) fn matches(&self, uri: &str) -> Option<MatchedRoute> {
        let mut rest = uri;
        let mut values: Vec<&str> = Vec::with_capacity(self.names.len());
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(literal) => rest = rest.strip_prefix(literal.as_str())?,
                Part::Variable(_, reserved) => {
                    let end = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let value = &rest[..end];
                    // Level 1 expands to unreserved characters and percent-escapes only; reserved
                    // expansion keeps the reserved ones a path may hold, but no `?` or `#`.
                    let plain = value.bytes().all(|b| {
                        b.is_ascii_alphanumeric()
                            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%')
                            || (*reserved && b"/:@!$&'()*+,;=".contains(&b))
                    });
                    if value.is_empty() || !plain {
                        return None;
                    }
                    values.push(value);
                    rest = &rest[end..];
                }
            }
        }
        if !rest.is_empty() {
            return None;
        }
        let mut path = String::with_capacity(uri.len() + values.len());
        let mut ranges = Ranges::default();
        for value in values {
            path.push('/');
            ranges.push(path.len(), path.len() + value.len());
            path.push_str(value);
        }
        if path.is_empty() {
            path.push('/');
        }
        Some(MatchedRoute {
            pattern: Arc::clone(&self.pattern),
            names: Arc::clone(&self.names),
            path: PathAndQuery::try_from(path).ok()?,
            ranges,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
        let route = UriTemplate::parse(template).unwrap().matches(uri)?;
        Some(
            route
                .params()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    #[test]
    fn variables_match_what_level_1_expands_to() {
        assert_eq!(
            params("user://{id}", "user://42"),
            Some(vec![("id".into(), "42".into())])
        );
        assert_eq!(
            params("file:///{dir}/{name}.txt", "file:///docs/read%20me.txt"),
            Some(vec![
                ("dir".into(), "docs".into()),
                ("name".into(), "read%20me".into())
            ])
        );
        assert_eq!(params("user://{id}", "user://"), None);
        assert_eq!(params("user://{id}", "user://4/2"), None);
        assert_eq!(params("user://{id}", "users://42"), None);
        assert_eq!(params("config://app", "config://app"), Some(vec![]));
        assert_eq!(params("config://app", "config://apps"), None);
    }

    #[test]
    fn reserved_expansion_takes_slashes_and_is_a_wildcard() {
        let template = UriTemplate::parse("file:///{+path}").unwrap();
        let route = template.matches("file:///docs/a%20b.txt").unwrap();
        assert_eq!(&*route.pattern, "/*path");
        assert_eq!(
            route.params().collect::<Vec<_>>(),
            [("path", "docs/a%20b.txt")]
        );
        assert!(template.matches("file:///a?b").is_none());
        assert_eq!(params("user://{id}/x", "user://a/b/x"), None);
    }

    #[test]
    fn malformed_templates_say_why() {
        for bad in [
            "user://{id",
            "user://{}",
            "a://{x}{y}",
            "a://{x}/{x}",
            "a://{a-b}",
            "a://}",
        ] {
            assert!(UriTemplate::parse(bad).is_err(), "{bad}");
        }
    }
}
