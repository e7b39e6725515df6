//! Routing rules through the whole app: 404, 405 with `Allow`, HEAD, OPTIONS, trailing slash,
//! precedence, decoding, nest, merge and fallbacks.

mod support;

use rws::prelude::*;
use support::problem;

fn app() -> App {
    App::new()
        .get("/users/:id", |Path(id): Path<String>| async move {
            format!("user {id}")
        })
        .delete("/users/:id", || async { StatusCode::NO_CONTENT })
        .get("/users/me", || async { "me" })
        .get("/files/*path", |Path(p): Path<String>| async move {
            format!("file {p}")
        })
        .get("/about", || async { "about" })
        .post("/dir/", || async { "dir" })
        .get("/big", || async { "x".repeat(1000) })
}

#[tokio::test]
async fn unknown_path_is_a_404_problem() {
    let client = TestClient::new(app());
    let body = problem(client.get("/nope").send().await, 404).await;
    assert_eq!(body["detail"], "no route matches `/nope`");
}

#[tokio::test]
async fn wrong_method_is_a_405_listing_every_method_of_the_path() {
    let client = TestClient::new(app());
    let res = client.put("/users/7").send().await;
    assert_eq!(res.header("allow"), Some("GET, HEAD, DELETE, OPTIONS"));
    let body = problem(res, 405).await;
    assert_eq!(
        body["detail"],
        "`PUT` is not allowed on `/users/7`; allowed: GET, HEAD, DELETE, OPTIONS"
    );
}

#[tokio::test]
async fn head_is_served_by_get_without_the_body() {
    let client = TestClient::new(app());
    let res = client.head("/big").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-length"), Some("1000"));
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(res.bytes().await.is_empty());
    let get = client.get("/big").send().await;
    assert_eq!(get.header("content-length"), Some("1000"));
    assert_eq!(get.bytes().await.len(), 1000);
}

#[tokio::test]
async fn options_is_answered_with_allow_unless_a_route_handles_it() {
    let app = app().options("/about", || async { (StatusCode::OK, "custom options") });
    let client = TestClient::new(app);
    let res = client.options("/users/1").send().await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.header("allow"), Some("GET, HEAD, DELETE, OPTIONS"));
    let res = client.options("/about").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await, "custom options");
}

#[tokio::test]
async fn the_other_form_of_a_trailing_slash_gets_a_308() {
    let client = TestClient::new(app());
    let res = client.get("/about/?x=1&y=2").send().await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.header("location"), Some("/about?x=1&y=2"));
    let res = client.post("/dir").send().await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.header("location"), Some("/dir/"));
    // Never a protocol-relative redirect to another host.
    problem(client.get("//evil.example/").send().await, 404).await;
}

#[tokio::test]
async fn static_beats_param_beats_wildcard() {
    let client = TestClient::new(app());
    assert_eq!(client.get("/users/me").send().await.text().await, "me");
    assert_eq!(client.get("/users/42").send().await.text().await, "user 42");
    assert_eq!(
        client.get("/files/a/b.txt").send().await.text().await,
        "file a/b.txt"
    );
}

#[tokio::test]
async fn params_are_percent_decoded_and_bad_utf8_is_a_400() {
    let client = TestClient::new(app());
    assert_eq!(
        client
            .get("/users/caf%C3%A9%20bar")
            .send()
            .await
            .text()
            .await,
        "user café bar"
    );
    let body = problem(client.get("/users/%FF%FE").send().await, 400).await;
    assert_eq!(
        body["detail"],
        "path parameter `id` is not valid UTF-8 once percent-decoded"
    );
    assert_eq!(body["parameter"], "id");
}

#[tokio::test]
async fn nest_prefixes_routes_and_merge_adds_them() {
    let api = App::new()
        .get("/", || async { "api root" })
        .get("/items/:id", |Path(id): Path<u32>| async move {
            format!("item {id}")
        });
    let extra = App::new().get("/extra", || async { "extra" });
    let app = App::new().nest("/api/", api).merge(extra);
    let client = TestClient::new(app);
    assert_eq!(client.get("/api").send().await.text().await, "api root");
    assert_eq!(
        client.get("/api/items/3").send().await.text().await,
        "item 3"
    );
    assert_eq!(client.get("/extra").send().await.text().await, "extra");
    problem(client.get("/items/3").send().await, 404).await;
}

#[tokio::test]
async fn fallbacks_answer_unmatched_paths_nested_ones_under_their_prefix() {
    let api = App::new()
        .get("/ping", || async { "pong" })
        .fallback(|uri: Uri| async move {
            (StatusCode::NOT_FOUND, format!("api has no {}", uri.path()))
        });
    let app = App::new()
        .nest("/api", api)
        .get("/", || async { "home" })
        .fallback(|| async { (StatusCode::NOT_FOUND, "site fallback") });
    let client = TestClient::new(app);
    let res = client.get("/api/nope").send().await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.text().await, "api has no /api/nope");
    assert_eq!(
        client.get("/apinope").send().await.text().await,
        "site fallback"
    );
    assert_eq!(
        client.get("/elsewhere").send().await.text().await,
        "site fallback"
    );
    // A fallback does not swallow 405s.
    problem(client.post("/").send().await, 405).await;
}

#[tokio::test]
async fn closures_capturing_values_are_handlers() {
    let greeting = String::from("hey");
    let app = App::new().get("/", move || {
        let greeting = greeting.clone();
        async move { greeting }
    });
    assert_eq!(
        TestClient::new(app).get("/").send().await.text().await,
        "hey"
    );
}

#[tokio::test]
async fn routes_lists_method_pattern_handler_and_location() {
    async fn index() -> &'static str {
        "i"
    }
    let app = App::new()
        .get("/", index)
        .nest("/v1", App::new().post("/x", index));
    let routes = app.routes();
    assert_eq!(routes.len(), 2);
    assert_eq!(
        (routes[0].method.as_str(), routes[0].pattern.as_str()),
        ("GET", "/")
    );
    assert_eq!(
        (routes[1].method.as_str(), routes[1].pattern.as_str()),
        ("POST", "/v1/x")
    );
    assert!(
        routes[0].handler.ends_with("index"),
        "{}",
        routes[0].handler
    );
    assert!(routes[0].file.ends_with("routing.rs"));
    assert!(routes[0].line > 0);
}
