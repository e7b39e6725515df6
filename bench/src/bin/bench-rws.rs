//! The rws server of the comparison.

use rws::auth::{Claims, JwtConfig, JwtLayer, build_jwt};
use rws::cache::CacheLayer;
use rws::middleware::rate_limit::Quota;
use rws::middleware::{BodyLimitLayer, CompressionLayer, RateLimitLayer, RequestIdLayer};
use rws::prelude::*;
use rws::session::{MemoryStore, Session, SessionLayer};
use rws_bench::{HELLO, JWT_SECRET, Message, Order, TokenClaims};

/// Sessions (in memory) and a JWT-protected route, for bench/identity.sh.
fn identity(app: App) -> App {
    let jwt = JwtConfig::new(JWT_SECRET);
    let sessions = App::empty()
        .post("/login", |session: Session| async move {
            session.insert("user", "ada")?;
            session.insert("n", 0u64)?;
            Ok::<_, Error>("ok")
        })
        .get("/session/read", |session: Session| async move {
            session.get::<String>("user").unwrap_or_default()
        })
        .get("/session/write", |session: Session| async move {
            let n = session.get::<u64>("n").unwrap_or(0) + 1;
            session.insert("n", n)?;
            Ok::<_, Error>(n.to_string())
        })
        .wrap(SessionLayer::new(MemoryStore::default()));
    let api = App::empty()
        .get("/jwt", |Claims(claims): Claims<TokenClaims>| async move {
            claims.sub
        })
        .wrap(JwtLayer::new(jwt.clone()));
    app.merge(sessions).merge(api).get("/token", move || {
        let token = build_jwt(&TokenClaims::ada(), &jwt);
        async move { token.map_err(Error::from_source) }
    })
}

/// bench/upload.sh: every field's bytes streamed through `Multipart` and counted.
async fn upload(mut multipart: Multipart) -> Result<String, Error> {
    let mut total = 0;
    while let Some(mut field) = multipart.next_field().await? {
        while let Some(chunk) = field.chunk().await? {
            total += chunk.len();
        }
    }
    Ok(total.to_string())
}

fn main() {
    rws_bench::runtime().block_on(async {
        let mut app = App::new()
            .get("/plaintext", || async { HELLO })
            .get("/json", || async { Json(Message { message: HELLO }) })
            .get("/users/:user/posts/:post", |Path((id, post)): Path<(u64, u64)>| async move {
                format!("user {id} post {post}")
            })
            .post("/echo", |Json(order): Json<Order>| async move { Json(order) })
            .post("/upload", upload.with(BodyLimitLayer::new(rws_bench::UPLOAD_LIMIT)));
        for pattern in rws_bench::filler_routes() {
            app = app.get(pattern, || async { "filler" });
        }
        if rws_bench::layers() {
            app = app
                .wrap(RequestIdLayer::new())
                .wrap(RateLimitLayer::per_ip(Quota::per_second(u32::MAX)))
                .wrap(CompressionLayer::new());
        }
        if rws_bench::cache() {
            let page = || async { Html(rws_bench::page()) };
            let cache = CacheLayer::memory(1000).ttl(60);
            app = app
                .get("/page", page)
                .get("/cached/page", page.with(cache.clone()))
                .get("/cached/plaintext", (|| async { HELLO }).with(cache));
        }
        if rws_bench::identity() {
            app = identity(app);
        }
        // Kept alive while serving: dropping it would stop the export.
        let mut _telemetry = None;
        match rws_bench::observe().as_str() {
            "metrics" => {
                let metrics = rws::metrics::Metrics::new();
                app = app
                    .get("/metrics", metrics.endpoint())
                    .wrap(metrics.layer());
            }
            "otel" => {
                let telemetry = rws::otel::Telemetry::from_env()
                    .expect("OTEL_* variables")
                    .expect("OTEL_EXPORTER_OTLP_ENDPOINT");
                app = app.wrap(telemetry.layer());
                _telemetry = Some(telemetry);
            }
            _ => {}
        }
        let listener = tokio::net::TcpListener::bind(rws_bench::address())
            .await
            .expect("bind");
        match rws_bench::tls_files() {
            Some((cert, key)) => {
                let tls = rws::server::tls::Tls::from_pem_files(cert, key).expect("certificate");
                rws::serve(tls.bind(listener), app).await.expect("serve");
            }
            None => rws::serve(listener, app).await.expect("serve"),
        }
    });
}
