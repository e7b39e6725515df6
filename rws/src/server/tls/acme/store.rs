//! The cache folder: the account per CA, and per CA and certificate its chain and key, each
//! file readable by its owner only and replaced whole (written aside, then renamed), so that a
//! crash mid-write never leaves half a key.
//!
//! ```text
//! <cache>/<ca host_port>/account.json
//! <cache>/<ca host_port>/<first domain>/cert.pem, key.pem
//! ```

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::cert::Pem;

#[derive(Debug, Clone)]
pub(super) struct Store {
    ca: PathBuf,
    certificate: PathBuf,
}

impl Store {
    pub(super) fn new(cache: &Path, directory_url: &str, first_domain: &str) -> Store {
        let ca = directory_url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.authority().map(|a| a.as_str().to_owned()))
            .unwrap_or_else(|| directory_url.to_owned());
        let ca = cache.join(safe_name(&ca));
        let certificate = ca.join(safe_name(first_domain));
        Store { ca, certificate }
    }

    /// The folder the certificate and its key are kept in.
    pub(super) fn certificate_dir(&self) -> &Path {
        &self.certificate
    }

    pub(super) fn account(&self) -> Option<String> {
        fs::read_to_string(self.ca.join("account.json")).ok()
    }

    pub(super) fn save_account(&self, json: &str) -> io::Result<()> {
        write_private(&self.ca, "account.json", json)
    }

    /// The cached chain and key, if both are there.
    pub(super) fn certificate(&self) -> Option<Pem> {
        let chain = fs::read_to_string(self.certificate.join("cert.pem")).ok()?;
        let key = fs::read_to_string(self.certificate.join("key.pem")).ok()?;
        Some(Pem { chain, key })
    }

    /// Keeps a new chain and key; the key is written first, so that a chain on disk always has
    /// its key beside it.
    pub(super) fn save_certificate(&self, pem: &Pem) -> io::Result<()> {
        write_private(&self.certificate, "key.pem", &pem.key)?;
        write_private(&self.certificate, "cert.pem", &pem.chain)
    }
}

/// A file name for `text`: letters, digits, `.` and `-` kept, anything else `_`.
fn safe_name(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.trim_matches('.').is_empty() {
        "_".to_owned()
    } else {
        name
    }
}

/// Writes `dir/name` with mode 0600 (the folder 0700), replacing it atomically.
fn write_private(dir: &Path, name: &str, contents: &str) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let aside = dir.join(format!(".{name}.new"));
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&aside)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    fs::rename(&aside, dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_leave_the_cache() {
        let store = Store::new(Path::new("/c"), "https://127.0.0.1:14000/dir", "../etc");
        assert_eq!(
            store.certificate_dir(),
            Path::new("/c/127.0.0.1_14000/.._etc")
        );
        assert_eq!(safe_name(".."), "_");
    }
}
