//! The one place where method and path decide a request's fate: found, 404, 405 with `Allow`,
//! HEAD through GET, automatic OPTIONS, and the 308 to the other form of a trailing slash.

use std::sync::Arc;

use http::{HeaderValue, Method};

use super::{InsertError, Ranges, Router};

/// The handlers of one pattern, by method, and what the pattern as a whole holds (`P`: the
/// app keeps there the endpoint of the automatic answers that belong to no single method).
#[derive(Debug)]
pub(crate) struct MethodRouter<E, P = ()> {
    entries: Vec<(Method, E)>,
    // `Allow` for 405 and OPTIONS, computed once.
    allow: HeaderValue,
    pub(crate) pattern: Arc<str>,
    pub(crate) names: Arc<[Box<str>]>,
    pub(crate) shared: P,
}

impl<E, P> MethodRouter<E, P> {
    fn get(&self, method: &Method) -> Option<&E> {
        self.entries
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, e)| e)
    }

    /// The endpoint serving `method`: its own, or GET's for HEAD.
    pub(crate) fn serving(&self, method: &Method) -> Option<&E> {
        self.get(method).or_else(|| {
            if *method == Method::HEAD {
                self.get(&Method::GET)
            } else {
                None
            }
        })
    }
}

/// What to do with a request. Every answer but `NotFound` names the pattern it belongs to, so
/// that automatic answers can pass through that pattern's middleware.
#[derive(Debug)]
pub(crate) enum Resolution<'a, E, P = ()> {
    /// Call `endpoint` (for HEAD, the GET endpoint when there is no HEAD route).
    Found {
        endpoint: &'a E,
        route: &'a MethodRouter<E, P>,
        ranges: Ranges,
    },
    /// The path exists, the method does not.
    MethodNotAllowed {
        allow: &'a HeaderValue,
        route: &'a MethodRouter<E, P>,
    },
    /// An OPTIONS request that no route handles.
    Options {
        allow: &'a HeaderValue,
        route: &'a MethodRouter<E, P>,
    },
    /// Only the other form of the trailing slash exists (`route`): redirect there (308).
    TrailingSlash {
        location: String,
        route: &'a MethodRouter<E, P>,
    },
    /// Nothing matches.
    NotFound,
}

/// Patterns and their method tables, compiled into one tree.
#[derive(Debug)]
pub(crate) struct RouteTable<E, P = ()> {
    router: Router<MethodRouter<E, P>>,
}

/// The order methods are listed in `Allow`.
const ORDER: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
    Method::CONNECT,
    Method::TRACE,
];

fn allow_header(methods: &[&Method]) -> HeaderValue {
    let mut listed: Vec<&str> = Vec::new();
    let has = |m: &Method| methods.contains(&m);
    for m in &ORDER {
        let implied = (*m == Method::HEAD && has(&Method::GET)) || *m == Method::OPTIONS;
        if has(m) || implied {
            listed.push(m.as_str());
        }
    }
    let mut extension: Vec<&str> = methods
        .iter()
        .filter(|m| !ORDER.contains(m))
        .map(|m| m.as_str())
        .collect();
    extension.sort_unstable();
    listed.extend(extension);
    // Method names are tokens, always valid header characters.
    HeaderValue::from_str(&listed.join(", ")).unwrap_or_else(|_| HeaderValue::from_static("GET"))
}

impl<E, P> RouteTable<E, P> {
    /// Builds the table from patterns, their methods (already free of duplicate methods) and
    /// what each pattern holds besides. Patterns that cannot be inserted are skipped and
    /// returned, so that every conflict is reported at once.
    pub(crate) fn build(
        routes: impl IntoIterator<Item = (String, Vec<(Method, E)>, P)>,
    ) -> (Self, Vec<InsertError>) {
        let mut router = Router::new();
        let mut errors = Vec::new();
        for (pattern, entries, shared) in routes {
            let names = match super::Pattern::parse(&pattern) {
                Ok(parsed) => parsed.names,
                Err(e) => {
                    errors.push(InsertError::Pattern(e));
                    continue;
                }
            };
            let methods: Vec<&Method> = entries.iter().map(|(m, _)| m).collect();
            let value = MethodRouter {
                allow: allow_header(&methods),
                entries,
                pattern: pattern.as_str().into(),
                names: names.into(),
                shared,
            };
            if let Err(e) = router.insert(&pattern, value) {
                errors.push(e);
            }
        }
        (RouteTable { router }, errors)
    }

