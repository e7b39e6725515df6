//! Many instances, one state: two rws servers on two ports sharing one real `redis-server`
//! for their response cache (a miss on A, then a hit on B) and their rate limit (the 200s
//! across both add up to the quota), and what happens when Redis is not there.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::cache::{CacheLayer, RedisCache};
use rws::middleware::RateLimitLayer;
use rws::middleware::rate_limit::{OnRedisError, Quota, RedisRateLimitStore};
use rws::prelude::*;
use support::redis::Redis;
use support::server::TestServer;

/// An instance: `/page` counts its calls and answers with the count, behind a cache in
/// Redis; `/vary` answers by `Accept-Language`.
fn cached(url: &str, calls: Arc<AtomicUsize>) -> App {
    let vary_calls = Arc::clone(&calls);
    App::empty()
        .get("/page", move || {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            async move { format!("page {n}") }
        })
        .get("/vary", move |headers: rws::http::HeaderMap| {
            vary_calls.fetch_add(1, Ordering::SeqCst);
            let lang = headers
                .get("accept-language")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("en")
                .to_owned();
            async move { ([("vary", "Accept-Language")], format!("hello in {lang}")) }
        })
        .wrap(CacheLayer::new(RedisCache::open(url).unwrap()).ttl(60))
}

#[tokio::test]
async fn two_instances_share_one_cache() {
    let redis = Redis::start().await;
    let (calls_a, calls_b) = (Arc::default(), Arc::default());
    let a = TestServer::start(cached(&redis.url, Arc::clone(&calls_a)), |s| s).await;
    let b = TestServer::start(cached(&redis.url, Arc::clone(&calls_b)), |s| s).await;
    // Behind a load balancer both see the public name: the cache key's host.
    let client = reqwest::Client::builder()
        .default_headers(
            [(rws::http::header::HOST, "shop.example".parse().unwrap())]
                .into_iter()
                .collect(),
        )
        .build()
        .unwrap();

    let miss = client.get(a.url("/page")).send().await.unwrap();
    assert!(miss.headers().get("age").is_none());
    assert_eq!(miss.text().await.unwrap(), "page 1");
    let hit = client.get(b.url("/page")).send().await.unwrap();
    assert!(
        hit.headers().get("age").is_some(),
        "B answers from the entry A stored"
    );
    assert_eq!(hit.text().await.unwrap(), "page 1");
    assert_eq!(calls_a.load(Ordering::SeqCst), 1);
    assert_eq!(calls_b.load(Ordering::SeqCst), 0);

    // Variants travel too: each language stored once, by whichever instance saw it first.
    for (server, lang) in [(&a, "fr"), (&b, "fr"), (&b, "de"), (&a, "de")] {
        let res = client
            .get(server.url("/vary"))
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(res.text().await.unwrap(), format!("hello in {lang}"));
    }
    let total = calls_a.load(Ordering::SeqCst) + calls_b.load(Ordering::SeqCst);
    assert_eq!(total, 1 + 2, "one call per language");
}

#[tokio::test]
async fn a_purge_on_one_instance_reaches_the_other() {
    let redis = Redis::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let cache = CacheLayer::new(RedisCache::open(&redis.url).unwrap());
    let counting = Arc::clone(&calls);
    let app = App::empty()
        .get("/users/:id", move || {
            counting.fetch_add(1, Ordering::SeqCst);
            async { "user" }
        })
        .wrap(cache.clone());
    let other = TestServer::start(cached(&redis.url, Arc::default()), |s| s).await;
    let client = TestClient::new(app);
    for id in [1, 2, 1, 2] {
        client
            .get(&format!("/users/{id}"))
            .send()
            .await
            .bytes()
            .await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // A key of another prefix, written by the other instance, survives the purge.
    let http = reqwest::Client::new();
    http.get(other.url("/page"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    cache.purge_prefix("/users/").await;
    for id in [1, 2] {
        client
            .get(&format!("/users/{id}"))
            .send()
            .await
            .bytes()
            .await;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    let page = http.get(other.url("/page")).send().await.unwrap();
    assert!(page.headers().get("age").is_some(), "/page was not purged");
}

#[tokio::test]
async fn with_redis_down_the_cache_serves_from_the_handler() {
    // A port nothing listens on: every command fails at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let calls = Arc::new(AtomicUsize::new(0));
    let client = TestClient::new(cached(
        &format!("redis://127.0.0.1:{port}"),
        Arc::clone(&calls),
    ));
    for n in 1..=3 {
        let res = client.get("/page").send().await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await, format!("page {n}"));
    }
}

fn limited(store: RedisRateLimitStore) -> App {
    App::empty()
        .get("/", || async { "ok" })
        .wrap(RateLimitLayer::global(Quota::per_minute(10)).store(Arc::new(store)))
}

#[tokio::test]
async fn two_instances_share_one_limit() {
    let redis = Redis::start().await;
    let a = TestServer::start(
        limited(RedisRateLimitStore::open(&redis.url).unwrap()),
        |s| s,
    )
    .await;
    let b = TestServer::start(
        limited(RedisRateLimitStore::open(&redis.url).unwrap()),
        |s| s,
    )
    .await;
    let client = reqwest::Client::new();
    let mut ok = 0;
    let mut limited = 0;
    for i in 0..30 {
        let server = if i % 2 == 0 { &a } else { &b };
        match client
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
        {
            200 => ok += 1,
            429 => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        (ok, limited),
        (10, 20),
        "the quota holds across both instances"
    );
}

#[tokio::test]
async fn concurrent_requests_never_exceed_the_quota() {
    let redis = Redis::start().await;
    let servers = [
        TestServer::start(
            limited(RedisRateLimitStore::open(&redis.url).unwrap()),
            |s| s,
        )
        .await,
        TestServer::start(
            limited(RedisRateLimitStore::open(&redis.url).unwrap()),
            |s| s,
        )
        .await,
    ];
    let client = reqwest::Client::new();
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let url = servers[i % 2].url("/");
            let client = client.clone();
            tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(
        ok, 10,
        "no read-modify-write race lets an extra request through"
    );
}

#[tokio::test]
async fn with_redis_down_the_limiter_allows_unless_told_to_refuse() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let open = TestClient::new(limited(RedisRateLimitStore::open(&url).unwrap()));
    for _ in 0..12 {
        assert_eq!(open.get("/").send().await.status(), 200);
    }
    let closed = TestClient::new(limited(
        RedisRateLimitStore::open(&url)
            .unwrap()
            .on_error(OnRedisError::Refuse)
            .timeout(Duration::from_millis(100)),
    ));
    assert_eq!(closed.get("/").send().await.status(), 429);
}
