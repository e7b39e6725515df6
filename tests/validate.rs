//! `#[derive(Validate)]` and `Valid<E>`: every rule, messages and codes, optional fields, nested
//! structs and lists, and the 422 problem with JSON pointers.

mod support;

use rws::extract::Valid;
use rws::prelude::*;
use serde::Deserialize;
use serde_json::json;
use support::problem;

/// The mission's example: derives both, validated during extraction.
#[derive(Deserialize, Validate, FromRequest)]
struct CreateUser {
    #[validate(length(min = 1, max = 50))]
    name: String,
    #[validate(email)]
    email: String,
}

#[derive(Deserialize, Validate)]
struct Address {
    #[validate(length(equal = 5, code = "zip", message = "a zip code has five digits"))]
    zip: String,
}

#[derive(Deserialize, Validate)]
struct Item {
    #[validate(length(min = 1))]
    name: String,
    #[validate(range(min = 1, max = 1000))]
    quantity: u32,
}

fn no_admin(name: &str) -> Result<(), rws::extract::ValidationError> {
    if name == "admin" {
        Err(rws::extract::ValidationError::new("reserved"))
    } else {
        Ok(())
    }
}

static SLUG: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new("^[a-z0-9-]+$").expect("a valid pattern"));

#[derive(Deserialize, Validate, FromRequest)]
struct NewPage {
    #[validate(regex(path = *SLUG))]
    slug: String,
}

#[derive(Deserialize, Validate)]
struct Signup {
    #[validate(custom(function = "no_admin"))]
    login: String,
    #[validate(length(min = 8), does_not_contain(pattern = "password"))]
    password: String,
    #[validate(must_match(other = "password"))]
    password2: String,
    #[validate(url)]
    homepage: Option<String>,
    #[validate(contains(pattern = "@"))]
    handle: String,
    #[validate(required)]
    terms: Option<bool>,
    #[validate(range(min = 18, message = "adults only"))]
    age: Option<u8>,
    #[validate(nested)]
    address: Address,
    #[validate(nested)]
    items: Vec<Item>,
}

fn app() -> App {
    App::empty()
        .post("/users", |u: CreateUser| async move {
            format!("{} <{}>", u.name, u.email)
        })
        .post(
            "/signup",
            |Valid(Json(s)): Valid<Json<Signup>>| async move { s.login },
        )
        .get(
            "/search",
            |Valid(Query(a)): Valid<Query<Address>>| async move { a.zip },
        )
        .post("/pages", |p: NewPage| async move { p.slug })
}

fn good_signup() -> serde_json::Value {
    json!({
        "login": "ada", "password": "correct horse", "password2": "correct horse",
        "homepage": "https://ada.dev", "handle": "@ada", "terms": true, "age": 36,
        "address": {"zip": "12345"}, "items": [{"name": "pen", "quantity": 2}]
    })
}

#[tokio::test]
async fn a_struct_deriving_both_is_validated_when_extracted() {
    let client = TestClient::new(app());
    let res = client
        .post("/users")
        .json(&json!({"name": "Ada", "email": "ada@example.com"}))
        .send()
        .await;
    assert_eq!(res.text().await, "Ada <ada@example.com>");
    let body = problem(
        client
            .post("/users")
            .json(&json!({"name": "", "email": "nope"}))
            .send()
            .await,
        422,
    )
    .await;
    assert_eq!(body["title"], "Validation Failed");
    assert_eq!(body["detail"], "2 fields failed validation");
    assert_eq!(
        body["errors"],
        json!([
            {"pointer": "/email", "code": "email", "message": "must be an email address", "params": {}},
            {"pointer": "/name", "code": "length", "message": "must have a length between 1 and 50", "params": {"min": 1, "max": 50}},
        ])
    );
}

#[tokio::test]
async fn valid_wraps_json_and_query() {
    let client = TestClient::new(app());
    assert_eq!(
        client
            .post("/signup")
            .json(&good_signup())
            .send()
            .await
            .text()
            .await,
        "ada"
    );
    assert_eq!(
        client.get("/search?zip=12345").send().await.text().await,
        "12345"
    );
    let body = problem(client.get("/search?zip=1").send().await, 422).await;
    assert_eq!(
        body["errors"],
        json!([{"pointer": "/zip", "code": "zip", "message": "a zip code has five digits", "params": {"equal": 5}}])
    );
}

#[tokio::test]
async fn every_rule_reports_its_field_code_and_params() {
    let client = TestClient::new(app());
    let bad = json!({
        "login": "admin", "password": "password1", "password2": "other", "homepage": "not a url",
        "handle": "ada", "age": 12, "address": {"zip": "1"},
        "items": [{"name": "ok", "quantity": 1}, {"name": "", "quantity": 0}]
    });
    let body = problem(client.post("/signup").json(&bad).send().await, 422).await;
    let errors = body["errors"].as_array().unwrap();
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e["pointer"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("/address/zip", "zip"),
            ("/age", "range"),
            ("/handle", "contains"),
            ("/homepage", "url"),
            ("/items/1/name", "length"),
            ("/items/1/quantity", "range"),
            ("/login", "reserved"),
            ("/password", "does_not_contain"),
            ("/password2", "must_match"),
            ("/terms", "required"),
        ]
    );
    let age = errors.iter().find(|e| e["pointer"] == "/age").unwrap();
    assert_eq!(
        (age["message"].as_str(), &age["params"]),
        (Some("adults only"), &json!({"min": 18}))
    );
    let qty = errors
        .iter()
        .find(|e| e["pointer"] == "/items/1/quantity")
        .unwrap();
    assert_eq!(qty["params"], json!({"min": 1, "max": 1000}));
    assert_eq!(qty["message"], "must be between 1 and 1000");
}

#[tokio::test]
async fn optional_fields_are_checked_only_when_present() {
    let client = TestClient::new(app());
    let mut signup = good_signup();
    signup["homepage"] = json!(null);
    signup["age"] = json!(null);
    assert_eq!(
        client.post("/signup").json(&signup).send().await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn regex_rule() {
    let client = TestClient::new(app());
    assert_eq!(
        client
            .post("/pages")
            .json(&json!({"slug": "hello-world"}))
            .send()
            .await
            .text()
            .await,
        "hello-world"
    );
    let body = problem(
        client
            .post("/pages")
            .json(&json!({"slug": "Hello World"}))
            .send()
            .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "regex");
    assert_eq!(body["errors"][0]["pointer"], "/slug");
}
