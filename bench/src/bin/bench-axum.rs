//! The axum server of the comparison.

use axum::Json;
use axum::extract::Path;
use axum::routing::{get, post};
use rws_bench::{HELLO, Message, Order};

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
