//! `ServeDir`, `ServeFile` and `App::serve_dir` as library pieces, in-process. The full rule
//! matrix (traversal spellings, ranges, conditionals) runs against the `rws` binary with curl in
//! `bin_static.rs`.

mod support;

use std::path::{Path, PathBuf};

use rws::fs::{ServeDir, ServeFile};
use rws::prelude::*;

/// A fresh folder under the target dir, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("rws-static-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }

    fn file(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn serve_dir_mounts_a_folder_under_a_prefix() {
    let dir = Folder::new("mount");
    dir.file("index.html", "<h1>home</h1>")
        .file("css/site.css", "body{}")
        .file("docs/index.html", "docs")
        .file("data.json", "{}")
        .file("blob.bin", [0u8, 1, 2]);
    let client = TestClient::new(App::empty().serve_dir("/assets", dir.path()));

    let res = client.get("/assets/css/site.css").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(res.header("accept-ranges"), Some("bytes"));
    assert!(res.header("etag").is_some_and(|t| t.starts_with('"')));
    assert!(res.header("last-modified").is_some());
    assert_eq!(res.text().await, "body{}");

    let json = client.get("/assets/data.json").send().await;
    assert_eq!(
        json.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let blob = client.get("/assets/blob.bin").send().await;
    assert_eq!(
        blob.header("content-type"),
        Some("application/octet-stream")
    );

    // The mount point and a directory: the index, after a redirect adding the slash.
    assert_eq!(
        client.get("/assets/").send().await.text().await,
        "<h1>home</h1>"
    );
    let res = client.get("/assets/docs?x=1").send().await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.header("location"), Some("/assets/docs/?x=1"));
    assert_eq!(
        client.get("/assets/docs/").send().await.text().await,
        "docs"
    );

    let missing = client.get("/assets/nope.txt").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(client.get("/elsewhere").send().await.status(), 404);
    // Only GET and HEAD: the router answers other methods.
    assert_eq!(client.post("/assets/data.json").send().await.status(), 405);
}

#[tokio::test]
async fn head_announces_the_length_without_a_body() {
    let dir = Folder::new("head");
    dir.file("big.txt", "x".repeat(100_000));
    let client = TestClient::new(App::empty().serve_dir("/", dir.path()));
    let res = client.head("/big.txt").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-length"), Some("100000"));
    assert!(res.bytes().await.is_empty());
    // Streamed (past the in-memory size) and whole.
    let res = client.get("/big.txt").send().await;
    assert_eq!(res.header("content-length"), Some("100000"));
    assert_eq!(res.bytes().await.len(), 100_000);
}

#[tokio::test]
async fn serve_file_answers_one_file_on_any_route() {
    let dir = Folder::new("file");
    dir.file("robots.txt", "User-agent: *");
    let app = App::empty()
        .get(
            "/robots.txt",
            ServeFile::new(dir.path().join("robots.txt")).cache_control("max-age=60"),
        )
        .get("/gone", ServeFile::new(dir.path().join("missing.txt")));
    let client = TestClient::new(app);
    let res = client.get("/robots.txt").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("cache-control"), Some("max-age=60"));
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(res.text().await, "User-agent: *");
    assert_eq!(client.get("/gone").send().await.status(), 404);
}

#[tokio::test]
async fn listing_is_off_by_default_and_escapes_names() {
    let dir = Folder::new("listing");
    dir.file("sub/a <b>.txt", "a").file("sub/inner/x", "x");
    let hidden = TestClient::new(App::empty().serve_dir("/", dir.path()));
    assert_eq!(hidden.get("/sub/").send().await.status(), 404);

    let listed =
        TestClient::new(App::empty().serve_dir("/", ServeDir::new(dir.path()).listing(true)));
    let res = listed.get("/sub/").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    let page = res.text().await;
    assert!(page.contains("<a href=\"./inner/\">inner/</a>"), "{page}");
    assert!(
        page.contains("<a href=\"./a%20%3Cb%3E.txt\">a &lt;b&gt;.txt</a>"),
        "{page}"
    );
    assert!(
        page.find("inner/").unwrap() < page.find("a &lt;b&gt;").unwrap(),
        "folders first"
    );
}

