//! Server-sent events (`text/event-stream`): a live stream of [`SseEvent`]s with keep-alive
//! comments, or a buffered sequence built up front.
//!
//! ```
//! use std::time::Duration;
//! use futures_util::StreamExt;
//! use rws::sse::{LastEventId, Sse, SseEvent};
//!
//! // Live: one event a second, resuming after the last id the client saw.
//! async fn ticks(last: Option<LastEventId>) -> rws::Response {
//!     let start = last.and_then(|l| l.0.parse::<u64>().ok()).map_or(0, |n| n + 1);
//!     let events = futures_util::stream::iter(start..).then(|n| async move {
//!         tokio::time::sleep(Duration::from_secs(1)).await;
//!         SseEvent::data(format!("tick {n}")).id(n.to_string())
//!     });
//!     rws::IntoResponse::into_response(Sse::new(events).keep_alive(Duration::from_secs(15)))
//! }
//!
//! // Buffered: the events are known when the response is made.
//! async fn snapshot() -> Sse {
//!     Sse::buffered()
//!         .event("connected", "ready")
//!         .push(SseEvent::data(r#"{"count":1}"#).id("1").event_type("update"))
//!         .retry(5000)
//!         .comment("keep-alive")
//! }
//! ```

mod buffered;
mod event;
mod last_event_id;
mod stream;

pub use buffered::Buffered;
pub use event::SseEvent;
pub use last_event_id::{LastEventId, LastEventIdRejection};
pub use stream::{DEFAULT_KEEP_ALIVE, Sse, SseItem};

use http::HeaderValue;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap};

/// The headers of every event stream: its type, no caching, and no buffering by nginx.
fn set_headers(headers: &mut HeaderMap) {
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
}
