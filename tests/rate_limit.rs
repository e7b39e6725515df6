//! Rate limiting: the 429 sequence with `Retry-After` and the IETF headers, keys, per-route and
//! global limits together, a store of one's own, and curl over TCP.

mod support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::middleware::RateLimitLayer;
use rws::middleware::rate_limit::{Decision, Quota, RateLimitStore};
use rws::prelude::*;
use support::server::TestServer;

fn ok() -> impl Fn() -> std::future::Ready<&'static str> + Clone + Send + Sync + 'static {
    || std::future::ready("ok")
}

#[tokio::test]
async fn a_burst_then_429_with_retry_after_and_ratelimit_headers() {
    let app = App::empty()
        .get("/", ok())
        .wrap(RateLimitLayer::per_ip(Quota::per_minute(3)));
    let client = TestClient::new(app);
    for remaining in [2, 1, 0] {
        let res = client.get("/").send().await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.header("ratelimit-policy"), Some("\"default\";q=3;w=60"));
        let header = res.header("ratelimit").unwrap().to_owned();
        assert!(
            header.starts_with(&format!("\"default\";r={remaining};t=")),
            "{header}"
        );
    }
    let res = client.get("/").send().await;
    assert_eq!(
        res.header("retry-after"),
        Some("20"),
        "one request every 20 s"
    );
    assert_eq!(res.header("ratelimit"), Some("\"default\";r=0;t=20"));
    let body = support::problem(res, 429).await;
    assert!(
        body["detail"].as_str().unwrap().contains("retry in 20 s"),
        "{body}"
    );
}

#[tokio::test]
async fn route_and_global_limits_both_apply() {
    let app = App::empty()
        .get(
            "/login",
            (ok()).with(RateLimitLayer::per_ip(Quota::per_minute(1)).named("login")),
        )
        .get("/", ok())
        .wrap(RateLimitLayer::per_ip(Quota::per_minute(4)));
    let client = TestClient::new(app);
    assert_eq!(client.get("/login").send().await.status(), 200);
    let refused = client.get("/login").send().await;
    assert_eq!(refused.status(), 429);
    assert_eq!(
        refused.header("ratelimit-policy"),
        Some("\"login\";q=1;w=60")
    );
    assert_eq!(client.get("/").send().await.status(), 200);
    // Two logins and one other request have used three of the global four.
    assert_eq!(client.get("/").send().await.status(), 200);
    assert_eq!(client.get("/").send().await.status(), 429);
}

#[tokio::test]
async fn keys_by_header_and_by_closure() {
    let app = App::empty().get("/", ok()).wrap(RateLimitLayer::per_header(
        Quota::per_minute(1),
        header::HeaderName::from_static("x-api-key"),
    ));
    let client = TestClient::new(app);
    assert_eq!(
        client
            .get("/")
            .header("x-api-key", "a")
            .send()
            .await
            .status(),
        200
    );
    assert_eq!(
        client
            .get("/")
            .header("x-api-key", "a")
            .send()
            .await
            .status(),
        429
    );
    assert_eq!(
        client
            .get("/")
            .header("x-api-key", "b")
            .send()
            .await
            .status(),
        200
    );

    let app = App::empty().get("/", ok()).wrap(RateLimitLayer::keyed(
        Quota::per_minute(1),
        |req: &Request| req.uri().query().map(str::to_owned),
    ));
    let client = TestClient::new(app);
    assert_eq!(client.get("/?user=1").send().await.status(), 200);
    assert_eq!(client.get("/?user=1").send().await.status(), 429);
    for _ in 0..3 {
        assert_eq!(
            client.get("/").send().await.status(),
            200,
            "no key: not limited"
        );
    }
}

/// A store of one's own: refuses every other request, counting the calls.
#[derive(Default)]
struct Alternating(AtomicUsize);

