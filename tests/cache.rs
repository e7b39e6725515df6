//! The response cache: RFC 9111's directives one by one (table-driven, against an origin
//! handler that answers with whatever headers the query asks for and counts its calls),
//! revalidation, the stale windows, variants, purging, coalescing (with the leader
//! cancelled), the bounds, and the metrics.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rws::TestResponse;
use rws::cache::{CacheLayer, CacheStore, MemoryCache};
use rws::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use rws::prelude::*;

/// An origin whose answers are set by the query: `cc` (Cache-Control), `status`, `etag`,
/// `lm` (Last-Modified), `vary`, `cookie` (sets one), `fail_after` (500 after that many
/// calls), `big` (a body of that many bytes), `stream` (a streamed body). The body and
/// `x-call` are the call's number; a request whose `If-None-Match` holds the tag gets a 304.
#[derive(Clone, Default)]
struct Origin {
    calls: Arc<AtomicUsize>,
    last_headers: Arc<std::sync::Mutex<HeaderMap>>,
}

impl Origin {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn app(&self, cache: CacheLayer<impl CacheStore>) -> App {
        let origin = self.clone();
        let handler = move |Query(q): Query<HashMap<String, String>>, headers: HeaderMap| {
            let origin = origin.clone();
            async move {
                let n = origin.calls.fetch_add(1, Ordering::SeqCst) + 1;
                if let Some(delay) = q.get("delay") {
                    tokio::time::sleep(Duration::from_millis(delay.parse().unwrap())).await;
                }
                *origin.last_headers.lock().unwrap() = headers.clone();
                let mut res = if let Some(size) = q.get("big") {
                    Response::new(Body::from(vec![b'x'; size.parse().unwrap()]))
                } else if q.contains_key("stream") {
                    let chunks = futures_util::stream::iter([
                        Ok::<_, std::io::Error>(n.to_string()),
                        Ok("-streamed".to_owned()),
                    ]);
                    Response::new(Body::from_stream(chunks))
                } else {
                    Response::new(Body::from(n.to_string()))
                };
                let set = |res: &mut Response, name: &str, value: &str| {
                    res.headers_mut().append(
                        HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        HeaderValue::from_str(value).unwrap(),
                    );
                };
                set(&mut res, "x-call", &n.to_string());
                for (param, header) in [
                    ("cc", "cache-control"),
                    ("etag", "etag"),
                    ("lm", "last-modified"),
                    ("vary", "vary"),
                    ("age", "age"),
                ] {
                    if let Some(v) = q.get(param) {
                        set(&mut res, header, v);
                    }
                }
                if q.contains_key("cookie") {
                    set(&mut res, "set-cookie", "id=1");
                }
                if let Some(status) = q.get("status") {
                    *res.status_mut() = StatusCode::from_u16(status.parse().unwrap()).unwrap();
                }
                if let (Some(tag), Some(inm)) = (q.get("etag"), headers.get("if-none-match"))
                    && inm.to_str().unwrap().contains(tag.as_str())
                {
                    *res.status_mut() = StatusCode::NOT_MODIFIED;
                    *res.body_mut() = Body::empty();
                }
                if let Some(after) = q.get("fail_after")
                    && n > after.parse().unwrap()
                {
                    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                }
                res
            }
        };
        App::empty()
            .get("/r", handler.clone())
            .get("/other/r", handler.clone())
            .post("/r", || async { "changed" })
            .wrap(cache)
    }
}

/// Sends `first` then `second` (each a list of request headers) to `uri`, and returns how
/// many times the origin was called, and the second response.
async fn twice(
    cache: CacheLayer<impl CacheStore>,
    uri: &str,
    first: &[(&str, &str)],
    second: &[(&str, &str)],
) -> (usize, TestResponse) {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(cache));
    let mut req = client.get(uri);
    for (k, v) in first {
        req = req.header(*k, *v);
    }
    req.send().await.bytes().await;
    let mut req = client.get(uri);
    for (k, v) in second {
        req = req.header(*k, *v);
    }
    let res = req.send().await;
    (origin.calls(), res)
}

