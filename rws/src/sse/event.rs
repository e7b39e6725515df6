//! `SseEvent`: one event of a `text/event-stream`, and its wire format.

use std::fmt::Write as _;

use bytes::Bytes;

/// One server-sent event: data (several lines allowed), and optionally an event type, an id, a
/// reconnection delay and a comment.
///
/// `id` and `event` are single-line fields: a line break in them is replaced by a space, so
/// that a value taken from a client can never start a field or an event of its own. Data may
/// hold any text; each of its lines becomes a `data:` line, which clients join with `\n`.
///
/// ```
/// use rws::sse::SseEvent;
///
/// let event = SseEvent::data("line one\nline two").id("7").event("update");
/// assert_eq!(event.to_string(), "event: update\nid: 7\ndata: line one\ndata: line two\n\n");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    comment: Option<String>,
    event: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
    data: Option<String>,
}

/// A single-line field value: CR and LF would end the field early.
fn one_line(value: impl Into<String>) -> String {
    let mut value = value.into();
    if value.contains(['\r', '\n']) {
        value = value.replace(['\r', '\n'], " ");
    }
    value
}

impl SseEvent {
    /// An event carrying `data`.
    pub fn data(data: impl Into<String>) -> Self {
        SseEvent {
            data: Some(data.into()),
            ..SseEvent::default()
        }
    }

    /// An event carrying `value` serialised as JSON.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(SseEvent::data)
    }

    /// A comment only (`: text`): clients ignore it; it keeps idle connections open.
    pub fn comment(text: impl Into<String>) -> Self {
        SseEvent {
            comment: Some(text.into()),
            ..SseEvent::default()
        }
    }

    /// Replaces the data.
    #[must_use]
    pub fn with_data(mut self, data: impl Into<String>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// Adds a comment line (or several) before the fields.
    #[must_use]
    pub fn with_comment(mut self, text: impl Into<String>) -> Self {
        self.comment = Some(text.into());
        self
    }

    /// The event type (`event:`); the browser's `EventSource` dispatches it to listeners of
    /// that name instead of `onmessage`.
    #[must_use]
    pub fn event(mut self, name: impl Into<String>) -> Self {
        self.event = Some(one_line(name));
        self
    }

    /// Same as [`event`](Self::event), under the older rust-web-server name.
    #[must_use]
    pub fn event_type(self, name: impl Into<String>) -> Self {
        self.event(name)
    }

    /// The event id (`id:`): a reconnecting client sends the last one it saw as
    /// `Last-Event-ID` (see [`LastEventId`](super::LastEventId)). A NUL is dropped, as clients
    /// would ignore the field.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        let mut id = one_line(id);
        id.retain(|c| c != '\0');
        self.id = Some(id);
        self
    }

    /// How long the client waits before reconnecting, in milliseconds (`retry:`).
    #[must_use]
    pub fn retry(mut self, millis: u64) -> Self {
        self.retry = Some(millis);
        self
    }

    /// Appends the event's wire form, blank line included.
    pub(crate) fn write_to(&self, out: &mut String) {
        if let Some(comment) = &self.comment {
            for line in comment.lines() {
                out.push_str(": ");
                out.push_str(line);
                out.push('\n');
            }
            if comment.is_empty() {
                out.push_str(":\n");
            }
        }
        if let Some(event) = &self.event {
            out.push_str("event: ");
            out.push_str(event);
            out.push('\n');
        }
        if let Some(id) = &self.id {
            out.push_str("id: ");
            out.push_str(id);
            out.push('\n');
        }
        if let Some(retry) = self.retry {
            let _ = writeln!(out, "retry: {retry}");
        }
        if let Some(data) = &self.data {
            // `str::lines` would drop a trailing empty line and take only `\n` and `\r\n`; the
            // format also ends lines with a lone `\r`.
            for line in data.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
                out.push_str("data: ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
    }

    /// The event's wire form.
    pub(crate) fn to_bytes(&self) -> Bytes {
        let mut out = String::with_capacity(self.data.as_ref().map_or(0, String::len) + 32);
        self.write_to(&mut out);
        Bytes::from(out)
    }
}

impl std::fmt::Display for SseEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        self.write_to(&mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_written_in_order_and_data_lines_are_split() {
        let event = SseEvent::data("a\r\nb\rc\nd\n")
            .id("1")
            .event("tick")
            .retry(5000)
            .with_comment("hi\nthere");
        assert_eq!(
            event.to_string(),
            ": hi\n: there\nevent: tick\nid: 1\nretry: 5000\ndata: a\ndata: b\ndata: c\ndata: d\ndata: \n\n"
        );
    }

    #[test]
    fn single_line_fields_cannot_inject_fields() {
        let event = SseEvent::data("x")
            .event("a\ndata: evil")
            .id("1\r\nid: 2\0");
        assert_eq!(
            event.to_string(),
            "event: a data: evil\nid: 1  id: 2\ndata: x\n\n"
        );
    }

    #[test]
    fn comments_and_empty_data() {
        assert_eq!(SseEvent::comment("ping").to_string(), ": ping\n\n");
        assert_eq!(SseEvent::comment("").to_string(), ":\n\n");
        assert_eq!(SseEvent::data("").to_string(), "data: \n\n");
        assert_eq!(
            SseEvent::json(&serde_json::json!({"n": 1}))
                .unwrap()
                .to_string(),
            "data: {\"n\":1}\n\n"
        );
    }
}
