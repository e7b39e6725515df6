//! The axum server of the comparison.

use axum::Json;
use axum::extract::Path;
use axum::routing::{get, post};
use rws_bench::{HELLO, Message, Order};

/// rws's `:param` / `*rest` to axum 0.8's `{param}` / `{*rest}`.
fn axum_pattern(pattern: &str) -> String {
    rws_bench::github::to_matchit(pattern)
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
        let listener = tokio::net::TcpListener::bind(rws_bench::address())
            .await
            .expect("bind");
        axum::serve(listener, app).await.expect("serve");
    });
}
