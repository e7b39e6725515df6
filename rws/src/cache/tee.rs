//! A response body passed on to the client as it streams, and copied for the store as long
//! as it stays under the entry size cap.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use tokio::sync::oneshot;

use crate::body::{Body, BoxError};

pin_project_lite::pin_project! {
    /// Sends the whole body on `done` once the last frame passed, unless it grew past `cap`,
    /// carried trailers or failed: then `done` is dropped, which tells the store to give up.
    pub(crate) struct Tee {
        #[pin]
        inner: Body,
        copy: Option<BytesMut>,
        cap: usize,
        done: Option<oneshot::Sender<Bytes>>,
    }
}

impl Tee {
    pub(crate) fn new(inner: Body, cap: usize, done: oneshot::Sender<Bytes>) -> Self {
        Tee {
            inner,
            copy: Some(BytesMut::new()),
            cap,
            done: Some(done),
        }
    }
}

impl http_body::Body for Tee {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        let frame = ready!(this.inner.as_mut().poll_frame(cx));
        // hyper stops polling once a body says it has ended, so the last data frame may be
        // the last call.
        let ended = frame.is_none() || this.inner.is_end_stream();
        match &frame {
            Some(Ok(frame)) => match (frame.data_ref(), this.copy.as_mut()) {
                (Some(data), Some(copy)) if copy.len() + data.len() <= *this.cap => {
                    copy.extend_from_slice(data);
                }
                _ => {
                    *this.copy = None;
                    *this.done = None;
                }
            },
            Some(Err(_)) => {
                *this.copy = None;
                *this.done = None;
            }
            None => {}
        }
        if ended && let (Some(copy), Some(done)) = (this.copy.take(), this.done.take()) {
            let _ = done.send(copy.freeze());
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
