//! One QUIC connection: its handshake, its h3 session, a task per request, and its shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Version;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::H3_NO_ERROR;
use super::request;
use crate::app::AppService;
use crate::connection::ConnectionInfo;
use crate::server::observer::Observer;
use crate::server::{Closed, Limits};

/// What a connection task needs from the server.
pub(super) struct Job {
    pub(super) service: AppService,
    pub(super) limits: Arc<Limits>,
    pub(super) stop: watch::Receiver<bool>,
    pub(super) observer: Option<Observer>,
    pub(super) handshake_timeout: Duration,
    pub(super) local: Option<SocketAddr>,
}

/// When an idle connection (no request in flight) is closed, counting from now.
fn idle_deadline(limits: &Limits) -> tokio::time::Instant {
    if limits.keep_alive_timeout.is_zero() {
        return far_future();
    }
    tokio::time::Instant::now() + limits.keep_alive_timeout
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
}

/// Resolves once the server shuts down (or is gone).
pub(super) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here, not in the caller's select.
    let _ = stop.wait_for(|stop| *stop).await;
}

impl Job {
    pub(super) async fn run(mut self, incoming: quinn::Incoming) {
        let peer = incoming.remote_address();
        let conn = match tokio::time::timeout(self.handshake_timeout, incoming).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "QUIC handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("QUIC handshake timed out");
                return;
            }
        };
        if let Some(observer) = &self.observer {
            observer.opened();
        }
        let _closed = Closed(self.observer.clone());
        let server_name = conn
            .handshake_data()
            .and_then(|data| data.downcast::<quinn::crypto::rustls::HandshakeData>().ok())
            .and_then(|data| data.server_name);
        let info = ConnectionInfo::new(peer, self.local.unwrap_or(peer))
            .with_tls(server_name.as_deref())
            .with_alpn(Some("h3"))
            .with_version(Version::HTTP_3);
        let service = self.service.with_connection_info(info);

        let max_field_section_size = u64::try_from(self.limits.max_header_size).unwrap_or(u64::MAX);
        let built = h3::server::builder()
            .max_field_section_size(max_field_section_size)
            .build::<_, Bytes>(h3_quinn::Connection::new(conn.clone()))
            .await;
        let mut h3 = match built {
            Ok(h3) => h3,
            Err(e) => {
                tracing::debug!(error = %e, "HTTP/3 session setup failed");
                return;
            }
        };
        // h3 ends `accept` after a GOAWAY it received, not one it sent: the requests in flight
        // are tracked here so that a draining connection closes once they are done.
        let mut requests = JoinSet::new();
        let mut draining = false;
        let open_bodies = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let idle = tokio::time::sleep_until(idle_deadline(&self.limits));
        tokio::pin!(idle);
        loop {
            if draining && requests.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                () = stopped(&mut self.stop), if !draining => {
                    draining = true;
                    // GOAWAY: streams the client opens from now on are refused.
                    if let Err(e) = h3.shutdown(0).await {
                        tracing::debug!(error = %e, "HTTP/3 GOAWAY failed");
                        break;
                    }
                }
                Some(_) = requests.join_next(), if !requests.is_empty() => {
                    if requests.is_empty() {
                        idle.as_mut().reset(idle_deadline(&self.limits));
                    }
                }
                // No request for the keep-alive timeout: closed, however often the client
                // PINGs (QUIC's own idle timer counts PINGs as activity).
                () = &mut idle, if !draining && requests.is_empty() => {
                    tracing::debug!("HTTP/3 keep-alive idle timeout: closing the connection");
                    draining = true;
                    if h3.shutdown(0).await.is_err() {
                        break;
                    }
                }
                accepted = h3.accept() => match accepted {
                    Ok(Some(resolver)) => {
                        let service = service.clone();
                        let deadlines = request::Deadlines {
                            open_bodies: Arc::clone(&open_bodies),
                            max_open_bodies: self.limits.max_open_bodies,
                            head: self.limits.header_read_timeout,
                            request: self.limits.request_timeout,
                            send: self.limits.send_timeout,
                        };
                        requests.spawn(request::serve(resolver, service, deadlines));
                        idle.as_mut().reset(far_future());
                    }
                    Ok(None) => break,
                    Err(e) => {
                        if !e.is_h3_no_error() {
                            tracing::debug!(error = %e, "HTTP/3 connection ended with an error");
                        }
                        break;
                    }
                },
            }
        }
        if draining {
            // A closed connection drops data not yet acknowledged: give the last responses a
            // few round trips to land, or the client the chance to close first (RFC 9114
            // §5.2 asks it to once its requests are done).
            let linger = (conn.rtt() * 4).clamp(Duration::from_millis(200), Duration::from_secs(2));
            let _ = tokio::time::timeout(linger, conn.closed()).await;
        }
        conn.close(H3_NO_ERROR.into(), b"");
    }
}
