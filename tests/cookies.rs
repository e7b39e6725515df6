//! Cookies: plain, signed and private jars read and written, every `Set-Cookie` attribute,
//! tampered and foreign-key cookies refused, key rotation, malformed headers tolerated.

mod support;

use rws::cookie::{
    Cookie, CookieJar, CookieKeys, Expiration, Key, PrivateCookieJar, SameSite, SignedCookieJar,
};
use rws::prelude::*;

fn app(keys: CookieKeys) -> App {
    App::empty()
        .state(keys)
        .get("/plain", |jar: CookieJar| async move {
            let seen = jar
                .get("a")
                .map_or("-".to_owned(), |c| c.value().to_owned());
            let cookie = Cookie::build(("b", "2"))
                .secure(true)
                .http_only(true)
                .same_site(SameSite::None)
                .partitioned(true)
                .max_age(rws::cookie::time::Duration::seconds(60))
                .expires(Expiration::DateTime(
                    rws::cookie::time::OffsetDateTime::from_unix_timestamp(2_000_000_000).unwrap(),
                ))
                .domain("example.test")
                .path("/app");
            (jar.add(cookie).remove(Cookie::from("x")), seen)
        })
        .get("/ignore", || async { "no cookie needed" })
        .get("/signed/set", |jar: SignedCookieJar| async move {
            jar.add(attributed("user", "ada"))
        })
        // Returning the jar sends back what it re-issued under the current key.
        .get("/signed/get", |jar: SignedCookieJar| async move {
            let value = jar
                .get("user")
                .map_or("-".to_owned(), |c| c.value().to_owned());
            (jar, value)
        })
        .get("/private/set", |jar: PrivateCookieJar| async move {
            jar.add(attributed("secret", "the plan"))
        })
        .get("/private/get", |jar: PrivateCookieJar| async move {
            let value = jar
                .get("secret")
                .map_or("-".to_owned(), |c| c.value().to_owned());
            (jar, value)
        })
}

/// A cookie with every attribute a rotation must keep.
fn attributed(name: &'static str, value: &'static str) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/app")
        .http_only(true)
        .secure(true)
        .same_site(rws::cookie::SameSite::Strict)
        .max_age(rws::cookie::time::Duration::hours(1))
        .build()
}

/// The `name=value` part of each `Set-Cookie` of `res`.
fn set_cookies(res: &rws::TestResponse) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_plain_jar_reads_cookies_and_sets_every_attribute() {
    let client = TestClient::new(app(CookieKeys::new(Key::generate())));
    let res = client
        .get("/plain")
        .header("cookie", "x=1; a=hello")
        .send()
        .await;
    let cookies = set_cookies(&res);
    assert_eq!(res.text().await, "hello");
    let b = cookies.iter().find(|c| c.starts_with("b=")).unwrap();
    for attribute in [
        "HttpOnly",
        "SameSite=None",
        "Partitioned",
        "Secure",
        "Path=/app",
        "Domain=example.test",
        "Max-Age=60",
        "Expires=Wed, 18 May 2033 03:33:20 GMT",
    ] {
        assert!(b.contains(attribute), "{attribute} missing from {b}");
    }
    let removed = cookies.iter().find(|c| c.starts_with("x=")).unwrap();
    assert!(removed.contains("Max-Age=0"), "{removed}");
}

#[tokio::test]
async fn malformed_cookie_headers_fail_nothing() {
    let client = TestClient::new(app(CookieKeys::new(Key::generate())));
    for header in [";;;=", "no-equals-sign", "a=%zz", "=value-only; a=fine"] {
        let res = client.get("/plain").header("cookie", header).send().await;
        assert_eq!(res.status(), 200, "cookie header {header:?}");
    }
    let res = client
        .get("/ignore")
        .header(
            "cookie",
            http::HeaderValue::from_bytes(b"a=\xff\xfe").unwrap(),
        )
        .send()
        .await;
    assert_eq!(res.status(), 200);
    let res = client
        .get("/plain")
        .header("cookie", "broken; a=still-read")
        .send()
        .await;
    assert_eq!(res.text().await, "still-read");
}

