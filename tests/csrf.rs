//! CSRF double submit: safe requests get a token cookie, unsafe ones must echo it (header or
//! form field) or get 403 without reaching the handler.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rws::middleware::{CsrfLayer, CsrfToken};
use rws::prelude::*;

fn app(calls: Arc<AtomicUsize>) -> App {
    App::empty()
        .get("/form", |token: CsrfToken| async move {
            token.value().to_owned()
        })
        .post(
            "/transfer",
            move |Form(form): Form<std::collections::HashMap<String, String>>| {
                let calls = Arc::clone(&calls);
                async move {
                    calls.fetch_add(1, Ordering::Relaxed);
                    format!("sent {}", form.get("amount").map_or("?", String::as_str))
                }
            },
        )
        .wrap(CsrfLayer::new())
}

/// Loads the form: the token and the cookie that carries it.
async fn load(client: &TestClient) -> (String, String) {
    let res = client.get("/form").send().await;
    let set_cookie = res.header("set-cookie").unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute}: {set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    (res.text().await, cookie)
}

#[tokio::test]
async fn a_form_echoing_its_token_passes_and_others_get_403() {
    let calls = Arc::new(AtomicUsize::new(0));
    let client = TestClient::new(app(Arc::clone(&calls)));
    let (token, cookie) = load(&client).await;
    assert_eq!(cookie, format!("rws_csrf={token}"));

    // The token in the form field, the body still reaching the handler whole.
    let res = client
        .post("/transfer")
        .header("cookie", cookie.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("amount=100&csrf_token={token}"))
        .send()
        .await;
    assert_eq!(res.text().await, "sent 100");
    // Or in the header.
    let res = client
        .post("/transfer")
        .header("cookie", cookie.as_str())
        .header("x-csrf-token", token.as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("amount=5")
        .send()
        .await;
    assert_eq!(res.text().await, "sent 5");
    assert_eq!(calls.load(Ordering::Relaxed), 2);

    // A cross-site form: the browser sends the cookie (were it not Strict) but cannot know the
    // token; no cookie at all; a token from another browser.
    let (other_token, _) = load(&client).await;
    for (cookie, body) in [
        (Some(cookie.as_str()), "amount=1000000".to_owned()),
        (
            Some(cookie.as_str()),
            format!("amount=1&csrf_token={other_token}"),
        ),
        (None, format!("amount=1&csrf_token={token}")),
    ] {
        let mut req = client
            .post("/transfer")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        let res = req.send().await;
        let problem = support::problem(res, 403).await;
        assert_eq!(problem["title"], "CSRF check failed", "{body}");
    }
    assert_eq!(
        calls.load(Ordering::Relaxed),
        2,
        "no refused request reached the handler"
    );
}

#[tokio::test]
async fn a_known_cookie_is_kept_and_not_set_again() {
    let client = TestClient::new(app(Arc::new(AtomicUsize::new(0))));
    let (token, cookie) = load(&client).await;
    let res = client
        .get("/form")
        .header("cookie", cookie.as_str())
        .send()
        .await;
    assert!(res.header("set-cookie").is_none());
    assert_eq!(res.text().await, token);
}
