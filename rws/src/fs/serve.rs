//! Answering one request for a file: the blocking part (paths, metadata, preconditions, ranges,
//! small reads), run on tokio's blocking pool in one hop per request.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::fs::{File, Metadata};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};

use super::Options;
use super::body::{FileBody, Piece};
use super::listing;
use super::range::{self, Ranges};
use super::resolve::{Root, hidden, open_file, relative_path};
use crate::conditional::{self, Precondition, Validators};
use crate::encoding::{self, Encoding};
use crate::response::IntoResponse;
use crate::{Body, Error, Redirect, Response};

/// Files up to this size are read in the same blocking hop and sent as one frame.
const SMALL_FILE: u64 = 64 * 1024;

/// What the blocking part needs of the request.
pub(crate) struct FileRequest {
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    /// The whole URL path, for the redirect that adds a directory's trailing slash.
    pub(crate) url_path: String,
    pub(crate) query: Option<String>,
}

/// Where paths are opened from: a folder (paths relative to it, kept inside it), or the one
/// path of a `ServeFile`.
#[derive(Clone, Copy)]
pub(crate) enum Base<'a> {
    Dir(&'a Root),
    Single,
}

impl Base<'_> {
    fn open(self, path: &Path) -> io::Result<(File, Metadata)> {
        match self {
            Base::Dir(root) => root.open_file(path),
            Base::Single => open_file(path),
        }
    }
}

/// Serves `raw` (the percent-encoded path below the mount point) from the folder `root`.
pub(crate) fn serve_dir(root: &Root, opts: &Options, raw: &str, req: &FileRequest) -> Response {
    let relative = match relative_path(raw) {
        Ok(relative) => relative,
        Err(reason) => return Error::bad_request(reason).into_response(),
    };
    if !opts.dotfiles && relative.iter().any(hidden) {
        return io_error(io::ErrorKind::NotFound.into());
    }
    match lookup(root, opts, &relative, req) {
        Ok(res) => res,
        Err(e) if e.kind() == io::ErrorKind::NotFound => match &opts.fallback {
            Some(fallback) => {
                serve_path(Base::Dir(root), opts, fallback, req).unwrap_or_else(io_error)
            }
            None => io_error(e),
        },
        Err(e) => io_error(e),
    }
}

/// Serves the file at `path` (relative to a folder base).
pub(crate) fn serve_path(
    base: Base<'_>,
    opts: &Options,
    path: &Path,
    req: &FileRequest,
) -> io::Result<Response> {
    let (file, meta) = base.open(path)?;
    if !meta.is_file() {
        return Err(io::ErrorKind::NotFound.into());
    }
    serve_opened(base, opts, path, (file, meta), req)
}

/// Serves an opened regular file, or its precompressed sibling.
fn serve_opened(
    base: Base<'_>,
    opts: &Options,
    path: &Path,
    opened: (File, Metadata),
    req: &FileRequest,
) -> io::Result<Response> {
    let (path, (file, meta), encoding) = match precompressed(base, opts, path, &req.headers) {
        Some((sibling, opened, encoding)) => (sibling, opened, Some(encoding)),
        None => (path.to_owned(), opened, None),
    };
    let len = meta.len();
    let validators = Validators::new(
        len,
        meta.modified().ok(),
        encoding.map_or("", Encoding::token),
    );

    let mut headers = HeaderMap::new();
    if let Some(etag) = validators.etag_header() {
        headers.insert(header::ETAG, etag);
    }
    if let Some(modified) = validators.last_modified_header() {
        headers.insert(header::LAST_MODIFIED, modified);
    }
    if let Some(cache_control) = &opts.cache_control {
        headers.insert(header::CACHE_CONTROL, cache_control.clone());
    }
    if opts.precompressed {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    match conditional::evaluate(&req.method, &req.headers, &validators) {
        Precondition::Proceed => {}
        Precondition::NotModified => return Ok(with_headers(StatusCode::NOT_MODIFIED, headers)),
        Precondition::Failed => {
            let mut res = Error::new(StatusCode::PRECONDITION_FAILED).into_response();
            res.headers_mut().extend(headers);
            return Ok(res);
        }
    }

    let content_type = content_type(path_for_type(&path, encoding));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(encoding) = encoding {
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(encoding.token()),
        );
    }
    let ranges = match req.headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(value)
            if req.method == Method::GET
                && conditional::if_range_allows(&req.headers, &validators) =>
        {
            range::parse(value, len)
        }
        _ => Ranges::Full,
    };
    let head = req.method == Method::HEAD;
    match ranges {
        Ranges::Full => {
            headers.insert(header::CONTENT_TYPE, content_type);
            let body = body(file, 0..len, head)?;
            let mut res = with_headers(StatusCode::OK, headers);
            set_body(&mut res, body, len);
            Ok(res)
        }
        Ranges::Satisfiable(ranges) if ranges.len() == 1 => {
            let r = ranges[0].clone();
            headers.insert(header::CONTENT_TYPE, content_type);
            headers.insert(header::CONTENT_RANGE, content_range(&r, len));
            let body = body(file, r.clone(), head)?;
            let mut res = with_headers(StatusCode::PARTIAL_CONTENT, headers);
            set_body(&mut res, body, r.end - r.start);
            Ok(res)
        }
        Ranges::Satisfiable(ranges) => {
            let (body, total, boundary) = multipart(&path, file, &ranges, len, &content_type)?;
            let value = format!("multipart/byteranges; boundary={boundary}");
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&value).map_err(io::Error::other)?,
            );
            let mut res = with_headers(StatusCode::PARTIAL_CONTENT, headers);
            set_body(&mut res, body, total);
            Ok(res)
        }
        Ranges::Unsatisfiable => {
            let mut res = Error::new(StatusCode::RANGE_NOT_SATISFIABLE)
                .with_detail(format!("the file is {len} bytes long"))
                .into_response();
            let unsatisfied = HeaderValue::from_str(&format!("bytes */{len}"));
            res.headers_mut().extend(headers);
            if let Ok(value) = unsatisfied {
                res.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            Ok(res)
        }
    }
}

