//! The server's limits and timeouts, with safe defaults.

use std::time::Duration;

/// Limits and timeouts of a [`Server`](super::Server), each with a safe default.
///
/// | limit | default | answered with |
/// |---|---|---|
/// | header read timeout | 10 s | connection closed |
/// | keep-alive idle timeout | 60 s | connection closed (HTTP/2: GOAWAY) |
/// | request timeout | 60 s | 503 (408 if the client was still sending the body) |
/// | send timeout (no progress writing the response) | 60 s | connection closed |
/// | max header size | 16 KiB | 431 |
/// | max header count | 100 | 431 |
/// | max concurrent connections | 10 000 | excess wait in the listen backlog |
/// | HTTP/2 concurrent streams per connection | 200 | `REFUSED_STREAM` |
/// | response bodies still sending per connection | 64 | 503 + `Retry-After` |
/// | HTTP/2 pending-accept reset streams (rapid reset) | 20 | `GOAWAY` |
/// | HTTP/2 keep-alive PING interval / ACK timeout | 20 s / 20 s | connection closed |
/// | closing (after `GOAWAY`) with nothing in flight | 5 s (or the keep-alive timeout, if shorter) | connection dropped |
/// | shutdown grace period | 30 s | remaining connections dropped |
///
/// The request body limit (2 MiB, 413) belongs to the app: see `App::body_limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) keep_alive_timeout: Duration,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) send_timeout: Duration,
    pub(crate) max_header_size: usize,
    pub(crate) max_headers: usize,
    pub(crate) max_connections: usize,
    pub(crate) http2_max_concurrent_streams: u32,
    pub(crate) max_open_bodies: usize,
    pub(crate) http2_max_pending_accept_reset_streams: usize,
    pub(crate) http2_keep_alive_interval: Option<Duration>,
    pub(crate) http2_keep_alive_timeout: Duration,
    pub(crate) grace_period: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(60),
            request_timeout: Some(Duration::from_secs(60)),
            send_timeout: Duration::from_secs(60),
            max_header_size: 16 * 1024,
            max_headers: 100,
            max_connections: 10_000,
            http2_max_concurrent_streams: 200,
            max_open_bodies: 64,
            http2_max_pending_accept_reset_streams: 20,
            http2_keep_alive_interval: Some(Duration::from_secs(20)),
            http2_keep_alive_timeout: Duration::from_secs(20),
            grace_period: Duration::from_secs(30),
        }
    }
}
