//! `Multipart`, typed multipart forms with `UploadedFile`, their limits, and hostile bodies:
//! in process for the parser's rules, over TCP with curl, Python's requests and httpx, and a
//! headless Chromium submitting the upload example's form.

mod support;

#[path = "../examples/upload.rs"]
#[allow(dead_code, unreachable_pub)]
mod upload_example;

use std::fmt::Write as _;
use std::path::Path as FsPath;
use std::time::Duration;

use rws::extract::{FileRules, MultipartError};
use rws::middleware::BodyLimitLayer;
use rws::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};
use support::problem;
use support::server::TestServer;

const BOUNDARY: &str = "XyZzY-boundary-42";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// One part: `(name, file name, content type, bytes)`.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

fn body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, file, ty, data) in parts {
        let mut head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"");
        if let Some(file) = file {
            let _ = write!(head, "; filename=\"{file}\"");
        }
        head += "\r\n";
        if let Some(ty) = ty {
            let _ = write!(head, "Content-Type: {ty}\r\n");
        }
        head += "\r\n";
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn post(client: &TestClient, path: &str, body: Vec<u8>) -> rws::TestResponse {
    client
        .post(path)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
}

/// Reports every field: name, file name, content type, size.
async fn report(mut multipart: Multipart) -> Result<Json<Vec<Value>>, rws::Error> {
    let mut fields = Vec::new();
    while let Some(mut field) = multipart.next_field().await? {
        let (name, file, ty) = (
            field.name().to_owned(),
            field.file_name().map(str::to_owned),
            field.content_type().map(str::to_owned),
        );
        let mut size = 0;
        while let Some(chunk) = field.chunk().await? {
            size += chunk.len();
        }
        fields.push(json!({"name": name, "file": file, "type": ty, "size": size}));
    }
    Ok(Json(fields))
}

fn report_app() -> App {
    App::new()
        .post("/report", report)
        .post(
            "/small",
            report.with(MultipartLimits::new().field_size(10).max_fields(3)),
        )
        .post("/tiny-body", report.with(BodyLimitLayer::new(1024)))
}

#[tokio::test]
async fn fields_stream_in_order_with_their_names_and_types() {
    let client = TestClient::new(report_app());
    let parts = [
        ("title", None, None, &b"holiday"[..]),
        ("photo", Some("a.png"), Some("image/png"), PNG),
        ("notes", Some("n.txt"), Some("text/plain"), &b""[..]),
    ];
    let res = post(&client, "/report", body(&parts)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: Value = res.json().await;
    assert_eq!(
        got,
        json!([
            {"name": "title", "file": null, "type": null, "size": 7},
            {"name": "photo", "file": "a.png", "type": "image/png", "size": PNG.len()},
            {"name": "notes", "file": "n.txt", "type": "text/plain", "size": 0},
        ])
    );
}

#[tokio::test]
async fn each_limit_is_a_413_naming_the_field_and_the_limit() {
    let client = TestClient::new(report_app());
    let res = post(&client, "/small", body(&[("bio", None, None, &[b'x'; 11])])).await;
    let p = problem(res, 413).await;
    assert_eq!(p["field"], "bio");
    assert_eq!(p["limit"], 10);

    let four = [("a", None, None, &b""[..]); 4];
    let p = problem(post(&client, "/small", body(&four)).await, 413).await;
    assert_eq!(p["limit"], 3);
    assert!(
        p["detail"].as_str().unwrap().contains("more than 3 parts"),
        "{p}"
    );

    let big = vec![b'z'; 4096];
    let p = problem(
        post(&client, "/tiny-body", body(&[("f", Some("f"), None, &big)])).await,
        413,
    )
    .await;
    assert_eq!(p["limit"], 1024);
}

#[tokio::test]
async fn ten_thousand_empty_parts_stop_at_the_part_limit() {
    let client = TestClient::new(report_app());
    let parts = vec![("e", None, None, &b""[..]); 10_000];
    let p = problem(post(&client, "/report", body(&parts)).await, 413).await;
    assert_eq!(p["limit"], 1000);
}

#[tokio::test]
async fn a_one_mib_part_header_is_refused_at_8_kib() {
    let client = TestClient::new(report_app().body_limit(8 * 1024 * 1024));
    let mut raw = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Junk: {}\r\n\r\nv\r\n--{BOUNDARY}--\r\n",
        "j".repeat(1024 * 1024)
    )
    .into_bytes();
    let p = problem(post(&client, "/report", raw.clone()).await, 413).await;
    assert_eq!(p["limit"], 8 * 1024);
    // The same bound holds for a preamble before the first part.
    raw.splice(0..0, vec![b'p'; 64 * 1024]);
    problem(post(&client, "/report", raw).await, 413).await;
}