#[tokio::test]
async fn spa_fallback_serves_the_app_for_unknown_paths() {
    let dir = Folder::new("spa");
    dir.file("index.html", "app").file("main.js", "js");
    let app = App::empty().serve_dir("/", ServeDir::new(dir.path()).spa_fallback("index.html"));
    let client = TestClient::new(app);
    let res = client.get("/users/42/settings").send().await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(res.text().await, "app");
    assert_eq!(client.get("/main.js").send().await.text().await, "js");
    // A refused path is still refused, not answered with the app.
    assert_eq!(client.get("/a/%2e%2e/b").send().await.status(), 400);
}

#[tokio::test]
async fn precompressed_siblings_follow_accept_encoding() {
    let dir = Folder::new("precompressed");
    dir.file("app.js", "plain")
        .file("app.js.gz", "gzipped")
        .file("app.js.br", "brotli");
    let client = TestClient::new(App::empty().serve_dir("/", dir.path()));

    let plain = client.get("/app.js").send().await;
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    assert_eq!(plain.header("content-encoding"), None);
    let plain_tag = plain.header("etag").unwrap().to_owned();
    assert_eq!(plain.text().await, "plain");

    let br = client
        .get("/app.js")
        .header("accept-encoding", "gzip, br")
        .send()
        .await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(
        br.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_ne!(
        br.header("etag").unwrap(),
        plain_tag,
        "each representation has its own tag"
    );
    assert_eq!(br.text().await, "brotli");

    let gz = client
        .get("/app.js")
        .header("accept-encoding", "gzip, br;q=0.5")
        .send()
        .await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.text().await, "gzipped");

    let zstd_only = client
        .get("/app.js")
        .header("accept-encoding", "zstd")
        .send()
        .await;
    assert_eq!(zstd_only.header("content-encoding"), None);

    let off = TestClient::new(
        App::empty().serve_dir("/", ServeDir::new(dir.path()).precompressed(false)),
    );
    let res = off
        .get("/app.js")
        .header("accept-encoding", "br")
        .send()
        .await;
    assert_eq!(res.header("vary"), None);
    assert_eq!(res.text().await, "plain");
}

#[test]
fn a_missing_folder_is_a_build_error() {
    let err = App::empty()
        .serve_dir("/static", "./no/such/folder")
        .build()
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("serve_dir(\"/static/\", \"./no/such/folder\")"),
        "{message}"
    );
    assert!(message.contains("static_files.rs"), "{message}");
    assert!(message.contains("not a folder"), "{message}");
}

/// A bad option never panics the builder: `App::build` names it, once per `serve_dir`.
#[test]
fn a_bad_cache_control_is_a_build_error() {
    let err = App::empty()
        .serve_dir("/s", ServeDir::new(".").cache_control("max-age=60\nx: y"))
        .get("/f", ServeFile::new("Cargo.toml").cache_control("\0"))
        .build()
        .unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 2, "{err}");
    assert!(problems[0].starts_with("ServeDir(\".\"): cache_control(\"max-age=60\\nx: y\"): not a valid `Cache-Control` header value"), "{}", problems[0]);
    assert!(
        problems[1].starts_with("ServeFile(\"Cargo.toml\"): cache_control("),
        "{}",
        problems[1]
    );
    assert!(
        problems.iter().all(|p| p.contains("static_files.rs:")),
        "{err}"
    );
}

