//! `middleware::CorsLayer` as a library piece: origins by list, wildcard and predicate, `*`,
//! preflights that never reach the handler, and the credentials rule.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::middleware::CorsLayer;
use rws::prelude::*;

/// An app whose handler counts its calls, behind `cors`.
fn app(cors: CorsLayer) -> (TestClient, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let app = App::empty()
        .route(Method::PUT, "/items", move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { "stored" }
        })
        .get("/items", || async { "[]" })
        .wrap(cors);
    (TestClient::new(app), calls)
}

fn preflight(client: &TestClient, origin: &str, method: &str) -> rws::TestRequest {
    client
        .request(Method::OPTIONS, "/items")
        .header("origin", origin)
        .header("access-control-request-method", method)
}

#[tokio::test]
async fn a_refused_preflight_is_403_and_never_reaches_the_handler() {
    let (client, calls) = app(CorsLayer::new()
        .allow_origin("https://app.example")
        .allow_methods([Method::GET]));
    let res = preflight(&client, "https://app.example", "PUT")
        .send()
        .await;
    let body = support::problem(res, 403).await;
    assert_eq!(body["detail"], "method PUT is not allowed");
    let res = preflight(&client, "https://evil.example", "GET")
        .send()
        .await;
    support::problem(res, 403).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_allowed_preflight_is_204_from_the_middleware() {
    let (client, calls) = app(CorsLayer::new()
        .allow_origin("https://app.example")
        .allow_methods([Method::GET, Method::PUT])
        .allow_any_header()
        .max_age(Duration::from_secs(90)));
    let res = preflight(&client, "https://app.example", "PUT")
        .header("access-control-request-headers", "x-one, x-two")
        .send()
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        res.header("access-control-allow-headers"),
        Some("x-one, x-two")
    );
    assert_eq!(res.header("access-control-max-age"), Some("90"));
    assert_eq!(res.header("access-control-allow-credentials"), None);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // The actual request then reaches the handler and carries the headers.
    let res = client
        .put("/items")
        .header("origin", "https://app.example")
        .send()
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(res.text().await, "stored");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_predicate_decides_the_origin() {
    let (client, _) =
        app(CorsLayer::new().allow_origin_fn(|origin| origin.ends_with(".internal:8443")));
    let yes = client
        .get("/items")
        .header("origin", "https://a.internal:8443")
        .send()
        .await;
    assert_eq!(
        yes.header("access-control-allow-origin"),
        Some("https://a.internal:8443")
    );
    let no = client
        .get("/items")
        .header("origin", "https://a.internal")
        .send()
        .await;
    assert_eq!(no.header("access-control-allow-origin"), None);
    assert_eq!(no.header("vary"), Some("origin"));
}

#[tokio::test]
async fn any_origin_answers_star_without_vary() {
    let (client, _) = app(CorsLayer::new().allow_any_origin());
    let res = client
        .get("/items")
        .header("origin", "https://anyone.example")
        .send()
        .await;
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert_eq!(res.header("vary"), None);
    // Not a CORS request: no CORS headers.
    let plain = client.get("/items").send().await;
    assert_eq!(plain.header("access-control-allow-origin"), None);
}

/// CORS on a nest or on one route (`.with`) answers preflights and refuses foreign origins,
/// although no route handles OPTIONS: the router's automatic answers pass through it.
#[tokio::test]
async fn cors_on_a_nest_or_a_route_answers_its_preflights() {
    let cors = || {
        CorsLayer::new()
            .allow_origin("https://app.example")
            .allow_methods([Method::GET, Method::PUT])
    };
    let client = TestClient::new(
        App::empty()
            .nest(
                "/api",
                App::empty()
                    .put("/items", || async { "stored" })
                    .wrap(cors()),
            )
            .put("/one", (|| async { "stored" }).with(cors())),
    );
    for path in ["/api/items", "/one"] {
        let res = client
            .request(Method::OPTIONS, path)
            .header("origin", "https://app.example")
            .header("access-control-request-method", "PUT")
            .send()
            .await;
        assert_eq!(res.status(), 204, "{path}");
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("https://app.example"),
            "{path}"
        );
        assert_eq!(
            res.header("allow"),
            None,
            "{path}: the preflight is CORS's, not the router's"
        );
        let res = client
            .request(Method::OPTIONS, path)
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "PUT")
            .send()
            .await;
        support::problem(res, 403).await;
        // The 405 of another method carries CORS headers too, so a browser can read it.
        let res = client
            .get(path)
            .header("origin", "https://app.example")
            .send()
            .await;
        assert_eq!(res.status(), 405, "{path}");
        assert_eq!(
            res.header("access-control-allow-origin"),
            Some("https://app.example"),
            "{path}"
        );
    }
}

/// Bad CORS settings never panic a builder: `App::build` lists every one, with where the layer
/// was added, beside the app's other problems.
#[test]
fn bad_settings_are_build_errors_naming_the_value_and_the_place() {
    let err = App::empty()
        .get("/", || async { "" })
        .wrap(
            CorsLayer::new()
                .allow_origin("https://app.example/path")
                .allow_headers(["x-ok", "bad header"])
                .expose_headers(["also bad\n"]),
        )
        .wrap(CorsLayer::new().allow_credentials(true).allow_any_origin())
        .put(
            "/one",
            (|| async { "" }).with(CorsLayer::new().allow_origin("ftp:/nope")),
        )
        .build()
        .unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 5, "{err}");
    let expect = [
        "\"https://app.example/path\" is not an origin",
        "CORS: `bad header` is not a header name",
        "CORS: `also bad\n` is not a header name",
        "credentials cannot be allowed for any origin",
        "\"ftp:/nope\" is not an origin",
    ];
    for (problem, text) in problems.iter().zip(expect) {
        assert!(problem.contains(text), "{problem:?} should say {text:?}");
        assert!(problem.contains("cors.rs:"), "{problem:?} should say where");
    }
    assert!(problems[4].contains("route PUT /one"), "{}", problems[4]);
}
