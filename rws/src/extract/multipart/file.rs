//! `UploadedFile`: an uploaded file, streamed to a temp file, gone when dropped unless persisted.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use tokio::io::AsyncWriteExt;

use super::sniff::SNIFF_LEN;
use super::{Field, FileRules, MultipartError};

/// A file from a `multipart/form-data` body, on disk in a temp file that is removed when this
/// value is dropped, unless [`persist`](UploadedFile::persist)ed.
///
/// A field of a `#[derive(FromRequest)]` form (`UploadedFile`, `Option<UploadedFile>` or
/// `Vec<UploadedFile>`), or what [`Field::to_temp_file`] returns.
///
/// ```
/// use rws::prelude::*;
/// use serde::Deserialize;
///
/// #[derive(Deserialize, FromRequest)]
/// struct Profile {
///     name: String,
///     #[upload(max_size = 1024 * 1024, content_types("image/png", "image/jpeg"))]
///     avatar: UploadedFile,
/// }
///
/// async fn save(profile: Profile) -> Result<String, rws::Error> {
///     Ok(format!("{}: {} bytes", profile.name, profile.avatar.size()))
/// }
/// # let _ = App::new().post("/profile", save);
/// ```
#[derive(Debug)]
pub struct UploadedFile {
    path: tempfile::TempPath,
    field: String,
    file_name: Option<String>,
    content_type: Option<String>,
    size: u64,
    root: Option<Arc<PathBuf>>,
}

impl UploadedFile {
    /// Where the file is now (a temp file until persisted).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The name of the form field it came in.
    pub fn field_name(&self) -> &str {
        &self.field
    }

    /// The file name the client sent. Only a hint: never a path to write to as it is.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The `Content-Type` the client declared.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Reads the whole file into memory.
    pub async fn read(&self) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(&*self.path).await
    }

    /// Keeps the file at `path`, relative to the upload directory
    /// ([`MultipartLimits::upload_dir`](super::MultipartLimits::upload_dir)), creating the
    /// directories between. Refuses a path that would leave that directory (absolute, `..`,
    /// or through a symbolic link out of it), and refuses to replace an existing file.
    pub fn persist(self, path: impl AsRef<Path>) -> Result<PathBuf, PersistError> {
        let Some(root) = self.root.clone() else {
            return Err(PersistError::NoUploadDir(Box::new(self)));
        };
        let relative = path.as_ref();
        let inside = !relative.as_os_str().is_empty()
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !inside {
            return Err(PersistError::OutsideUploadDir(
                relative.to_path_buf(),
                Box::new(self),
            ));
        }
        let target = root.join(relative);
        let checked = (|| {
            let root = root.canonicalize()?;
            let parent = target.parent().unwrap_or(&root);
            // The deepest directory that exists must be inside before any is made, so that a
            // symbolic link out of the root cannot have directories made at its far end.
            let existing = parent
                .ancestors()
                .find(|a| a.exists())
                .unwrap_or(&root)
                .canonicalize()?;
            if !existing.starts_with(&root) {
                return Ok(false);
            }
            std::fs::create_dir_all(parent)?;
            Ok::<_, std::io::Error>(parent.canonicalize()?.starts_with(&root))
        })();
        match checked {
            Ok(true) => {}
            Ok(false) => {
                return Err(PersistError::OutsideUploadDir(
                    relative.to_path_buf(),
                    Box::new(self),
                ));
            }
            Err(e) => return Err(PersistError::Io(e, Box::new(self))),
        }
        let UploadedFile {
            path,
            field,
            file_name,
            content_type,
            size,
            root,
        } = self;
        match path.persist_noclobber(&target) {
            Ok(()) => Ok(target),
            Err(e) => Err(PersistError::Io(
                e.error,
                Box::new(UploadedFile {
                    path: e.path,
                    field,
                    file_name,
                    content_type,
                    size,
                    root,
                }),
            )),
        }
    }
}

/// Why [`UploadedFile::persist`] refused; the file comes back, still a temp file. With `?` in
/// a handler it is a 500 (the path is the app's choice, not the client's).
#[derive(Debug)]
#[non_exhaustive]
pub enum PersistError {
    /// No [`MultipartLimits::upload_dir`](super::MultipartLimits::upload_dir) is set.
    NoUploadDir(Box<UploadedFile>),
    /// The path would leave the upload directory.
    OutsideUploadDir(PathBuf, Box<UploadedFile>),
    /// The filesystem said no (the target exists, say).
    Io(std::io::Error, Box<UploadedFile>),
}

impl PersistError {
    /// The file, to try again or to drop.
    pub fn into_file(self) -> UploadedFile {
        match self {
            PersistError::NoUploadDir(f)
            | PersistError::OutsideUploadDir(_, f)
            | PersistError::Io(_, f) => *f,
        }
    }
}

impl fmt::Display for PersistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PersistError::NoUploadDir(_) => {
                f.write_str("no upload directory is set (MultipartLimits::upload_dir)")
            }
            PersistError::OutsideUploadDir(path, _) => {
                write!(
                    f,
                    "`{}` is not a path inside the upload directory",
                    path.display()
                )
            }
            PersistError::Io(e, _) => write!(f, "the upload could not be kept: {e}"),
        }
    }
}

impl std::error::Error for PersistError {}

/// Streams `field` into a new temp file under `dir`, checking `rules` as the bytes arrive.
pub(super) async fn write(
    mut field: Field<'_>,
    rules: &FileRules,
    dir: Option<Arc<PathBuf>>,
) -> Result<UploadedFile, MultipartError> {
    let name = field.name().to_owned();
    let file_name = field.file_name().map(str::to_owned);
    let content_type = field.content_type().map(str::to_owned);
    let limit = rules.max_size.unwrap_or(u64::MAX);
    let temp_dir = dir.as_deref().cloned().unwrap_or_else(std::env::temp_dir);
    let named = tempfile::Builder::new()
        .prefix(".rws-upload-")
        .tempfile_in(&temp_dir)
        .map_err(MultipartError::Io)?;
    let (std_file, path) = named.into_parts();
    let mut file = tokio::fs::File::from_std(std_file);
    // The type is judged on the first bytes, before the rest is written.
    let mut head: Vec<u8> = Vec::new();
    let mut judged = rules.any_type();
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(MultipartError::FileTooLarge { field: name, limit });
        }
        if !judged {
            head.extend_from_slice(&chunk[..chunk.len().min(SNIFF_LEN - head.len())]);
            if head.len() >= SNIFF_LEN {
                rules.check_type(&name, content_type.as_deref(), &head)?;
                judged = true;
            }
        }
        file.write_all(&chunk).await.map_err(MultipartError::Io)?;
    }
    if !judged {
        rules.check_type(&name, content_type.as_deref(), &head)?;
    }
    file.flush().await.map_err(MultipartError::Io)?;
    drop(file);
    Ok(UploadedFile {
        path,
        field: name,
        file_name,
        content_type,
        size,
        root: dir,
    })
}
