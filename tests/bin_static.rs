//! `rws --root DIR` as a user runs it, checked with curl: media types, validators, conditional
//! requests, ranges, HEAD, indexes, listings, precompressed siblings, and every spelling of a
//! path that tries to leave the folder.

mod support;

use std::time::Duration;

use support::bin::{Curl, Folder, Rws, curl};

/// 1000 bytes: 0, 1, … 255, 0, 1, …
fn numbered() -> Vec<u8> {
    (0..1000u32).map(|i| i.to_le_bytes()[0]).collect()
}

/// A folder with a bit of everything, and a server on it.
fn site(name: &str, extra: &[&str]) -> (Folder, Rws) {
    let dir = Folder::new(name);
    dir.file("index.html", "<h1>home</h1>")
        .file("style.css", "body { color: red }")
        .file("data.bin", numbered())
        .file("app.js", "plain js")
        .file("app.js.br", "brotli js")
        .file("app.js.gz", "gzip js")
        .file("docs/index.html", "docs home")
        .file("empty/.keep", "")
        .file("a b.txt", "spaced");
    let mut args = vec!["--root", dir.arg()];
    args.extend_from_slice(extra);
    let rws = Rws::start(&args);
    (dir, rws)
}

fn get(rws: &Rws, path: &str, args: &[&str]) -> Curl {
    curl(&rws.at(path), args)
}

#[test]
fn files_have_their_media_type_length_and_validators() {
    let (_dir, rws) = site("types", &[]);
    let css = get(&rws, "/style.css", &[]);
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.header("content-length"), Some("19"));
    assert_eq!(css.header("accept-ranges"), Some("bytes"));
    assert!(
        css.header("etag")
            .is_some_and(|e| e.starts_with('"') && e.ends_with('"'))
    );
    let modified = css.header("last-modified").expect("last-modified");
    assert!(modified.ends_with(" GMT"), "{modified}");
    assert_eq!(css.text(), "body { color: red }");

    let bin = get(&rws, "/data.bin", &[]);
    assert_eq!(bin.header("content-type"), Some("application/octet-stream"));
    assert_eq!(bin.body, numbered());
    assert_eq!(get(&rws, "/a%20b.txt", &[]).text(), "spaced");
    let missing = get(&rws, "/nope.css", &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(get(&rws, "/style.css", &["-X", "POST"]).status, 405);
}

#[test]
fn head_has_the_headers_of_get_and_no_body() {
    let (_dir, rws) = site("head", &[]);
    let head = get(&rws, "/data.bin", &["-I"]);
    let full = get(&rws, "/data.bin", &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("1000"));
    assert_eq!(head.header("etag"), full.header("etag"));
    assert_eq!(head.header("content-type"), full.header("content-type"));
}

#[test]
fn directories_serve_their_index_after_a_slash_redirect() {
    let (_dir, rws) = site("index", &[]);
    assert_eq!(get(&rws, "/", &[]).text(), "<h1>home</h1>");
    let redirect = get(&rws, "/docs?x=1", &[]);
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/docs/?x=1"));
    assert_eq!(get(&rws, "/docs/", &[]).text(), "docs home");
    // No index and no listing: 404.
    assert_eq!(get(&rws, "/empty/", &[]).status, 404);
}

