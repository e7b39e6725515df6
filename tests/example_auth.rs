//! The auth example over real TCP: log in with the form (CSRF token and all), see the session,
//! get a JWT and call the API with it, be refused the admin API, log out.

mod support;

#[path = "../examples/auth.rs"]
#[allow(dead_code, unreachable_pub)]
mod auth;

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use support::server::TestServer;

/// A browser, as far as this test needs one: it keeps cookies by name.
struct Browser {
    client: reqwest::Client,
    cookies: HashMap<String, String>,
    server: TestServer,
}

impl Browser {
    async fn open() -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
            server: TestServer::start(
                auth::app(b"a test secret of thirty-two bytes or more"),
                |s| s,
            )
            .await,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for set in res.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (name, value) = set.split(';').next().unwrap().split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(self.server.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        (res.status(), res.text().await.unwrap())
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let res = self
            .client
            .post(self.server.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            // Every value here is URL-safe (names, passwords, base64url tokens).
            .body(
                form.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
            .send()
            .await
            .unwrap();
        self.keep(&res);
        (res.status(), res.text().await.unwrap())
    }
}

/// The CSRF token of the page's first form.
fn csrf(page: &str) -> String {
    let start = page.find("name=\"csrf_token\" value=\"").unwrap() + 25;
    page[start..start + 43].to_owned()
}

async fn log_in(browser: &mut Browser, user: &str, password: &str) -> StatusCode {
    let (_, page) = browser.get("/").await;
    let token = csrf(&page);
    let (status, _) = browser
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("username", user),
                ("password", password),
            ],
        )
        .await;
    status
}

async fn api(browser: &Browser, path: &str, token: &str) -> (StatusCode, String) {
    let res = browser
        .client
        .get(browser.server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_get_a_token_call_the_api_log_out() {
    let mut browser = Browser::open().await;
    let (_, page) = browser.get("/").await;
    assert!(page.contains("Log in"));
    assert_eq!(
        log_in(&mut browser, "ada", "lovelace").await,
        StatusCode::SEE_OTHER
    );
    let session = browser.cookies["rws_session"].clone();

    let (_, page) = browser.get("/").await;
    assert!(page.contains("Hello, <b id=\"user\">ada</b>"), "{page}");

    let (status, body) = browser
        .post("/token", &[("csrf_token", &csrf(&page))])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = token["token"].as_str().unwrap().to_owned();

    let (status, me) = api(&browser, "/api/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&me).unwrap(),
        serde_json::json!({"user": "ada", "role": "user"})
    );
    assert_eq!(
        api(&browser, "/api/admin", &token).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api(&browser, "/api/me", &format!("{token}x")).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Logging out ends the session: the old cookie is worth nothing afterwards.
    let (_, page) = browser.get("/").await;
    let (status, _) = browser
        .post("/logout", &[("csrf_token", &csrf(&page))])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("rws_session"));
    browser.cookies.insert("rws_session".into(), session);
    let (_, page) = browser.get("/").await;
    assert!(page.contains("Log in"), "the old session is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_forged_forms_and_planted_ids_get_nowhere() {
    let mut browser = Browser::open().await;
    assert_eq!(
        log_in(&mut browser, "ada", "wrong").await,
        StatusCode::UNAUTHORIZED
    );
    assert!(!browser.cookies.contains_key("rws_session"));

    // A form posted without the page's token: 403, no session.
    let (status, _) = browser
        .post("/login", &[("username", "ada"), ("password", "lovelace")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("rws_session"));

    // An admin gets the admin API.
    assert_eq!(
        log_in(&mut browser, "grace", "hopper").await,
        StatusCode::SEE_OTHER
    );
    let planted = browser.cookies["rws_session"].clone();
    let (_, page) = browser.get("/").await;
    let (_, body) = browser
        .post("/token", &[("csrf_token", &csrf(&page))])
        .await;
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let (status, text) = api(&browser, "/api/admin", token["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text, "welcome to the admin API, grace");

    // Logging in again with a known id gives a new one.
    assert_eq!(
        log_in(&mut browser, "ada", "lovelace").await,
        StatusCode::SEE_OTHER
    );
    assert_ne!(browser.cookies["rws_session"], planted);
}
