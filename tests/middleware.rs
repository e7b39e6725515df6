//! Middleware order, short-circuits, per-route and per-nest scope, tower layers, panics.

mod support;

use std::sync::{Arc, Mutex};

use rws::middleware::{Middleware, from_fn};
use rws::prelude::*;
use support::problem;

/// Records "name>" on the way in and "<name" on the way out.
#[derive(Clone)]
struct Trace {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Middleware for Trace {
    async fn handle(&self, req: Request, next: Next) -> Response {
        self.log.lock().unwrap().push(format!("{}>", self.name));
        let res = next.run(req).await;
        self.log.lock().unwrap().push(format!("<{}", self.name));
        res
    }
}

fn tracer(log: &Arc<Mutex<Vec<String>>>, name: &'static str) -> Trace {
    Trace {
        name,
        log: Arc::clone(log),
    }
}

#[tokio::test]
async fn the_first_registered_runs_first_in_and_last_out() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&log);
    let app = App::new()
        .get("/", move || {
            let l = Arc::clone(&l);
            async move {
                l.lock().unwrap().push("handler".into());
                "ok"
            }
        })
        .wrap(tracer(&log, "a"))
        .wrap(tracer(&log, "b"));
    assert_eq!(
        TestClient::new(app).get("/").send().await.text().await,
        "ok"
    );
    assert_eq!(*log.lock().unwrap(), ["a>", "b>", "handler", "<b", "<a"]);
}

#[tokio::test]
async fn global_middleware_sees_404s_and_can_short_circuit() {
    let app = App::new().get("/", || async { "open" }).wrap(from_fn(
        |req: Request, next: Next| async move {
            if req.uri().path() == "/blocked" {
                return StatusCode::FORBIDDEN.into_response();
            }
            let mut res = next.run(req).await;
            res.headers_mut()
                .insert("x-seen", HeaderValue::from_static("1"));
            res
        },
    ));
    let client = TestClient::new(app);
    assert_eq!(
        client.get("/blocked").send().await.status(),
        StatusCode::FORBIDDEN
    );
    let res = client.get("/missing").send().await;
    assert_eq!(res.header("x-seen"), Some("1"));
    problem(res, 404).await;
}

#[tokio::test]
async fn per_route_and_per_nest_middleware_stay_in_their_scope() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let api = App::new()
        .get("/inner", || async { "inner" })
        .wrap(tracer(&log, "nest"));
    let app = App::new()
        .get("/plain", || async { "plain" })
        .get(
            "/guarded",
            (|| async { "guarded" }).with(tracer(&log, "route")),
        )
        .nest("/api", api)
        .wrap(tracer(&log, "global"));
    let client = TestClient::new(app);

    client.get("/plain").send().await;
    assert_eq!(
        std::mem::take(&mut *log.lock().unwrap()),
        ["global>", "<global"]
    );
    client.get("/guarded").send().await;
    assert_eq!(
        std::mem::take(&mut *log.lock().unwrap()),
        ["global>", "route>", "<route", "<global"]
    );
    client.get("/api/inner").send().await;
    assert_eq!(
        std::mem::take(&mut *log.lock().unwrap()),
        ["global>", "nest>", "<nest", "<global"]
    );
}

#[tokio::test]
async fn route_middleware_sees_the_matched_route_and_extractors_still_work() {
    let app = App::new().get(
        "/users/:id",
        (|Path(id): Path<u32>| async move { format!("user {id}") }).with(from_fn(
            |req: Request, next: Next| async move {
                let mut res = next.run(req).await;
                res.headers_mut()
                    .insert("x-route", HeaderValue::from_static("yes"));
                res
            },
        )),
    );
    let res = TestClient::new(app).get("/users/9").send().await;
    assert_eq!(res.header("x-route"), Some("yes"));
    assert_eq!(res.text().await, "user 9");
}

#[tokio::test]
async fn tower_http_layers_plug_in() {
    use tower_http::set_header::SetResponseHeaderLayer;
    let app = App::new()
        .get("/", || async { "hi" })
        .layer(SetResponseHeaderLayer::overriding(
            http::header::SERVER,
            HeaderValue::from_static("rws-test"),
        ));
    let res = TestClient::new(app).get("/").send().await;
    assert_eq!(res.header("server"), Some("rws-test"));
    assert_eq!(res.text().await, "hi");
}

