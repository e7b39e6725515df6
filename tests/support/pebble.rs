//! Debian's `pebble`, the ACME test CA, with `pebble-challtestsrv` as its DNS (every name
//! resolves to 127.0.0.1), on loopback ports of its own; its challenges go to the ports the
//! test's `rws` listens on.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::bin::Folder;
use super::nginx::free_port;

/// A running pebble and its DNS; both killed when dropped.
pub struct Pebble {
    ca: Option<Child>,
    dns: Child,
    /// The directory URL.
    pub directory: String,
    /// The PEM of the CA that signed pebble's own HTTPS certificate: `acme.ca_root`.
    pub https_root: PathBuf,
    management: u16,
}

impl Pebble {
    /// Pebble validating tls-alpn-01 on `tls_port` and http-01 on `http_port`, issuing
    /// certificates valid for `validity` seconds (0: pebble's default). Its files live in `dir`.
    pub fn start(dir: &Folder, tls_port: u16, http_port: u16, validity: u64) -> Pebble {
        let (listen, management, dns_port) = (free_port(), free_port(), free_port());
        let https_root = dir.path().join("pebble-https-root.pem");
        let (cert, key) = https_certificate(dir.path(), &https_root);
        let validity = if validity == 0 {
            String::new()
        } else {
            format!(",\n    \"certificateValidityPeriod\": {validity}")
        };
        let config = format!(
            r#"{{"pebble": {{
    "listenAddress": "127.0.0.1:{listen}",
    "managementListenAddress": "127.0.0.1:{management}",
    "certificate": "{}",
    "privateKey": "{}",
    "httpPort": {http_port},
    "tlsPort": {tls_port},
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false{validity}
}}}}"#,
            cert.display(),
            key.display()
        );
        dir.file("pebble.json", config);
        let dns = Command::new("pebble-challtestsrv")
            .args(["-dns01", &format!("127.0.0.1:{dns_port}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-management", &format!("127.0.0.1:{}", free_port())])
            .args(["-defaultIPv6", ""])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble-challtestsrv (scripts/setup installs Debian's pebble)");
        let mut pebble = Pebble {
            ca: None,
            dns,
            directory: format!("https://127.0.0.1:{listen}/dir"),
            https_root,
            management,
        };
        let log = std::fs::File::create(dir.path().join("pebble.log")).expect("pebble log");
        pebble.ca = Some(
            Command::new("pebble")
                .arg("-config")
                .arg(dir.path().join("pebble.json"))
                .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
                // Validations at once; 5 % of nonces still rejected (badNonce), as by default.
                .env("PEBBLE_VA_NOSLEEP", "1")
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("pebble (scripts/setup installs it)"),
        );
        for _ in 0..200 {
            if pebble.get(&pebble.directory).is_some() {
                return pebble;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "pebble did not start:\n{}",
            std::fs::read_to_string(dir.path().join("pebble.log")).unwrap_or_default()
        );
    }

    /// GET over pebble's HTTPS, the body if 200.
    fn get(&self, url: &str) -> Option<String> {
        let out = Command::new("curl")
            .args(["-sf", "--max-time", "5", "--cacert"])
            .arg(&self.https_root)
            .arg(url)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The root the issued certificates chain to (pebble makes a new one each run), written to
    /// `path`.
    pub fn issuing_root(&self, path: &Path) -> PathBuf {
        let pem = self
            .get(&format!("https://127.0.0.1:{}/roots/0", self.management))
            .expect("pebble's root from its management port");
        std::fs::write(path, pem).expect("write the root");
        path.to_path_buf()
    }

    /// Stops the CA (its DNS stays).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.ca.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        self.stop();
        let _ = self.dns.kill();
        let _ = self.dns.wait();
    }
}

/// A CA and, signed by it, pebble's certificate for 127.0.0.1 (made by openssl, as an operator
/// would): the CA's PEM goes to `root`.
fn https_certificate(dir: &Path, root: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("pebble-cert.pem"), dir.join("pebble-key.pem"));
    let script = format!(
        "set -e; cd '{dir}'; \
         openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
           -out '{root}' -subj /CN=pebble-https-ca -days 2; \
         openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '{key}' \
           -out leaf.csr -subj /CN=localhost; \
         printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > leaf.ext; \
         openssl x509 -req -in leaf.csr -CA '{root}' -CAkey ca.key -CAcreateserial \
           -out '{cert}' -days 2 -extfile leaf.ext",
        dir = dir.display(),
        root = root.display(),
        key = key.display(),
        cert = cert.display(),
    );
    let made = Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("openssl");
    assert!(
        made.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    (cert, key)
}
