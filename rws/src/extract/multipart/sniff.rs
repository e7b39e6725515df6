//! `FileRules`: what an uploaded file may be, its type read from its magic bytes (infer).

use super::MultipartError;

/// How many leading bytes the type is read from (infer's longest signature fits in them).
pub(super) const SNIFF_LEN: usize = 8 * 1024;

/// Rules for one uploaded file: a size bound and the content types allowed, checked against
/// the file's own bytes (its magic number), not only the type the client declared.
///
/// A pattern is a media type (`image/png`) or a family (`image/*`). A file passes when its
/// declared type (if any) matches a pattern and so does the type its bytes show; a file whose
/// bytes show no known type passes only if its declared type is one magic bytes cannot tell
/// (`text/plain`, `application/json`, `text/csv`, …), so a renamed executable is not a PNG.
///
/// ```
/// use rws::extract::FileRules;
///
/// let rules = FileRules::new().max_size(5 * 1024 * 1024).content_types(["image/png", "image/jpeg"]);
/// # let _ = rules;
/// ```
#[derive(Debug, Clone, Default)]
pub struct FileRules {
    pub(super) max_size: Option<u64>,
    content_types: Vec<String>,
}

impl FileRules {
    /// No rules: any type, any size within the limits.
    pub fn new() -> Self {
        FileRules::default()
    }

    /// At most `bytes` (413 past it, before the rest is read).
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = Some(bytes);
        self
    }

    /// Only these types (415 for others).
    pub fn content_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.content_types = types
            .into_iter()
            .map(|t| t.into().to_ascii_lowercase())
            .collect();
        self
    }

    /// Whether any type is allowed.
    pub(super) fn any_type(&self) -> bool {
        self.content_types.is_empty()
    }

    fn allows(&self, media_type: &str) -> bool {
        let media_type = media_type.to_ascii_lowercase();
        self.content_types
            .iter()
            .any(|pattern| match pattern.strip_suffix("/*") {
                Some(family) => media_type
                    .split_once('/')
                    .is_some_and(|(top, _)| top == family),
                None => *pattern == media_type,
            })
    }

    /// Checks the declared type and the `head` of the file (its first bytes, or all of a
    /// shorter file).
    pub(super) fn check_type(
        &self,
        field: &str,
        declared: Option<&str>,
        head: &[u8],
    ) -> Result<(), MultipartError> {
        if self.any_type() {
            return Ok(());
        }
        let declared = declared.map(crate::media_type::essence);
        let refuse = |found: &str| MultipartError::FileType {
            field: field.to_owned(),
            found: found.to_owned(),
            allowed: self.content_types.clone(),
        };
        if let Some(declared) = declared
            && !self.allows(declared)
        {
            return Err(refuse(&format!("declared as `{declared}`")));
        }
        match infer::get(head) {
            Some(kind) if self.allows(kind.mime_type()) => Ok(()),
            Some(kind) => Err(refuse(&format!("`{}` by its content", kind.mime_type()))),
            None => match declared {
                // Types with no magic number can only be taken at their word.
                Some(declared) if !infer::is_mime_supported(declared) => Ok(()),
                _ => Err(refuse("of no recognisable type by its content")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn the_bytes_decide_not_the_declared_type() {
        let rules = FileRules::new().content_types(["image/png"]);
        assert!(rules.check_type("a", Some("image/png"), PNG).is_ok());
        assert!(rules.check_type("a", None, PNG).is_ok());
        // An executable declared as a PNG.
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
        assert!(rules.check_type("a", Some("image/png"), elf).is_err());
        // Text declared as a PNG: no magic number where one should be.
        assert!(rules.check_type("a", Some("image/png"), b"hello").is_err());
        // A PNG declared as something not allowed.
        assert!(rules.check_type("a", Some("text/plain"), PNG).is_err());
    }

    #[test]
    fn families_and_types_without_magic_numbers() {
        let images = FileRules::new().content_types(["image/*"]);
        assert!(images.check_type("a", Some("image/png"), PNG).is_ok());
        let text = FileRules::new().content_types(["text/plain"]);
        assert!(
            text.check_type("a", Some("text/plain"), b"just words")
                .is_ok()
        );
        assert!(text.check_type("a", Some("text/plain"), PNG).is_err());
        assert!(FileRules::new().check_type("a", None, PNG).is_ok());
    }
}
