//! `Progress`: a long tool call tells its client how far it is (`notifications/progress` on
//! the call's own stream), when the client asked for it with a progress token.

use std::sync::Arc;

use http::request::Parts;
use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::service::{Peer, RoleServer};

use crate::extract::FromRequestParts;

/// Reports a tool call's progress to its client; a no-op when the client gave no progress
/// token, or when the handler runs over plain HTTP.
///
/// ```
/// use rws::mcp::Progress;
///
/// async fn import(progress: Progress) -> &'static str {
///     for done in 1..=3 {
///         // … a third of the work …
///         progress.report(f64::from(done), Some(3.0), "importing").await;
///     }
///     "imported"
/// }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Progress(Option<Arc<Reporter>>);

#[derive(Debug)]
pub(crate) struct Reporter {
    pub(crate) peer: Peer<RoleServer>,
    pub(crate) token: ProgressToken,
}

impl Progress {
    pub(crate) fn new(peer: Peer<RoleServer>, token: Option<ProgressToken>) -> Self {
        Progress(token.map(|token| Arc::new(Reporter { peer, token })))
    }

    /// Whether the client listens.
    pub fn is_wanted(&self) -> bool {
        self.0.is_some()
    }

    /// `done` of `total` (when known), with `message`. Progress should grow with each report;
    /// a client that went away is not an error.
    pub async fn report(&self, done: f64, total: Option<f64>, message: impl Into<String>) {
        let Some(reporter) = &self.0 else {
            return;
        };
        let mut param = ProgressNotificationParam::new(reporter.token.clone(), done);
        param.total = total;
        param.message = Some(message.into());
        if let Err(e) = reporter.peer.notify_progress(param).await {
            tracing::debug!(error = %e, "an MCP progress report was not delivered");
        }
    }
}

impl FromRequestParts for Progress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Progress>()
            .cloned()
            .unwrap_or_default())
    }
}
