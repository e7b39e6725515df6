//! `SIGHUP` to the `rws` binary, over real sockets: a new static root, rate limit, CORS
//! origin and proxy upstream take effect while a keep-alive connection stays open and a 5 s
//! streaming response started before the signal completes; a certificate is swapped (the
//! serial `openssl s_client` sees changes); a broken file changes nothing and is logged with
//! its key and line; a change that needs a restart says so.

mod support;

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::Duration;

use rws::prelude::*;
use support::bin::{Folder, Rws, logged, rws};
use support::server::{TestServer, raw_request};

fn hang_up(server: &Rws) {
    let sent = Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

/// An upstream answering `/api/who` with `name`, and streaming `/api/slow` over 5 s.
async fn upstream(name: &'static str) -> TestServer {
    let app = App::empty()
        .get("/api/who", move || async move { name })
        .get("/api/slow", || async {
            let ticks = futures_util::stream::unfold(0u8, |n| async move {
                if n == 10 {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                Some((Ok::<_, std::io::Error>(n.to_string()), n + 1))
            });
            Body::from_stream(ticks)
        });
    TestServer::start(app, |s| s).await
}

fn config(root: &Folder, requests: u32, origin: &str, upstream: &str, extra: &str) -> String {
    format!(
        "root = \"{}\"\n{extra}\n[rate_limit]\nrequests = {requests}\nperiod = \"60s\"\n\n\
         [cors]\norigins = [\"{origin}\"]\n\n[[proxy]]\npath = \"/api\"\nupstreams = [\"{upstream}\"]\n",
        root.arg()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_applies_the_new_configuration_to_a_running_server() {
    let (one, two) = (upstream("one").await, upstream("two").await);
    let dir = Folder::new("reload");
    dir.file("a/index.html", "A").file("b/index.html", "B");
    let (a, b) = (Folder(dir.path().join("a")), Folder(dir.path().join("b")));
    let path = dir.path().join("rws.config.toml");
    std::fs::write(
        &path,
        config(&a, 1000, "https://one.example", &one.url(""), ""),
    )
    .unwrap();
    let log = dir.path().join("stderr.log");
    let server = Rws::start_with(
        rws()
            .args(["--config", path.to_str().unwrap()])
            .env("RUST_LOG", "info")
            .stderr(File::create(&log).unwrap()),
    );
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(server.at(path))
            .header("origin", "https://two.example")
    };

    let before = get("/").send().await.unwrap();
    assert!(
        before
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(before.text().await.unwrap(), "A");
    assert_eq!(
        get("/api/who").send().await.unwrap().text().await.unwrap(),
        "one"
    );
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut kept = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let first = raw_request(&mut kept, "GET / HTTP/1.1\r\nhost: x\r\n\r\n").await;
    assert!(first.ends_with('A'), "{first}");
    let slow = tokio::spawn(client.get(server.at("/api/slow")).send());

    // Everything that needs no socket changes; `workers` needs a restart.
    let wait = "reloaded: new requests get the new app";
    std::fs::write(
        &path,
        config(&b, 3, "https://two.example", &two.url(""), "workers = 3"),
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    hang_up(&server);
    let text = logged(&log, wait, 1);
    assert!(
        text.contains("`workers` changed; it takes effect after a restart"),
        "{text}"
    );

    let after = get("/").send().await.unwrap();
    assert_eq!(
        after.headers().get("access-control-allow-origin").unwrap(),
        "https://two.example"
    );
    assert_eq!(after.text().await.unwrap(), "B");
    assert_eq!(
        get("/api/who").send().await.unwrap().text().await.unwrap(),
        "two"
    );
    let second = raw_request(&mut kept, "GET / HTTP/1.1\r\nhost: x\r\n\r\n").await;
    assert!(
        second.ends_with('B'),
        "the open connection gets the new root: {second}"
    );
    // Three requests in the new minute so far: the fourth is over the new quota.
    assert_eq!(get("/").send().await.unwrap().status(), 429);
    let streamed = slow.await.unwrap().unwrap();
    assert_eq!(streamed.status(), 200);
    assert_eq!(
        streamed.text().await.unwrap(),
        "0123456789",
        "the stream ran to its end"
    );

    // A broken file: every problem logged with key and line, nothing changes.
    std::fs::write(
        &path,
        format!(
            "root = \"{}\"\n[rate_limit]\nrequests = \"many\"\n",
            a.arg()
        ),
    )
    .unwrap();
    hang_up(&server);
    let text = logged(&log, "reload refused", 1);
    assert!(
        text.contains("rws.config.toml:3: `rate_limit.requests`"),
        "{text}"
    );
    let still = reqwest::get(server.at("/")).await.unwrap();
    assert_eq!(still.status(), 429, "the new limit still holds");
    assert_eq!(get("/api/who").send().await.unwrap().status(), 429);
    drop(server);
}

/// A self-signed certificate for 127.0.0.1 (a fresh key, so a fresh serial).
fn certificate(dir: &Folder) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    dir.file("cert.pem", made.cert.pem());
    dir.file("key.pem", made.signing_key.serialize_pem());
}

fn served_serial(addr: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl s_client -connect {addr} -servername 127.0.0.1 </dev/null 2>/dev/null \
             | openssl x509 -noout -serial"
        ))
        .stdout(Stdio::piped())
        .output()
        .expect("openssl (scripts/setup installs it)");
    let serial = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(serial.starts_with("serial="), "{serial:?}");
    serial
}

#[test]
fn sighup_swaps_the_certificate() {
    let dir = Folder::new("reload-tls");
    certificate(&dir);
    let path = dir.path().join("rws.config.toml");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(
        &path,
        format!(
            "[tls]\ncert = \"{}\"\nkey = \"{}\"\nhttp3 = false\n",
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let log = dir.path().join("stderr.log");
    let server = Rws::start_with(
        rws()
            .args(["--config", path.to_str().unwrap()])
            .env("RUST_LOG", "info")
            .stderr(File::create(&log).unwrap()),
    );
    let addr = server.url.trim_start_matches("https://").to_owned();
    let before = served_serial(&addr);
    certificate(&dir);
    hang_up(&server);
    logged(&log, "reloaded: new requests get the new app", 1);
    let after = served_serial(&addr);
    assert_ne!(before, after, "new handshakes get the new certificate");
}
