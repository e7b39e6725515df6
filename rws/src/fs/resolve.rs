//! From a request's raw path to a file under the root, refusing every way out of it.
//!
//! The raw (still percent-encoded) path is decoded segment by segment, and a segment that could
//! name anything but one plain entry of its directory is refused with 400: `..` and `.` in any
//! spelling, an encoded `/`, a backslash (a separator on Windows and in many proxies), NUL, and
//! bytes that are not UTF-8 (which is how overlong encodings such as `%c0%ae` arrive). Symlinks
//! are followed only while they stay under the root: the resolved path is canonicalized and
//! must still start with the canonical root, otherwise the answer is 404, as for a missing file.

use std::borrow::Cow;
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

/// `root.join(relative)`, canonicalized, if it exists and stays under `root` (itself canonical).
/// `NotFound` otherwise, so that a symlink leaving the root looks like a missing file.
pub(crate) fn contained(root: &Path, relative: &Path) -> io::Result<PathBuf> {
    let path = std::fs::canonicalize(root.join(relative))?;
    if path.starts_with(root) {
        Ok(path)
    } else {
        Err(io::ErrorKind::NotFound.into())
    }
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