/// Request headers.
type Headers = &'static [(&'static str, &'static str)];

/// (query, first request's headers, second's, origin calls expected, why)
#[rustfmt::skip]
const CASES: &[(&str, Headers, Headers, usize, &str)] = &[
    ("", &[], &[], 1, "no directive: the layer's ttl"),
    ("cc=max-age%3D60", &[], &[], 1, "max-age"),
    ("cc=no-store", &[], &[], 2, "no-store"),
    ("cc=private", &[], &[], 2, "private in a shared cache"),
    ("cc=max-age%3D0", &[], &[], 2, "stale at once, no validator"),
    ("cc=max-age%3D0,s-maxage%3D60", &[], &[], 1, "s-maxage wins in a shared cache"),
    ("cc=max-age%3D60,proxy-revalidate", &[], &[], 1, "proxy-revalidate is fresh while fresh"),
    ("cookie=1", &[], &[], 2, "Set-Cookie"),
    ("vary=*", &[], &[], 2, "Vary: *"),
    ("status=404", &[], &[], 1, "404 is cacheable by default"),
    ("status=500", &[], &[], 2, "500 is not"),
    ("status=302", &[], &[], 2, "302 is not, unless listed"),
    ("status=206", &[], &[], 2, "206 never"),
    ("", &[("authorization", "Bearer a")], &[("authorization", "Bearer a")], 2, "Authorization bypasses"),
    ("", &[("cookie", "s=1")], &[("cookie", "s=1")], 2, "Cookie bypasses"),
    ("", &[("range", "bytes=0-0")], &[], 2, "a range request neither fills nor hits"),
    ("", &[], &[("cache-control", "no-cache")], 2, "request no-cache"),
    ("", &[], &[("pragma", "no-cache")], 2, "request Pragma: no-cache"),
    ("", &[], &[("cache-control", "max-age=0")], 2, "request max-age=0"),
    ("", &[("cache-control", "no-store")], &[], 2, "request no-store: nothing stored"),
    ("cc=max-age%3D0&etag=%22v%22", &[], &[("cache-control", "max-stale")], 1, "max-stale takes a stale response"),
    ("cc=max-age%3D0,must-revalidate&etag=%22v%22", &[], &[("cache-control", "max-stale")], 2, "must-revalidate refuses max-stale"),
    ("cc=max-age%3D0,proxy-revalidate&etag=%22v%22", &[], &[("cache-control", "max-stale")], 2, "proxy-revalidate refuses max-stale (a gap of the policy crate)"),
    ("cc=s-maxage%3D0&etag=%22v%22", &[], &[("cache-control", "max-stale")], 2, "s-maxage refuses max-stale (a gap of the policy crate)"),
    ("cc=no-cache&etag=%22v%22", &[], &[("cache-control", "max-stale")], 2, "no-cache refuses max-stale (a gap of the policy crate)"),
    ("cc=max-age%3D60&age=100", &[], &[], 2, "an Age beyond max-age is stale already"),
    ("cc=max-age%3D60", &[], &[("cache-control", "min-fresh=120")], 2, "request min-fresh"),
];

