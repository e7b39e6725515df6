//! A `redis-server` of a test's own (Debian's, installed by `scripts/setup`).

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `redis-server` of this test's own, killed when dropped.
pub struct Redis {
    pub child: Child,
    pub url: String,
}

impl Redis {
    /// Starts one on a free loopback port, without persistence.
    pub async fn start() -> Redis {
        let port = StdListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Owned by `Redis` at once, so that its `Drop` reaps the process on every path.
        let redis = Redis {
            child: Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .spawn()
                .expect("redis-server runs (scripts/setup installs it)"),
            url: format!("redis://127.0.0.1:{port}"),
        };
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return redis;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("redis-server did not start on port {port}");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
