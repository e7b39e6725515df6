//! Graceful shutdown over real sockets: in-flight requests finish, new connections are refused,
//! idle ones close, HTTP/2 gets GOAWAY, and the grace period bounds the wait.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::prelude::*;
use support::server::{TestServer, closed_within, raw_request};
use tokio::net::TcpStream;

fn app(started: &Arc<AtomicUsize>) -> App {
    let started = Arc::clone(started);
    App::new()
        .get("/", || async { "ok" })
        .get("/slow", move || {
            let started = Arc::clone(&started);
            async move {
                started.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(500)).await;
                "finished"
            }
        })
        .get("/forever", || async {
            std::future::pending::<()>().await;
            "never"
        })
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_in_flight_requests_finish_and_new_connections_are_refused() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut server =
        TestServer::start(app(&started), |s| s.grace_period(Duration::from_secs(20))).await;
    let client = reqwest::Client::new();
    let requests: Vec<_> = (0..50)
        .map(|_| {
            let (client, url) = (client.clone(), server.url("/slow"));
            tokio::spawn(async move {
                let res = client.get(url).send().await?;
                Ok::<_, reqwest::Error>((res.status(), res.text().await?))
            })
        })
        .collect();
    wait_for("50 requests in flight", || {
        started.load(Ordering::SeqCst) == 50
    })
    .await;

    server.trigger_shutdown();
    wait_for("readiness to drop", || !server.readiness.is_ready()).await;
    // The listener goes away: connecting is refused from now on.
    let addr = server.addr;
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(refused, "new connections still accepted during shutdown");

    for r in requests {
        let (status, body) = r.await.unwrap().expect("in-flight request completed");
        assert_eq!((status.as_u16(), body.as_str()), (200, "finished"));
    }
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_are_closed_at_shutdown() {
    let started = Arc::new(AtomicUsize::new(0));
    let server = TestServer::start(app(&started), |s| s).await;
    let mut idle = server.connect().await;
    assert!(
        raw_request(&mut idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .ends_with("ok")
    );
    let stopping = tokio::spawn(server.stop());
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)).await,
        "idle connection kept open"
    );
    stopping.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_in_flight_streams_finish_after_goaway() {
    let started = Arc::new(AtomicUsize::new(0));
    let mut server = TestServer::start(app(&started), |s| s).await;
    let tcp = server.connect().await;
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    let connection = tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let req = http::Request::get(server.url("/slow")).body(()).unwrap();
    let (response, _) = client.send_request(req, true).unwrap();
    wait_for("the stream to start", || {
        started.load(Ordering::SeqCst) == 1
    })
    .await;

    server.trigger_shutdown();
    let response = response.await.expect("in-flight stream answered");
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let chunk = body.data().await.unwrap().unwrap();
    assert_eq!(&chunk[..], b"finished");
    // After GOAWAY the connection ends cleanly once its last stream is done.
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grace_period_cuts_off_a_request_that_never_ends() {
    let started = Arc::new(AtomicUsize::new(0));
    let server = TestServer::start(app(&started), |s| {
        s.grace_period(Duration::from_millis(200))
            .request_timeout(None)
    })
    .await;
    let client = reqwest::Client::new();
    let url = server.url("/forever");
    let pending = tokio::spawn(async move { client.get(url).send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // serve() returns although the request never finished...
    server.stop().await.unwrap();
    // ...and the client sees its connection dropped, not an answer.
    let outcome = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .unwrap()
        .unwrap();
    assert!(outcome.is_err(), "{outcome:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_does_not_build_is_refused_at_start() {
    let app = App::new()
        .get("/a/:x", || async { "" })
        .get("/a/:y", || async { "" });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = rws::serve(listener, app).await.unwrap_err();
    assert!(matches!(err, rws::ServeError::Build(_)));
    assert!(
        err.to_string()
            .starts_with("refusing to start: the app has 1 problem:"),
        "{err}"
    );
}
