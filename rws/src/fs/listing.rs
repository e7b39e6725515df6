//! Directory listings: an HTML page of a directory's entries (off unless asked for).

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use percent_encoding::utf8_percent_encode;

use crate::router::SEGMENT;

struct Entry {
    name: String,
    dir: bool,
    len: u64,
}

/// The listing page of `dir`, shown at `url_path` (which ends with `/`). Entries whose names
/// are not UTF-8, symlinks leaving `root`, and dotfiles unless `dotfiles` are left out.
pub(crate) fn render(
    root: &Path,
    dir: &Path,
    url_path: &str,
    dotfiles: bool,
) -> io::Result<String> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !dotfiles && super::resolve::hidden(&entry.file_name()) {
            continue;
        }
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Follows symlinks, like serving does; one pointing outside the root is not listed.
        let Ok(path) = std::fs::canonicalize(entry.path()) else {
            continue;
        };
        if !path.starts_with(root) {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        entries.push(Entry {
            name,
            dir: meta.is_dir(),
            len: meta.len(),
        });
    }
    entries.sort_by(|a, b| b.dir.cmp(&a.dir).then_with(|| a.name.cmp(&b.name)));

    let title = escape(url_path);
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n\
         <body><h1>Index of {title}</h1>\n<ul>\n"
    );
    if url_path != "/" {
        page.push_str("<li><a href=\"../\">../</a></li>\n");
    }
    for e in &entries {
        let href = utf8_percent_encode(&e.name, SEGMENT);
        let slash = if e.dir { "/" } else { "" };
        let name = escape(&e.name);
        let _ = if e.dir {
            // `./` first: a name like `javascript:alert(1)` stays a relative link, never a scheme.
            writeln!(
                page,
                "<li><a href=\"./{href}{slash}\">{name}{slash}</a></li>"
            )
        } else {
            writeln!(
                page,
                "<li><a href=\"./{href}\">{name}</a> <small>{} bytes</small></li>",
                e.len
            )
        };
    }
    page.push_str("</ul></body></html>\n");
    Ok(page)
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
