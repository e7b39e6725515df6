//! A bound on the files held open by static responses, process-wide: each streamed file body
//! holds a permit until it ends. Past the bound (and when the system itself is out of
//! descriptors) a request is answered 503 with `Retry-After`, never with a 500 nor by taking the
//! descriptors every other connection needs.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The most files static responses hold open at once by default: half the process's
/// descriptor limit (the other half for sockets), at most 16 384.
fn default_limit() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(8192);
    (soft / 2).clamp(16, 16_384)
}

static LIMIT: AtomicUsize = AtomicUsize::new(0);
static PERMITS: LazyLock<RwLock<Arc<Semaphore>>> = LazyLock::new(|| {
    let limit = default_limit();
    LIMIT.store(limit, Ordering::Relaxed);
    RwLock::new(Arc::new(Semaphore::new(limit)))
});

/// Sets the most files static responses may hold open at once, for the whole process (default:
/// half the descriptor limit, at most 16 384). Responses already streaming keep theirs.
pub fn set_max_open_files(limit: usize) {
    if let Ok(mut permits) = PERMITS.write() {
        *permits = Arc::new(Semaphore::new(limit));
        LIMIT.store(limit, Ordering::Relaxed);
    }
}

/// The bound in force.
pub fn max_open_files() -> usize {
    LazyLock::force(&PERMITS);
    LIMIT.load(Ordering::Relaxed)
}

/// A file's place under the bound, or the error that becomes a 503.
pub(crate) fn acquire() -> io::Result<OwnedSemaphorePermit> {
    let permits = PERMITS
        .read()
        .map(|p| Arc::clone(&p))
        .map_err(|_| io::Error::other(TooManyOpenFiles))?;
    permits
        .try_acquire_owned()
        .map_err(|_| io::Error::other(TooManyOpenFiles))
}

/// Whether `e` means "no descriptor to spare": the bound, or the system's EMFILE/ENFILE.
pub(crate) fn exhausted(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(<dyn std::error::Error + Send + Sync>::is::<TooManyOpenFiles>)
        || matches!(e.raw_os_error(), Some(23 | 24))
}

/// The bound on open files is reached.
#[derive(Debug)]
struct TooManyOpenFiles;

impl fmt::Display for TooManyOpenFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many files are being sent at once")
    }
}

impl std::error::Error for TooManyOpenFiles {}
