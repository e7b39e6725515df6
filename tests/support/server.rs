//! A real server on a loopback port, for tests over real sockets.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use rws::server::{Readiness, Server};
use rws::{App, ServeError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; dropping it leaves the task to the runtime's end.
pub struct TestServer {
    pub addr: SocketAddr,
    pub readiness: Readiness,
    stop: Option<oneshot::Sender<()>>,
    handle: JoinHandle<Result<(), ServeError>>,
}

impl TestServer {
    /// Starts `app` on `127.0.0.1:0`, with `configure` applied to the server.
    pub async fn start(app: App, configure: impl FnOnce(Server) -> Server) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let readiness = Readiness::new();
        let server = configure(
            Server::new(app)
                .handle_signals(false)
                .readiness(readiness.clone())
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                }),
        );
        let handle = tokio::spawn(server.serve(listener));
        // Ready once the accept loop runs.
        for _ in 0..500 {
            if readiness.is_ready() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert!(readiness.is_ready(), "server did not become ready");
        TestServer {
            addr,
            readiness,
            stop: Some(stop),
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Starts the graceful shutdown without waiting for it.
    pub fn trigger_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down and waits for `serve` to return (bounded, so a hang fails the test).
    pub async fn stop(mut self) -> Result<(), ServeError> {
        self.trigger_shutdown();
        tokio::time::timeout(Duration::from_secs(30), self.handle)
            .await
            .expect("server did not stop within 30 s")
            .expect("server task panicked")
    }

    pub async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.expect("connect")
    }
}

/// Reads from `stream` until `needle` has been seen or the stream ends; returns what was read.
pub async fn read_until(stream: &mut TcpStream, needle: &str, limit: Duration) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let _ = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&out).contains(needle) {
                        break;
                    }
                }
            }
        }
    })
    .await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the peer closed `stream` (EOF or reset) within `limit`, reading and discarding.
pub async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// Sends one raw HTTP/1.1 request and reads the response head and body (by Content-Length).
pub async fn raw_request(stream: &mut TcpStream, request: &str) -> String {
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    read_response(stream).await
}

/// Reads exactly one response with a Content-Length body.
pub async fn read_response(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => out.push(byte[0]),
            _ => return String::from_utf8_lossy(&out).into_owned(),
        }
    }
    let head = String::from_utf8_lossy(&out).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.expect("read body");
    head + &String::from_utf8_lossy(&body)
}