/// Dotfiles (`.env`, `.git/config`) answer 404 in any spelling and are not listed, unless asked
/// for; `.well-known` is served either way.
#[tokio::test]
async fn dotfiles_are_refused_and_unlisted_by_default() {
    let dir = Folder::new("dotfiles");
    dir.file(".env", "SECRET=1")
        .file(".git/config", "[core]")
        .file("sub/.htpasswd", "admin:x")
        .file(".well-known/security.txt", "Contact: x")
        .file("visible.txt", "ok");
    let hidden =
        TestClient::new(App::empty().serve_dir("/", ServeDir::new(dir.path()).listing(true)));
    for path in [
        "/.env",
        "/%2eenv",
        "/%2Eenv",
        "/.git/config",
        "/.git/",
        "/sub/.htpasswd",
    ] {
        let res = hidden.get(path).send().await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(!res.text().await.contains("SECRET"), "{path}");
    }
    assert_eq!(
        hidden
            .get("/.well-known/security.txt")
            .send()
            .await
            .text()
            .await,
        "Contact: x"
    );
    let listing = hidden.get("/").send().await.text().await;
    assert!(
        listing.contains("visible.txt") && listing.contains(".well-known"),
        "{listing}"
    );
    assert!(
        !listing.contains(".env") && !listing.contains(".git"),
        "{listing}"
    );

    let shown =
        TestClient::new(App::empty().serve_dir("/", ServeDir::new(dir.path()).dotfiles(true)));
    assert_eq!(shown.get("/.env").send().await.text().await, "SECRET=1");
}

/// A name too long for the filesystem is a missing file (404), a loop of symlinks a 400: the
/// client's doing, never a 500.
#[cfg(unix)]
#[tokio::test]
async fn overlong_names_and_symlink_loops_are_client_errors() {
    let dir = Folder::new("errno");
    std::os::unix::fs::symlink(dir.path().join("b"), dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("b")).unwrap();
    let client = TestClient::new(App::empty().serve_dir("/", dir.path()));
    let long = format!("/{}", "x".repeat(300));
    assert_eq!(client.get(&long).send().await.status(), 404);
    let res = client.get("/a").send().await;
    assert_eq!(res.status(), 400, "{}", res.text().await);
}

/// Listing links start with `./`: a file named `javascript:alert(1)` is a relative link.
#[tokio::test]
async fn listing_links_are_relative_whatever_the_name() {
    let dir = Folder::new("listing-links");
    dir.file("javascript:alert(1)", "x");
    let client =
        TestClient::new(App::empty().serve_dir("/", ServeDir::new(dir.path()).listing(true)));
    let page = client.get("/").send().await.text().await;
    assert!(page.contains("href=\"./javascript:alert(1)\""), "{page}");
    assert!(!page.contains("href=\"javascript:"), "{page}");
}

/// A `multipart/byteranges` answer of 32 ranges reads them all through one open file: 900
/// clients that asked for one and stopped reading held 32 descriptors each before.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn thirty_two_ranges_hold_one_file() {
    use http_body_util::BodyExt;
    let dir = Folder::new("ranges-one-file");
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    dir.file("big.bin", &data);
    let service = App::empty().serve_dir("/", dir.path()).into_service();
    let ranges: Vec<String> = (0..32)
        .map(|i| format!("{}-{}", i * 6000, i * 6000 + 99))
        .collect();
    let req = Request::builder()
        .uri("/big.bin")
        .header("range", format!("bytes={}", ranges.join(",")))
        .body(Body::empty())
        .unwrap();
    let before = support::open_on(&dir.path().join("big.bin"));
    let res = service.dispatch(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    // The body is not read yet: the response holds what it will read from.
    assert_eq!(support::open_on(&dir.path().join("big.bin")) - before, 1);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    for (i, r) in (0..32).map(|i| (i, i * 6000)) {
        let head = format!("content-range: bytes {r}-{}/200000\r\n\r\n", r + 99);
        let at = body
            .windows(head.len())
            .position(|w| w == head.as_bytes())
            .unwrap_or_else(|| panic!("range {i} is in the body"));
        let part = &body[at + head.len()..at + head.len() + 100];
        assert_eq!(part, &data[r..r + 100], "range {i}");
    }
}