#[tokio::test]
async fn malformed_bodies_are_400_problems() {
    let client = TestClient::new(report_app());
    // No boundary parameter.
    let res = client
        .post("/report")
        .header("content-type", "multipart/form-data")
        .body("x")
        .send()
        .await;
    problem(res, 400).await;
    // Not multipart at all: 415 with what is accepted.
    let res = client
        .post("/report")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await;
    assert_eq!(res.header("accept"), Some("multipart/form-data"));
    problem(res, 415).await;
    // A part without Content-Disposition.
    let raw = format!("--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nv\r\n--{BOUNDARY}--\r\n");
    let p = problem(post(&client, "/report", raw.into_bytes()).await, 400).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("Content-Disposition"),
        "{p}"
    );
    // Truncated in the middle of a field, and with the wrong boundary.
    let full = body(&[("a", None, None, b"hello world")]);
    problem(
        post(&client, "/report", full[..full.len() - 20].to_vec()).await,
        400,
    )
    .await;
    let wrong = String::from_utf8(full).unwrap().replace(BOUNDARY, "other");
    problem(post(&client, "/report", wrong.into_bytes()).await, 400).await;
}

#[derive(Debug, Deserialize, Validate, FromRequest)]
struct Profile {
    #[validate(length(min = 1))]
    name: String,
    #[upload(max_size = 64, content_types("image/png"))]
    avatar: UploadedFile,
    #[serde(default)]
    tags: Vec<String>,
    cv: Option<UploadedFile>,
}

async fn profile(p: Profile) -> Json<Value> {
    let avatar = p.avatar.read().await.expect("the temp file is there");
    Json(json!({
        "name": p.name,
        "avatar": avatar.len(),
        "avatar_file": p.avatar.file_name(),
        "tags": p.tags,
        "cv": p.cv.as_ref().map(UploadedFile::size),
    }))
}

