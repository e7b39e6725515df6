//! Build-time checks: every problem reported at once, with both locations of a conflict and the
//! route and type of missing state.

use std::sync::Arc;

use rws::prelude::*;

async fn h() -> &'static str {
    "h"
}

struct Db;
#[derive(Clone)]
struct Cache;

fn problems(app: App) -> Vec<String> {
    app.build().unwrap_err().problems().to_vec()
}

#[test]
fn conflicting_param_names_name_both_patterns_and_locations() {
    let line = line!() + 1;
    let app = App::new().get("/users/:id", h).get("/users/:name", h);
    let p = problems(app);
    assert_eq!(p.len(), 1, "{p:?}");
    let file = file!();
    assert_eq!(
        p[0],
        format!(
            "route `/users/:name` ({file}:{line}:47) conflicts with `/users/:id` ({file}:{line}:26): a parameter at the same position must have the same name, and two patterns may not match the same paths"
        )
    );
}

#[test]
fn the_same_method_and_pattern_twice_is_refused() {
    let app = App::new().get("/x", h).post("/x", h).get("/x", h);
    let p = problems(app);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("route `GET /x` ("), "{}", p[0]);
    assert!(
        p[0].contains(") is registered twice: first at "),
        "{}",
        p[0]
    );
}

#[test]
fn missing_state_names_the_route_and_the_type() {
    let app = App::new()
        .get("/a", |_: Arc<Db>| async { "" })
        .post("/b", |State(_): State<Cache>, _: Arc<Db>| async { "" })
        .state(Cache)
        .fallback(|_: Arc<Db>| async { "" });
    let p = problems(app);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].starts_with("route `GET /a` ("), "{}", p[0]);
    assert!(
        p[0].ends_with(
            "needs state `app_build::Db`, which the app lacks: add it with `App::state`"
        ),
        "{}",
        p[0]
    );
    assert!(p[1].starts_with("route `POST /b` ("), "{}", p[1]);
    assert!(p[2].starts_with("the fallback added at "), "{}", p[2]);
}

#[test]
fn state_in_a_nested_app_counts() {
    let api = App::with_state(Cache).get("/c", |State(_): State<Cache>| async { "" });
    assert!(App::new().nest("/api", api).build().is_ok());
}

#[test]
fn malformed_patterns_and_prefixes_are_reported() {
    let app = App::new()
        .get("no-slash", h)
        .get("/a/:id.json", h)
        .nest("api", App::new().get("/x", h));
    let p = problems(app);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].starts_with("nest prefix `api` ("), "{}", p[0]);
    assert!(
        p[1].starts_with("route pattern `no-slash` must start with `/` (route `GET no-slash` ("),
        "{}",
        p[1]
    );
    assert!(
        p[2].contains("segment `:id.json` mixes a literal and a parameter"),
        "{}",
        p[2]
    );
}

#[test]
fn two_fallbacks_are_refused() {
    let a = App::new().fallback(h);
    let b = App::new().fallback(h);
    let p = problems(a.merge(b));
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("two fallbacks: "), "{}", p[0]);
}

#[test]
fn every_problem_is_reported_together_in_the_display() {
    let app = App::new()
        .get("/a/:x", h)
        .get("/a/:y", h)
        .get("/b", |_: Arc<Db>| async { "" });
    let err = app.build().unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("the app has 2 problems:\n  - "), "{text}");
    assert!(text.contains("\n  - route `/a/:y` ("), "{text}");
    assert!(text.contains("\n  - route `GET /b` ("), "{text}");
}

#[test]
#[should_panic(expected = "the app has 1 problem:")]
fn into_service_panics_with_the_list() {
    let _ = App::new().get("bad", h).into_service();
}
