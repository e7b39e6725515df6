//! `AppService` as a hyper and tower `Service` over any body type: the seam servers use.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use rws::prelude::*;

fn app() -> App {
    App::new()
        .post("/echo", |body: String| async move { body })
        .get("/conn", |c: ConnectionInfo| async move {
            c.peer_addr().to_string()
        })
}

#[tokio::test]
async fn hyper_service_over_a_foreign_body_type() {
    use hyper::service::Service;
    let service = app().into_service();
    let req = http::Request::post("/echo")
        .body(Full::new(Bytes::from_static(b"over hyper")))
        .unwrap();
    let res: Result<Response, Infallible> = service.call(req).await;
    let res = res.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // hyper writes Content-Length on the wire from the body's exact size.
    assert_eq!(http_body::Body::size_hint(res.body()).exact(), Some(10));
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "over hyper"
    );
}

#[tokio::test]
async fn tower_service_and_connection_info() {
    use tower_service::Service;
    let service = app().into_service();
    let peer = "10.1.2.3:5555".parse().unwrap();
    let local = "127.0.0.1:80".parse().unwrap();
    let mut per_conn = service.with_connection_info(ConnectionInfo::new(peer, local));
    let req = http::Request::get("/conn")
        .body(http_body_util::Empty::<Bytes>::new())
        .unwrap();
    std::future::poll_fn(|cx| Service::<http::Request<Full<Bytes>>>::poll_ready(&mut per_conn, cx))
        .await
        .unwrap();
    let res = per_conn.call(req).await.unwrap();
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "10.1.2.3:5555"
    );

    // Without connection info (a hand-rolled server that did not attach it): a 500, not a panic.
    let mut bare = service;
    let req = http::Request::get("/conn")
        .body(http_body_util::Empty::<Bytes>::new())
        .unwrap();
    let res = bare.call(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn the_service_is_cheap_to_clone_and_send() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<rws::AppService>();
}
