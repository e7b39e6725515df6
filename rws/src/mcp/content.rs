//! Rich results: text, images, audio and embedded resources a tool or prompt answers with.

use base64::Engine as _;
use http::HeaderValue;
use http::header::CONTENT_TYPE;
use rmcp::model::{ContentBlock, ResourceContents};

use crate::response::IntoResponse;
use crate::{Body, Response};

/// One piece of a tool's or a prompt's answer, as MCP carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Content(pub(crate) ContentBlock);

impl Content {
    /// Text.
    pub fn text(text: impl Into<String>) -> Self {
        Content(ContentBlock::text(text))
    }

    /// An image of `mime_type` (`image/png`, …), sent base64-encoded.
    pub fn image(data: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Content(ContentBlock::image(encode(data.as_ref()), mime_type))
    }

    /// Audio of `mime_type` (`audio/wav`, …), sent base64-encoded.
    pub fn audio(data: impl AsRef<[u8]>, mime_type: impl Into<String>) -> Self {
        Content(ContentBlock::audio(encode(data.as_ref()), mime_type))
    }

    /// The text of the resource `uri`, of `mime_type`, embedded in the answer.
    pub fn resource_text(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Content(ContentBlock::resource(
            ResourceContents::TextResourceContents {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                text: text.into(),
                meta: None,
            },
        ))
    }

    /// The bytes of the resource `uri`, of `mime_type`, embedded in the answer (base64).
    pub fn resource_blob(
        uri: impl Into<String>,
        mime_type: impl Into<String>,
        data: impl AsRef<[u8]>,
    ) -> Self {
        Content(ContentBlock::resource(
            ResourceContents::BlobResourceContents {
                uri: uri.into(),
                mime_type: Some(mime_type.into()),
                blob: encode(data.as_ref()),
                meta: None,
            },
        ))
    }
}

fn encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A handler's answer as MCP content: a tool's result is these pieces (a tool error when the
/// status is 400 or more, [`with_status`](Self::with_status)), a prompt's one user message
/// each. Over plain HTTP the same answer is their JSON array.
///
/// ```
/// use rws::mcp::{Content, Contents};
///
/// async fn chart() -> Contents {
///     Contents::new([
///         Content::text("sales by month"),
///         Content::image(b"\x89PNG...", "image/png"),
///     ])
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Contents {
    pub(crate) pieces: Vec<ContentBlock>,
    status: http::StatusCode,
}

impl Contents {
    /// These pieces, in order.
    pub fn new(pieces: impl IntoIterator<Item = Content>) -> Self {
        Contents {
            pieces: pieces.into_iter().map(|c| c.0).collect(),
            status: http::StatusCode::OK,
        }
    }

    /// Answered with `status`: 400 and above make a tool's result an error (`isError`).
    #[must_use]
    pub fn with_status(mut self, status: http::StatusCode) -> Self {
        self.status = status;
        self
    }
}

/// What a tool or prompt call finds on the response: the pieces, unencoded.
#[derive(Clone)]
pub(crate) struct Pieces(pub(crate) Vec<ContentBlock>);

impl IntoResponse for Contents {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.pieces).unwrap_or_default();
        let mut res = Response::new(Body::from(body));
        *res.status_mut() = self.status;
        res.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        res.extensions_mut().insert(Pieces(self.pieces));
        res
    }
}