    /// Decides what `method path` gets; `query` is kept on a trailing-slash redirect.
    pub(crate) fn resolve(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
    ) -> Resolution<'_, E, P> {
        let Some(m) = self.router.at(path) else {
            return self.trailing_slash(path, query);
        };
        let route = m.value;
        if let Some(endpoint) = route.serving(method) {
            return Resolution::Found {
                endpoint,
                route,
                ranges: m.params.into_ranges(),
            };
        }
        let allow = &route.allow;
        if *method == Method::OPTIONS {
            return Resolution::Options { allow, route };
        }
        Resolution::MethodNotAllowed { allow, route }
    }

    fn trailing_slash(&self, path: &str, query: Option<&str>) -> Resolution<'_, E, P> {
        let other = match path.strip_suffix('/') {
            Some("") => return Resolution::NotFound,
            Some(stripped) => stripped.to_owned(),
            None => format!("{path}/"),
        };
        // `//host` would be read by browsers as another origin: never redirect there.
        if other.starts_with("//") {
            return Resolution::NotFound;
        }
        let Some(m) = self.router.at(&other) else {
            return Resolution::NotFound;
        };
        let route = m.value;
        let location = match query {
            Some(q) => format!("{other}?{q}"),
            None => other,
        };
        Resolution::TrailingSlash { location, route }
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;

    /// Each endpoint is its method's name, to see which one a request gets.
    fn table(routes: &[(&str, &[Method])]) -> RouteTable<String> {
        let (table, errors) = RouteTable::build(routes.iter().map(|(p, ms)| {
            (
                (*p).to_owned(),
                ms.iter()
                    .map(|m| (m.clone(), m.to_string()))
                    .collect::<Vec<_>>(),
                (),
            )
        }));
        assert!(errors.is_empty(), "{errors:?}");
        table
    }

    #[test]
    fn found_method_not_allowed_and_not_found() {
        let t = table(&[
            ("/users/:id", &[Method::GET, Method::DELETE]),
            ("/a", &[Method::POST]),
        ]);
        assert!(matches!(
            t.resolve(&Method::GET, "/users/1", None),
            Resolution::Found { endpoint, .. } if endpoint == "GET"
        ));
        match t.resolve(&Method::PUT, "/users/1", None) {
            Resolution::MethodNotAllowed { allow, .. } => {
                assert_eq!(allow, "GET, HEAD, DELETE, OPTIONS");
            }
            other => panic!("{other:?}"),
        }
        match t.resolve(&Method::GET, "/a", None) {
            Resolution::MethodNotAllowed { allow, .. } => assert_eq!(allow, "POST, OPTIONS"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            t.resolve(&Method::GET, "/nope", None),
            Resolution::NotFound
        ));
    }

    #[test]
    fn head_falls_back_to_get_unless_a_head_route_exists() {
        let t = table(&[("/x", &[Method::GET]), ("/y", &[Method::GET, Method::HEAD])]);
        assert!(
            matches!(t.resolve(&Method::HEAD, "/x", None), Resolution::Found { endpoint, .. } if endpoint == "GET")
        );
        assert!(
            matches!(t.resolve(&Method::HEAD, "/y", None), Resolution::Found { endpoint, .. } if endpoint == "HEAD")
        );
        let t = table(&[("/z", &[Method::POST])]);
        assert!(matches!(
            t.resolve(&Method::HEAD, "/z", None),
            Resolution::MethodNotAllowed { .. }
        ));
    }

    #[test]
    fn options_is_answered_unless_a_route_handles_it() {
        let t = table(&[("/x", &[Method::GET]), ("/y", &[Method::OPTIONS])]);
        match t.resolve(&Method::OPTIONS, "/x", None) {
            Resolution::Options { allow, .. } => assert_eq!(allow, "GET, HEAD, OPTIONS"),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(t.resolve(&Method::OPTIONS, "/y", None), Resolution::Found { endpoint, .. } if endpoint == "OPTIONS")
        );
    }

    #[test]
    fn extension_methods_are_listed_after_standard_ones() {
        let purge = Method::from_bytes(b"PURGE").unwrap();
        let t = table(&[("/x", &[purge, Method::PUT])]);
        match t.resolve(&Method::GET, "/x", None) {
            Resolution::MethodNotAllowed { allow, .. } => assert_eq!(allow, "PUT, OPTIONS, PURGE"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn trailing_slash_redirects_only_when_the_other_form_exists() {
        let t = table(&[
            ("/a", &[Method::GET]),
            ("/b/", &[Method::GET]),
            ("/c/:id", &[Method::GET]),
        ]);
        match t.resolve(&Method::GET, "/a/", Some("x=1")) {
            Resolution::TrailingSlash { location, .. } => assert_eq!(location, "/a?x=1"),
            other => panic!("{other:?}"),
        }
        match t.resolve(&Method::POST, "/b", None) {
            Resolution::TrailingSlash { location, .. } => assert_eq!(location, "/b/"),
            other => panic!("{other:?}"),
        }
        match t.resolve(&Method::GET, "/c/7/", None) {
            Resolution::TrailingSlash { location, .. } => assert_eq!(location, "/c/7"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            t.resolve(&Method::GET, "/d/", None),
            Resolution::NotFound
        ));
        assert!(matches!(
            t.resolve(&Method::GET, "/", None),
            Resolution::NotFound
        ));
    }
}