#[tokio::test]
async fn directives_decide_what_is_stored_and_reused() {
    let mut wrong = Vec::new();
    for (query, first, second, calls, why) in CASES {
        let uri = format!("/r?{query}");
        let (got, res) = twice(CacheLayer::memory(100), &uri, first, second).await;
        if got != *calls {
            wrong.push(format!(
                "{why} ({uri}): {got} origin calls, expected {calls}"
            ));
        }
        if *calls == 1 && res.header("age").is_none() {
            wrong.push(format!("{why}: a hit without Age"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[tokio::test]
async fn opt_ins_and_explicit_statuses() {
    let auth = [("authorization", "Bearer a")];
    let (calls, _) = twice(
        CacheLayer::memory(10).allow_authorization(),
        "/r",
        &auth,
        &auth,
    )
    .await;
    assert_eq!(calls, 1);
    let cookie = [("cookie", "theme=dark")];
    let (calls, _) = twice(
        CacheLayer::memory(10).allow_cookies(),
        "/r",
        &cookie,
        &cookie,
    )
    .await;
    assert_eq!(calls, 1);
    let (calls, _) = twice(
        CacheLayer::memory(10).statuses([200, 302]),
        "/r?status=302",
        &[],
        &[],
    )
    .await;
    assert_eq!(calls, 1);
    let (calls, _) = twice(
        CacheLayer::memory(10).statuses([200, 206]),
        "/r?status=206",
        &[],
        &[],
    )
    .await;
    assert_eq!(calls, 2, "206 is never stored, even when listed");
}

#[tokio::test]
async fn a_stale_entry_is_revalidated_and_the_304_merged() {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10)));
    let uri = "/r?cc=no-cache&etag=%22v1%22";
    let first = client.get(uri).send().await;
    assert_eq!(first.header("x-call"), Some("1"));
    assert_eq!(first.text().await, "1");
    let second = client.get(uri).send().await;
    assert_eq!(origin.calls(), 2, "no-cache: every use is revalidated");
    assert_eq!(
        origin
            .last_headers
            .lock()
            .unwrap()
            .get("if-none-match")
            .unwrap(),
        "\"v1\""
    );
    assert_eq!(second.status(), 200);
    assert_eq!(
        second.header("x-call"),
        Some("2"),
        "the 304's headers replace the stored ones"
    );
    assert_eq!(second.text().await, "1", "the stored body");
}

#[tokio::test]
async fn last_modified_alone_revalidates_too() {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10)));
    let uri = "/r?cc=no-cache&lm=Tue,%2001%20Dec%202026%2010:00:00%20GMT";
    client.get(uri).send().await.bytes().await;
    client.get(uri).send().await.bytes().await;
    assert_eq!(
        origin
            .last_headers
            .lock()
            .unwrap()
            .get("if-modified-since")
            .unwrap(),
        "Tue, 01 Dec 2026 10:00:00 GMT"
    );
}

#[tokio::test]
async fn the_cache_answers_conditional_requests_itself() {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10)));
    let uri = "/r?cc=max-age%3D60&etag=%22v1%22";
    // A conditional first request still fills the entry with the full response.
    let first = client
        .get(uri)
        .header("if-none-match", "\"v1\"")
        .send()
        .await;
    assert_eq!(first.status(), 304);
    assert!(
        !origin
            .last_headers
            .lock()
            .unwrap()
            .contains_key("if-none-match"),
        "the client's condition is kept from the origin"
    );
    let full = client.get(uri).send().await;
    assert_eq!(
        (full.status(), full.text().await.as_str()),
        (StatusCode::OK, "1")
    );
    let not_modified = client
        .get(uri)
        .header("if-none-match", "W/\"v1\"")
        .send()
        .await;
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.header("etag"), Some("\"v1\""));
    let failed = client.get(uri).header("if-match", "\"v0\"").send().await;
    assert_eq!(failed.status(), 412);
    assert_eq!(origin.calls(), 1);
}

#[tokio::test]
async fn stale_while_revalidate_answers_at_once_and_refreshes_in_the_background() {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10)));
    let uri = "/r?cc=max-age%3D0,stale-while-revalidate%3D60";
    assert_eq!(client.get(uri).send().await.text().await, "1");
    let stale = client.get(uri).send().await;
    assert_eq!(stale.text().await, "1", "the stale entry, at once");
    let mut waited = 0;
    while client.get(uri).send().await.text().await != "2" {
        waited += 1;
        assert!(waited < 500, "the background revalidation never landed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        origin.calls(),
        2,
        "one revalidation, however many stale hits"
    );
}

