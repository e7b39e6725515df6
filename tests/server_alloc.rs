//! What a keep-alive request costs the heap behind middleware, counted by a counting global
//! allocator (dhat), not timed: hyper's read buffer must be reused from one request to the
//! next, not reallocated (8 KiB a request) because a boxed middleware future still held the
//! previous request when hyper read again.

use rws::middleware::{Next, from_fn};
use rws::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const REQUESTS: u64 = 200;

/// Bytes allocated per keep-alive GET of `/plaintext` on `app`, after a warm-up.
async fn bytes_per_request(app: App) -> u64 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rws::serve(listener, app));
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut buf = [0u8; 4096];
    let mut one = async |conn: &mut tokio::net::TcpStream| {
        conn.write_all(request).await.unwrap();
        let n = conn.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"), "{:?}", &buf[..n]);
        assert!(buf[..n].ends_with(b"hello"));
    };
    for _ in 0..50 {
        one(&mut conn).await;
    }
    let before = dhat::HeapStats::get();
    for _ in 0..REQUESTS {
        one(&mut conn).await;
    }
    let after = dhat::HeapStats::get();
    (after.total_bytes - before.total_bytes) / REQUESTS
}

#[tokio::test(flavor = "current_thread")]
async fn the_read_buffer_is_reused_behind_middleware() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let plain = || App::empty().get("/plaintext", || async { "hello" });
    let bare = bytes_per_request(plain()).await;
    let wrapped = bytes_per_request(
        plain()
            .wrap(from_fn(|req: Request, next: Next| next.run(req)))
            .wrap(from_fn(|req: Request, next: Next| async move {
                next.run(req).await
            })),
    )
    .await;
    // Two middleware links box two futures; a reallocated read buffer would be 8 KiB more.
    assert!(
        wrapped < bare + 2048,
        "{wrapped} bytes a request behind middleware, {bare} bare"
    );
    assert!(bare < 4096, "{bare} bytes a request");
}
