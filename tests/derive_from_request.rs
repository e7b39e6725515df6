//! `#[derive(FromRequest)]`: every field source, optional and required fields, the whole-body
//! form, and the seed's example.

mod support;

use rws::prelude::*;
use serde::Deserialize;
use support::problem;

/// The seed's example, unchanged.
#[derive(FromRequest)]
struct AuthPayload {
    #[from_header("Authorization")]
    token: BearerToken,
    #[from_query("locale")]
    locale: Option<String>,
}

#[derive(Clone)]
struct Config {
    site: &'static str,
}

#[derive(FromRequest)]
struct Everything {
    #[from_path("id")]
    id: u64,
    #[from_query("page")]
    page: Option<u32>,
    #[from_header("x-request-id")]
    request_id: String,
    #[from_cookie("theme")]
    theme: Option<String>,
    #[from_state]
    config: Config,
    method: Method,
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
}

#[derive(FromRequest)]
struct CreateUser {
    #[from_header("x-tenant")]
    tenant: String,
    #[from_body]
    body: Json<NewUser>,
}

/// No field attributes: the struct is the body.
#[derive(FromRequest, Deserialize)]
struct Signup {
    email: String,
    age: u8,
}

fn app() -> App {
    App::empty()
        .state(Config { site: "rws" })
        .get("/auth", |a: AuthPayload| async move {
            format!(
                "{} {}",
                a.token.as_str(),
                a.locale.unwrap_or_else(|| "-".into())
            )
        })
        .get("/things/:id", |e: Everything| async move {
            format!(
                "{} {:?} {} {:?} {} {}",
                e.id, e.page, e.request_id, e.theme, e.config.site, e.method
            )
        })
        .post("/users", |c: CreateUser| async move {
            format!("{} {}", c.tenant, c.body.name)
        })
        .get(
            "/token",
            |t: BearerToken| async move { t.as_str().to_owned() },
        )
        .post("/signup", |s: Signup| async move {
            format!("{} {}", s.email, s.age)
        })
}

#[tokio::test]
async fn the_seeds_example_works_with_bearer_token() {
    let client = TestClient::new(app());
    let res = client
        .get("/auth?locale=fr")
        .header("authorization", "Bearer abc.def")
        .send()
        .await;
    assert_eq!(res.text().await, "abc.def fr");
    let res = client
        .get("/auth")
        .header("authorization", "bearer xyz")
        .send()
        .await;
    assert_eq!(res.text().await, "xyz -");
    // The field keeps `BearerToken`'s own rejection (401 with its challenge, its detail) and
    // only adds which field it was, as the extractor alone answers.
    for authorization in [None, Some("Basic a:b"), Some("Bearer ")] {
        let send = |path: &str| {
            let req = client.get(path);
            match authorization {
                Some(value) => req.header("authorization", value),
                None => req,
            }
            .send()
        };
        let res = send("/auth").await;
        assert_eq!(
            res.header("www-authenticate"),
            Some("Bearer"),
            "{authorization:?}"
        );
        let body = problem(res, 401).await;
        assert_eq!(body["field"], "token", "{authorization:?}");
        let alone = problem(send("/token").await, 401).await;
        assert_eq!(body["detail"], alone["detail"], "{authorization:?}");
    }
}

#[tokio::test]
async fn every_field_source() {
    let client = TestClient::new(app());
    let res = client
        .get("/things/42?page=3")
        .header("x-request-id", "r-1")
        .header("cookie", "a=1; theme=dark")
        .send()
        .await;
    assert_eq!(res.text().await, r#"42 Some(3) r-1 Some("dark") rws GET"#);
    let res = client
        .get("/things/7")
        .header("x-request-id", "r-2")
        .send()
        .await;
    assert_eq!(res.text().await, "7 None r-2 None rws GET");
    let body = problem(
        client
            .get("/things/x")
            .header("x-request-id", "r")
            .send()
            .await,
        400,
    )
    .await;
    assert_eq!(
        body["detail"],
        "path parameter `id` (field `id`) is invalid: invalid digit found in string"
    );
    let body = problem(
        client
            .get("/things/1?page=-1")
            .header("x-request-id", "r")
            .send()
            .await,
        400,
    )
    .await;
    assert_eq!(body["field"], "page");
    let body = problem(client.get("/things/1").send().await, 400).await;
    assert_eq!(
        body["detail"],
        "missing header `x-request-id` (field `request_id`)"
    );
}

#[tokio::test]
async fn a_body_field_is_read_after_the_head_fields() {
    let client = TestClient::new(app());
    let res = client
        .post("/users")
        .header("x-tenant", "acme")
        .json(&serde_json::json!({"name": "ada"}))
        .send()
        .await;
    assert_eq!(res.text().await, "acme ada");
    let body = problem(
        client
            .post("/users")
            .json(&serde_json::json!({"name": "ada"}))
            .send()
            .await,
        400,
    )
    .await;
    assert_eq!(body["field"], "tenant");
    problem(
        client
            .post("/users")
            .header("x-tenant", "acme")
            .body("{}")
            .send()
            .await,
        415,
    )
    .await;
}

#[tokio::test]
async fn a_struct_without_attributes_is_the_body_as_json_or_form() {
    let client = TestClient::new(app());
    let res = client
        .post("/signup")
        .json(&serde_json::json!({"email": "a@b.c", "age": 30}))
        .send()
        .await;
    assert_eq!(res.text().await, "a@b.c 30");
    let res = client
        .post("/signup")
        .form(&[("email", "x@y.z"), ("age", "41")])
        .send()
        .await;
    assert_eq!(res.text().await, "x@y.z 41");
    let res = client
        .post("/signup")
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await;
    let accepted = if cfg!(feature = "multipart") {
        "application/json, application/x-www-form-urlencoded, multipart/form-data"
    } else {
        "application/json, application/x-www-form-urlencoded"
    };
    assert_eq!(res.header("accept"), Some(accepted));
    problem(res, 415).await;
    let body = problem(
        client
            .post("/signup")
            .json(&serde_json::json!({"email": "a", "age": 300}))
            .send()
            .await,
        422,
    )
    .await;
    assert_eq!(body["path"], "age");
}

#[test]
fn a_derived_extractor_reports_the_state_it_needs() {
    let app = App::empty().get("/things/:id", |_: Everything| async { "" });
    let err = app.build().unwrap_err().to_string();
    assert!(
        err.contains("needs state `derive_from_request::Config`"),
        "{err}"
    );
}
