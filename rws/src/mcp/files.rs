//! A folder as MCP resources: `file:///…` URIs under its root, served by `ServeDir` (so never
//! outside it), listed up to a bound.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use percent_encoding::utf8_percent_encode;
use rmcp::model::Resource;

use super::Named;
use crate::App;
use crate::fs::ServeDir;
use crate::router::SEGMENT;

/// How many files `resources/list` shows of a folder at most.
pub const MAX_LISTED_FILES: usize = 1000;

impl App {
    /// Serves the files under `root` as MCP resources `file:///{path}` (the path relative to
    /// the root), read through [`ServeDir`]: nothing outside the root, no hidden files, the
    /// media type from the extension. `resources/list` shows up to [`MAX_LISTED_FILES`] of
    /// them.
    #[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
    #[track_caller]
    pub fn mcp_files(self, root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let lister: super::resource::Lister = {
            let root = root.clone();
            Arc::new(move || list(&root))
        };
        let described = Named::new("file:///{+path}")
            .description(format!("The files under {}, by their path", root.display()));
        let app = self.mcp_resource(described, ServeDir::new(root));
        app.mcp_lister(lister)
    }
}

/// Up to [`MAX_LISTED_FILES`] regular files under `root`, hidden ones and symbolic links left
/// out, in path order.
fn list(root: &Path) -> Vec<Resource> {
    let mut found = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&folder)) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries.into_iter().rev() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if name.starts_with('.') || kind.is_symlink() {
                continue;
            }
            let relative = folder.join(name);
            if kind.is_dir() {
                folders.push(relative);
            } else if kind.is_file() {
                found.push(relative);
            }
        }
    }
    found.sort();
    found.truncate(MAX_LISTED_FILES);
    found
        .into_iter()
        .filter_map(|relative| {
            let segments: Vec<String> = relative
                .iter()
                .map(|s| Some(utf8_percent_encode(s.to_str()?, SEGMENT).to_string()))
                .collect::<Option<_>>()?;
            let name = relative.to_str()?.to_owned();
            let mime = mime_guess::from_path(&relative).first_or_octet_stream();
            let mut resource = Resource::new(format!("file:///{}", segments.join("/")), name);
            resource.mime_type = Some(mime.essence_str().to_owned());
            Some(resource)
        })
        .collect()
}
