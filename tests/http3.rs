//! HTTP/3 over real QUIC: the h3 crate's client and Python's `aioquic` fetch routes, JSON and
//! streamed bodies both ways from the same app that serves HTTPS on TCP, which advertises it
//! with `Alt-Svc`; shutdown closes QUIC connections with `H3_NO_ERROR` after their requests.

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures_util::StreamExt;
use rws::ConnectionInfo;
use rws::extract::BodyStream;
use rws::prelude::*;
use rws::response::StreamBody;
use rws::server::Server;
use rws::server::tls::Tls;
use support::bin::Folder;
use tokio::sync::{Notify, oneshot};
use tokio_rustls::rustls;

/// A self-signed certificate for `localhost`, as PEM files, and its DER.
fn certificate(dir: &Folder) -> (PathBuf, PathBuf, rustls_pki_types::CertificateDer<'static>) {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    dir.file("cert.pem", key.cert.pem());
    dir.file("key.pem", key.signing_key.serialize_pem());
    (
        dir.path().join("cert.pem"),
        dir.path().join("key.pem"),
        key.cert.der().clone(),
    )
}

/// Set when the last clone is dropped: the server let go of what it was sending.
#[derive(Clone, Default)]
struct Dropped(Arc<()>);

impl Dropped {
    fn gone(&self) -> bool {
        Arc::strong_count(&self.0) == 1
    }
}

static BIG_DROPPED: std::sync::Mutex<Vec<Dropped>> = std::sync::Mutex::new(Vec::new());

/// A handler that reports its arrival and waits to be let through.
#[derive(Clone, Default)]
struct Gate {
    arrived: Arc<Notify>,
    release: Arc<Notify>,
}

fn app(gate: Gate) -> App {
    App::empty()
        .get("/hello", |info: ConnectionInfo| async move {
            format!(
                "hello over {:?} alpn={} sni={}",
                info.version(),
                info.alpn().unwrap_or("-"),
                info.server_name().unwrap_or("-")
            )
        })
        .get("/users/:id", |Path(id): Path<u64>| async move {
            Json(serde_json::json!({ "id": id, "name": format!("user {id}") }))
        })
        .post("/echo", |Json(value): Json<serde_json::Value>| async move {
            Json(serde_json::json!({ "got": value }))
        })
        .get("/stream", || async {
            StreamBody::new(futures_util::stream::iter(
                (1..=5).map(|n| Ok::<_, std::io::Error>(format!("chunk {n}\n"))),
            ))
        })
        .post("/upload", |mut body: BodyStream| async move {
            let (mut chunks, mut total) = (0, 0);
            while let Some(chunk) = body.next().await {
                total += chunk?.len();
                chunks += 1;
            }
            Ok::<_, Error>(format!("{total} bytes in {chunks} chunks"))
        })
        .get("/big", || async {
            // 8 MiB, in 64 KiB chunks; `Dropped` says when the server let go of the body.
            let dropped = Dropped::default();
            let flag = dropped.clone();
            // The flag rides in the stream (zipped with each chunk), dropped with it.
            let chunks = futures_util::stream::iter((0..128).map(move |_| flag.clone()))
                .map(|_flag| Ok::<_, std::io::Error>(Bytes::from(vec![9u8; 64 * 1024])));
            BIG_DROPPED.lock().unwrap().push(dropped);
            StreamBody::new(chunks)
        })
        .get("/hold", || async {
            // One chunk, then nothing, ever: a response that stays sending.
            let first = futures_util::stream::once(async {
                Ok::<_, std::io::Error>(Bytes::from_static(b"held"))
            });
            StreamBody::new(first.chain(futures_util::stream::pending()))
        })
        .get("/gate", move || {
            let gate = gate.clone();
            async move {
                gate.arrived.notify_one();
                gate.release.notified().await;
                "let through"
            }
        })
}

