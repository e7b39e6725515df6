//! Authentication: every JWT rejection (tampered, expired, not yet valid, issued in the
//! future, wrong issuer or audience, `alg: none`, another algorithm, another key), optional
//! and role-restricted routes; Basic auth per RFC 7617.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rws::auth::{
    Algorithm, BasicAuthLayer, BasicCredentials, Claims, JwtConfig, JwtError, JwtLayer, build_jwt,
    verify_jwt,
};
use rws::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

const SECRET: &[u8] = b"a secret of at least 32 bytes, for tests";
/// Long enough for HS512 (64 bytes).
const LONG_SECRET: &[u8] = b"a secret of at least sixty-four bytes, for HS384 and HS512 tests!";

fn config() -> JwtConfig {
    JwtConfig::new(SECRET).issuer("rws").audience("api")
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims() -> Value {
    json!({ "sub": "ada", "role": "user", "iss": "rws", "aud": "api", "exp": now() + 600, "iat": now() })
}

fn with(changes: Value) -> Value {
    let mut c = claims();
    let Value::Object(changes) = changes else {
        panic!("changes are an object")
    };
    for (k, v) in changes {
        c[&k] = v;
    }
    c
}

#[test]
fn every_kind_of_bad_token_is_refused() {
    let config = config();
    let good = build_jwt(&claims(), &config).unwrap();
    assert_eq!(verify_jwt::<Value>(&good, &config).unwrap()["sub"], "ada");

    let refused = |token: &str| verify_jwt::<Value>(token, &config).unwrap_err();
    // Tampered payload, signature kept.
    let parts: Vec<&str> = good.split('.').collect();
    let evil = URL_SAFE_NO_PAD.encode(with(json!({"role": "admin"})).to_string());
    assert_eq!(
        refused(&format!("{}.{evil}.{}", parts[0], parts[2])),
        JwtError::Signature
    );
    // Signed with another key.
    let other = build_jwt(
        &claims(),
        &JwtConfig::new(b"another secret, just as long as the first"),
    )
    .unwrap();
    assert_eq!(refused(&other), JwtError::Signature);
    // Time.
    let leeway = 60;
    assert_eq!(
        refused(&build_jwt(&with(json!({"exp": now() - leeway - 5})), &config).unwrap()),
        JwtError::Expired
    );
    assert!(
        verify_jwt::<Value>(
            &build_jwt(&with(json!({"exp": now() - 5})), &config).unwrap(),
            &config
        )
        .is_ok(),
        "within the leeway"
    );
    assert_eq!(
        refused(&build_jwt(&with(json!({"nbf": now() + leeway + 30})), &config).unwrap()),
        JwtError::NotYetValid
    );
    assert_eq!(
        refused(&build_jwt(&with(json!({"iat": now() + leeway + 30})), &config).unwrap()),
        JwtError::IssuedInFuture
    );
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(
        refused(&build_jwt(&no_exp, &config).unwrap()),
        JwtError::MissingExpiry
    );
    // Issuer and audience (a list naming it is fine).
    assert_eq!(
        refused(&build_jwt(&with(json!({"iss": "evil"})), &config).unwrap()),
        JwtError::Issuer
    );
    assert_eq!(
        refused(&build_jwt(&with(json!({"aud": "other"})), &config).unwrap()),
        JwtError::Audience
    );
    assert!(
        verify_jwt::<Value>(
            &build_jwt(&with(json!({"aud": ["x", "api"]})), &config).unwrap(),
            &config
        )
        .is_ok()
    );
    // `alg: none`, with and without a signature.
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    assert_eq!(
        refused(&format!("{none_header}.{payload}.")),
        JwtError::Algorithm
    );
    assert_eq!(
        refused(&format!("{none_header}.{payload}.{}", parts[2])),
        JwtError::Algorithm
    );
    // Algorithm confusion: a token saying HS512 (or RS256) against an HS256 configuration.
    let hs512 = build_jwt(
        &claims(),
        &JwtConfig::new(LONG_SECRET).algorithm(Algorithm::HS512),
    )
    .unwrap();
    assert_eq!(refused(&hs512), JwtError::Algorithm);
    let rs_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
    assert_eq!(
        refused(&format!("{rs_header}.{payload}.{}", parts[2])),
        JwtError::Algorithm
    );
    // Malformed.
    for bad in [
        "",
        "a.b",
        "a.b.c.d",
        "!!!.###.$$$",
        &format!("{}.{}", parts[0], parts[1]),
    ] {
        assert_eq!(refused(bad), JwtError::Malformed, "{bad:?}");
    }
    // HS384 and HS512 work when configured.
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let config = JwtConfig::new(LONG_SECRET).algorithm(alg);
        let token = build_jwt(&claims(), &config).unwrap();
        assert!(verify_jwt::<Value>(&token, &config).is_ok(), "{alg:?}");
    }
}

#[derive(Deserialize)]
struct User {
    sub: String,
}