#[tokio::test]
async fn a_typed_form_takes_text_files_and_repeated_fields() {
    let client = TestClient::new(App::new().post("/profile", profile));
    let parts = [
        ("name", None, None, &b"ada"[..]),
        ("tags[]", None, None, b"math"),
        ("avatar", Some("me.png"), Some("image/png"), PNG),
        ("tags[]", None, None, b"engines"),
        // A file input left empty, as browsers send it.
        ("cv", Some(""), Some("application/octet-stream"), b""),
    ];
    let res = post(&client, "/profile", body(&parts)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: Value = res.json().await;
    assert_eq!(
        got,
        json!({"name": "ada", "avatar": PNG.len(), "avatar_file": "me.png", "tags": ["math", "engines"], "cv": null})
    );
}

#[tokio::test]
async fn typed_form_rules_validation_and_missing_files() {
    let client = TestClient::new(App::new().post("/profile", profile));
    // Validate applies to the text fields.
    let parts = [
        ("name", None, None, &b""[..]),
        ("avatar", Some("a.png"), Some("image/png"), PNG),
    ];
    problem(post(&client, "/profile", body(&parts)).await, 422).await;
    // A text file declared as a PNG: its bytes say otherwise.
    let parts = [
        ("name", None, None, &b"x"[..]),
        (
            "avatar",
            Some("a.png"),
            Some("image/png"),
            b"not a png at all",
        ),
    ];
    let p = problem(post(&client, "/profile", body(&parts)).await, 415).await;
    assert_eq!(p["field"], "avatar");
    // Over the rule's size.
    let mut big = PNG.to_vec();
    big.resize(65, 0);
    let parts = [
        ("name", None, None, &b"x"[..]),
        ("avatar", Some("a.png"), Some("image/png"), &big[..]),
    ];
    let p = problem(post(&client, "/profile", body(&parts)).await, 413).await;
    assert_eq!(
        (p["field"].as_str(), p["limit"].as_u64()),
        (Some("avatar"), Some(64))
    );
    // A missing file, and a text field posing as the file.
    let parts = [("name", None, None, &b"x"[..])];
    problem(post(&client, "/profile", body(&parts)).await, 422).await;
    let parts = [
        ("name", None, None, &b"x"[..]),
        ("avatar", None, None, b"\0rws-upload:0:0"),
    ];
    problem(post(&client, "/profile", body(&parts)).await, 422).await;
}

#[tokio::test]
async fn temp_files_go_when_dropped_and_persist_stays_inside_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let app = App::new().post(
        "/keep",
        (|headers: HeaderMap, mut multipart: Multipart| async move {
            let to = headers["x-to"].to_str().unwrap().to_owned();
            let field = multipart.next_field().await?.expect("one field");
            let file = field.to_temp_file().await?;
            let temp = file.path().to_path_buf();
            assert!(temp.exists());
            match file.persist(&to) {
                Ok(kept) => Ok::<_, rws::Error>(format!("kept {}", kept.display())),
                Err(e) => {
                    let file = e.into_file();
                    drop(file);
                    assert!(!temp.exists(), "a dropped upload leaves no file");
                    Ok("refused".to_owned())
                }
            }
        })
        .with(MultipartLimits::new().upload_dir(&root)),
    );
    let client = TestClient::new(app);
    let keep = |to: &'static str| {
        client
            .post("/keep")
            .header("x-to", to)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body(&[(
                "f",
                Some("f.txt"),
                Some("text/plain"),
                b"contents",
            )]))
            .send()
    };
    let res = keep("a/b.txt").await;
    assert_eq!(
        res.text().await,
        format!("kept {}", root.join("a/b.txt").display())
    );
    assert_eq!(std::fs::read(root.join("a/b.txt")).unwrap(), b"contents");
    // Out of the directory, absolute, and onto the file already there.
    for refused in ["a/../../x", "..", "/etc/x", "a/b.txt"] {
        assert_eq!(keep(refused).await.text().await, "refused", "{refused}");
    }
    // Only the one persisted file is left: no temp files behind.
    let left: Vec<_> = walk(&root);
    assert_eq!(left, vec![root.join("a/b.txt")]);
}

fn walk(dir: &FsPath) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn file_rules_are_public_for_hand_written_handlers() {
    let rules = FileRules::new().max_size(10).content_types(["image/*"]);
    assert!(format!("{rules:?}").contains("image/*"));
    let e: rws::Error = MultipartError::TooManyFields { limit: 2 }.into();
    assert_eq!(e.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

mod hostile {
    //! Random truncations and boundary mutations of a valid body: never a panic, never a
    //! hang, always a 4xx (every field of the form is required, so a lost part is a 422).
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Deserialize, FromRequest)]
    #[allow(dead_code)]
    struct Strict {
        a: String,
        b: String,
        file: UploadedFile,
    }

    fn valid() -> Vec<u8> {
        body(&[
            ("a", None, None, b"first value"),
            (
                "file",
                Some("f.bin"),
                Some("application/octet-stream"),
                &[7u8; 300],
            ),
            ("b", None, None, b"second"),
        ])
    }

    fn run(bytes: Vec<u8>) -> StatusCode {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let client = TestClient::new(App::new().post("/", |_: Strict| async { "ok" }));
            tokio::time::timeout(Duration::from_secs(10), post(&client, "/", bytes))
                .await
                .expect("no hang")
                .status()
        })
    }

    #[test]
    fn the_valid_body_passes() {
        assert_eq!(run(valid()), StatusCode::OK);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn truncations_are_4xx(cut in 0usize..1000) {
            let full = valid();
            // Anything short of the close delimiter's `--`.
            let end = full.len() - 4;
            let status = run(full[..cut % end].to_vec());
            prop_assert!(status.is_client_error(), "{status}");
        }

        #[test]
        fn boundary_mutations_are_4xx(which in 0usize..4, at in 0usize..64, byte in any::<u8>()) {
            let full = valid();
            let marker = format!("--{BOUNDARY}");
            let starts: Vec<usize> = full
                .windows(marker.len())
                .enumerate()
                .filter(|(_, w)| *w == marker.as_bytes())
                .map(|(i, _)| i)
                .collect();
            let start = starts[which % starts.len()];
            let pos = start + at % marker.len();
            prop_assume!(full[pos] != byte);
            let mut mutated = full.clone();
            mutated[pos] = byte;
            let status = run(mutated);
            prop_assert!(status.is_client_error(), "{status}");
        }
    }
}

