//! Debian's nginx as an upstream: one process per upstream on its own loopback port, answering
//! its own name, a `/healthz`, and `/headers` with what it received.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nginx; killed when dropped.
pub struct Nginx {
    pub name: String,
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// A loopback port free now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Nginx {
    /// Starts nginx named `name` on a free port.
    pub fn start(name: &str) -> Nginx {
        Nginx::start_on(name, free_port())
    }

    /// Starts nginx named `name` on `port`.
    pub fn start_on(name: &str, port: u16) -> Nginx {
        Nginx::start_with(name, port, "")
    }

    /// Starts nginx named `name` serving HTTPS (HTTP/2 by ALPN) with the PEM certificate chain
    /// and key at `cert` and `key`.
    pub fn start_tls(name: &str, cert: &std::path::Path, key: &std::path::Path) -> Nginx {
        let tls = format!(
            " ssl http2;\n        ssl_certificate {};\n        ssl_certificate_key {}",
            cert.display(),
            key.display()
        );
        Nginx::start_with(name, free_port(), &tls)
    }

    fn start_with(name: &str, port: u16, tls: &str) -> Nginx {
        let dir =
            std::env::temp_dir().join(format!("rws-nginx-{name}-{port}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("logs")).expect("nginx dir");
        std::fs::create_dir_all(dir.join("files")).expect("nginx files dir");
        let conf = format!(
            r#"daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port}{tls};
        location = /healthz {{ return 200 "ok\n"; }}
        location ~ /headers$ {{
            default_type text/plain;
            return 200 "name={name}\nhost=$http_host\nconnection=$http_connection\nkeep-alive=$http_keep_alive\nte=$http_te\nx-hop=$http_x_hop\nproxy-authorization=$http_proxy_authorization\nupgrade=$http_upgrade\nx-forwarded-for=$http_x_forwarded_for\nx-forwarded-proto=$http_x_forwarded_proto\nx-forwarded-host=$http_x_forwarded_host\nforwarded=$http_forwarded\nuri=$request_uri\ntraceparent=$http_traceparent\nprotocol=$server_protocol\nsni=$ssl_server_name\n";
        }}
        location /files/ {{ alias {dir}/files/; }}
        location / {{
            default_type text/plain;
            add_header X-Upstream {name};
            return 200 "{name}\n";
        }}
    }}
}}
"#,
            dir = dir.display()
        );
        std::fs::write(dir.join("nginx.conf"), conf).expect("nginx.conf");
        let child = Command::new(nginx())
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg("stderr")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx (scripts/setup installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx {name} did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            name: name.to_owned(),
            port,
            dir,
            child: Some(child),
        }
    }

    /// A file of `len` bytes (sparse: zeros, no disk) it serves at `/files/{name}`.
    pub fn sparse_file(&self, name: &str, len: u64) {
        let file = std::fs::File::create(self.dir.join("files").join(name)).expect("create");
        file.set_len(len).expect("set_len");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills it (connections are then refused).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// nginx lives in /usr/sbin, which a user's PATH may lack.
fn nginx() -> &'static str {
    if std::path::Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}