struct Running {
    addr: SocketAddr,
    cert: PathBuf,
    der: rustls_pki_types::CertificateDer<'static>,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<Result<(), rws::ServeError>>,
    gate: Gate,
    _dir: Folder,
}

async fn start(name: &str) -> Running {
    start_with(name, |server| server).await
}

async fn start_with(name: &str, configure: impl FnOnce(Server) -> Server) -> Running {
    let dir = Folder::new(name);
    let (cert, key, der) = certificate(&dir);
    let tls = Tls::from_pem_files(&cert, &key).unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let quic = tls.bind_http3(addr).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let gate = Gate::default();
    let done = tokio::spawn(
        configure(Server::new(app(gate.clone())))
            .handle_signals(false)
            // Longer than the test waits: the close must come from the drained connection itself.
            .grace_period(Duration::from_secs(60))
            .http3(quic)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .serve(tls.bind(tcp)),
    );
    Running {
        addr,
        cert,
        der,
        stop: Some(stop),
        done,
        gate,
        _dir: dir,
    }
}

type SendRequest = h3::client::SendRequest<h3_quinn::OpenStreams, Bytes>;

/// A QUIC connection to `server` trusting its certificate, with the h3 client over it.
async fn connect(server: &Running) -> (quinn::Connection, SendRequest) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.der.clone()).unwrap();
    let mut crypto = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    crypto.alpn_protocols = vec![b"h3".to_vec()];
    let config = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(crypto).unwrap(),
    ));
    let mut endpoint = quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).unwrap();
    endpoint.set_default_client_config(config);
    let conn = endpoint
        .connect(server.addr, "localhost")
        .unwrap()
        .await
        .unwrap();
    let (mut driver, send) = h3::client::new(h3_quinn::Connection::new(conn.clone()))
        .await
        .unwrap();
    tokio::spawn(async move { std::future::poll_fn(|cx| driver.poll_close(cx)).await });
    (conn, send)
}