#[tokio::test]
async fn stale_if_error_serves_the_old_answer_when_the_origin_fails() {
    let (calls, res) = twice(
        CacheLayer::memory(10),
        "/r?cc=max-age%3D0,stale-if-error%3D60&fail_after=1",
        &[],
        &[],
    )
    .await;
    assert_eq!(calls, 2);
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await, "1");
    let (_, res) = twice(
        CacheLayer::memory(10),
        "/r?cc=max-age%3D0&fail_after=1&etag=%22a%22",
        &[],
        &[],
    )
    .await;
    assert_eq!(
        res.status(),
        500,
        "without stale-if-error the failure shows"
    );
}

#[tokio::test]
async fn variants_by_vary_and_by_the_layer() {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10)));
    let uri = "/r?vary=Accept-Language";
    for lang in ["en", "fr", "en", "fr", "en"] {
        client
            .get(uri)
            .header("accept-language", lang)
            .send()
            .await
            .bytes()
            .await;
    }
    assert_eq!(origin.calls(), 2, "one entry per language");

    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10).vary_by_header("Accept")));
    for accept in ["application/json", "text/html", "application/json"] {
        client
            .get("/r")
            .header("accept", accept)
            .send()
            .await
            .bytes()
            .await;
    }
    assert_eq!(origin.calls(), 2, "vary_by_header(\"Accept\")");
}

#[tokio::test]
async fn head_and_get_share_an_entry() {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10)));
    let head = client.head("/r").send().await;
    assert_eq!(head.status(), 200);
    assert_eq!(head.header("content-length"), Some("1"));
    assert_eq!(client.get("/r").send().await.text().await, "1");
    client.head("/r").send().await;
    assert_eq!(origin.calls(), 1);
}

#[tokio::test]
async fn purging_and_unsafe_methods_forget_entries() {
    let origin = Origin::default();
    let cache = CacheLayer::memory(10);
    let client = TestClient::new(origin.app(cache.clone()));
    for uri in ["/r", "/r?page=2", "/other/r"] {
        client.get(uri).send().await.bytes().await;
        client.get(uri).send().await.bytes().await;
    }
    assert_eq!(origin.calls(), 3);
    cache.purge("/r").await;
    client.get("/r").send().await.bytes().await;
    client.get("/r?page=2").send().await.bytes().await;
    assert_eq!(origin.calls(), 4, "purge is by path and query");
    cache.purge_prefix("/r").await;
    client.get("/r?page=2").send().await.bytes().await;
    client.get("/other/r").send().await.bytes().await;
    assert_eq!(origin.calls(), 5, "purge_prefix");
    assert_eq!(client.post("/r").send().await.status(), 200);
    client.get("/r").send().await.bytes().await;
    assert_eq!(origin.calls(), 6, "a successful POST invalidates its path");
}

