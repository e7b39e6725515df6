//! `TypedHeader<T>` over the `headers` crate, `OriginalUri` and `Host`: values, the 400 naming a
//! missing or bad header, and forwarded hosts believed only from trusted proxies.

mod support;

use rws::extract::{Host, OriginalUri};
use rws::headers::authorization::Bearer;
use rws::headers::{Authorization, ContentType, IfNoneMatch, Range, UserAgent};
use rws::middleware::from_fn;
use rws::prelude::*;
use support::problem;
use support::server::TestServer;

fn app() -> App {
    App::new()
        .get(
            "/agent",
            |TypedHeader(ua): TypedHeader<UserAgent>| async move { ua.as_str().to_owned() },
        )
        .post(
            "/type",
            |TypedHeader(ct): TypedHeader<ContentType>| async move { ct.to_string() },
        )
        .get(
            "/range",
            |range: Option<TypedHeader<Range>>, inm: Option<TypedHeader<IfNoneMatch>>| async move {
                let ranges: Vec<String> = range
                    .map(|TypedHeader(r)| {
                        r.satisfiable_ranges(1000)
                            .map(|(s, e)| format!("{s:?}-{e:?}"))
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{} inm={}", ranges.join(","), inm.is_some())
            },
        )
        .get(
            "/uri",
            |OriginalUri(uri): OriginalUri, now: Uri| async move { format!("{uri} {now}") },
        )
        .get("/host", |Host(host): Host| async move { host })
        .get(
            "/typed-host",
            |TypedHeader(host): TypedHeader<rws::headers::Host>| async move { host.to_string() },
        )
        .get(
            "/token",
            |TypedHeader(auth): TypedHeader<Authorization<Bearer>>| async move {
                auth.token().to_owned()
            },
        )
}

#[tokio::test]
async fn typed_headers_parse_and_name_the_header_when_they_cannot() {
    let client = TestClient::new(app());
    let res = client
        .get("/agent")
        .header("user-agent", "curl/8.5")
        .send()
        .await;
    assert_eq!(res.text().await, "curl/8.5");
    let p = problem(client.get("/agent").send().await, 400).await;
    assert_eq!(p["header"], "user-agent");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("missing header `user-agent`"),
        "{p}"
    );

    let res = client
        .post("/type")
        .header("content-type", "text/html; charset=utf-8")
        .send()
        .await;
    assert_eq!(res.text().await, "text/html; charset=utf-8");
    let p = problem(
        client
            .post("/type")
            .header("content-type", "not a type")
            .send()
            .await,
        400,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("`content-type` is invalid"),
        "{p}"
    );

    let res = client
        .get("/range")
        .header("range", "bytes=0-9,100-")
        .header("if-none-match", "\"abc\"")
        .send()
        .await;
    assert_eq!(
        res.text().await,
        "Included(0)-Included(9),Included(100)-Unbounded inm=true"
    );
    assert_eq!(client.get("/range").send().await.text().await, " inm=false");

    let res = client
        .get("/token")
        .header("authorization", "Bearer abc.def")
        .send()
        .await;
    assert_eq!(res.text().await, "abc.def");
    let p = problem(
        client
            .get("/token")
            .header("authorization", "Basic eA==")
            .send()
            .await,
        400,
    )
    .await;
    assert_eq!(p["header"], "authorization");
    let res = client
        .get("/typed-host")
        .header("host", "example.com:8080")
        .send()
        .await;
    assert_eq!(res.text().await, "example.com:8080");
}

#[tokio::test]
async fn original_uri_survives_a_rewriting_middleware() {
    let app = app().wrap(from_fn(|mut req: Request, next: Next| async move {
        if req.uri().path() == "/old" {
            let original = OriginalUri(req.uri().clone());
            req.extensions_mut().insert(original);
            *req.uri_mut() = Uri::from_static("/uri?rewritten");
        }
        next.run(req).await
    }));
    let client = TestClient::new(app);
    assert_eq!(
        client.get("/uri?q=1").send().await.text().await,
        "/uri?q=1 /uri?q=1"
    );
    assert_eq!(
        client.get("/old").send().await.text().await,
        "/old /uri?rewritten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_from_the_header_or_a_trusted_proxy_only() {
    let untrusted = TestServer::start(app(), |s| s).await;
    let client = reqwest::Client::new();
    let host = |server: &TestServer, forwarded: Option<&'static str>| {
        let mut req = client.get(server.url("/host"));
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-host", f);
        }
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let own = untrusted.addr.to_string();
    assert_eq!(host(&untrusted, None).await, own);
    // A client cannot claim another host through the forwarding header.
    assert_eq!(host(&untrusted, Some("evil.example")).await, own);
    let trusted = TestServer::start(app().trusted_proxies(["127.0.0.1"]), |s| s).await;
    assert_eq!(host(&trusted, Some("shop.example")).await, "shop.example");
    assert_eq!(host(&trusted, None).await, trusted.addr.to_string());
}
