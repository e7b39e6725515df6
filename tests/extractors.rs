//! Every extractor's success and each of its rejections, through `TestClient`.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use rws::extract::JsonRejection;
use rws::prelude::*;
use serde::Deserialize;
use serde_json::json;
use support::problem;

#[derive(Deserialize, Debug)]
struct Ids {
    user: u32,
    post: String,
}

#[tokio::test]
async fn path_single_tuple_and_struct() {
    let app = App::new()
        .get(
            "/one/:id",
            |Path(id): Path<u64>| async move { format!("{id}") },
        )
        .get(
            "/two/:user/:post",
            |Path((u, p)): Path<(u32, String)>| async move { format!("{u}-{p}") },
        )
        .get("/s/:user/:post", |Path(ids): Path<Ids>| async move {
            format!("{}+{}", ids.user, ids.post)
        })
        .get("/bad/:a/:b", |Path(x): Path<(u8, u8, u8)>| async move {
            format!("{x:?}")
        });
    let client = TestClient::new(app);
    assert_eq!(client.get("/one/42").send().await.text().await, "42");
    assert_eq!(
        client.get("/two/7/hello").send().await.text().await,
        "7-hello"
    );
    assert_eq!(client.get("/s/7/hi%21").send().await.text().await, "7+hi!");

    let body = problem(client.get("/one/-1").send().await, 400).await;
    assert_eq!(
        body["detail"],
        "path parameter `id` must be a non-negative integer (u64), got \"-1\""
    );
    assert_eq!(body["parameter"], "id");
    let body = problem(client.get("/s/x/y").send().await, 400).await;
    assert_eq!(body["parameter"], "user");
    // A handler whose type does not fit its route is the app's bug: 500, detail not leaked.
    let body = problem(client.get("/bad/1/2").send().await, 500).await;
    assert!(body.get("detail").is_none());
}

#[derive(Deserialize)]
struct Search {
    q: String,
    #[serde(default)]
    tag: Vec<String>,
    page: Option<u32>,
}

#[tokio::test]
async fn query_with_repeated_keys_and_rejection() {
    let app = App::new().get("/search", |Query(s): Query<Search>| async move {
        format!("{}|{}|{:?}", s.q, s.tag.join(","), s.page)
    });
    let client = TestClient::new(app);
    let res = client
        .get("/search?q=rust%20web&tag=a&tag=b&page=2")
        .send()
        .await;
    assert_eq!(res.text().await, "rust web|a,b|Some(2)");
    assert_eq!(
        client.get("/search?q=x").send().await.text().await,
        "x||None"
    );
    let body = problem(client.get("/search?page=2").send().await, 400).await;
    assert_eq!(body["detail"], "missing query parameter `q`");
    assert_eq!(
        (&body["path"], &body["pointer"]),
        (&json!("q"), &json!("/q"))
    );
    // The failing parameter is named, as `Json` names its field.
    let body = problem(client.get("/search?q=x&page=many").send().await, 400).await;
    assert_eq!(
        body["detail"],
        "invalid query parameter `page`: invalid digit found in string"
    );
    assert_eq!(
        (&body["path"], &body["pointer"]),
        (&json!("page"), &json!("/page"))
    );
}

#[derive(Deserialize, serde::Serialize)]
struct Order {
    items: Vec<Item>,
}
#[derive(Deserialize, serde::Serialize)]
struct Item {
    name: String,
    price: u32,
}

fn json_app() -> App {
    App::new().post("/orders", |Json(o): Json<Order>| async move {
        Json(json!({"total": o.items.iter().map(|i| i.price).sum::<u32>(), "first": o.items[0].name}))
    })
}