mod real_clients {
    //! The upload example over TCP, with the clients people use.
    use super::*;
    use tokio::process::Command;

    async fn example() -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(upload_example::app(dir.path().to_path_buf()), |s| s).await;
        (server, dir)
    }

    async fn curl(args: &[&str]) -> Value {
        let out = Command::new("curl")
            .args(["-sS", "--fail-with-body", "-H", "Accept: application/json"])
            .args(args)
            .output()
            .await
            .expect("curl runs (scripts/setup installs it)");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "curl failed: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{stdout}: {e}"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn curl_text_fields_one_file_and_several() {
        let (server, dir) = example().await;
        let src = tempfile::tempdir().unwrap();
        let a = src.path().join("a.txt");
        let b = src.path().join("b.bin");
        std::fs::write(&a, "alpha").unwrap();
        std::fs::write(&b, vec![1u8; 70_000]).unwrap();
        let url = server.url("/upload");
        let one = curl(&[
            "-F",
            "title=one",
            "-F",
            "tags[]=x",
            "-F",
            "tags[]=y",
            "-F",
            &format!("files=@{}", a.display()),
            &url,
        ])
        .await;
        assert_eq!(one[0]["file_name"], "a.txt");
        assert_eq!(one[0]["size"], 5);
        assert_eq!(one[0]["tags"], json!(["x", "y"]));
        let two = curl(&[
            "-F",
            "title=two",
            "-F",
            &format!("files=@{};type=text/plain", a.display()),
            "-F",
            &format!("files=@{}", b.display()),
            &url,
        ])
        .await;
        assert_eq!(two.as_array().unwrap().len(), 2);
        assert_eq!(two[1]["size"], 70_000);
        // Each stored under the server's id, with the bytes sent.
        let id = two[1]["id"].as_str().unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(id)).unwrap(),
            vec![1u8; 70_000]
        );
        // The listing has all three.
        let list = curl(&[&server.url("/files")]).await;
        assert_eq!(list.as_array().unwrap().len(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn python_requests_and_httpx() {
        let (server, dir) = example().await;
        let got = support::peer("multipart_client.py", [server.url("/upload")]).await;
        for client in ["requests", "httpx"] {
            let stored = &got[client];
            assert_eq!(stored[0]["file_name"], format!("{client}.bin"), "{got}");
            assert_eq!(stored[0]["size"], 100_000, "{got}");
            assert_eq!(stored[0]["tags"], json!(["py", client]), "{got}");
            let id = stored[0]["id"].as_str().unwrap();
            let bytes = std::fs::read(dir.path().join(id)).unwrap();
            assert!(
                bytes
                    .iter()
                    .enumerate()
                    .all(|(i, b)| usize::from(*b) == i % 251)
            );
        }
        // The bad case each client can send: an empty title is the form's 422.
        assert_eq!(got["empty_title_status"], 422);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stalled_upload_is_cut_off_its_temp_file_removed_and_others_served() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = tempfile::tempdir().unwrap();
        let app = App::new().post(
            "/store",
            (|mut multipart: Multipart| async move {
                let mut sizes = Vec::new();
                while let Some(field) = multipart.next_field().await? {
                    sizes.push(field.to_temp_file().await?.size().to_string());
                }
                Ok::<_, rws::Error>(sizes.join(","))
            })
            .with(MultipartLimits::new().upload_dir(dir.path())),
        );
        let server =
            TestServer::start(app, |s| s.request_timeout(Some(Duration::from_millis(500)))).await;
        // Half a file, then silence.
        let data = vec![9u8; 100_000];
        let full = body(&[("f", Some("f.bin"), None, &data)]);
        let mut stalled = server.connect().await;
        let head = format!(
            "POST /store HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
            full.len()
        );
        stalled.write_all(head.as_bytes()).await.unwrap();
        stalled.write_all(&full[..50_000]).await.unwrap();
        // Meanwhile another client is served.
        let res = reqwest::Client::new()
            .post(server.url("/store"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(full.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.text().await.unwrap(), "100000");
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut answer));
        read.await.expect("the stalled upload is cut off").unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
        // The half-written temp file went with the cancelled handler.
        assert!(walk(dir.path()).is_empty(), "{:?}", walk(dir.path()));
    }

    /// The example's page with `script` run after it, served beside the example's routes.
    async fn example_with_script(script: &'static str) -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let page = format!("{}<script>{script}</script>", upload_example::PAGE);
        let app = upload_example::app(dir.path().to_path_buf()).get("/under-test", move || {
            let page = page.clone();
            async move { Html(page) }
        });
        (TestServer::start(app, |s| s).await, dir)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn chromium_submits_the_example_form() {
        // The plain submission: the browser encodes the body and shows the answer page.
        let (server, dir) = example_with_script(concat!(
            "window.addEventListener('load', () => {",
            "const dt = new DataTransfer();",
            "dt.items.add(new File(['hello from chromium'], 'page.txt', {type: 'text/plain'}));",
            "document.getElementById('files').files = dt.files;",
            "document.querySelector('input[name=title]').value = 'browser';",
            "document.querySelector('input[value=work]').checked = true;",
            "document.getElementById('form').submit(); });"
        ))
        .await;
        let dom = chromium_dump(&server.url("/under-test")).await;
        assert!(dom.contains("Stored 1 file(s)"), "{dom}");
        assert!(
            dom.contains("browser — page.txt (19 bytes, text/plain) [work]"),
            "{dom}"
        );
        let stored = walk(dir.path());
        assert_eq!(stored.len(), 1);
        assert_eq!(std::fs::read(&stored[0]).unwrap(), b"hello from chromium");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn chromium_uploads_with_progress_through_the_page_script() {
        // The button's way: the page's own script sends it with XMLHttpRequest, shows progress,
        // then lists what is stored.
        let (server, _dir) = example_with_script(concat!(
            "window.addEventListener('load', () => {",
            "const dt = new DataTransfer();",
            "dt.items.add(new File([new Uint8Array(300000)], 'zeros.bin', {type: 'application/octet-stream'}));",
            "document.getElementById('files').files = dt.files;",
            "document.querySelector('input[name=title]').value = 'scripted';",
            "document.getElementById('form').requestSubmit(); });"
        ))
        .await;
        let dom = chromium_dump(&server.url("/under-test")).await;
        assert!(dom.contains(r#"<p id="status">stored</p>"#), "{dom}");
        assert!(
            dom.contains(r#"<progress id="progress" max="100" value="100">"#),
            "{dom}"
        );
        assert!(dom.contains("scripted — zeros.bin (300000 bytes)"), "{dom}");
    }

    /// Headless Chromium on `url` until the page and what its script starts settle (a virtual
    /// time budget), then the final DOM.
    async fn chromium_dump(url: &str) -> String {
        let profile = tempfile::tempdir().unwrap();
        let out = tokio::time::timeout(
            Duration::from_secs(90),
            Command::new("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--virtual-time-budget=10000",
                    "--dump-dom",
                ])
                .arg(format!("--user-data-dir={}", profile.path().display()))
                .arg(url)
                .kill_on_drop(true)
                .output(),
        )
        .await
        .expect("chromium finishes")
        .expect("chromium runs (scripts/setup installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
