//! `BodyStream`: the request body chunk by chunk, as it arrives, under the body limit.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http_body::Body as _;

use super::FromRequest;
use super::body::BodyRejection;
use crate::Request;
use crate::body::BodyDataStream;
use crate::context::{DEFAULT_BODY_LIMIT, RequestContext};

/// The request body as a stream of chunks, each yielded as soon as it arrives, for uploads
/// too large to hold or to process while they come in.
///
/// The body limit in force still applies: a `Content-Length` over it is refused with 413 before
/// the handler runs, and a body that grows past it while streaming ends with
/// [`BodyRejection::TooLarge`] (which converts to a 413 problem) instead of more data.
///
/// ```
/// use futures_util::StreamExt;
/// use rws::extract::BodyStream;
///
/// async fn count(mut body: BodyStream) -> Result<String, rws::Error> {
///     let mut total = 0;
///     while let Some(chunk) = body.next().await {
///         total += chunk?.len();
///     }
///     Ok(format!("{total} bytes"))
/// }
/// ```
#[derive(Debug)]
pub struct BodyStream {
    inner: BodyDataStream,
    limit: usize,
    seen: usize,
    failed: bool,
}

impl FromRequest for BodyStream {
    type Rejection = BodyRejection;

    async fn from_request(req: Request) -> Result<Self, BodyRejection> {
        let limit = req
            .extensions()
            .get::<RequestContext>()
            .map_or(DEFAULT_BODY_LIMIT, |ctx| ctx.body_limit);
        BodyStream::limited(req.into_body(), limit)
    }
}

impl BodyStream {
    /// `body` under `limit`: refused at once when its length says it is over, cut off with
    /// [`BodyRejection::TooLarge`] when it grows past it.
    pub(crate) fn limited(body: crate::Body, limit: usize) -> Result<Self, BodyRejection> {
        if body.size_hint().lower() > limit as u64 {
            return Err(BodyRejection::TooLarge { limit });
        }
        Ok(BodyStream {
            inner: body.into_data_stream(),
            limit,
            seen: 0,
            failed: false,
        })
    }
}

impl Stream for BodyStream {
    type Item = Result<Bytes, BodyRejection>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.failed {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        Poll::Ready(match std::task::ready!(polled) {
            Some(Ok(chunk)) => {
                self.seen = self.seen.saturating_add(chunk.len());
                if self.seen > self.limit {
                    self.failed = true;
                    Some(Err(BodyRejection::TooLarge { limit: self.limit }))
                } else {
                    Some(Ok(chunk))
                }
            }
            Some(Err(e)) => {
                self.failed = true;
                Some(Err(BodyRejection::Read(e.to_string())))
            }
            None => None,
        })
    }
}