#[tokio::test]
async fn json_body_success() {
    let client = TestClient::new(json_app());
    let order = json!({"items": [{"name": "a", "price": 3}, {"name": "b", "price": 4}]});
    let res = client.post("/orders").json(&order).send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(
        res.json::<serde_json::Value>().await,
        json!({"total": 7, "first": "a"})
    );
    let res = client
        .post("/orders")
        .header("content-type", "application/vnd.api+json; charset=utf-8")
        .body(order.to_string())
        .send()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn json_rejections_415_400_422_413() {
    let client = TestClient::new(json_app().body_limit(96));
    let body = problem(client.post("/orders").body("{}").send().await, 415).await;
    assert_eq!(
        body["detail"],
        "expected a request with `Content-Type: application/json`"
    );
    problem(
        client
            .post("/orders")
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await,
        415,
    )
    .await;

    let req = |b: &'static str| {
        client
            .post("/orders")
            .header("content-type", "application/json")
            .body(b)
    };
    let body = problem(req("{\"items\": [\n  {\"name\": }").send().await, 400).await;
    assert_eq!(
        (body["line"].as_u64(), body["column"].as_u64()),
        (Some(2), Some(12))
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("invalid JSON at line 2 column 12"),
        "{body}"
    );

    let body = problem(
        req(r#"{"items": [{"name": "a", "price": 1}, {"name": "b", "price": "x"}]}"#)
            .send()
            .await,
        422,
    )
    .await;
    assert_eq!(body["path"], "items[1].price");
    assert_eq!(body["pointer"], "/items/1/price");
    assert_eq!(body["title"], "Unprocessable Content");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("invalid field `items[1].price`: invalid type: string \"x\""),
        "{body}"
    );
    // A missing field is named itself, not its parent.
    let body = problem(req(r#"{"items": [{"price": 1}]}"#).send().await, 422).await;
    assert_eq!(body["detail"], "missing field `items[0].name`");
    assert_eq!(body["pointer"], "/items/0/name");

    let big = format!(
        r#"{{"items": [{{"name": "{}", "price": 1}}]}}"#,
        "x".repeat(100)
    );
    let body = problem(
        client
            .post("/orders")
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await,
        413,
    )
    .await;
    assert_eq!(body["limit"], 96);
    assert_eq!(body["title"], "Content Too Large");
    assert_eq!(
        body["detail"],
        "the request body is larger than the limit of 96 bytes"
    );
}

#[tokio::test]
async fn body_limit_stops_reading_a_stream_without_buffering_it_whole() {
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let produced = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&produced);
    // 10 MiB offered in 64 KiB chunks, against the default 2 MiB limit.
    let chunks = futures_util::stream::iter(0..160).map(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; 64 * 1024]))
    });
    let app = App::new().post("/upload", |b: Bytes| async move { b.len().to_string() });
    let client = TestClient::new(app);
    let res = client
        .post("/upload")
        .body(Body::from_stream(chunks))
        .send()
        .await;
    let body = problem(res, 413).await;
    assert_eq!(body["limit"], rws::DEFAULT_BODY_LIMIT);
    // The reader stopped right after crossing 2 MiB (32 chunks), not after 10 MiB.
    assert_eq!(produced.load(Ordering::SeqCst), 33);
}

#[derive(Deserialize)]
struct Login {
    user: String,
    remember: Option<bool>,
}

#[tokio::test]
async fn form_from_body_and_from_query_and_rejections() {
    let app = App::new()
        .post("/login", |Form(l): Form<Login>| async move {
            format!("{} {:?}", l.user, l.remember)
        })
        .get("/login", |Form(l): Form<Login>| async move { l.user });
    let client = TestClient::new(app);
    let res = client
        .post("/login")
        .form(&[("user", "ada lovelace"), ("remember", "true")])
        .send()
        .await;
    assert_eq!(res.text().await, "ada lovelace Some(true)");
    assert_eq!(
        client.get("/login?user=bob").send().await.text().await,
        "bob"
    );
    problem(
        client
            .post("/login")
            .json(&json!({"user": "x"}))
            .send()
            .await,
        415,
    )
    .await;
    let body = problem(
        client.post("/login").form(&[("name", "x")]).send().await,
        422,
    )
    .await;
    assert_eq!(body["detail"], "missing form field `user`");
    assert_eq!(body["pointer"], "/user");
}

#[tokio::test]
async fn bytes_string_and_body() {
    let app = App::new()
        .post("/bytes", |b: Bytes| async move { b.len().to_string() })
        .post("/string", |s: String| async move { s.to_uppercase() })
        .post("/raw", |body: Body| async move {
            use http_body_util::BodyExt;
            let n = body.collect().await.map_or(0, |c| c.to_bytes().len());
            n.to_string()
        });
    let client = TestClient::new(app);
    assert_eq!(
        client
            .post("/bytes")
            .body(vec![0u8, 1, 2])
            .send()
            .await
            .text()
            .await,
        "3"
    );
    assert_eq!(
        client.post("/string").body("abc").send().await.text().await,
        "ABC"
    );
    let body = problem(
        client.post("/string").body(vec![0xff, 0xfe]).send().await,
        400,
    )
    .await;
    assert_eq!(body["detail"], "the request body is not valid UTF-8");
    assert_eq!(
        client.post("/raw").body("12345").send().await.text().await,
        "5"
    );
}