/// A directory entry, a directory's index or listing, or a redirect adding the trailing slash.
fn lookup(root: &Root, opts: &Options, relative: &Path, req: &FileRequest) -> io::Result<Response> {
    let (file, meta) = root.open_file(relative)?;
    if meta.is_file() {
        return serve_opened(Base::Dir(root), opts, relative, (file, meta), req);
    }
    if !meta.is_dir() {
        return Err(io::ErrorKind::NotFound.into());
    }
    drop(file);
    if !req.url_path.ends_with('/') {
        // Relative links in the index resolve against the directory only with the slash. A
        // leading `//` would make the location another host's: keep one slash.
        let mut location = format!("/{}/", req.url_path.trim_start_matches('/'));
        if let Some(query) = &req.query {
            let _ = write!(location, "?{query}");
        }
        return Ok(Redirect::permanent(&location).into_response());
    }
    if let Some(index) = &opts.index {
        match serve_path(Base::Dir(root), opts, &relative.join(index), req) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            served => return served,
        }
    }
    if opts.listing {
        let page = listing::render(
            &root.path,
            &root.path.join(relative),
            &req.url_path,
            opts.dotfiles,
        )?;
        let mut res = crate::Html(page).into_response();
        if req.method == Method::HEAD {
            crate::response::set_content_length(&mut res);
        }
        return Ok(res);
    }
    Err(io::ErrorKind::NotFound.into())
}

/// The precompressed sibling the client accepts, opened, if there is one.
fn precompressed(
    base: Base<'_>,
    opts: &Options,
    path: &Path,
    headers: &HeaderMap,
) -> Option<(PathBuf, (File, Metadata), Encoding)> {
    if !opts.precompressed {
        return None;
    }
    encoding::accepted(headers)
        .into_iter()
        .find_map(|encoding| {
            let mut sibling = path.as_os_str().to_owned();
            sibling.push(".");
            sibling.push(encoding.extension()?);
            let sibling = PathBuf::from(sibling);
            match base.open(&sibling) {
                Ok((file, meta)) if meta.is_file() => Some((sibling, (file, meta), encoding)),
                _ => None,
            }
        })
}

/// The path whose extension names the media type: `app.js` for `app.js.br`.
fn path_for_type(path: &Path, encoding: Option<Encoding>) -> &Path {
    match encoding {
        Some(_) => Path::new(path.file_stem().unwrap_or_default()),
        None => path,
    }
}

