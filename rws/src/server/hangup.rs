//! `SIGHUP`: the reload handler, run once per signal (one at a time), and the new app it
//! returns built and swapped in; without a handler, logged and ignored.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::App;
use crate::app::AppService;
use crate::app::service::AppSwap;

/// How long a reload handler may take before it is abandoned (the old app keeps serving).
const RELOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

type Reloaded = Pin<Box<dyn Future<Output = Option<App>> + Send>>;

/// What a server runs on `SIGHUP`.
pub(super) type ReloadFn = Arc<dyn Fn() -> Reloaded + Send + Sync>;

pub(super) fn boxed<F, Fut>(reload: F) -> ReloadFn
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<App>> + Send + 'static,
{
    Arc::new(move || Box::pin(reload()) as Reloaded)
}

/// The service to serve and the `SIGHUP` listener, when signals are handled. Only a server
/// with a reload handler makes its app swappable (and pays for looking it up per request).
pub(super) fn start(
    service: AppService,
    signals: bool,
    handler: Option<ReloadFn>,
) -> (AppService, Listening) {
    match (signals, handler) {
        (true, Some(handler)) => {
            let (service, swap) = service.swappable();
            (service, Listening(listen(Some((handler, swap)))))
        }
        (true, None) => (service, Listening(listen(None))),
        (false, _) => (service, Listening(None)),
    }
}

/// The `SIGHUP` listener's task, stopped when dropped.
pub(super) struct Listening(Option<tokio::task::JoinHandle<()>>);

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(task) = &self.0 {
            task.abort();
        }
    }
}

/// Runs one reload: the handler, then, if it returned an app, that app built and swapped in,
/// or its problems logged with the old app still serving.
pub(super) async fn reload(reloader: Option<&(ReloadFn, AppSwap)>) {
    let Some((handler, swap)) = reloader else {
        tracing::info!("SIGHUP: no reload handler; nothing to reload");
        return;
    };
    tracing::info!("SIGHUP: reloading");
    let app = match tokio::time::timeout(RELOAD_TIMEOUT, handler()).await {
        Ok(Some(app)) => app,
        Ok(None) => {
            tracing::debug!("the reload handler kept the app");
            return;
        }
        Err(_) => {
            tracing::error!("reload abandoned: the handler took longer than {RELOAD_TIMEOUT:?}");
            return;
        }
    };
    match app.build() {
        Ok(service) => {
            swap.replace(&service);
            tracing::info!(
                "reloaded: new requests get the new app, those in flight finish on the old"
            );
        }
        Err(e) => {
            for problem in e.problems() {
                tracing::error!("reload refused: {problem}");
            }
            tracing::warn!("reload refused: still serving the previous app");
        }
    }
}

/// Listens for `SIGHUP` from now on (registered at once, so that a signal sent as soon as the
/// server answers is caught, not the default "terminate"), reloading on each in a task the
/// server aborts when it stops.
#[cfg(unix)]
fn listen(reloader: Option<(ReloadFn, AppSwap)>) -> Option<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: no reload on signal");
        return None;
    };
    Some(tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            reload(reloader.as_ref()).await;
        }
    }))
}

#[cfg(not(unix))]
fn listen(reloader: Option<(ReloadFn, AppSwap)>) -> Option<tokio::task::JoinHandle<()>> {
    let _ = reloader;
    None
}
