//! One HTTP/3 request: its body streamed in, the app's response streamed out.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http::header::{CONNECTION, TRANSFER_ENCODING, UPGRADE};
use http_body::{Body as _, Frame};
use http_body_util::BodyExt;

use crate::app::AppService;
use crate::body::{Body, BoxError};
use crate::response::set_content_length;
use crate::server::open_bodies;

type RecvStream = h3::server::RequestStream<h3_quinn::RecvStream, Bytes>;
type SendStream = h3::server::RequestStream<h3_quinn::SendStream<Bytes>, Bytes>;

/// The request body as it arrives on the QUIC stream.
struct RecvBody {
    recv: RecvStream,
    done: bool,
}

impl http_body::Body for RecvBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.recv.poll_recv_data(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(Some(mut data))) => {
                let bytes = data.copy_to_bytes(data.remaining());
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Poll::Ready(Ok(None)) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Err(e)) => {
                self.done = true;
                Poll::Ready(Some(Err(e.into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

/// The deadlines and bounds of one HTTP/3 request, the server's own for TCP.
#[derive(Debug, Clone)]
pub(super) struct Deadlines {
    /// Responses of this connection still sending, and how many may be.
    pub(super) open_bodies: Arc<AtomicUsize>,
    pub(super) max_open_bodies: usize,
    /// For the request's HEADERS to arrive whole.
    pub(super) head: Duration,
    /// Until the response starts.
    pub(super) request: Option<Duration>,
    /// For each step of sending the response (the client's window must open in time).
    pub(super) send: Duration,
}

/// One response still sending, counted while it lives.
struct Sending(Arc<AtomicUsize>);

impl Drop for Sending {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `step` within `limit` (zero: no limit).
async fn within<T>(limit: Duration, step: impl Future<Output = T>) -> Option<T> {
    if limit.is_zero() {
        return Some(step.await);
    }
    tokio::time::timeout(limit, step).await.ok()
}

/// Resolves the request's headers, runs the app and sends its response.
pub(super) async fn serve(
    resolver: h3::server::RequestResolver<h3_quinn::Connection, Bytes>,
    service: AppService,
    deadlines: Deadlines,
) {
    let (req, stream) = match within(deadlines.head, resolver.resolve_request()).await {
        Some(Ok(resolved)) => resolved,
        Some(Err(e)) => {
            tracing::debug!(error = %e, "HTTP/3 request refused");
            return;
        }
        None => {
            tracing::debug!("HTTP/3 request head timeout");
            return;
        }
    };
    let timeout = deadlines.request;
    // The connection's share of responses still sending is taken: refused at once (TCP's rule).
    if let Some(open) = open_bodies::full(&deadlines.open_bodies, deadlines.max_open_bodies) {
        let (mut send, _) = stream.split();
        if let Err(e) = respond(&mut send, open_bodies::refusal(open), deadlines.send).await {
            tracing::debug!(error = %e, "HTTP/3 refusal not sent");
        }
        return;
    }
    let span = crate::server::service::request_span(&req);
    let (mut send, recv) = stream.split();
    let mut req = req.map(|()| Body::new(RecvBody { recv, done: false }));
    let progress = timeout.map(|_| req.body_mut().watch());
    let response = span.in_scope(|| service.dispatch(req));
    let response = tracing::Instrument::instrument(response, span.clone());
    let response = async move {
        match response.await {
            Ok(res) => res,
            Err(never) => match never {},
        }
    };
    // The same deadline, and the same 408/503 rule, as on TCP.
    let res = match (timeout, progress) {
        (Some(limit), Some(progress)) => crate::deadline::within(limit, progress, response).await,
        _ => response.await,
    };
    let has_body = !res.body().is_end_stream();
    let (res, _sending) =
        match open_bodies::take(&deadlines.open_bodies, deadlines.max_open_bodies, has_body) {
            Ok(()) => (res, Some(Sending(Arc::clone(&deadlines.open_bodies)))),
            // Dropping the handler's response lets go of what it holds (a file).
            Err(open) => (open_bodies::refusal(open), None),
        };
    if let Err(e) = respond(&mut send, res, deadlines.send).await {
        tracing::debug!(error = %e, "HTTP/3 response not completed");
    }
}

/// Sends the head, each body frame as it comes, trailers if any, and the end of the stream.
async fn respond(
    send: &mut SendStream,
    mut res: crate::Response,
    send_timeout: Duration,
) -> Result<(), BoxError> {
    // A client that stops taking the response (its window shut) has the stream reset.
    let stalled = |send: &mut SendStream| {
        send.stop_stream(h3::error::Code::H3_REQUEST_CANCELLED);
        BoxError::from("send timeout: the client takes nothing")
    };
    set_content_length(&mut res);
    // Connection-specific fields have no meaning in HTTP/3 (RFC 9114 §4.2).
    let headers = res.headers_mut();
    for name in [CONNECTION, TRANSFER_ENCODING, UPGRADE] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    let (parts, body) = res.into_parts();
    match within(
        send_timeout,
        send.send_response(http::Response::from_parts(parts, ())),
    )
    .await
    {
        Some(sent) => sent?,
        None => return Err(stalled(send)),
    }
    let mut body = pin!(body);
    if !body.is_end_stream() {
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(e) => {
                    // The client must not take a cut-off body for a whole one.
                    send.stop_stream(h3::error::Code::H3_INTERNAL_ERROR);
                    return Err(e);
                }
            };
            match frame.into_data() {
                Ok(data) => match within(send_timeout, send.send_data(data)).await {
                    Some(sent) => sent?,
                    None => return Err(stalled(send)),
                },
                Err(frame) => {
                    if let Ok(trailers) = frame.into_trailers() {
                        send.send_trailers(trailers).await?;
                        break;
                    }
                }
            }
        }
    }
    send.finish().await?;
    Ok(())
}
