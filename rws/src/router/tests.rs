//! Router rules, table-driven, and a property test against a naive linear matcher.
#![allow(clippy::type_complexity)]

use std::fmt::Write as _;

use proptest::prelude::*;

use super::{InsertError, Router};

/// Inserts `routes` in order, then checks each `(path, Some((pattern, params)))` expectation.
struct MatchTest {
    routes: Vec<&'static str>,
    cases: Vec<(
        &'static str,
        Option<(&'static str, Vec<(&'static str, &'static str)>)>,
    )>,
}

impl MatchTest {
    fn run(self) {
        // Twice: in the given order and reversed, since precedence must not depend on it.
        for reversed in [false, true] {
            let mut router = Router::new();
            let mut routes = self.routes.clone();
            if reversed {
                routes.reverse();
            }
            for r in routes {
                router.insert(r, r).unwrap();
            }
            for (path, expected) in &self.cases {
                let got = router
                    .at(path)
                    .map(|m| (*m.value, m.params.iter().collect::<Vec<_>>()));
                assert_eq!(got, expected.clone(), "path {path} (reversed: {reversed})");
            }
        }
    }
}

#[test]
fn static_beats_param_beats_wildcard() {
    MatchTest {
        routes: vec!["/users/me", "/users/:id", "/users/*rest", "/*all"],
        cases: vec![
            ("/users/me", Some(("/users/me", vec![]))),
            ("/users/42", Some(("/users/:id", vec![("id", "42")]))),
            (
                "/users/42/posts",
                Some(("/users/*rest", vec![("rest", "42/posts")])),
            ),
            ("/users/", Some(("/*all", vec![("all", "users/")]))),
            ("/other", Some(("/*all", vec![("all", "other")]))),
            ("/", None),
        ],
    }
    .run();
}

#[test]
fn backtracks_from_a_dead_static_branch_to_a_param() {
    MatchTest {
        routes: vec!["/users/new/edit", "/users/:id/posts", "/users/newest"],
        cases: vec![
            (
                "/users/new/posts",
                Some(("/users/:id/posts", vec![("id", "new")])),
            ),
            ("/users/new/edit", Some(("/users/new/edit", vec![]))),
            ("/users/newest", Some(("/users/newest", vec![]))),
            (
                "/users/newer/posts",
                Some(("/users/:id/posts", vec![("id", "newer")])),
            ),
            ("/users/new", None),
        ],
    }
    .run();
}

#[test]
fn params_match_one_non_empty_segment_and_wildcards_the_non_empty_rest() {
    MatchTest {
        routes: vec!["/a/:x", "/b/:x/c/:y", "/files/*path", "/t/"],
        cases: vec![
            ("/a/1", Some(("/a/:x", vec![("x", "1")]))),
            ("/a/", None),
            ("/a", None),
            ("/a/1/", None),
            (
                "/b/1/c/2",
                Some(("/b/:x/c/:y", vec![("x", "1"), ("y", "2")])),
            ),
            ("/b//c/2", None),
            (
                "/files/a/b/c.txt",
                Some(("/files/*path", vec![("path", "a/b/c.txt")])),
            ),
            ("/files/", None),
            ("/t/", Some(("/t/", vec![]))),
            ("/t", None),
        ],
    }
    .run();
}

#[test]
fn conflicts_name_both_patterns() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["/users/:id", "/users/:name"],
            "route `/users/:name` conflicts with `/users/:id`: a parameter at the same position must have the same name, and two patterns may not match the same paths",
        ),
        (
            &["/users/:id/a", "/users/:name/b"],
            "route `/users/:name/b` conflicts with `/users/:id/a`: a parameter at the same position must have the same name, and two patterns may not match the same paths",
        ),
        (
            &["/f/*a", "/f/*b"],
            "route `/f/*b` conflicts with `/f/*a`: a parameter at the same position must have the same name, and two patterns may not match the same paths",
        ),
        (&["/x", "/x"], "route `/x` is registered twice"),
        (&["/x/:id", "/x/:id"], "route `/x/:id` is registered twice"),
    ];
    for (routes, message) in cases {
        let mut router = Router::new();
        router.insert(routes[0], ()).unwrap();
        let err = router.insert(routes[1], ()).unwrap_err();
        assert!(matches!(err, InsertError::Conflict { .. }));
        assert_eq!(err.to_string(), *message);
    }
}

#[test]
fn a_refused_insert_leaves_the_router_unchanged() {
    let mut router = Router::new();
    router.insert("/a/:id", 1).unwrap();
    assert!(router.insert("/a/:x/b", 2).is_err());
    assert!(router.insert("/a b", 3).is_err());
    assert_eq!(router.len(), 1);
    assert!(router.at("/a/1/b").is_none());
    assert_eq!(*router.at("/a/1").unwrap().value, 1);
}

#[test]
fn params_are_decoded_lazily() {
    let mut router = Router::new();
    router.insert("/s/:q", ()).unwrap();
    let m = router.at("/s/caf%C3%A9%20au%20lait").unwrap();
    assert_eq!(m.params.get_raw("q"), Some("caf%C3%A9%20au%20lait"));
    assert_eq!(m.params.get("q").unwrap().unwrap(), "café au lait");
    let m = router.at("/s/%FF").unwrap();
    assert!(m.params.get("q").unwrap().is_err());
    assert!(m.params.get("nope").is_none());
}