impl RateLimitStore for Alternating {
    async fn acquire(&self, key: &str, _quota: Quota) -> Decision {
        assert!(key.starts_with("default\0"), "{key:?}");
        if self.0.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
            Decision::Allowed {
                remaining: 1,
                reset: Duration::from_secs(1),
            }
        } else {
            Decision::Limited {
                retry_after: Duration::from_millis(1500),
            }
        }
    }
}

#[tokio::test]
async fn a_store_of_ones_own() {
    let store = Arc::new(Alternating::default());
    let app = App::empty()
        .get("/", ok())
        .wrap(RateLimitLayer::global(Quota::per_second(2)).store(Arc::clone(&store)));
    let client = TestClient::new(app);
    assert_eq!(client.get("/").send().await.status(), 200);
    let refused = client.get("/").send().await;
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.header("retry-after"), Some("2"), "rounded up");
    assert_eq!(store.0.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_the_429_sequence_over_tcp() {
    let server = TestServer::start(
        App::empty()
            .get("/", ok())
            .wrap(RateLimitLayer::per_ip(Quota::per_minute(2))),
        |s| s,
    )
    .await;
    let url = server.url("/");
    let codes = tokio::task::spawn_blocking(move || {
        (0..4)
            .map(|_| {
                let out = Command::new("curl")
                    .args(["-s", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}"])
                    .arg(&url)
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).to_lowercase()
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(
        codes[0].ends_with("200") && codes[1].ends_with("200"),
        "{codes:?}"
    );
    for refused in &codes[2..] {
        assert!(refused.ends_with("429"), "{refused}");
        assert!(refused.contains("retry-after: 30"), "{refused}");
    }
    server.stop().await.unwrap();
}

/// A quota of nothing never panics the builder: `App::build` names the layer and the quota.
#[test]
fn an_empty_quota_is_a_build_error() {
    let err = App::empty()
        .get("/", || async { "" })
        .wrap(RateLimitLayer::per_ip(Quota::per_second(0)).named("api"))
        .wrap(RateLimitLayer::global(Quota::new(
            5,
            std::time::Duration::ZERO,
        )))
        .build()
        .unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 2, "{err}");
    assert!(
        problems[0].starts_with("RateLimitLayer `api`: a quota allows at least one request"),
        "{err}"
    );
    assert!(
        problems[1].contains("a quota's period is longer than zero"),
        "{err}"
    );
    assert!(
        problems.iter().all(|p| p.contains("rate_limit.rs:")),
        "{err}"
    );
}

/// IPv6 clients are counted by their /64 (one host usually holds a whole /64 and could pick a
/// new address per request); the prefix is configurable.
#[tokio::test]
async fn ipv6_clients_are_grouped_by_their_64() {
    let app = |layer: RateLimitLayer| {
        App::empty()
            .get("/", ok())
            .wrap(layer)
            .trusted_proxies(["127.0.0.1", "::1"])
    };
    let send = |client: &TestClient, from: &'static str| {
        client.get("/").header("x-forwarded-for", from).send()
    };
    let client = TestClient::new(app(RateLimitLayer::per_ip(Quota::per_minute(1))));
    assert_eq!(send(&client, "2001:db8::1").await.status(), 200);
    assert_eq!(send(&client, "2001:db8::2").await.status(), 429, "same /64");
    assert_eq!(
        send(&client, "2001:db8:0:1::1").await.status(),
        200,
        "another /64"
    );
    assert_eq!(send(&client, "192.0.2.1").await.status(), 200);
    assert_eq!(
        send(&client, "192.0.2.2").await.status(),
        200,
        "IPv4 per address"
    );

    let client = TestClient::new(app(
        RateLimitLayer::per_ip(Quota::per_minute(1)).ipv6_prefix(128)
    ));
    assert_eq!(send(&client, "2001:db8::1").await.status(), 200);
    assert_eq!(
        send(&client, "2001:db8::2").await.status(),
        200,
        "per address at /128"
    );
}
