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
    // Out of the directory, absolute, onto the file already there, and through a link out.
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
    for refused in [
        "a/../../x",
        "..",
        "/etc/x",
        "a/b.txt",
        "link/x",
        "link/made/x",
    ] {
        assert_eq!(keep(refused).await.text().await, "refused", "{refused}");
    }
    assert!(walk(outside.path()).is_empty() && !outside.path().join("made").exists());
    std::fs::remove_file(root.join("link")).unwrap();
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

#[path = "uploads/hostile.rs"]
mod hostile;

#[path = "uploads/real_clients.rs"]
mod real_clients;
