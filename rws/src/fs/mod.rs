//! Static files: [`ServeDir`] for a folder, [`ServeFile`] for one file, streamed from disk.
//!
//! Both answer `GET` and `HEAD` with `Content-Type` by extension, `ETag` and `Last-Modified`,
//! conditional requests (`If-None-Match`, `If-Modified-Since`, `If-Match`,
//! `If-Unmodified-Since`, RFC 9110 §13), byte ranges (one range → 206, several →
//! `multipart/byteranges`, none satisfiable → 416, `If-Range`), and precompressed siblings
//! (`app.js.br`, `app.js.zst`, `app.js.gz`) chosen by `Accept-Encoding`, with `Vary`.
//!
//! A request path that could leave the folder — `..` or `.` in any spelling, an encoded `/`,
//! a backslash, NUL, bytes that are not UTF-8 — is refused with 400; a symlink that leads out
//! of the folder answers 404 like a missing file.
//!
//! ```no_run
//! use rws::prelude::*;
//! use rws::fs::{ServeDir, ServeFile};
//!
//! let app = App::new()
//!     .serve_dir("/assets", "./assets")
//!     .serve_dir("/docs", ServeDir::new("./site").listing(true).cache_control("max-age=60"))
//!     .get("/favicon.ico", ServeFile::new("./assets/favicon.ico"));
//! # let _ = app;
//! ```

mod body;
mod listing;
mod permits;
mod range;
mod resolve;
mod serve;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::HeaderValue;

use crate::app::App;
use crate::context::RequestContext;
use crate::handler::Handler;
use crate::response::IntoResponse;
use crate::state::Requirements;
use crate::{Error, Request, Response};
pub use permits::{max_open_files, set_max_open_files};
use resolve::Root;
use serve::FileRequest;

/// What both [`ServeDir`] and [`ServeFile`] can be told.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools)] // independent switches, each its own builder method
struct Options {
    index: Option<String>,
    listing: bool,
    precompressed: bool,
    cache_control: Option<HeaderValue>,
    fallback: Option<PathBuf>,
    blocking_pool: bool,
    dotfiles: bool,
    // Values that could not be used, reported by `App::build` with where the route was added.
    problems: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            index: Some("index.html".to_owned()),
            listing: false,
            precompressed: true,
            cache_control: None,
            fallback: None,
            blocking_pool: false,
            dotfiles: false,
            problems: Vec::new(),
        }
    }
}

/// Serves a folder: mount it with [`App::serve_dir`], or route a `*path` wildcard to it.
///
/// Defaults: `index.html` as a directory's index, no listing, precompressed siblings on, no
/// `Cache-Control`, no SPA fallback.
#[derive(Debug, Clone)]
pub struct ServeDir {
    inner: Arc<DirInner>,
}

#[derive(Debug, Clone)]
struct DirInner {
    root: PathBuf,
    // Opened once when it exists; a folder made later is opened per request.
    opened: Option<Arc<Root>>,
    options: Options,
}

/// The options [`ServeDir`] and [`ServeFile`] share.
macro_rules! shared_options {
    () => {
        /// Whether precompressed siblings (`.br`, `.zst`, `.gz`) are served to clients accepting
        /// them (default on).
        pub fn precompressed(self, enabled: bool) -> Self {
            self.options(|o| o.precompressed = enabled)
        }

        /// The `Cache-Control` header of file responses (default none). A value that is not a
        /// valid header value (a newline in it, say) is reported by `App::build`.
        pub fn cache_control(self, value: &str) -> Self {
            self.options(|o| match HeaderValue::from_str(value) {
                Ok(value) => o.cache_control = Some(value),
                Err(_) => o.problems.push(format!(
                    "cache_control({value:?}): not a valid `Cache-Control` header value"
                )),
            })
        }

        /// Whether names starting with a dot (`.env`, `.git/config`, `.htpasswd`) are served and
        /// listed (default off: they answer 404, as a missing file does, in any spelling such as
        /// `%2eenv`). `.well-known` (RFC 8615) is served either way.
        pub fn dotfiles(self, serve: bool) -> Self {
            self.options(|o| o.dotfiles = serve)
        }

        /// Looks files up on tokio's blocking pool instead of on the request's task (default
        /// off): for files on a filesystem that can stall, such as a network mount.
        pub fn blocking_pool(self, enabled: bool) -> Self {
            self.options(|o| o.blocking_pool = enabled)
        }
    };
}

impl ServeDir {
    shared_options!();

    /// Serves the folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let opened = Root::open(&root).ok().map(Arc::new);
        ServeDir {
            inner: Arc::new(DirInner {
                root,
                opened,
                options: Options::default(),
            }),
        }
    }

    /// The folder served.
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    fn options(mut self, f: impl FnOnce(&mut Options)) -> Self {
        f(&mut Arc::make_mut(&mut self.inner).options);
        self
    }

    /// The file served for a directory (default `index.html`; `None`: no index).
    pub fn index_file(self, name: Option<&str>) -> Self {
        self.options(|o| o.index = name.map(str::to_owned))
    }

    /// Whether a directory without an index gets an HTML listing of its entries (default off).
    pub fn listing(self, enabled: bool) -> Self {
        self.options(|o| o.listing = enabled)
    }

    /// Serves `file` (relative to the root; `index.html` for most single-page apps) with 200
    /// instead of a 404 for paths that name no file, so that client-side routes load the app.
    pub fn spa_fallback(self, file: impl Into<PathBuf>) -> Self {
        let file = file.into();
        self.options(|o| o.fallback = Some(file))
    }

    async fn serve(self, req: Request) -> Response {
        let raw = wildcard(&req).to_owned();
        let req = file_request(req);
        let pool = self.inner.options.blocking_pool;
        file_io(pool, move || {
            let inner = &self.inner;
            let root = match &inner.opened {
                Some(root) => Arc::clone(root),
                None => match Root::open(&inner.root) {
                    Ok(root) => Arc::new(root),
                    Err(e) => return serve::io_error(e),
                },
            };
            serve::serve_dir(&root, &inner.options, &raw, &req)
        })
        .await
    }
}

