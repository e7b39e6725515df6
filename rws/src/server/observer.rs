//! What watches the server's connections from outside it (metrics), without the server knowing
//! who.

use std::sync::Arc;

/// What watches connections from outside the server: metrics.
pub(crate) trait ConnectionObserver: Send + Sync + 'static {
    /// A connection was accepted.
    fn opened(&self);
    /// A connection ended.
    fn closed(&self);
    /// `bytes` were read from a client.
    fn read(&self, bytes: usize);
    /// `bytes` were written to a client.
    fn wrote(&self, bytes: usize);
}

pub(crate) type Observer = Arc<dyn ConnectionObserver>;