/// Sends a request (with `body` if any) and reads the whole response, counting DATA frames.
async fn fetch(
    send: &mut SendRequest,
    method: Method,
    path: &str,
    body: &[&[u8]],
) -> (http::Response<()>, Vec<u8>, usize) {
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("https://localhost{path}"));
    if !body.is_empty() {
        req = req.header("content-type", "application/json");
    }
    let mut stream = send.send_request(req.body(()).unwrap()).await.unwrap();
    for chunk in body {
        stream
            .send_data(Bytes::copy_from_slice(chunk))
            .await
            .unwrap();
    }
    stream.finish().await.unwrap();
    let res = stream.recv_response().await.unwrap();
    let (mut out, mut frames) = (Vec::new(), 0);
    while let Some(mut data) = stream.recv_data().await.unwrap() {
        frames += 1;
        while data.has_remaining() {
            let chunk = data.chunk();
            out.extend_from_slice(chunk);
            let n = chunk.len();
            data.advance(n);
        }
    }
    (res, out, frames)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_h3_client_gets_routes_json_and_streams_both_ways() {
    let server = start("h3-rust").await;
    let (_conn, mut send) = connect(&server).await;

    let (res, body, _) = fetch(&mut send, Method::GET, "/hello", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "hello over HTTP/3.0 alpn=h3 sni=localhost"
    );
    assert!(
        res.headers().get("alt-svc").is_none(),
        "no Alt-Svc on h3 itself"
    );

    let (res, body, _) = fetch(&mut send, Method::GET, "/users/42", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let user: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(user, serde_json::json!({"id": 42, "name": "user 42"}));

    let (res, body, _) = fetch(&mut send, Method::POST, "/echo", &[br#"{"a":"#, br"[1,2]}"]).await;
    assert_eq!(res.status(), 200);
    let echoed: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(echoed, serde_json::json!({"got": {"a": [1, 2]}}));

    let (res, body, frames) = fetch(&mut send, Method::GET, "/stream", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("content-length").is_none());
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n"
    );
    assert!(frames >= 1);

    let parts: Vec<Vec<u8>> = (0..4).map(|i| vec![b'a' + i; 50_000]).collect();
    let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let (res, body, _) = fetch(&mut send, Method::POST, "/upload", &slices).await;
    assert_eq!(res.status(), 200);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .starts_with("200000 bytes in "),
        "the upload arrived whole"
    );

    let (res, body, _) = fetch(&mut send, Method::GET, "/nowhere", &[]).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert!(!body.is_empty());
}

/// The request deadline follows TCP's rule: 503 for a handler that does not answer, 408 for a
/// client that stops sending the body the handler reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_deadline_answers_503_or_408_as_on_tcp() {
    let server = start_with("h3-deadline", |s| {
        s.request_timeout(Some(Duration::from_millis(300)))
    })
    .await;
    let (_conn, mut send) = connect(&server).await;
    let (res, body, _) = fetch(&mut send, Method::GET, "/gate", &[]).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["status"], 503);

    let req = http::Request::post("https://localhost/upload")
        .body(())
        .unwrap();
    let mut stream = send.send_request(req).await.unwrap();
    stream
        .send_data(Bytes::from_static(b"the start"))
        .await
        .unwrap();
    // No more data and no end of stream: the handler waits on the client.
    let res = stream.recv_response().await.unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_responses_advertise_http3_with_alt_svc() {
    let server = start("h3-alt-svc").await;
    let url = format!("https://localhost:{}/hello", server.addr.port());
    let cacert = server.cert.display().to_string();
    let out = tokio::process::Command::new("curl")
        .args([
            "-s",
            "-S",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "--cacert",
            &cacert,
        ])
        .args([
            "--resolve",
            &format!("localhost:{}:127.0.0.1", server.addr.port()),
        ])
        .arg(&url)
        .output()
        .await
        .unwrap();
    let head = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(out.status.success(), "{head}");
    assert!(
        head.contains(&format!(
            "alt-svc: h3=\":{}\"; ma=86400",
            server.addr.port()
        )),
        "{head}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_requests_then_closes_with_h3_no_error() {
    let mut server = start("h3-shutdown").await;
    let (conn, mut send) = connect(&server).await;
    // A request in flight when shutdown starts.
    let mut stream = send
        .send_request(
            http::Request::get("https://localhost/gate")
                .body(())
                .unwrap(),
        )
        .await
        .unwrap();
    stream.finish().await.unwrap();
    // Shut down once the handler runs; let it finish only after GOAWAY went out.
    server.gate.arrived.notified().await;
    let _ = server.stop.take().unwrap().send(());
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.gate.release.notify_one();
    let res = stream.recv_response().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut body = Vec::new();
    while let Some(data) = stream.recv_data().await.unwrap() {
        body.extend_from_slice(data.chunk());
    }
    assert_eq!(body, b"let through");

    let reason = tokio::time::timeout(Duration::from_secs(10), conn.closed())
        .await
        .expect("the server closes the connection");
    match reason {
        quinn::ConnectionError::ApplicationClosed(close) => {
            assert_eq!(
                close.error_code,
                quinn::VarInt::from_u32(0x100),
                "H3_NO_ERROR"
            );
        }
        other => panic!("closed with {other:?}"),
    }
    tokio::time::timeout(Duration::from_secs(10), server.done)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_aioquic_client_talks_http3_to_rws() {
    let server = start("h3-aioquic").await;
    let port = server.addr.port().to_string();
    let report = support::peer("h3_client.py", [port.as_ref(), server.cert.as_os_str()]).await;
    assert_eq!(report["hello"]["status"], "200");
    assert_eq!(
        report["hello"]["body"],
        "hello over HTTP/3.0 alpn=h3 sni=localhost"
    );
    assert_eq!(report["user"]["status"], "200");
    assert_eq!(report["user"]["body"], r#"{"id":7,"name":"user 7"}"#);
    assert_eq!(report["echo"]["status"], "200");
    assert_eq!(report["echo"]["body"], r#"{"got":{"from":"aioquic"}}"#);
    assert_eq!(report["stream"]["status"], "200");
    assert_eq!(
        report["stream"]["body"],
        "chunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n"
    );
}

/// A client that asks for a large response and never reads it has its stream reset by the send
/// timeout, as on TCP; the server lets go of the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_by_the_send_timeout() {
    let server = start_with("h3-send-timeout", |s| {
        s.send_timeout(Duration::from_secs(1))
    })
    .await;
    let (_conn, mut send) = connect(&server).await;
    let req = http::Request::get("https://localhost/big")
        .body(())
        .unwrap();
    let mut stream = send.send_request(req).await.unwrap();
    stream.finish().await.unwrap();
    let res = stream.recv_response().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Never read: the stream's window fills and stays shut.
    let mut released = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Looked at in place: a clone of a flag would count as a holder.
        let bodies = BIG_DROPPED.lock().unwrap();
        if !bodies.is_empty() && bodies.iter().all(Dropped::gone) {
            released = true;
            break;
        }
    }
    assert!(
        released,
        "the server still holds the unread response after 10 s"
    );
    drop(stream);
}

/// Runs `h3_idle_ping.py` against `server` for at most 10 s; its report.
async fn idle_ping(server: &Running, partial: bool) -> serde_json::Value {
    let port = server.addr.port().to_string();
    let mut args = vec![port.as_ref(), server.cert.as_os_str(), "10".as_ref()];
    if partial {
        args.push("partial".as_ref());
    }
    support::peer("h3_idle_ping.py", args).await
}

/// A client that makes no request and only PINGs is closed after the keep-alive timeout:
/// quinn's own idle timer counts PINGs as activity, rws's counts requests (aioquic as the peer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_alone_do_not_keep_an_http3_connection_open() {
    let server = start_with("h3-idle-ping", |s| {
        s.keep_alive_timeout(Duration::from_secs(1))
    })
    .await;
    let report = idle_ping(&server, false).await;
    assert_eq!(
        report["closed"], true,
        "still open after 10 s of PINGs: {report}"
    );
    assert!(report["after"].as_f64().unwrap() < 5.0, "{report}");
}

/// Request HEADERS that never complete are dropped at the head deadline (they were held 80 s):
/// the connection, sent a `PING` all along, then has no request and closes as idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_headers_are_dropped_at_the_head_deadline() {
    let server = start_with("h3-partial-headers", |s| {
        s.keep_alive_timeout(Duration::from_secs(1))
            .header_read_timeout(Duration::from_secs(1))
    })
    .await;
    let report = idle_ping(&server, true).await;
    assert_eq!(
        report["closed"], true,
        "partial HEADERS kept it open 10 s: {report}"
    );
    assert!(report["after"].as_f64().unwrap() < 6.0, "{report}");
}

/// One HTTP/3 connection keeps at most 64 responses sending, as on TCP: past that, a new
/// request is answered 503 with `Retry-After` at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http3_connection_keeps_at_most_64_responses_sending() {
    let server = start("h3-bodies").await;
    let (_conn, mut send) = connect(&server).await;
    let (mut statuses, mut held) = (Vec::new(), Vec::new());
    for _ in 0..70 {
        let req = http::Request::get("https://localhost/hold")
            .body(())
            .unwrap();
        let mut stream = send.send_request(req).await.unwrap();
        stream.finish().await.unwrap();
        let res = stream.recv_response().await.unwrap();
        let retry = res.headers().get("retry-after").cloned();
        statuses.push((res.status().as_u16(), retry));
        held.push(stream);
    }
    let ok = statuses.iter().filter(|(s, _)| *s == 200).count();
    let refused: Vec<_> = statuses.iter().filter(|(s, _)| *s == 503).collect();
    assert_eq!((ok, refused.len()), (64, 6), "{statuses:?}");
    assert!(
        refused
            .iter()
            .all(|(_, retry)| retry.as_ref().is_some_and(|r| r == "1"))
    );
}
