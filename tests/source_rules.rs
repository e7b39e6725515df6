//! Rules of the runtime crate's sources that no compiler checks.
//!
//! **No import circles.** The files depend on each other in one direction: no two files (or
//! three) import from each other in a circle. A circle means a shared piece sits on the wrong side; put
//! it in a file both can depend on (as `server/conn_state.rs`, `server/observer.rs`,
//! `handler/wrap.rs` and `response/error.rs` are).
//!
//! The check reads `crate::…` and `super::…` paths in each file (tests, comments and the crate
//! root's re-exports aside) and resolves each to the file that defines the module.
//!
//! **Feature gates show in the docs.** Every public item behind `#[cfg(feature = …)]` also
//! carries `#[cfg_attr(docsrs, doc(cfg(…)))]`, so docs.rs (which builds with every feature) says
//! which feature it needs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// `a/b.rs` and `a/b/mod.rs` are module `a::b`; `lib.rs` is the root.
fn module_of(file: &str) -> Vec<String> {
    let stem = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = stem.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments and its test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        let line = line.split("//").next().unwrap_or_default();
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The `::`-separated identifiers after `prefix` at each occurrence, e.g. `crate::a::b::C`.
fn paths_after<'a>(code: &'a str, prefix: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
    code.match_indices(prefix).filter_map(move |(at, _)| {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            return None;
        }
        let rest = &code[at + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        Some(rest[..end].split("::").filter(|s| !s.is_empty()).collect())
    })
}

/// The runtime crate's files (the binary aside), by path under `src/`.
fn files() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    files.retain(|f, _| !f.starts_with("bin/"));
    files
}

fn graph() -> Graph {
    let files = files();
    let modules: BTreeMap<Vec<String>, String> = files
        .keys()
        .filter(|f| *f != "lib.rs")
        .map(|f| (module_of(f), f.clone()))
        .collect();
    // The crate root's re-exports and aliases (`crate::Request`) name another module's item.
    let lib = code(&files["lib.rs"]);
    let mut reexports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lib.lines().filter(|l| l.starts_with("pub use ")) {
        let body = line.trim_start_matches("pub use ").trim_end_matches(';');
        if let Some((module, names)) = body.split_once("::{") {
            for name in names.trim_end_matches('}').split(',') {
                let module = module.split("::").map(str::to_owned).collect();
                reexports.insert(name.trim().to_owned(), module);
            }
        } else if let Some((module, name)) = body.rsplit_once("::") {
            reexports.insert(
                name.to_owned(),
                module.split("::").map(str::to_owned).collect(),
            );
        }
    }
    let resolve = |parts: &[String]| {
        (0..=parts.len())
            .rev()
            .find_map(|n| modules.get(&parts[..n]).cloned())
    };
    let mut graph = Graph::new();
    for (file, text) in &files {
        if file == "lib.rs" {
            continue;
        }
        let code = code(text);
        let here = module_of(file);
        let mut targets = BTreeSet::new();
        for path in paths_after(&code, "crate::") {
            let mut parts: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
            if let Some(module) = parts.first().and_then(|p| reexports.get(p)) {
                parts.splice(0..1, module.iter().cloned());
            }
            targets.extend(resolve(&parts));
        }
        for path in paths_after(&code, "super::") {
            let ups = 1 + path.iter().take_while(|p| **p == "super").count();
            let mut parts: Vec<String> = here[..here.len().saturating_sub(ups)].to_vec();
            parts.extend(path.iter().skip(ups - 1).map(|s| (*s).to_owned()));
            targets.extend(resolve(&parts));
        }
        targets.remove(file);
        graph.insert(file.clone(), targets);
    }
    graph
}

/// Every circle of two or three files.
fn circles(graph: &Graph) -> Vec<String> {
    let mut found = BTreeSet::new();
    let empty = BTreeSet::new();
    let deps = |f: &str| graph.get(f).unwrap_or(&empty);
    for (a, a_deps) in graph {
        for b in a_deps {
            if deps(b).contains(a) {
                let mut pair = [a.as_str(), b.as_str()];
                pair.sort_unstable();
                found.insert(pair.join(" <-> "));
            }
            for c in deps(b) {
                if c != a && deps(c).contains(a) && !deps(a).contains(c) {
                    let mut three = [a.as_str(), b.as_str(), c.as_str()];
                    three.sort_unstable();
                    found.insert(three.join(" -> "));
                }
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn no_two_or_three_files_import_from_each_other_in_a_circle() {
    let graph = graph();
    assert!(graph.len() > 50, "the sources were found: {}", graph.len());
    assert!(
        graph["server/conn.rs"].contains("server/service.rs"),
        "paths resolve: {:?}",
        graph["server/conn.rs"]
    );
    let circles = circles(&graph);
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

/// `pub` items (not `pub(crate)`) behind a feature without `doc(cfg)`, as `file:line`.
fn undocumented_gates(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in files {
        let lines: Vec<&str> = text.lines().collect();
        let end = lines
            .iter()
            .position(|l| l.trim_start().starts_with("#[cfg(test)]"))
            .unwrap_or(lines.len());
        let mut i = 0;
        while i < end {
            // One item's block of attributes, then the item.
            let start = i;
            while i < end && lines[i].trim_start().starts_with("#[") {
                i += 1;
            }
            let attributes = &lines[start..i];
            let item = lines.get(i).map_or("", |l| l.trim_start());
            let gated = attributes
                .iter()
                .any(|a| a.trim_start().starts_with("#[cfg(") && a.contains("feature"));
            let public = item.starts_with("pub ") && !item.starts_with("pub(");
            if gated && public && !attributes.iter().any(|a| a.contains("doc(cfg(")) {
                found.push(format!("{file}:{}: {item}", i + 1));
            }
            i += 1;
        }
    }
    found
}

#[test]
fn every_feature_gated_public_item_says_its_feature_in_the_docs() {
    let missing = undocumented_gates(&files());
    assert!(
        missing.is_empty(),
        "add #[cfg_attr(docsrs, doc(cfg(feature = \"…\")))] to: {missing:#?}"
    );
}
