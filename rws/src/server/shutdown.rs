//! Shutdown triggers (signals, a user future) and the readiness flag they flip.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the server is ready for traffic: `false` until it listens, and again from the moment
/// shutdown starts, so that a `/readyz` endpoint can take it out of a load balancer first.
///
/// ```
/// use rws::prelude::*;
/// use rws::server::{Readiness, Server};
///
/// let readiness = Readiness::new();
/// let app = App::new().state(readiness.clone()).get("/readyz", |State(r): State<Readiness>| async move {
///     if r.is_ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
/// });
/// let server = Server::new(app).readiness(readiness);
/// # let _ = server;
/// ```
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// A flag that starts not ready.
    pub fn new() -> Self {
        Readiness::default()
    }

    /// Whether the server accepts traffic.
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    pub(crate) fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Release);
    }
}

/// Completes when the user's future does, or on SIGINT/SIGTERM when `signals` is set.
pub(super) async fn triggered(
    user: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    signals: bool,
) {
    let user = async {
        match user {
            Some(fut) => fut.await,
            None => std::future::pending().await,
        }
    };
    let signals = async {
        if signals {
            os_signal().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = user => tracing::info!("shutdown requested"),
        () = signals => {}
    }
}

#[cfg(unix)]
async fn os_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!(
            "cannot listen for SIGINT/SIGTERM: shutdown only through the server's own trigger"
        );
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
    }
}

#[cfg(not(unix))]
async fn os_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    tracing::info!("Ctrl-C: shutting down");
}