#[test]
fn more_than_eight_params_spill_and_still_match() {
    let pattern = "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j";
    let mut router = Router::new();
    router.insert(pattern, ()).unwrap();
    let m = router.at("/1/2/3/4/5/6/7/8/9/10").unwrap();
    assert_eq!(m.params.len(), 10);
    assert_eq!(m.params.get_raw("j"), Some("10"));
    assert_eq!(m.params.get_raw("i"), Some("9"));
}

#[test]
fn iter_lists_every_pattern() {
    let mut router = Router::new();
    for p in ["/", "/a", "/a/:b", "/c/*d"] {
        router.insert(p, p.len()).unwrap();
    }
    let mut listed: Vec<&str> = router.iter().map(|(p, _)| p).collect();
    listed.sort_unstable();
    assert_eq!(listed, ["/", "/a", "/a/:b", "/c/*d"]);
}

// ---- property test against a naive matcher ----

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Static,
    Param,
    Wildcard,
}

/// Matches `path` against one pattern segment by segment; returns the specificity key and the
/// captured params.
fn naive_match(pattern: &str, path: &str) -> Option<(Vec<Kind>, Vec<(String, String)>)> {
    let pat: Vec<&str> = pattern[1..].split('/').collect();
    let rest = path.strip_prefix('/')?;
    let segs: Vec<&str> = rest.split('/').collect();
    let mut key = Vec::new();
    let mut params = Vec::new();
    for (i, p) in pat.iter().enumerate() {
        if let Some(name) = p.strip_prefix('*') {
            let tail = segs.get(i..)?.join("/");
            if tail.is_empty() {
                return None;
            }
            key.push(Kind::Wildcard);
            params.push((name.to_owned(), tail));
            return Some((key, params));
        }
        let s = segs.get(i)?;
        if let Some(name) = p.strip_prefix(':') {
            if s.is_empty() {
                return None;
            }
            key.push(Kind::Param);
            params.push((name.to_owned(), (*s).to_owned()));
        } else if p == s {
            key.push(Kind::Static);
        } else {
            return None;
        }
    }
    (segs.len() == pat.len()).then_some((key, params))
}

fn naive_lookup<'a>(routes: &[&'a str], path: &str) -> Option<(&'a str, Vec<(String, String)>)> {
    routes
        .iter()
        .filter_map(|r| naive_match(r, path).map(|(k, p)| (k, *r, p)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, r, p)| (r, p))
}

fn segment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["a", "b", "ab", "ba", "abc"])
}

fn route() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((0..6u8, segment()), 1..5),
        any::<bool>(),
    )
        .prop_map(|(segs, slash)| {
            let n = segs.len();
            let mut out = String::new();
            for (i, (kind, s)) in segs.into_iter().enumerate() {
                out.push('/');
                match kind {
                    0 => write!(out, ":p{i}").unwrap(),
                    1 if i + 1 == n => write!(out, "*w{i}").unwrap(),
                    _ => out.push_str(s),
                }
            }
            if slash && !out.contains('*') {
                out.push('/');
            }
            out
        })
}

fn path() -> impl Strategy<Value = String> {
    (prop::collection::vec(
        prop::sample::select(vec!["a", "b", "ab", "ba", "abc", "c", ""]),
        1..6,
    ))
    .prop_map(|segs| format!("/{}", segs.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn tree_agrees_with_a_naive_linear_matcher(
        routes in prop::collection::vec(route(), 1..16).prop_shuffle(),
        paths in prop::collection::vec(path(), 1..24),
    ) {
        let mut router = Router::new();
        let mut accepted: Vec<&str> = Vec::new();
        for r in &routes {
            if router.insert(r, r.clone()).is_ok() {
                accepted.push(r);
            }
        }
        for p in &paths {
            let naive = naive_lookup(&accepted, p);
            let tree = router.at(p).map(|m| {
                let params = m.params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
                (m.pattern, params)
            });
            prop_assert_eq!(tree, naive, "path {} among {:?}", p, accepted);
        }
    }

    #[test]
    fn lookup_does_not_depend_on_insertion_order(
        routes in prop::collection::vec(route(), 1..12),
        paths in prop::collection::vec(path(), 1..12),
        seed in any::<u64>(),
    ) {
        // Routes refused in one order may be accepted in another; compare only sets where the
        // whole set is accepted.
        let mut forward = Router::new();
        if routes.iter().all(|r| forward.insert(r, ()).is_ok()) {
            let mut shuffled = routes.clone();
            let len = shuffled.len();
            #[allow(clippy::cast_possible_truncation)]
            shuffled.rotate_left((seed as usize) % len);
            shuffled.reverse();
            let mut backward = Router::new();
            for r in &shuffled {
                backward.insert(r, ()).unwrap();
            }
            for p in &paths {
                let a = forward.at(p).map(|m| (m.pattern, m.params.iter().collect::<Vec<_>>()));
                let b = backward.at(p).map(|m| (m.pattern, m.params.iter().collect::<Vec<_>>()));
                prop_assert_eq!(a, b);
            }
        }
    }
}