#[tokio::test]
async fn bodies_over_the_cap_pass_and_streamed_ones_are_stored() {
    let cache = CacheLayer::memory(10).max_entry_size(1000);
    let (calls, res) = twice(cache.clone(), "/r?big=1001", &[], &[]).await;
    assert_eq!(calls, 2);
    assert_eq!(res.bytes().await.len(), 1001);
    let (calls, _) = twice(cache.clone(), "/r?big=1000", &[], &[]).await;
    assert_eq!(calls, 1);
    let (calls, res) = twice(cache, "/r?stream=1", &[], &[]).await;
    assert_eq!(res.text().await, "1-streamed");
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn only_if_cached() {
    let origin = Origin::default();
    let client = TestClient::new(origin.app(CacheLayer::memory(10)));
    let miss = client
        .get("/r")
        .header("cache-control", "only-if-cached")
        .send()
        .await;
    assert_eq!(miss.status(), 504);
    assert_eq!(
        miss.header("content-type"),
        Some("application/problem+json")
    );
    client.get("/r").send().await.bytes().await;
    let hit = client
        .get("/r")
        .header("cache-control", "only-if-cached")
        .send()
        .await;
    assert_eq!(hit.status(), 200);
    assert_eq!(origin.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_call_the_handler_once() {
    let origin = Origin::default();
    let cache = CacheLayer::memory(10);
    let client = Arc::new(TestClient::new(origin.app(cache.clone())));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move { client.get("/r?delay=200").send().await.text().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), "1");
    }
    assert_eq!(origin.calls(), 1);
    assert_eq!(cache.stats().misses, 1);
    assert_eq!(cache.stats().hits, 99);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_leader_hands_over_to_a_waiter() {
    let origin = Origin::default();
    let client = Arc::new(TestClient::new(origin.app(CacheLayer::memory(10))));
    let leader = {
        let client = Arc::clone(&client);
        tokio::spawn(async move { client.get("/r?delay=300").send().await.text().await })
    };
    while origin.calls() == 0 {
        tokio::task::yield_now().await;
    }
    let waiters: Vec<_> = (0..99)
        .map(|_| {
            let client = Arc::clone(&client);
            tokio::spawn(async move { client.get("/r?delay=300").send().await.text().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    leader.abort();
    let bodies: Vec<String> = futures_util::future::join_all(waiters)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(bodies.iter().all(|b| b == "2"), "{bodies:?}");
    assert_eq!(
        origin.calls(),
        2,
        "the cancelled leader's call, and one waiter's"
    );
}

#[tokio::test]
async fn memory_stays_within_its_bounds_and_counts_evictions() {
    let store = MemoryCache::with_limits(50, 1 << 20);
    let cache = CacheLayer::new(store);
    let origin = Origin::default();
    let client = TestClient::new(origin.app(cache.clone()));
    for i in 0..500 {
        client.get(&format!("/r?i={i}")).send().await.bytes().await;
    }
    assert_eq!(cache.stats().stores, 500);
    assert!(cache.store().entry_count().await <= 50);
    assert!(cache.stats().evictions > 0, "{:?}", cache.stats());
    // 40 KiB bodies: the byte bound (1 MiB) holds 25 of them, not 50.
    let store = MemoryCache::with_limits(50, 1 << 20);
    let cache = CacheLayer::new(store).max_entry_size(1 << 20);
    let client = TestClient::new(origin.app(cache.clone()));
    for i in 0..100 {
        client
            .get(&format!("/r?big=40960&i={i}"))
            .send()
            .await
            .bytes()
            .await;
    }
    assert!(cache.store().weighted_size().await <= 1 << 20);
    assert!(cache.store().entry_count().await <= 25);
    assert!(cache.stats().evictions >= 50, "{:?}", cache.stats());
}

#[tokio::test]
async fn metrics_count_hits_misses_stores() {
    let metrics = rws::metrics::Metrics::new();
    let origin = Origin::default();
    let cache = CacheLayer::memory(10).named("pages").metrics(&metrics);
    let app = origin.app(cache).get("/metrics", metrics.endpoint());
    let client = TestClient::new(app);
    for _ in 0..3 {
        client.get("/r").send().await.bytes().await;
    }
    let text = client.get("/metrics").send().await.text().await;
    for line in [
        r#"rws_cache_hits_total{cache="pages"} 2"#,
        r#"rws_cache_misses_total{cache="pages"} 1"#,
        r#"rws_cache_stores_total{cache="pages"} 1"#,
        r#"rws_cache_evictions_total{cache="pages"} 0"#,
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
}

#[tokio::test]
async fn a_bad_header_name_stops_the_build() {
    let err = App::empty()
        .get("/", || async { "x" })
        .wrap(CacheLayer::memory(10).vary_by_header("bad header"))
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("vary_by_header(\"bad header\")"), "{err}");
}