async fn round_trip(
    client: &TestClient,
    set: &str,
    get: &str,
    edit: impl Fn(&str) -> String,
) -> String {
    let res = client.get(set).send().await;
    let cookie = pair(&set_cookies(&res)[0]);
    client
        .get(get)
        .header("cookie", edit(&cookie))
        .send()
        .await
        .text()
        .await
}

#[tokio::test]
async fn signed_cookies_are_readable_but_tamper_evident() {
    let client = TestClient::new(app(CookieKeys::new(Key::generate())));
    let res = client.get("/signed/set").send().await;
    let cookie = pair(&set_cookies(&res)[0]);
    assert!(cookie.contains("ada"), "the value stays readable: {cookie}");
    assert_eq!(
        round_trip(&client, "/signed/set", "/signed/get", str::to_owned).await,
        "ada"
    );
    // Another value under the same signature, or a signature flipped: not there.
    let tampered = round_trip(&client, "/signed/set", "/signed/get", |c| {
        c.replace("ada", "eve")
    })
    .await;
    assert_eq!(tampered, "-");
    let unsigned = client
        .get("/signed/get")
        .header("cookie", "user=ada")
        .send()
        .await
        .text()
        .await;
    assert_eq!(unsigned, "-");
}

#[tokio::test]
async fn private_cookies_are_unreadable_and_tamper_evident() {
    let client = TestClient::new(app(CookieKeys::new(Key::generate())));
    let res = client.get("/private/set").send().await;
    let cookie = pair(&set_cookies(&res)[0]);
    assert!(!cookie.contains("plan"), "the value is encrypted: {cookie}");
    assert_eq!(
        round_trip(&client, "/private/set", "/private/get", str::to_owned).await,
        "the plan"
    );
    let flipped = round_trip(&client, "/private/set", "/private/get", |c| {
        let (name, value) = c.split_once('=').unwrap();
        let mut bytes = value.as_bytes().to_vec();
        let i = bytes.len() / 2;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        format!("{name}={}", String::from_utf8(bytes).unwrap())
    })
    .await;
    assert_eq!(flipped, "-");
}

#[tokio::test]
async fn cookies_of_another_key_are_refused_and_rotation_keeps_old_ones_valid() {
    let old = Key::generate();
    let before = TestClient::new(app(CookieKeys::new(old.clone())));
    let signed = pair(&set_cookies(&before.get("/signed/set").send().await)[0]);
    let private = pair(&set_cookies(&before.get("/private/set").send().await)[0]);

    // A server with another key only: neither is accepted.
    let stranger = TestClient::new(app(CookieKeys::new(Key::generate())));
    for (path, cookie) in [("/signed/get", &signed), ("/private/get", &private)] {
        let res = stranger
            .get(path)
            .header("cookie", cookie.as_str())
            .send()
            .await;
        assert_eq!(res.text().await, "-", "{path}");
    }

    // After rotation both are still read, and re-issued under the new key.
    let rotated = TestClient::new(app(CookieKeys::new(Key::generate()).with_previous([old])));
    for (path, cookie, value) in [
        ("/signed/get", &signed, "ada"),
        ("/private/get", &private, "the plan"),
    ] {
        let res = rotated
            .get(path)
            .header("cookie", cookie.as_str())
            .send()
            .await;
        let reissued = set_cookies(&res);
        assert_eq!(reissued.len(), 1, "{path}: re-issued under the current key");
        // With the attributes it was set with, not bare.
        let header = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        for attribute in [
            "Path=/app",
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Max-Age=3",
        ] {
            assert!(
                header.contains(attribute),
                "{path}: {attribute} in {header}"
            );
        }
        assert_ne!(pair(&reissued[0]), *cookie);
        assert_eq!(res.text().await, value);
        // The re-issued cookie is valid without the old key.
        let res = rotated
            .get(path)
            .header("cookie", pair(&reissued[0]))
            .send()
            .await;
        assert!(set_cookies(&res).is_empty());
        assert_eq!(res.text().await, value);
    }
}

#[tokio::test]
async fn keyed_jars_need_keys_in_state_and_the_app_says_so() {
    let app = App::empty().get("/", |_: SignedCookieJar| async { "x" });
    let err = app.build().unwrap_err().to_string();
    assert!(err.contains("CookieKeys"), "{err}");
    assert!(CookieKeys::from_secret(b"too short").is_none());
    assert!(CookieKeys::from_secret(&[7u8; 32]).is_some());
}
