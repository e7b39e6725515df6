//! Log in with a form into a cookie session (CSRF-protected), get a JWT for the API next to it,
//! call the API with it, log out.
//!
//! ```sh
//! cargo run --example auth --features sessions,auth    # then open http://127.0.0.1:7878
//! REDIS_URL=redis://127.0.0.1 cargo run --example auth --features redis,auth   # sessions in Redis
//! # the API, with a token from the page's "API token" button:
//! curl -s localhost:7878/api/me -H "authorization: Bearer $TOKEN"
//! ```
//! Users: `ada` / `lovelace`, `grace` / `hopper` (an admin).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rws::auth::{Claims, JwtConfig, JwtLayer, build_jwt, constant_time_eq};
use rws::middleware::{CsrfLayer, CsrfToken};
use rws::prelude::*;
use rws::session::{MemoryStore, Session, SessionLayer, SessionStore};
use serde::{Deserialize, Serialize};

/// How long an API token lasts.
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The users: name, password, role. A real app keeps password hashes (argon2) in a database.
const USERS: &[(&str, &str, &str)] = &[("ada", "lovelace", "user"), ("grace", "hopper", "admin")];

/// The API token's claims.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiClaims {
    /// The user.
    pub sub: String,
    /// `user` or `admin`.
    pub role: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at.
    pub iat: u64,
    /// Issuer: this app.
    pub iss: String,
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// Checks a name and password, comparing every user's password so the time taken says nothing.
fn authenticate(name: &str, password: &str) -> Option<&'static str> {
    let mut role = None;
    for (user, secret, user_role) in USERS {
        let matches = constant_time_eq(name.as_bytes(), user.as_bytes())
            & constant_time_eq(password.as_bytes(), secret.as_bytes());
        if matches {
            role = Some(*user_role);
        }
    }
    role
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(session: Session, csrf: CsrfToken) -> Html<String> {
    let token = csrf.value();
    let body = match session.get::<String>("user") {
        Some(user) => format!(
            r#"<p>Hello, <b id="user">{user}</b>.</p>
<form method="post" action="/token"><input type="hidden" name="csrf_token" value="{token}">
<button>API token</button></form>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{token}">
<button>Log out</button></form>"#,
            user = escape(&user)
        ),
        None => format!(
            r#"<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{token}">
<input name="username" placeholder="user" required> <input name="password" type="password" required>
<button>Log in</button></form>"#
        ),
    };
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>rws auth</title><h1>rws auth</h1>{body}"
    ))
}

async fn login(session: Session, Form(form): Form<Login>) -> Result<Response, Error> {
    let Some(role) = authenticate(&form.username, &form.password) else {
        return Err(Error::new(StatusCode::UNAUTHORIZED).with_detail("wrong user name or password"));
    };
    // A new id at login: an id planted before it (session fixation) is worth nothing.
    session.cycle_id();
    session.insert("user", &form.username)?;
    session.insert("role", role)?;
    Ok(Redirect::to("/").into_response())
}

async fn logout(session: Session) -> Redirect {
    session.destroy();
    Redirect::to("/")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn token(
    session: Session,
    State(jwt): State<JwtConfig>,
) -> Result<Json<serde_json::Value>, Error> {
    let (Some(user), Some(role)) = (session.get::<String>("user"), session.get::<String>("role"))
    else {
        return Err(Error::new(StatusCode::UNAUTHORIZED).with_detail("log in first"));
    };
    let now = now();
    let claims = ApiClaims {
        sub: user,
        role,
        exp: now + TOKEN_LIFETIME.as_secs(),
        iat: now,
        iss: "rws-auth-example".into(),
    };
    let token = build_jwt(&claims, &jwt).map_err(Error::from_source)?;
    Ok(Json(
        serde_json::json!({ "token": token, "expires_in": TOKEN_LIFETIME.as_secs() }),
    ))
}

async fn me(Claims(claims): Claims<ApiClaims>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "user": claims.sub, "role": claims.role }))
}

async fn admin(Claims(claims): Claims<ApiClaims>) -> String {
    format!("welcome to the admin API, {}", claims.sub)
}

/// The app with sessions in memory.
pub fn app(secret: &[u8]) -> App {
    app_with_store(secret, MemoryStore::default())
}

/// The app: the site (session + CSRF) and the API (bearer tokens) side by side, with the JWT
/// secret from `secret` (32 bytes or more) and sessions in `store`.
pub fn app_with_store(secret: &[u8], store: impl SessionStore) -> App {
    let jwt = JwtConfig::new(secret).issuer("rws-auth-example");
    let site = App::empty()
        .get("/", home)
        .post("/login", login)
        .post("/logout", logout)
        .post("/token", token)
        .wrap(SessionLayer::new(store).idle(Duration::from_secs(30 * 60)))
        .wrap(CsrfLayer::new());
    let api = App::empty()
        .get("/me", me)
        .nest(
            "/admin",
            App::empty()
                .get("/", admin)
                .wrap(JwtLayer::new(jwt.clone()).require(|c| c["role"] == "admin")),
        )
        .wrap(JwtLayer::new(jwt.clone()));
    App::empty().state(jwt).merge(site).nest("/api", api)
}

#[allow(dead_code)]
#[rws::main]
async fn main() -> Result<(), rws::ServeError> {
    // A real deployment reads the secret from its configuration (AUTH_SECRET here); a random
    // one per start means tokens die with the process, as the in-memory sessions do.
    let secret = std::env::var("AUTH_SECRET").map_or_else(
        |_| rws::cookie::Key::generate().master().to_vec(),
        String::into_bytes,
    );
    let addr = std::env::var("RWS_CONFIG_PORT").map_or_else(
        |_| "127.0.0.1:7878".to_owned(),
        |port| format!("127.0.0.1:{port}"),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("auth example on http://{}", listener.local_addr()?);
    // REDIS_URL keeps sessions in Redis: they survive restarts (with the `redis` feature).
    #[cfg(feature = "redis")]
    if let Ok(url) = std::env::var("REDIS_URL") {
        let store = match rws::session::RedisStore::connect(&url).await {
            Ok(store) => store,
            Err(e) => {
                eprintln!("auth: {e}");
                std::process::exit(1);
            }
        };
        println!("  sessions in Redis at {url}");
        return rws::serve(listener, app_with_store(&secret, store)).await;
    }
    rws::serve(listener, app(&secret)).await
}
