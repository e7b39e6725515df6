//! The bare hyper server of the comparison: a hand-written service, the ceiling to measure
//! frameworks against.

use std::convert::Infallible;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rws_bench::{HELLO, Message, Order};

fn with_type(body: impl Into<Bytes>, content_type: &'static str) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(body.into()));
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::new()));
    *res.status_mut() = code;
    res
}

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path();
    Ok(match (req.method(), path) {
        (&Method::GET, "/plaintext") => with_type(HELLO, "text/plain; charset=utf-8"),
        (&Method::GET, "/json") => match serde_json::to_vec(&Message { message: HELLO }) {
            Ok(body) => with_type(body, "application/json"),
            Err(_) => status(StatusCode::INTERNAL_SERVER_ERROR),
        },
        (&Method::POST, "/echo") => {
            let Ok(body) = req.into_body().collect().await else {
                return Ok(status(StatusCode::BAD_REQUEST));
            };
            match serde_json::from_slice::<Order>(&body.to_bytes()) {
                Ok(order) => match serde_json::to_vec(&order) {
                    Ok(out) => with_type(out, "application/json"),
                    Err(_) => status(StatusCode::INTERNAL_SERVER_ERROR),
                },
                Err(_) => status(StatusCode::UNPROCESSABLE_ENTITY),
            }
        }
        (&Method::GET, _) => {
            // /users/:id/posts/:post, matched by hand.
            let mut parts = path.split('/');
            match (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) {
                (Some(""), Some("users"), Some(id), Some("posts"), Some(post), None) => {
                    match (id.parse::<u64>(), post.parse::<u64>()) {
                        (Ok(id), Ok(post)) => with_type(
                            format!("user {id} post {post}"),
                            "text/plain; charset=utf-8",
                        ),
                        _ => status(StatusCode::BAD_REQUEST),
                    }
                }
                _ => status(StatusCode::NOT_FOUND),
            }
        }
        _ => status(StatusCode::NOT_FOUND),
    })
}

fn main() {
    rws_bench::runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind(rws_bench::address())
            .await
            .expect("bind");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service_fn(handle))
                    .await;
            });
        }
    });
}