fn app() -> App {
    App::empty()
        .get("/me", |Claims(user): Claims<User>| async move { user.sub })
        .get("/hello", |user: Option<Claims<User>>| async move {
            match user {
                Some(Claims(user)) => format!("hello {}", user.sub),
                None => "hello stranger".into(),
            }
        })
        .nest(
            "/admin",
            App::empty()
                .get("/", || async { "admin area" })
                .wrap(JwtLayer::new(config()).require(|c| c["role"] == "admin")),
        )
        .wrap(JwtLayer::new(config()).optional().realm("rws"))
}

async fn get(client: &TestClient, path: &str, token: Option<&str>) -> rws::TestResponse {
    let mut req = client.get(path);
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    req.send().await
}

#[tokio::test]
async fn the_layer_gives_claims_and_the_right_challenges() {
    let client = TestClient::new(app());
    let token = build_jwt(&claims(), &config()).unwrap();
    assert_eq!(get(&client, "/me", Some(&token)).await.text().await, "ada");
    assert_eq!(
        get(&client, "/hello", Some(&token)).await.text().await,
        "hello ada"
    );
    assert_eq!(
        get(&client, "/hello", None).await.text().await,
        "hello stranger"
    );

    let res = get(&client, "/me", None).await;
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    support::problem(res, 401).await;

    let expired = build_jwt(&with(json!({"exp": now() - 3600})), &config()).unwrap();
    for bad in [expired.as_str(), "not.a.token"] {
        let res = get(&client, "/hello", Some(bad)).await;
        let challenge = res.header("www-authenticate").unwrap().to_owned();
        assert!(
            challenge.starts_with("Bearer realm=\"rws\", error=\"invalid_token\""),
            "{challenge}"
        );
        support::problem(res, 401).await;
    }
    // Another scheme is no bearer token: an optional route serves it anonymously, a required
    // one asks for a token; an empty bearer token is malformed.
    let basic = |path| {
        client
            .get(path)
            .header("authorization", "Basic Zm9vOmJhcg==")
            .send()
    };
    assert_eq!(basic("/hello").await.text().await, "hello stranger");
    support::problem(basic("/me").await, 401).await;
    let res = client
        .get("/hello")
        .header("authorization", "Bearer ")
        .send()
        .await;
    assert!(
        res.header("www-authenticate")
            .unwrap()
            .contains("invalid_request")
    );
    support::problem(res, 401).await;

    // Per-route requirement: a user token is valid but not enough.
    let res = get(&client, "/admin", Some(&token)).await;
    assert!(
        res.header("www-authenticate")
            .unwrap()
            .contains("insufficient_scope")
    );
    support::problem(res, 403).await;
    let admin = build_jwt(&with(json!({"role": "admin"})), &config()).unwrap();
    assert_eq!(
        get(&client, "/admin", Some(&admin)).await.text().await,
        "admin area"
    );
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

#[tokio::test]
async fn basic_auth_follows_rfc_7617() {
    let client = TestClient::new(
        App::empty()
            .get("/", |who: BasicCredentials| async move {
                format!("{}|{}", who.user, who.password)
            })
            .wrap(BasicAuthLayer::single("the \"vault\"", "zoë", "pa:ss:wörd")),
    );
    // UTF-8 and colons in the password.
    let res = client
        .get("/")
        .header("authorization", basic("zoë", "pa:ss:wörd"))
        .send()
        .await;
    assert_eq!(res.text().await, "zoë|pa:ss:wörd");
    for header in [
        None,
        Some(basic("zoë", "wrong")),
        Some(basic("zoe", "pa:ss:wörd")),
        Some("Basic !!!not-base64".to_owned()),
        Some(format!("Basic {}", STANDARD.encode("no-colon"))),
        Some(format!("Bearer {}", STANDARD.encode("zoë:pa:ss:wörd"))),
    ] {
        let mut req = client.get("/");
        if let Some(h) = &header {
            req = req.header("authorization", h.as_str());
        }
        let res = req.send().await;
        assert_eq!(
            res.header("www-authenticate"),
            Some("Basic realm=\"the vault\", charset=\"UTF-8\""),
            "{header:?}"
        );
        support::problem(res, 401).await;
    }
}

/// A secret shorter than the hash's output is refused: by `App::build` for a layer, by
/// `build_jwt` and `verify_jwt` directly, naming the length needed.
#[test]
fn a_short_hmac_secret_is_refused_with_a_clear_error() {
    let err = App::empty()
        .get("/", || async { "" })
        .wrap(JwtLayer::new(JwtConfig::new(b"my-signing-secret")))
        .build()
        .unwrap_err();
    assert_eq!(err.problems().len(), 1, "{err}");
    assert!(
        err.problems()[0]
            .starts_with("JwtLayer: the JWT secret is 17 bytes; this algorithm needs at least 32"),
        "{err}"
    );
    assert_eq!(
        build_jwt(
            &claims(),
            &JwtConfig::new(SECRET).algorithm(Algorithm::HS512)
        )
        .unwrap_err(),
        JwtError::WeakSecret {
            len: SECRET.len(),
            needed: 64
        }
    );
    assert!(matches!(
        verify_jwt::<Value>("a.b.c", &JwtConfig::new(b"short")),
        Err(JwtError::WeakSecret { len: 5, needed: 32 })
    ));
}