impl<P: Into<PathBuf>> From<P> for ServeDir {
    fn from(root: P) -> Self {
        ServeDir::new(root)
    }
}

/// Serves one file, whatever the request path: `app.get("/favicon.ico", ServeFile::new(…))`.
#[derive(Debug, Clone)]
pub struct ServeFile {
    inner: Arc<(PathBuf, Options)>,
}

impl ServeFile {
    shared_options!();

    /// Serves the file at `path` (read at each request, so it may change while serving).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ServeFile {
            inner: Arc::new((path.into(), Options::default())),
        }
    }

    fn options(mut self, f: impl FnOnce(&mut Options)) -> Self {
        f(&mut Arc::make_mut(&mut self.inner).1);
        self
    }

    async fn serve(self, req: Request) -> Response {
        let req = file_request(req);
        let pool = self.inner.1.blocking_pool;
        file_io(pool, move || {
            let (path, options) = &*self.inner;
            serve::serve_path(serve::Base::Single, options, path, &req)
                .unwrap_or_else(serve::io_error)
        })
        .await
    }
}

/// Runs the file lookup (metadata, preconditions, the read of a small file) on the request's
/// own task, as nginx does in its event loop, or on tokio's blocking pool. Inline is several
/// times faster on a local disk, where these calls are answered from the page cache in
/// microseconds; the pool keeps the runtime responsive on a filesystem that can stall (a
/// network mount). Large bodies always stream through the pool.
async fn file_io(pool: bool, work: impl FnOnce() -> Response + Send + 'static) -> Response {
    if !pool {
        return work();
    }
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Error::internal(format!("serving a file failed: {e}")).into_response())
}

/// Tells the [`Handler`] impls of [`ServeDir`] and [`ServeFile`] apart from a function's.
#[doc(hidden)]
#[derive(Debug)]
pub enum FilesHandler {}

impl Handler<FilesHandler> for ServeDir {
    fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static {
        self.serve(req)
    }

    fn requirements(_: &mut Requirements) {}

    fn problems(&self) -> Vec<String> {
        let root = self.inner.root.display();
        (self.inner.options.problems.iter())
            .map(|p| format!("ServeDir(\"{root}\"): {p}"))
            .collect()
    }
}

impl Handler<FilesHandler> for ServeFile {
    fn call(self, req: Request) -> impl Future<Output = Response> + Send + 'static {
        self.serve(req)
    }

    fn requirements(_: &mut Requirements) {}

    fn problems(&self) -> Vec<String> {
        let path = self.inner.0.display();
        (self.inner.1.problems.iter())
            .map(|p| format!("ServeFile(\"{path}\"): {p}"))
            .collect()
    }
}

/// The raw value of the matched route's trailing `*wildcard`, or `""`.
fn wildcard(req: &Request) -> &str {
    req.extensions()
        .get::<RequestContext>()
        .and_then(|ctx| ctx.route.as_ref())
        .filter(|route| {
            route
                .pattern
                .rsplit('/')
                .next()
                .is_some_and(|last| last.starts_with('*'))
        })
        .and_then(|route| route.params().last())
        .map_or("", |(_, value)| value)
}

fn file_request(req: Request) -> FileRequest {
    let (parts, _) = req.into_parts();
    FileRequest {
        url_path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        method: parts.method,
        headers: parts.headers,
    }
}

impl App {
    /// Serves the folder `dir` under `prefix`: `GET prefix/a/b.css` answers with `dir/a/b.css`,
    /// and `GET prefix/` with the folder's index. Takes a path or a configured [`ServeDir`].
    ///
    /// A `dir` that is not a folder is reported by [`App::build`].
    ///
    /// ```no_run
    /// # use rws::prelude::*;
    /// let app = App::new().serve_dir("/assets", "./assets");
    /// # let _ = app;
    /// ```
    #[track_caller]
    pub fn serve_dir(self, prefix: &str, dir: impl Into<ServeDir>) -> Self {
        let dir = dir.into();
        let location = std::panic::Location::caller();
        let prefix = prefix.trim_end_matches('/');
        let this = if dir.root().is_dir() {
            self
        } else {
            self.problem(format!(
                "serve_dir(\"{prefix}/\", \"{}\") at {location}: not a folder",
                dir.root().display()
            ))
        };
        // Two routes, one folder: its problems are reported once.
        let quiet = dir.clone().options(|o| o.problems.clear());
        this.get(&format!("{prefix}/"), dir)
            .get(&format!("{prefix}/*path"), quiet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_options_do_not_leak_into_clones() {
        let base = ServeDir::new(".");
        let listed = base.clone().listing(true);
        assert!(!base.inner.options.listing);
        assert!(listed.inner.options.listing);
    }
}
