//! Why a multipart body was refused: each a problem response naming the field and the limit.

use std::fmt;

use http::StatusCode;

use crate::extract::BodyRejection;
use crate::extract::rejection::{Rejection, rejection};

/// Why a `multipart/form-data` body (or one of its fields) was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum MultipartError {
    /// The request's `Content-Type` is not `multipart/form-data` (415).
    NotMultipart,
    /// The `Content-Type` has no `boundary` parameter (400).
    NoBoundary,
    /// The body is malformed: truncated, a bad delimiter, a part without a name (400).
    Malformed(String),
    /// The whole body is over the body limit, or could not be read (413, 400).
    Body(BodyRejection),
    /// More parts than [`MultipartLimits::max_fields`](super::MultipartLimits::max_fields) (413).
    TooManyFields {
        /// The limit.
        limit: usize,
    },
    /// A part's header section (or the preamble) is over
    /// [`MultipartLimits::part_header_size`](super::MultipartLimits::part_header_size) (413).
    PartHeaderTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A text field is over [`MultipartLimits::field_size`](super::MultipartLimits::field_size) (413).
    FieldTooLarge {
        /// The field's name.
        field: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A file is over its limit ([`MultipartLimits::file_size`](super::MultipartLimits::file_size)
    /// or its [`FileRules`](super::FileRules)) (413).
    FileTooLarge {
        /// The field's name.
        field: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A file's bytes (or its declared type) are not of a type its rules allow (415).
    FileType {
        /// The field's name.
        field: String,
        /// What the file is: the type its magic bytes say, or the declared one.
        found: String,
        /// The types allowed.
        allowed: Vec<String>,
    },
    /// A text field is not UTF-8 (400).
    NotUtf8 {
        /// The field's name.
        field: String,
    },
    /// The temp file could not be written (500; the cause is logged, not sent).
    Io(std::io::Error),
}

impl MultipartError {
    /// The parser's error, with ours (which travel through it as stream errors) unwrapped.
    pub(super) fn from_parser(e: multer::Error) -> Self {
        match e {
            multer::Error::StreamReadFailed(inner) => match inner.downcast::<Carried>() {
                Ok(ours) => ours.0,
                Err(other) => MultipartError::Malformed(other.to_string()),
            },
            multer::Error::FieldSizeExceeded { limit, field_name } => {
                MultipartError::FieldTooLarge {
                    field: field_name.unwrap_or_default(),
                    limit,
                }
            }
            multer::Error::IncompleteStream | multer::Error::IncompleteFieldData { .. } => {
                MultipartError::Malformed("the body ends before its closing delimiter".into())
            }
            other => MultipartError::Malformed(other.to_string()),
        }
    }

    /// The field the error is about, if one.
    pub fn field(&self) -> Option<&str> {
        match self {
            MultipartError::FieldTooLarge { field, .. }
            | MultipartError::FileTooLarge { field, .. }
            | MultipartError::FileType { field, .. }
            | MultipartError::NotUtf8 { field } => Some(field),
            _ => None,
        }
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MultipartError::NotMultipart => {
                f.write_str("expected a request with `Content-Type: multipart/form-data`")
            }
            MultipartError::NoBoundary => {
                f.write_str("the `multipart/form-data` content type has no boundary parameter")
            }
            MultipartError::Malformed(why) => write!(f, "malformed multipart body: {why}"),
            MultipartError::Body(e) => e.fmt(f),
            MultipartError::TooManyFields { limit } => {
                write!(f, "the multipart body has more than {limit} parts")
            }
            MultipartError::PartHeaderTooLarge { limit } => {
                write!(
                    f,
                    "a part's headers are larger than the limit of {limit} bytes"
                )
            }
            MultipartError::FieldTooLarge { field, limit } => {
                write!(
                    f,
                    "field `{field}` is larger than the limit of {limit} bytes"
                )
            }
            MultipartError::FileTooLarge { field, limit } => {
                write!(
                    f,
                    "file `{field}` is larger than the limit of {limit} bytes"
                )
            }
            MultipartError::FileType {
                field,
                found,
                allowed,
            } => write!(
                f,
                "file `{field}` is {found}, not one of the allowed types: {}",
                allowed.join(", ")
            ),
            MultipartError::NotUtf8 { field } => write!(f, "field `{field}` is not valid UTF-8"),
            MultipartError::Io(_) => f.write_str("the upload could not be stored"),
        }
    }
}

/// A [`MultipartError`] of ours on its way through the parser, which carries stream errors
/// as boxed `std::error::Error`s (the rejection itself is not one: it converts into
/// `rws::Error` as a problem, not as a 500).
#[derive(Debug)]
pub(super) struct Carried(pub(super) MultipartError);

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Carried {}

impl Rejection for MultipartError {
    fn status(&self) -> StatusCode {
        match self {
            MultipartError::NotMultipart | MultipartError::FileType { .. } => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            MultipartError::NoBoundary
            | MultipartError::Malformed(_)
            | MultipartError::NotUtf8 { .. } => StatusCode::BAD_REQUEST,
            MultipartError::Body(e) => e.status(),
            MultipartError::TooManyFields { .. }
            | MultipartError::PartHeaderTooLarge { .. }
            | MultipartError::FieldTooLarge { .. }
            | MultipartError::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            MultipartError::Io(e) => {
                tracing::error!(error = %e, "an upload could not be written to its temp file");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn decorate(&self, error: crate::Error) -> crate::Error {
        let error = match self.field() {
            Some(field) => error.with_extension("field", field),
            None => error,
        };
        match self {
            MultipartError::Body(e) => e.decorate(error),
            MultipartError::TooManyFields { limit }
            | MultipartError::PartHeaderTooLarge { limit } => error.with_extension("limit", limit),
            MultipartError::FieldTooLarge { limit, .. }
            | MultipartError::FileTooLarge { limit, .. } => error.with_extension("limit", limit),
            MultipartError::FileType { allowed, .. } => error.with_extension("allowed", allowed),
            MultipartError::NotMultipart => error.with_header(
                http::header::ACCEPT,
                http::HeaderValue::from_static("multipart/form-data"),
            ),
            _ => error,
        }
    }
}

rejection!(MultipartError);
