//! From a request's raw path to a file under the root, refusing every way out of it.
//!
//! The raw (still percent-encoded) path is decoded segment by segment, and a segment that could
//! name anything but one plain entry of its directory is refused with 400: `..` and `.` in any
//! spelling, an encoded `/`, a backslash (a separator on Windows and in many proxies), NUL, and
//! bytes that are not UTF-8 (which is how overlong encodings such as `%c0%ae` arrive). Symlinks
//! are followed only while they stay under the root: the resolved path is canonicalized and
//! must still start with the canonical root, otherwise the answer is 404, as for a missing file.

use std::borrow::Cow;
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;

/// Why a path was refused with 400.
pub(crate) type Refusal = &'static str;

/// Decodes `raw`, the part of the URL path below the mount point, into a relative path of
/// plain components. Empty segments (`a//b`) are skipped, as nginx does.
pub(crate) fn relative_path(raw: &str) -> Result<PathBuf, Refusal> {
    let mut out = PathBuf::new();
    for segment in raw.split('/') {
        if segment.is_empty() {
            continue;
        }
        let bytes: Cow<'_, [u8]> = percent_decode_str(segment).into();
        let decoded =
            std::str::from_utf8(&bytes).map_err(|_| "the path is not valid UTF-8 once decoded")?;
        if decoded.contains('\0') {
            return Err("the path contains a NUL byte");
        }
        if decoded.contains('/') {
            return Err("the path contains an encoded `/` (%2F)");
        }
        if decoded.contains('\\') {
            return Err("the path contains a backslash");
        }
        if decoded == "." || decoded == ".." {
            return Err("the path contains a `.` or `..` segment");
        }
        // Whatever else the platform reads as more than one plain name (a drive prefix, say).
        let mut components = Path::new(decoded).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(_)), None) => out.push(decoded),
            _ => return Err("the path contains a segment that is not a plain file name"),
        }
    }
    Ok(out)
}

/// A name that starts with a dot (`.env`, `.git`), apart from `.well-known` (RFC 8615), which
/// exists to be served.
pub(crate) fn hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".") && name != ".well-known"
}

/// The folder a [`ServeDir`](super::ServeDir) serves: its canonical path and, on Linux, an
/// open handle that lookups start from.
#[derive(Debug)]
pub(crate) struct Root {
    pub(crate) path: PathBuf,
    #[cfg(target_os = "linux")]
    dir: File,
}

impl Root {
    /// Opens the folder at `path`.
    pub(crate) fn open(path: &Path) -> io::Result<Root> {
        let path = std::fs::canonicalize(path)?;
        Ok(Root {
            #[cfg(target_os = "linux")]
            dir: File::open(&path)?,
            path,
        })
    }

    /// Opens `relative` (plain components, see [`relative_path`]) under the root, following
    /// symlinks only while they stay inside it: one leading out answers `NotFound`, like a
    /// missing file.
    ///
    /// On Linux the kernel enforces that in the same `openat2` call that opens the file
    /// (`RESOLVE_BENEATH`): no extra syscall, and no race with a symlink swapped in between
    /// a check and the open. When it refuses (and elsewhere, and on kernels before 5.6) the
    /// opened file's real path is compared with the root's.
    pub(crate) fn open_file(&self, relative: &Path) -> io::Result<(File, Metadata)> {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags, ResolveFlags, openat2};
            let relative = if relative.as_os_str().is_empty() {
                Path::new(".")
            } else {
                relative
            };
            let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
            let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
            match openat2(&self.dir, relative, flags, Mode::empty(), resolve) {
                Ok(fd) => {
                    let file = File::from(fd);
                    let meta = file.metadata()?;
                    return Ok((file, meta));
                }
                // The path leaves the root on the way, or through an absolute symlink (which
                // the kernel refuses even when it points back inside): the slow path decides.
                // Kernels before 5.6 have no openat2.
                Err(rustix::io::Errno::XDEV | rustix::io::Errno::NOSYS) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let path = self.path.join(relative);
        let file = open_nonblocking(&path)?;
        if !real_path(&file, &path)?.starts_with(&self.path) {
            return Err(io::ErrorKind::NotFound.into());
        }
        let meta = file.metadata()?;
        Ok((file, meta))
    }
}

/// Opens `path` for [`ServeFile`](super::ServeFile), which serves a path its developer chose.
pub(crate) fn open_file(path: &Path) -> io::Result<(File, Metadata)> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// Opens for reading without blocking on a FIFO (reads of regular files ignore the flag), so
/// that a FIFO in the folder cannot stall the task.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed());
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(target_os = "linux")]
fn real_path(file: &File, path: &Path) -> io::Result<PathBuf> {
    use std::os::fd::AsRawFd;
    // Without /proc (a bare chroot), fall back to resolving the path.
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .or_else(|_| std::fs::canonicalize(path))
}

#[cfg(not(target_os = "linux"))]
fn real_path(_: &File, path: &Path) -> io::Result<PathBuf> {
    std::fs::canonicalize(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_decode() {
        assert_eq!(relative_path("").unwrap(), PathBuf::new());
        assert_eq!(relative_path("a/b.txt").unwrap(), PathBuf::from("a/b.txt"));
        assert_eq!(relative_path("a//b").unwrap(), PathBuf::from("a/b"));
        assert_eq!(
            relative_path("caf%C3%A9%20menu.txt").unwrap(),
            PathBuf::from("café menu.txt")
        );
        assert_eq!(relative_path("..a/b..").unwrap(), PathBuf::from("..a/b.."));
    }

    #[test]
    fn every_spelling_of_a_way_out_is_refused() {
        for raw in [
            "..",
            "a/../..",
            "%2e%2e",
            "%2E%2e/x",
            ".%2e",
            "%2e.",
            ".",
            "a/%2e/b",
            "..%2f..%2fetc%2fpasswd",
            "a%2Fb",
            "..%5c..%5cwindows",
            "..\\..\\etc",
            "a%00.txt",
            "%c0%ae%c0%ae/etc",
            "%e0%80%ae",
            "%ff",
        ] {
            assert!(relative_path(raw).is_err(), "{raw} was accepted");
        }
    }
}
