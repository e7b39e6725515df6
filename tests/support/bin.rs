//! The real `rws` binary as a spawned process on a free port, and curl against it.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `rws` with a quiet diagnostic log, in an empty working directory (so that no
/// `rws.config.toml` of the checkout is read).
pub fn rws() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rws"));
    cmd.env("RUST_LOG", "warn")
        .env_remove("RWS_CONFIG_FILE")
        .current_dir(std::env::temp_dir());
    cmd
}

/// Runs `rws` with `args` to completion (for flags that exit: `--check-config` and the like).
pub fn run(args: &[&str]) -> Output {
    output(rws().args(args))
}

/// Runs `cmd` to completion; kills it and fails if it is still running after 30 s (a server
/// that should have refused to start).
pub fn output(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rws");
    for _ in 0..600 {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    panic!(
        "rws was still running after 30 s: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running `rws`; killed when dropped.
pub struct Rws {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The startup listing printed after the first line.
    pub banner: Vec<String>,
    lines: mpsc::Receiver<String>,
}

impl Rws {
    /// Starts `rws` on a free port with `args`.
    pub fn start(args: &[&str]) -> Rws {
        Rws::start_with(rws().args(args))
    }

    /// Starts the prepared command (its `--port` is set to 0).
    pub fn start_with(cmd: &mut Command) -> Rws {
        Rws::start_as_given(cmd.args(["--port", "0"]))
    }

    /// Starts the prepared command as it is (it names its own `--port`).
    pub fn start_as_given(cmd: &mut Command) -> Rws {
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("start rws");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("rws prints where it listens");
        let url = first.rsplit(' ').next().expect("an address").to_owned();
        assert!(
            first.starts_with("rws ")
                && (url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:")),
            "{first}"
        );
        let mut banner = Vec::new();
        // The listing ends with the last route; routes are printed at once, so a short wait
        // after the last line seen is enough.
        while let Ok(line) = lines.recv_timeout(Duration::from_millis(300)) {
            banner.push(line);
        }
        Rws {
            child,
            url,
            banner,
            lines,
        }
    }

    /// `url` + `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line the server prints on stdout (the access log), within 10 s.
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("a line on stdout")
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("rws did not stop within 10 s of SIGTERM");
    }

    /// The resident set size, from /proc.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }
}

impl Drop for Rws {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (60 s at most) until a server's log (stderr, in a file) has `needle` at least `count`
/// times; the log so far.
pub fn logged(log: &Path, needle: &str, count: usize) -> String {
    for _ in 0..3000 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.matches(needle).count() >= count {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "never logged {needle:?} {count} times:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// A process's resident set size in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// What curl saw: status, headers (lowercase names) and body.
#[derive(Debug)]
pub struct Curl {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Curl {
    /// The first value of `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Runs `curl -s -D - --path-as-is <args> <url>` and parses the last response.
pub fn curl(url: &str, args: &[&str]) -> Curl {
    let out = Command::new("curl")
        .args(["-s", "-S", "--path-as-is", "-D", "-", "-o", "-"])
        .args(args)
        .arg(url)
        .output()
        .expect("curl (scripts/setup installs it)");
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&out.stdout)
}

fn parse(raw: &[u8]) -> Curl {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Curl {
        status,
        headers,
        body,
    }
}

/// A fresh folder, removed when dropped.
pub struct Folder(pub PathBuf);

impl Folder {
    pub fn new(name: &str) -> Folder {
        let path = std::env::temp_dir().join(format!("rws-bin-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("make a folder");
        Folder(path)
    }

    pub fn file(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Folder {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("make folders");
        std::fs::write(path, contents).expect("write a file");
        self
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn arg(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
