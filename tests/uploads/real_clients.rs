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
