//! `#[route]` and its shortcuts: handlers found at start-up without wiring, from this crate and
//! from another one, mixed with builder routes.

mod support;

use std::sync::Arc;

use rws::prelude::*;
use support::problem;
// Linking the crate is all it takes for its routes to join (see `rws::__private::RouteDef`).
use rws_test_routes as _;

#[rws::route(GET, "/users/:id")]
async fn get_user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

#[rws::post("/users")]
async fn create_user(Json(v): Json<serde_json::Value>) -> (StatusCode, Json<serde_json::Value>) {
    (StatusCode::CREATED, Json(v))
}

#[rws::route(GET | POST, "/both")]
async fn both(method: Method) -> String {
    method.to_string()
}

struct Counter(std::sync::atomic::AtomicU64);

#[rws::get("/count")]
async fn count(counter: Arc<Counter>) -> String {
    (counter.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1).to_string()
}

/// The seed's exact shape.
#[rws::route(GET, "/seed/:id")]
async fn seed(
    req: Request,
    params: PathParams,
    conn: ConnectionInfo,
    state: Arc<Counter>,
) -> Response {
    let id = params.get("id").unwrap_or_default().to_owned();
    let n = state.0.load(std::sync::atomic::Ordering::SeqCst);
    format!("{} {id} {} {n}", req.uri().path(), conn.peer_addr().ip()).into_response()
}

fn app() -> App {
    App::new()
        .state(Counter(std::sync::atomic::AtomicU64::new(0)))
        .get("/builder", || async { "builder" })
}

#[tokio::test]
async fn macro_routes_are_served_without_registration() {
    let client = TestClient::new(app());
    assert_eq!(client.get("/users/7").send().await.text().await, "user 7");
    let res = client
        .post("/users")
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(client.get("/both").send().await.text().await, "GET");
    assert_eq!(client.post("/both").send().await.text().await, "POST");
    assert_eq!(client.get("/count").send().await.text().await, "1");
    assert_eq!(client.get("/builder").send().await.text().await, "builder");
    assert_eq!(
        client.get("/seed/9").send().await.text().await,
        "/seed/9 9 127.0.0.1 1"
    );
    problem(client.get("/users/x").send().await, 400).await;
    problem(client.delete("/users/1").send().await, 405).await;
}

#[tokio::test]
async fn routes_from_another_crate_are_served() {
    let client = TestClient::new(app());
    assert_eq!(
        client.get("/from-another-crate").send().await.text().await,
        "served from rws-test-routes"
    );
    assert_eq!(client.get("/other/21").send().await.text().await, "42");
}

#[tokio::test]
async fn the_function_stays_callable() {
    assert_eq!(get_user(Path(3)).await, "user 3");
}

#[test]
fn routes_lists_macro_routes_with_their_source() {
    let routes = app().routes();
    let user = routes
        .iter()
        .find(|r| r.pattern == "/users/:id")
        .expect("listed");
    assert_eq!(user.method, Method::GET);
    assert_eq!(user.handler, "macros_route::get_user");
    assert!(user.file.ends_with("macros_route.rs"), "{}", user.file);
    let double = routes
        .iter()
        .find(|r| r.pattern == "/other/:n")
        .expect("listed");
    assert_eq!(double.name, Some("double"));
    assert_eq!(double.handler, "rws_test_routes::double");
    assert!(routes.iter().any(|r| r.pattern == "/builder"));
}

#[tokio::test]
async fn app_empty_leaves_macro_routes_out_and_nesting_does_not_duplicate_them() {
    let client = TestClient::new(App::empty().get("/only", || async { "only" }));
    problem(client.get("/users/1").send().await, 404).await;
    assert_eq!(client.get("/only").send().await.text().await, "only");
    // A nested App::new() brings its builder routes only; the macro routes come once.
    let app = app().nest("/api", App::new().get("/x", || async { "x" }));
    let client = TestClient::new(app);
    assert_eq!(client.get("/api/x").send().await.text().await, "x");
    assert_eq!(client.get("/users/2").send().await.text().await, "user 2");
}

#[test]
fn a_macro_route_that_needs_missing_state_is_refused_at_build() {
    let err = App::new().build().unwrap_err().to_string();
    assert!(err.contains("route `GET /count` ("), "{err}");
    assert!(err.contains("macros_route.rs:"), "{err}");
    assert!(err.contains("needs state `macros_route::Counter`"), "{err}");
}

#[test]
fn a_builder_route_conflicting_with_a_macro_route_names_both_locations() {
    let err = app()
        .get("/users/:name", || async { "" })
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("route `/users/:name` (") && err.contains("conflicts with `/users/:id` ("),
        "{err}"
    );
    assert_eq!(err.matches("macros_route.rs:").count(), 2, "{err}");
}
