//! `MultipartLimits`: the bounds a multipart body is read under, set on an app, a nest or a route.

use std::path::PathBuf;
use std::sync::Arc;

use crate::middleware::{Middleware, Next};
use crate::{Request, Response};

/// The limits of [`Multipart`](super::Multipart) and of typed multipart forms, beside the body
/// limit that bounds the whole body. As a layer (`App::wrap`, or `.with(…)` on one route) it
/// sets them for the requests it covers; without one, the defaults apply.
///
/// | limit | default | exceeded |
/// |---|---:|---|
/// | [`max_fields`](Self::max_fields) | 1,000 parts | 413 |
/// | [`field_size`](Self::field_size) (a text field) | 1 MiB | 413, names the field |
/// | [`file_size`](Self::file_size) (a file field) | none but the body limit | 413, names the field |
/// | [`part_header_size`](Self::part_header_size) | 8 KiB | 413 |
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::BodyLimitLayer;
///
/// async fn upload(mut form: Multipart) -> Result<(), rws::Error> {
///     while let Some(field) = form.next_field().await? {
///         field.to_temp_file().await?;
///     }
///     Ok(())
/// }
///
/// let app = App::new().post(
///     "/upload",
///     upload
///         .with(BodyLimitLayer::new(200 * 1024 * 1024))
///         .with(MultipartLimits::new().max_fields(20).file_size(100 * 1024 * 1024)),
/// );
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct MultipartLimits {
    pub(super) max_fields: usize,
    pub(super) field_size: u64,
    pub(super) file_size: u64,
    pub(super) part_header_size: usize,
    pub(super) upload_dir: Option<Arc<PathBuf>>,
}

impl Default for MultipartLimits {
    fn default() -> Self {
        MultipartLimits {
            max_fields: 1000,
            field_size: 1024 * 1024,
            file_size: u64::MAX,
            part_header_size: 8 * 1024,
            upload_dir: None,
        }
    }
}

impl MultipartLimits {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        MultipartLimits::default()
    }

    /// At most `n` parts in one body.
    pub fn max_fields(mut self, n: usize) -> Self {
        self.max_fields = n;
        self
    }

    /// At most `bytes` in one text field (a part without a file name).
    pub fn field_size(mut self, bytes: u64) -> Self {
        self.field_size = bytes;
        self
    }

    /// At most `bytes` in one file (a part with a file name).
    pub fn file_size(mut self, bytes: u64) -> Self {
        self.file_size = bytes;
        self
    }

    /// At most `bytes` in one part's header section (and in the preamble before the first part).
    pub fn part_header_size(mut self, bytes: usize) -> Self {
        self.part_header_size = bytes;
        self
    }

    /// Where uploads are streamed to (temp files, hidden until persisted) and the only place
    /// [`UploadedFile::persist`](super::UploadedFile::persist) puts them: one directory, one
    /// filesystem, so persisting is an atomic rename. Without it, temp files go to the system's
    /// temp directory and `persist` refuses.
    pub fn upload_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.upload_dir = Some(Arc::new(dir.into()));
        self
    }
}

impl Middleware for MultipartLimits {
    async fn handle(&self, mut req: Request, next: Next) -> Response {
        req.extensions_mut().insert(self.clone());
        next.run(req).await
    }

    fn problems(&self) -> Vec<String> {
        match &self.upload_dir {
            Some(dir) if !dir.is_dir() => vec![format!(
                "MultipartLimits::upload_dir: `{}` is not a directory",
                dir.display()
            )],
            _ => Vec::new(),
        }
    }
}