fn explode(message: &str) -> &'static str {
    panic!("{message}")
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_app_goes_on() {
    let app = App::new()
        .get("/boom", || async { explode("handler exploded") })
        .get("/fine", || async { "fine" });
    let client = TestClient::new(app);
    let body = problem(client.get("/boom").send().await, 500).await;
    assert!(!body.to_string().contains("exploded"));
    assert_eq!(client.get("/fine").send().await.text().await, "fine");
}

#[tokio::test]
async fn a_panicking_middleware_is_a_500_too() {
    let app = App::new().get("/", || async { "x" }).wrap(from_fn(
        |_req: Request, _next: Next| async move { explode("middleware exploded") },
    ));
    problem(TestClient::new(app).get("/").send().await, 500).await;
}

/// Stamps `x-layer: NAME` on every response that passes through it.
fn stamp(name: &'static str) -> impl Middleware {
    from_fn(move |req: Request, next: Next| async move {
        let mut res = next.run(req).await;
        res.headers_mut()
            .append("x-layer", HeaderValue::from_static(name));
        res
    })
}

fn layers_of(res: &rws::TestResponse) -> Vec<String> {
    res.headers()
        .get_all("x-layer")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The router's own answers — 405, OPTIONS, HEAD through GET, the trailing-slash 308 — pass
/// through the middleware of the nest and of the route they belong to, as a handler's would.
#[tokio::test]
async fn automatic_answers_pass_through_nest_and_route_middleware() {
    let api = App::empty()
        .get("/items", || async { "[]" })
        .get("/items/:id", (|| async { "one" }).with(stamp("route")))
        .wrap(stamp("nest"));
    let client = TestClient::new(
        App::empty()
            .nest("/api", api)
            .get("/own", (|| async { "own" }).with(stamp("own"))),
    );
    let cases: [(Method, &str, u16, &[&str]); 9] = [
        (Method::DELETE, "/api/items", 405, &["nest"]),
        (Method::OPTIONS, "/api/items", 204, &["nest"]),
        (Method::HEAD, "/api/items", 200, &["nest"]),
        (Method::GET, "/api/items/", 308, &["nest"]),
        (Method::DELETE, "/api/items/7", 405, &["route", "nest"]),
        (Method::OPTIONS, "/api/items/7", 204, &["route", "nest"]),
        (Method::HEAD, "/api/items/7", 200, &["route", "nest"]),
        (Method::GET, "/api/items/7/", 308, &["route", "nest"]),
        (Method::POST, "/own", 405, &["own"]),
    ];
    for (method, path, status, layers) in cases {
        let res = client.request(method.clone(), path).send().await;
        assert_eq!(res.status().as_u16(), status, "{method} {path}");
        assert_eq!(layers_of(&res), layers.to_vec(), "{method} {path}");
    }
    // A path with no route at all belongs to no route's middleware.
    let res = client.get("/api/nothing").send().await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(layers_of(&res).is_empty());
}

/// Two methods of one path with different route middleware: a plain OPTIONS or a 405 belongs
/// to neither, a preflight asking about one method belongs to that method's route.
#[tokio::test]
async fn automatic_answers_of_a_shared_path_take_only_the_middleware_all_its_routes_have() {
    let client = TestClient::new(
        App::empty()
            .get("/x", (|| async { "get" }).with(stamp("get")))
            .post("/x", (|| async { "post" }).with(stamp("post"))),
    );
    let res = client.request(Method::OPTIONS, "/x").send().await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(layers_of(&res).is_empty());
    assert!(layers_of(&client.delete("/x").send().await).is_empty());
    let res = client
        .request(Method::OPTIONS, "/x")
        .header("access-control-request-method", "POST")
        .send()
        .await;
    assert_eq!(layers_of(&res), ["post"]);
    let res = client.post("/x/").send().await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(layers_of(&res), ["post"]);
}
