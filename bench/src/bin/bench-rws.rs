//! The rws server of the comparison.

use rws::middleware::rate_limit::Quota;
use rws::middleware::{Compression, RateLimit, RequestIdLayer};
use rws::prelude::*;
use rws_bench::{HELLO, Message, Order};

fn main() {
    rws_bench::runtime().block_on(async {
        let mut app = App::new()
            .get("/plaintext", || async { HELLO })
            .get("/json", || async { Json(Message { message: HELLO }) })
            .get("/users/:user/posts/:post", |Path((id, post)): Path<(u64, u64)>| async move {
                format!("user {id} post {post}")
            })
            .post("/echo", |Json(order): Json<Order>| async move { Json(order) });
        for pattern in rws_bench::filler_routes() {
            app = app.get(pattern, || async { "filler" });
        }
        if rws_bench::layers() {
            app = app
                .wrap(RequestIdLayer::new())
                .wrap(RateLimit::per_ip(Quota::per_second(u32::MAX)))
                .wrap(Compression::new());
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
