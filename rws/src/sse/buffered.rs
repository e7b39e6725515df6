//! `Sse::buffered()`: an event stream whose events are all known up front (the older
//! rust-web-server builder).

use bytes::Bytes;

use super::{Sse, SseEvent, set_headers};
use crate::response::IntoResponse;
use crate::{Body, Response};

/// The event source of a buffered [`Sse`]: its events written out, sent as one body with a
/// `Content-Length`.
#[derive(Clone, Debug, Default)]
pub struct Buffered {
    out: String,
}

impl Sse<Buffered> {
    /// An empty buffered event stream, to fill with [`event`](Self::event),
    /// [`push`](Self::push), [`retry`](Self::retry) and [`comment`](Self::comment).
    ///
    /// ```
    /// use rws::sse::{Sse, SseEvent};
    ///
    /// let body = Sse::buffered()
    ///     .event("connected", "ready")
    ///     .push(SseEvent::data("two\nlines").id("2"))
    ///     .retry(5000)
    ///     .comment("keep-alive")
    ///     .to_string();
    /// assert_eq!(
    ///     body,
    ///     "event: connected\ndata: ready\n\nid: 2\ndata: two\ndata: lines\n\nretry: 5000\n\n: keep-alive\n\n"
    /// );
    /// ```
    pub fn buffered() -> Self {
        Sse::from_source(Buffered::default())
    }

    /// Adds an event of type `name` carrying `data`.
    pub fn event(self, name: impl Into<String>, data: impl Into<String>) -> Self {
        self.push(SseEvent::data(data).event(name))
    }

    /// Adds `event`.
    #[allow(clippy::needless_pass_by_value)] // the builder reads `.push(SseEvent::data(..))`
    pub fn push(mut self, event: SseEvent) -> Self {
        event.write_to(&mut self.source_mut().out);
        self
    }

    /// Tells the client to wait `millis` milliseconds before reconnecting.
    pub fn retry(self, millis: u64) -> Self {
        self.push(SseEvent::default().retry(millis))
    }

    /// Adds a comment line.
    pub fn comment(self, text: impl Into<String>) -> Self {
        self.push(SseEvent::comment(text))
    }
}

impl Default for Sse<Buffered> {
    fn default() -> Self {
        Sse::buffered()
    }
}

impl std::fmt::Display for Sse<Buffered> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source().out)
    }
}

impl IntoResponse for Sse<Buffered> {
    fn into_response(self) -> Response {
        let mut res = Response::new(Body::from(Bytes::from(self.into_source().out)));
        set_headers(res.headers_mut());
        res
    }
}