#[tokio::test]
async fn head_extractors() {
    let app = App::new().get(
        "/h",
        |m: Method, u: Uri, v: Version, h: HeaderMap| async move {
            format!(
                "{m} {u} {v:?} {}",
                h.get("x-a").and_then(|v| v.to_str().ok()).unwrap_or("-")
            )
        },
    );
    let client = TestClient::new(app);
    let res = client.get("/h?q=1").header("x-a", "yes").send().await;
    assert_eq!(res.text().await, "GET /h?q=1 HTTP/1.1 yes");
}

#[derive(Clone, Debug)]
struct Config {
    name: &'static str,
}
struct Db {
    rows: u32,
}

#[tokio::test]
async fn state_by_clone_and_by_arc_side_by_side() {
    let app = App::with_state(Config { name: "cfg" })
        .state(Db { rows: 3 })
        .get("/", |State(c): State<Config>, db: Arc<Db>| async move {
            format!("{} {}", c.name, db.rows)
        });
    assert_eq!(
        TestClient::new(app).get("/").send().await.text().await,
        "cfg 3"
    );
}

#[derive(Clone)]
struct User(&'static str);

#[tokio::test]
async fn extension_set_by_middleware_and_missing_extension() {
    let app = App::new()
        .get("/", |Extension(u): Extension<User>| async move { u.0 })
        .wrap(rws::middleware::from_fn(
            |mut req: Request, next: Next| async move {
                if req.headers().contains_key("x-user") {
                    req.extensions_mut().insert(User("ada"));
                }
                next.run(req).await
            },
        ));
    let client = TestClient::new(app);
    assert_eq!(
        client
            .get("/")
            .header("x-user", "1")
            .send()
            .await
            .text()
            .await,
        "ada"
    );
    problem(client.get("/").send().await, 500).await;
}

#[tokio::test]
async fn connection_info_reports_the_loopback_test_connection() {
    let app = App::new().get("/", |c: ConnectionInfo| async move {
        format!(
            "{} {} {:?} {}",
            c.peer_addr().ip(),
            c.local_addr().ip(),
            c.version(),
            c.is_tls()
        )
    });
    assert_eq!(
        TestClient::new(app).get("/").send().await.text().await,
        "127.0.0.1 127.0.0.1 HTTP/1.1 false"
    );
}

#[tokio::test]
async fn option_and_result_extractors_turn_rejections_into_values() {
    let app = App::new()
        .get("/opt/:id", |id: Option<Path<u32>>| async move {
            format!("{:?}", id.map(|p| p.0))
        })
        .post("/res", |j: Result<Json<u32>, JsonRejection>| async move {
            match j {
                Ok(Json(n)) => format!("ok {n}"),
                Err(JsonRejection::UnsupportedMediaType) => "wrong type".to_owned(),
                Err(e) => format!("other: {e}"),
            }
        })
        .post("/optbody", |b: Option<Json<u32>>| async move {
            format!("{:?}", b.map(|j| j.0))
        });
    let client = TestClient::new(app);
    assert_eq!(client.get("/opt/5").send().await.text().await, "Some(5)");
    assert_eq!(client.get("/opt/x").send().await.text().await, "None");
    assert_eq!(
        client.post("/res").json(&7).send().await.text().await,
        "ok 7"
    );
    assert_eq!(
        client.post("/res").body("7").send().await.text().await,
        "wrong type"
    );
    assert_eq!(
        client.post("/optbody").body("7").send().await.text().await,
        "None"
    );
}

/// The seed's handler shape: the whole request first, then params, connection and state.
async fn seed_show(
    req: Request,
    params: PathParams,
    conn: ConnectionInfo,
    state: Arc<HashMap<u64, String>>,
) -> Response {
    let id: u64 = match params.parse("id") {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let name = state.get(&id).cloned().unwrap_or_default();
    let body = format!(
        "{} {} {name} from {}",
        req.method(),
        req.uri().path(),
        conn.peer_addr().ip()
    );
    body.into_response()
}

#[tokio::test]
async fn the_seeds_signature_works_unchanged() {
    let app =
        App::with_state(HashMap::from([(7u64, "ada".to_owned())])).get("/users/:id", seed_show);
    let client = TestClient::new(app);
    assert_eq!(
        client.get("/users/7").send().await.text().await,
        "GET /users/7 ada from 127.0.0.1"
    );
    let body = problem(client.get("/users/x").send().await, 400).await;
    assert_eq!(body["parameter"], "id");
}

#[tokio::test]
async fn path_params_by_name() {
    let app = App::new().get("/a/:x/b/:y", |p: PathParams| async move {
        format!(
            "{} {} {:?} {}",
            p.get("x").unwrap_or("-"),
            p.get("y").unwrap_or("-"),
            p.get("z"),
            p.len()
        )
    });
    assert_eq!(
        TestClient::new(app)
            .get("/a/1/b/two%20words")
            .send()
            .await
            .text()
            .await,
        "1 two words None 2"
    );
}

#[tokio::test]
async fn sixteen_extractors() {
    #[allow(clippy::too_many_arguments)]
    async fn many(
        _: Method,
        _: Uri,
        _: Version,
        _: HeaderMap,
        _: Method,
        _: Uri,
        _: Version,
        _: HeaderMap,
        _: Method,
        _: Uri,
        _: Version,
        _: HeaderMap,
        _: Method,
        _: Uri,
        _: Version,
        body: String,
    ) -> String {
        body
    }
    let client = TestClient::new(App::new().post("/", many));
    assert_eq!(client.post("/").body("16").send().await.text().await, "16");
}

#[tokio::test]
async fn extractors_outside_an_app_are_a_500_not_a_panic() {
    use rws::extract::FromRequestParts;
    let (mut parts, ()) = http::Request::new(()).into_parts();
    let rejection = Path::<u32>::from_request_parts(&mut parts)
        .await
        .unwrap_err();
    assert_eq!(
        rws::Error::from(rejection).status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let rejection = State::<Config>::from_request_parts(&mut parts)
        .await
        .unwrap_err();
    let err = rws::Error::from(rejection);
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        err.problem().detail(),
        Some("no state of type `extractors::Config`: add it with `App::state`")
    );
    assert!(
        ConnectionInfo::from_request_parts(&mut parts)
            .await
            .is_err()
    );
    assert!(PathParams::from_request_parts(&mut parts).await.is_err());
}

/// `MatchedPath` is the pattern with its nest, never the raw path; a fallback sees none; a
/// layer in front of the router reads it back, for automatic answers (405) too.
#[tokio::test]
async fn matched_path_is_the_pattern_for_handlers_and_outer_layers() {
    use rws::extract::MatchedPath;
    let users = App::empty().get("/users/:id", |path: MatchedPath| async move {
        format!("{path} {}", path.as_str().len())
    });
    let app = App::empty()
        .nest("/api", users)
        .fallback(|path: Option<MatchedPath>| async move { format!("fallback {path:?}") })
        .wrap(rws::middleware::from_fn(
            |mut req: Request, next: Next| async move {
                let routed = MatchedPath::after_routing(&mut req);
                let mut res = next.run(req).await;
                assert_eq!(
                    routed.get().map(|p| p.to_string()).as_deref(),
                    Some(routed.label()).filter(|l| *l != MatchedPath::UNMATCHED)
                );
                res.headers_mut()
                    .insert("x-route", HeaderValue::from_str(routed.label()).unwrap());
                res
            },
        ));
    let client = TestClient::new(app);
    let res = client.get("/api/users/42").send().await;
    assert_eq!(res.header("x-route"), Some("/api/users/:id"));
    assert_eq!(res.text().await, "/api/users/:id 14");
    let res = client.get("/nowhere/1").send().await;
    assert_eq!(res.header("x-route"), Some("<unmatched>"));
    assert_eq!(res.text().await, "fallback None");
    let res = client.delete("/api/users/42").send().await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.header("x-route"), Some("/api/users/:id"));
}
