//! `Multipart`: a `multipart/form-data` body, streamed field by field (multer), under limits.
//!
//! Nothing is held whole: a field is a stream of chunks as they arrive, and a file field can be
//! streamed to a temp file ([`Field::to_temp_file`], [`UploadedFile`]). Every limit
//! ([`MultipartLimits`]) is checked while the bytes pass, and answered with a 413 problem naming
//! the field and the limit; a malformed body is a 400 problem.

mod error;
mod file;
pub(crate) mod form;
mod limits;
mod scan;
mod sniff;

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::HeaderMap;

use super::{BodyStream, FromRequest};
use crate::Request;

pub use error::MultipartError;
pub use file::{PersistError, UploadedFile};
pub use limits::MultipartLimits;
pub use sniff::FileRules;

/// A `multipart/form-data` request body, read one field at a time, in the order they arrive.
///
/// The body limit in force ([`App::body_limit`](crate::App::body_limit),
/// [`BodyLimitLayer`](crate::middleware::BodyLimitLayer)) bounds the whole body; the other
/// limits are [`MultipartLimits`]. Each exceeded limit ends the stream with a
/// [`MultipartError`], which `?` turns into its problem response.
///
/// ```
/// use rws::prelude::*;
///
/// async fn upload(mut multipart: Multipart) -> Result<String, rws::Error> {
///     let mut report = String::new();
///     while let Some(mut field) = multipart.next_field().await? {
///         let mut size = 0;
///         while let Some(chunk) = field.chunk().await? {
///             size += chunk.len();
///         }
///         report += &format!("{} ({:?}): {size} bytes\n", field.name(), field.file_name());
///     }
///     Ok(report)
/// }
/// # let _ = App::new().post("/upload", upload);
/// ```
#[derive(Debug)]
pub struct Multipart {
    inner: multer::Multipart<'static>,
    limits: MultipartLimits,
    fields: usize,
}

impl FromRequest for Multipart {
    type Rejection = MultipartError;

    async fn from_request(req: Request) -> Result<Self, MultipartError> {
        let limits = req
            .extensions()
            .get::<MultipartLimits>()
            .cloned()
            .unwrap_or_default();
        let boundary = boundary(req.headers())?;
        let body = BodyStream::from_request(req)
            .await
            .map_err(MultipartError::Body)?;
        let guarded = scan::Guarded::new(body, &boundary, limits.part_header_size);
        // Our own limits are checked as the chunks pass (they name the field); the parser's
        // per-field bound only applies to the fields it skips for us, which are discarded.
        let constraints = multer::Constraints::new().size_limit(
            multer::SizeLimit::new().per_field(limits.field_size.max(limits.file_size)),
        );
        Ok(Multipart {
            inner: multer::Multipart::with_constraints(guarded, boundary, constraints),
            limits,
            fields: 0,
        })
    }
}

/// The boundary of a `multipart/form-data` `Content-Type`, or why there is none.
fn boundary(headers: &HeaderMap) -> Result<String, MultipartError> {
    let value = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or(MultipartError::NotMultipart)?;
    if !crate::media_type::essence(value).eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart);
    }
    multer::parse_boundary(value).map_err(|_| MultipartError::NoBoundary)
}

impl Multipart {
    /// The next field, `None` after the last one. The previous field must have been dropped
    /// (the borrow says so); whatever it left unread is skipped.
    pub async fn next_field(&mut self) -> Result<Option<Field<'_>>, MultipartError> {
        let Some(inner) = self
            .inner
            .next_field()
            .await
            .map_err(MultipartError::from_parser)?
        else {
            return Ok(None);
        };
        self.fields += 1;
        if self.fields > self.limits.max_fields {
            return Err(MultipartError::TooManyFields {
                limit: self.limits.max_fields,
            });
        }
        let Some(name) = inner.name().map(str::to_owned) else {
            return Err(MultipartError::Malformed(format!(
                "part {} has no `Content-Disposition: form-data; name=\"…\"`",
                self.fields
            )));
        };
        let is_file = inner.file_name().is_some();
        let limit = if is_file {
            self.limits.file_size
        } else {
            self.limits.field_size
        };
        Ok(Some(Field {
            inner,
            name,
            is_file,
            limit,
            seen: 0,
            limits: &self.limits,
        }))
    }

    /// The limits this body is read under.
    pub fn limits(&self) -> &MultipartLimits {
        &self.limits
    }
}

/// One field of a [`Multipart`] body: its name, file name and content type, and its bytes as
/// a stream ([`Field::chunk`], or the [`Stream`] impl).
#[derive(Debug)]
pub struct Field<'a> {
    inner: multer::Field<'static>,
    name: String,
    is_file: bool,
    limit: u64,
    seen: u64,
    limits: &'a MultipartLimits,
}

impl Field<'_> {
    /// The field's name (`Content-Disposition: form-data; name="…"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file name the client sent, for a file field.
    pub fn file_name(&self) -> Option<&str> {
        self.inner.file_name()
    }

    /// The `Content-Type` the client declared for this part, if any (for files: what the
    /// browser guessed; [`FileRules`] checks the bytes themselves).
    pub fn content_type(&self) -> Option<&str> {
        self.inner.content_type().map(AsRef::as_ref)
    }

    /// All the part's headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// Whether the part is a file (it has a file name).
    pub fn is_file(&self) -> bool {
        self.is_file
    }

    /// The next chunk of the field's bytes, `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, MultipartError> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }

    /// The whole field in memory (bounded by the field or file limit).
    pub async fn bytes(mut self) -> Result<Bytes, MultipartError> {
        let mut all = BytesMut::new();
        while let Some(chunk) = self.chunk().await? {
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }

    /// The whole field as UTF-8 text (400 if it is not).
    pub async fn text(self) -> Result<String, MultipartError> {
        let name = self.name.clone();
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.into()).map_err(|_| MultipartError::NotUtf8 { field: name })
    }

    /// Streams the field to a temp file (in [`MultipartLimits::upload_dir`], or the system's
    /// temp directory), removed when the [`UploadedFile`] is dropped unless persisted.
    pub async fn to_temp_file(self) -> Result<UploadedFile, MultipartError> {
        self.to_temp_file_with(&FileRules::new()).await
    }

    /// [`Field::to_temp_file`], checking `rules` (size, content type by magic bytes) as the
    /// bytes arrive: a file that breaks them is refused before it is all read.
    pub async fn to_temp_file_with(
        self,
        rules: &FileRules,
    ) -> Result<UploadedFile, MultipartError> {
        let dir = self.limits.upload_dir.clone();
        file::write(self, rules, dir).await
    }

    fn exceeded(&self) -> MultipartError {
        if self.is_file {
            MultipartError::FileTooLarge {
                field: self.name.clone(),
                limit: self.limit,
            }
        } else {
            MultipartError::FieldTooLarge {
                field: self.name.clone(),
                limit: self.limit,
            }
        }
    }
}

impl Stream for Field<'_> {
    type Item = Result<Bytes, MultipartError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = ready!(Pin::new(&mut self.inner).poll_next(cx));
        Poll::Ready(match polled {
            Some(Ok(chunk)) => {
                self.seen = self.seen.saturating_add(chunk.len() as u64);
                if self.seen > self.limit {
                    Some(Err(self.exceeded()))
                } else {
                    Some(Ok(chunk))
                }
            }
            Some(Err(e)) => Some(Err(MultipartError::from_parser(e))),
            None => None,
        })
    }
}