/// The media type by extension; text gets `charset=utf-8`.
fn content_type(path: &Path) -> HeaderValue {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let text = mime.type_() == mime_guess::mime::TEXT
        || mime.subtype() == mime_guess::mime::JAVASCRIPT
        || mime.subtype() == mime_guess::mime::JSON;
    let value = if text && mime.get_param(mime_guess::mime::CHARSET).is_none() {
        HeaderValue::from_str(&format!("{mime}; charset=utf-8"))
    } else {
        HeaderValue::from_str(mime.as_ref())
    };
    value.unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

fn content_range(r: &Range<u64>, len: u64) -> HeaderValue {
    let value = format!("bytes {}-{}/{len}", r.start, r.end - 1);
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("bytes */0"))
}

/// The body of `range` of `file`: read now if small, streamed otherwise, nothing for HEAD.
fn body(mut file: File, range: Range<u64>, head: bool) -> io::Result<Body> {
    if head {
        return Ok(Body::empty());
    }
    let len = range.end - range.start;
    if range.start > 0 {
        file.seek(SeekFrom::Start(range.start))?;
    }
    if len <= SMALL_FILE {
        let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.take(len).read_to_end(&mut buf)?;
        if buf.len() as u64 != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank",
            ));
        }
        return Ok(Body::from(Bytes::from(buf)));
    }
    let span = Piece::Span {
        start: range.start,
        len,
    };
    Ok(Body::new(FileBody::new(
        file,
        range.start,
        VecDeque::from([span]),
    )?))
}

/// A `multipart/byteranges` body: each range with its own headers, all read through `file`.
fn multipart(
    path: &Path,
    file: File,
    ranges: &[Range<u64>],
    len: u64,
    content_type: &HeaderValue,
) -> io::Result<(Body, u64, String)> {
    let boundary = format!("{:016x}", RandomState::new().hash_one(path));
    let content_type = content_type.to_str().unwrap_or("application/octet-stream");
    let mut pieces = VecDeque::with_capacity(ranges.len() * 2 + 1);
    let mut total = 0;
    for (i, r) in ranges.iter().enumerate() {
        let sep = if i == 0 { "" } else { "\r\n" };
        let head = format!(
            "{sep}--{boundary}\r\ncontent-type: {content_type}\r\ncontent-range: bytes {}-{}/{len}\r\n\r\n",
            r.start,
            r.end - 1
        );
        total += head.len() as u64 + (r.end - r.start);
        pieces.push_back(Piece::Bytes(Bytes::from(head)));
        pieces.push_back(Piece::Span {
            start: r.start,
            len: r.end - r.start,
        });
    }
    let tail = format!("\r\n--{boundary}--\r\n");
    total += tail.len() as u64;
    pieces.push_back(Piece::Bytes(Bytes::from(tail)));
    // Where the cursor is does not matter: the first span seeks.
    Ok((
        Body::new(FileBody::new(file, u64::MAX, pieces)?),
        total,
        boundary,
    ))
}

/// ELOOP: a loop of symlinks, a path that cannot be followed (`io::ErrorKind::FilesystemLoop`
/// is not stable yet).
fn is_symlink_loop(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    let eloop = Some(rustix::io::Errno::LOOP.raw_os_error());
    #[cfg(all(unix, not(target_os = "linux")))]
    let eloop = Some(libc::ELOOP);
    #[cfg(not(unix))]
    let eloop = None;
    eloop.is_some() && e.raw_os_error() == eloop
}

fn with_headers(status: StatusCode, headers: HeaderMap) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = status;
    *res.headers_mut() = headers;
    res
}

/// Sets the body and its length (also for HEAD, whose body is empty).
fn set_body(res: &mut Response, body: Body, len: u64) {
    res.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    *res.body_mut() = body;
}

/// 404 for what is not there (or is not a file), 403 for what may not be read, 500 otherwise.
#[allow(clippy::needless_pass_by_value)] // used as `unwrap_or_else(io_error)`
pub(crate) fn io_error(e: io::Error) -> Response {
    if super::permits::exhausted(&e) {
        tracing::warn!(error = %e, "no file descriptor to spare for a static response");
        return Error::service_unavailable(e.to_string())
            .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
            .into_response();
    }
    if is_symlink_loop(&e) {
        return Error::bad_request("the path goes round a loop of symbolic links").into_response();
    }
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::InvalidInput => {
            Error::not_found("no such file").into_response()
        }
        // A name longer than the filesystem allows names no file: the client's doing, not ours.
        io::ErrorKind::InvalidFilename => Error::not_found("no such file").into_response(),
        io::ErrorKind::PermissionDenied => {
            Error::forbidden("the file may not be read").into_response()
        }
        _ => Error::internal(format!("reading a file: {e}")).into_response(),
    }
}