#[test]
fn listing_is_off_by_default_and_on_with_the_flag() {
    let (dir, rws) = site("listing-off", &[]);
    assert_eq!(get(&rws, "/empty/", &[]).status, 404);
    drop(rws);
    let listed = Rws::start(&["--root", dir.arg(), "--listing"]);
    let page = get(&listed, "/empty/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // The folder holds only a dotfile, which is neither listed nor served by default...
    assert!(!page.text().contains(".keep"), "{}", page.text());
    assert_eq!(get(&listed, "/empty/.keep", &[]).status, 404);
    drop(listed);
    // ...and is with `files.dotfiles`.
    let shown = Rws::start(&[
        "--root",
        dir.arg(),
        "--listing",
        "--set",
        "files.dotfiles=true",
    ]);
    let page = get(&shown, "/empty/", &[]);
    assert!(
        page.text().contains("<a href=\"./.keep\">.keep</a>"),
        "{}",
        page.text()
    );
}

#[test]
fn cache_control_and_spa_fallback_from_settings() {
    let (_dir, rws) = site(
        "settings",
        &[
            "--set",
            "files.cache_control=public, max-age=60",
            "--set",
            "files.spa_fallback=index.html",
        ],
    );
    let css = get(&rws, "/style.css", &[]);
    assert_eq!(css.header("cache-control"), Some("public, max-age=60"));
    let route = get(&rws, "/app/users/7", &[]);
    assert_eq!(route.status, 200);
    assert_eq!(route.text(), "<h1>home</h1>");
}

#[test]
fn precompressed_siblings_by_accept_encoding() {
    let (_dir, rws) = site("precompressed", &[]);
    let plain = get(&rws, "/app.js", &[]);
    assert_eq!(plain.text(), "plain js");
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    assert_eq!(plain.header("content-encoding"), None);
    let br = get(
        &rws,
        "/app.js",
        &["-H", "accept-encoding: gzip, deflate, br"],
    );
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(
        br.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(br.text(), "brotli js");
    let gz = get(&rws, "/app.js", &["-H", "accept-encoding: gzip"]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.text(), "gzip js");
    assert_ne!(gz.header("etag"), br.header("etag"));
    assert_ne!(gz.header("etag"), plain.header("etag"));
}

// Conditional requests (RFC 9110 §13).

fn validators(rws: &Rws) -> (String, String) {
    let res = get(rws, "/style.css", &[]);
    (
        res.header("etag").unwrap().to_owned(),
        res.header("last-modified").unwrap().to_owned(),
    )
}

#[test]
fn if_none_match_gives_304_with_the_validators() {
    let (_dir, rws) = site("inm", &[]);
    let (etag, _) = validators(&rws);
    let res = get(
        &rws,
        "/style.css",
        &["-H", &format!("if-none-match: {etag}")],
    );
    assert_eq!(res.status, 304);
    assert_eq!(res.header("etag"), Some(etag.as_str()));
    assert!(res.body.is_empty());
    let weak = get(
        &rws,
        "/style.css",
        &["-H", &format!("if-none-match: \"x\", W/{etag}")],
    );
    assert_eq!(weak.status, 304, "weak comparison");
    assert_eq!(
        get(&rws, "/style.css", &["-H", "if-none-match: \"other\""]).status,
        200
    );
}

#[test]
fn if_modified_since_gives_304_unless_modified() {
    let (_dir, rws) = site("ims", &[]);
    let (_, modified) = validators(&rws);
    let res = get(
        &rws,
        "/style.css",
        &["-H", &format!("if-modified-since: {modified}")],
    );
    assert_eq!(res.status, 304);
    let old = get(
        &rws,
        "/style.css",
        &["-H", "if-modified-since: Mon, 01 Jan 2001 00:00:00 GMT"],
    );
    assert_eq!(old.status, 200);
    // If-None-Match takes precedence over If-Modified-Since.
    let both = get(
        &rws,
        "/style.css",
        &[
            "-H",
            "if-none-match: \"other\"",
            "-H",
            &format!("if-modified-since: {modified}"),
        ],
    );
    assert_eq!(both.status, 200);
}

#[test]
fn if_match_fails_with_412_on_another_tag() {
    let (_dir, rws) = site("im", &[]);
    let (etag, _) = validators(&rws);
    assert_eq!(
        get(&rws, "/style.css", &["-H", &format!("if-match: {etag}")]).status,
        200
    );
    let failed = get(&rws, "/style.css", &["-H", "if-match: \"stale\""]);
    assert_eq!(failed.status, 412);
    assert_eq!(
        failed.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(get(&rws, "/style.css", &["-H", "if-match: *"]).status, 200);
}

#[test]
fn if_unmodified_since_fails_with_412_when_modified_after() {
    let (_dir, rws) = site("ius", &[]);
    let (_, modified) = validators(&rws);
    assert_eq!(
        get(
            &rws,
            "/style.css",
            &["-H", &format!("if-unmodified-since: {modified}")]
        )
        .status,
        200
    );
    let failed = get(
        &rws,
        "/style.css",
        &["-H", "if-unmodified-since: Mon, 01 Jan 2001 00:00:00 GMT"],
    );
    assert_eq!(failed.status, 412);
}

// Ranges (RFC 9110 §14).

#[test]
fn a_single_range_is_206_with_content_range() {
    let (_dir, rws) = site("range1", &[]);
    let res = get(&rws, "/data.bin", &["-r", "10-19"]);
    assert_eq!(res.status, 206);
    assert_eq!(res.header("content-range"), Some("bytes 10-19/1000"));
    assert_eq!(res.header("content-length"), Some("10"));
    assert_eq!(res.body, numbered()[10..20]);
}

#[test]
fn open_and_suffix_ranges() {
    let (_dir, rws) = site("range-open", &[]);
    let tail = get(&rws, "/data.bin", &["-r", "990-"]);
    assert_eq!(tail.header("content-range"), Some("bytes 990-999/1000"));
    assert_eq!(tail.body, numbered()[990..]);
    let suffix = get(&rws, "/data.bin", &["-r", "-5"]);
    assert_eq!(suffix.header("content-range"), Some("bytes 995-999/1000"));
    assert_eq!(suffix.body, numbered()[995..]);
    let past = get(&rws, "/data.bin", &["-r", "900-5000"]);
    assert_eq!(past.header("content-range"), Some("bytes 900-999/1000"));
}

#[test]
fn several_ranges_are_multipart_byteranges() {
    let (_dir, rws) = site("range-multi", &[]);
    let res = get(&rws, "/data.bin", &["-r", "0-1,500-502"]);
    assert_eq!(res.status, 206);
    let content_type = res.header("content-type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .expect("multipart/byteranges");
    assert_eq!(
        res.header("content-length").unwrap(),
        res.body.len().to_string()
    );
    let mut expected = Vec::new();
    for (i, (range, bytes)) in [
        ("0-1", &numbered()[0..2]),
        ("500-502", &numbered()[500..503]),
    ]
    .into_iter()
    .enumerate()
    {
        let sep = if i == 0 { "" } else { "\r\n" };
        expected.extend_from_slice(
            format!(
                "{sep}--{boundary}\r\ncontent-type: application/octet-stream\r\ncontent-range: bytes {range}/1000\r\n\r\n"
            )
            .as_bytes(),
        );
        expected.extend_from_slice(bytes);
    }
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&res.body),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn an_unsatisfiable_range_is_416_with_the_length() {
    let (_dir, rws) = site("range-416", &[]);
    let res = get(&rws, "/data.bin", &["-r", "1000-2000"]);
    assert_eq!(res.status, 416);
    assert_eq!(res.header("content-range"), Some("bytes */1000"));
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
}

#[test]
fn a_malformed_range_is_ignored() {
    let (_dir, rws) = site("range-bad", &[]);
    let res = get(&rws, "/data.bin", &["-H", "range: bytes=5-1"]);
    assert_eq!(res.status, 200);
    assert_eq!(res.body.len(), 1000);
}

#[test]
fn if_range_honours_the_range_only_for_the_current_version() {
    let (_dir, rws) = site("if-range", &[]);
    let (etag, modified) = validators(&rws);
    let data = get(&rws, "/data.bin", &[]);
    let data_tag = data.header("etag").unwrap();
    let current = get(
        &rws,
        "/data.bin",
        &["-r", "0-9", "-H", &format!("if-range: {data_tag}")],
    );
    assert_eq!(current.status, 206);
    let stale = get(
        &rws,
        "/data.bin",
        &["-r", "0-9", "-H", &format!("if-range: {etag}")],
    );
    assert_eq!(stale.status, 200, "another file's tag: the whole file");
    assert_eq!(stale.body.len(), 1000);
    let by_date = get(
        &rws,
        "/data.bin",
        &["-r", "0-9", "-H", &format!("if-range: {modified}")],
    );
    assert_eq!(by_date.status, 206, "the exact Last-Modified date");
    let old = get(
        &rws,
        "/data.bin",
        &["-r", "0-9", "-H", "if-range: Mon, 01 Jan 2001 00:00:00 GMT"],
    );
    assert_eq!(old.status, 200);
}

// Path traversal: each spelling refused, with 400 (or 404 for a symlink leading out).

fn refused(path: &str, status: u16) {
    // A folder of its own per case: the cases run in parallel, and one case's folder removed
    // under another's server made that server refuse to start (a flaky CI run).
    static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let case = CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (_dir, rws) = site(&format!("traversal-{case}"), &[]);
    let res = get(&rws, path, &[]);
    assert_eq!(res.status, status, "{path} answered {}", res.text());
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    assert!(!res.text().contains("root:"), "{path} leaked /etc/passwd");
}

macro_rules! traversal {
    ($($name:ident: $path:literal => $status:literal,)*) => {$(
        #[test]
        fn $name() {
            refused($path, $status);
        }
    )*};
}

traversal! {
    traversal_dot_dot: "/../../../../etc/passwd" => 400,
    traversal_dot_dot_inside: "/docs/../../../../etc/passwd" => 400,
    traversal_encoded_dots: "/%2e%2e/%2e%2e/%2e%2e/etc/passwd" => 400,
    traversal_mixed_case_encoded_dots: "/%2E%2e/%2e%2E/etc/passwd" => 400,
    traversal_half_encoded_dots: "/.%2e/.%2e/.%2e/etc/passwd" => 400,
    traversal_encoded_slash: "/..%2f..%2f..%2fetc%2fpasswd" => 400,
    traversal_encoded_backslash: "/..%5c..%5c..%5cetc%5cpasswd" => 400,
    traversal_raw_backslash: "/..\\..\\..\\etc\\passwd" => 400,
    traversal_nul: "/style.css%00.html" => 400,
    traversal_overlong_utf8: "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd" => 400,
    traversal_overlong_utf8_slash: "/..%c0%af..%c0%afetc%c0%afpasswd" => 400,
    // Decoded once, `%252e` is the literal name `%2e`: no such file.
    traversal_double_encoded: "/%252e%252e/%252e%252e/etc/passwd" => 404,
}

#[test]
fn a_nul_byte_is_400_with_a_reason() {
    let (_dir, rws) = site("nul", &[]);
    let res = get(&rws, "/style.css%00", &[]);
    assert_eq!(res.status, 400);
    assert!(res.text().contains("NUL"), "{}", res.text());
}

#[test]
fn a_symlink_leaving_the_root_is_404_one_inside_is_served() {
    let (dir, rws) = site("symlink", &[]);
    std::os::unix::fs::symlink("/etc", dir.path().join("escape")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("style.css"), dir.path().join("inside.css"))
        .unwrap();
    let out = get(&rws, "/escape/passwd", &[]);
    assert_eq!(out.status, 404);
    assert!(!out.text().contains("root:"));
    assert_eq!(get(&rws, "/inside.css", &[]).text(), "body { color: red }");
}

#[test]
fn a_200_mib_file_streams_in_bounded_memory() {
    let dir = Folder::new("big");
    let file = std::fs::File::create(dir.path().join("big.bin")).unwrap();
    // Sparse: the disk holds nothing, the server still reads 200 MiB of zeros.
    file.set_len(200 << 20).unwrap();
    let rws = Rws::start(&["--root", dir.arg(), "--access-log", "off"]);
    let pid = rws.pid();
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(support::bin::rss_kib(pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            "--limit-rate",
            "400M",
        ])
        .arg(rws.at("/big.bin"))
        .output()
        .unwrap();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("200 {}", 200u64 << 20)
    );
    assert!(peak > 0, "sampled the server's memory");
    assert!(
        peak < 40 * 1024,
        "peak RSS {peak} KiB while sending 200 MiB"
    );
}

#[test]
fn the_cache_answers_the_second_request_and_the_metrics_count_it() {
    let (dir, rws) = site(
        "cached",
        &[
            "--set",
            "cache.entries=100",
            "--set",
            "cache.vary_by=accept-language",
        ],
    );
    let first = get(&rws, "/style.css", &[]);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("age"), None, "a miss");
    // The file changes on disk; the fresh entry (60 s by default) still answers.
    dir.file("style.css", "body { color: blue }");
    let second = get(&rws, "/style.css", &[]);
    assert!(second.header("age").is_some(), "a hit");
    assert_eq!(second.text(), "body { color: red }");
    let other = get(&rws, "/style.css", &["-H", "accept-language: fr"]);
    assert_eq!(other.text(), "body { color: blue }", "another variant");
    let metrics = get(&rws, "/metrics", &[]).text();
    assert!(
        metrics.contains(r#"rws_cache_hits_total{cache="default"} 1"#),
        "{metrics}"
    );
}
