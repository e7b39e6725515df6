//! The axum server of the comparison.

use axum::Json;
use axum::extract::Path;
use axum::routing::{get, post};
use rws_bench::{HELLO, JWT_SECRET, Message, Order, TokenClaims};

/// tower-sessions (in memory) and jsonwebtoken, as an axum app would use them.
fn identity(app: axum::Router) -> axum::Router {
    use axum::http::{HeaderMap, StatusCode};
    use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

    let sessions = axum::Router::new()
        .route(
            "/login",
            post(|session: Session| async move {
                session
                    .insert("user", "ada")
                    .await
                    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
                session
                    .insert("n", 0u64)
                    .await
                    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
                Ok::<_, StatusCode>("ok")
            }),
        )
        .route(
            "/session/read",
            get(|session: Session| async move {
                session
                    .get::<String>("user")
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            }),
        )
        .route(
            "/session/write",
            get(|session: Session| async move {
                let n = session.get::<u64>("n").await.ok().flatten().unwrap_or(0) + 1;
                session
                    .insert("n", n)
                    .await
                    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
                Ok::<_, StatusCode>(n.to_string())
            }),
        )
        .layer(SessionManagerLayer::new(MemoryStore::default()).with_secure(false));
    let key = jsonwebtoken::DecodingKey::from_secret(JWT_SECRET);
    let validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    app.merge(sessions)
        .route(
            "/jwt",
            get(move |headers: HeaderMap| async move {
                let token = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .ok_or(StatusCode::UNAUTHORIZED)?;
                let data = jsonwebtoken::decode::<TokenClaims>(token, &key, &validation)
                    .map_err(|_| StatusCode::UNAUTHORIZED)?;
                Ok::<_, StatusCode>(data.claims.sub)
            }),
        )
        .route(
            "/token",
            get(|| async {
                jsonwebtoken::encode(
                    &jsonwebtoken::Header::default(),
                    &TokenClaims::ada(),
                    &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET),
                )
                .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
            }),
        )
}

/// rws's `:param` / `*rest` to axum 0.8's `{param}` / `{*rest}`.
fn axum_pattern(pattern: &str) -> String {
    rws_bench::github::to_matchit(pattern)
}

/// Request ids as rws makes them (UUID v7), so both servers do the same work.
#[derive(Clone, Copy)]
struct UuidV7;

impl tower_http::request_id::MakeRequestId for UuidV7 {
    fn make_request_id<B>(
        &mut self,
        _: &http::Request<B>,
    ) -> Option<tower_http::request_id::RequestId> {
        let id = uuid::Uuid::now_v7().to_string();
        http::HeaderValue::from_str(&id)
            .ok()
            .map(tower_http::request_id::RequestId::new)
    }
}

/// bench/upload.sh: every field's bytes streamed through axum's `Multipart` and counted.
async fn upload(
    mut multipart: axum::extract::Multipart,
) -> Result<String, axum::extract::multipart::MultipartError> {
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
        let mut app = axum::Router::new()
            .route("/plaintext", get(|| async { HELLO }))
            .route("/json", get(|| async { Json(Message { message: HELLO }) }))
            .route(
                "/users/{user}/posts/{post}",
                get(|Path((id, post)): Path<(u64, u64)>| async move {
                    format!("user {id} post {post}")
                }),
            )
            .route(
                "/echo",
                post(|Json(order): Json<Order>| async move { Json(order) }),
            )
            .route(
                "/upload",
                post(upload).layer(axum::extract::DefaultBodyLimit::max(
                    rws_bench::UPLOAD_LIMIT,
                )),
            );
        for pattern in rws_bench::filler_routes() {
            app = app.route(&axum_pattern(pattern), get(|| async { "filler" }));
        }
        if rws_bench::layers() {
            // tower-http's equivalents of rws's layers, and tower_governor per peer IP with a
            // quota that never trips, its burst as high as rws's.
            let governor = tower_governor::governor::GovernorConfigBuilder::default()
                .per_nanosecond(1)
                .burst_size(u32::MAX)
                .use_headers()
                .finish()
                .expect("governor config");
            app = app
                .layer(tower_http::compression::CompressionLayer::new())
                .layer(tower_governor::GovernorLayer::new(governor))
                .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
                .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
                    UuidV7,
                ));
        }
        if rws_bench::identity() {
            app = identity(app);
        }
        if let Some((cert, key)) = rws_bench::tls_files() {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .expect("certificate");
            let addr: std::net::SocketAddr = rws_bench::address().parse().expect("address");
            axum_server::bind_rustls(addr, config)
                .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await
                .expect("serve");
            return;
        }
        let listener = tokio::net::TcpListener::bind(rws_bench::address())
            .await
            .expect("bind");
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serve");
    });
}
