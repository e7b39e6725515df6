//! Every `IntoResponse` impl: status, headers, body, and `Content-Length` when the size is known.

mod support;

use std::borrow::Cow;

use rws::prelude::*;
use rws::response::StreamBody;
use serde_json::json;
use support::problem;

async fn get(app: App, path: &str) -> rws::TestResponse {
    TestClient::new(app).get(path).send().await
}

#[tokio::test]
async fn text_bytes_and_unit() {
    let app = App::new()
        .get("/static", || async { "static str" })
        .get("/string", || async { String::from("owned") })
        .get("/cow", || async { Cow::<'static, str>::Borrowed("cow") })
        .get("/bytes", || async { Bytes::from_static(b"\x00\x01") })
        .get("/vec", || async { vec![1u8, 2, 3] })
        .get("/unit", || async {});
    let client = TestClient::new(app);
    let res = client.get("/static").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(res.header("content-length"), Some("10"));
    assert_eq!(res.text().await, "static str");
    assert_eq!(client.get("/string").send().await.text().await, "owned");
    assert_eq!(client.get("/cow").send().await.text().await, "cow");
    let res = client.get("/bytes").send().await;
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(res.bytes().await.as_ref(), b"\x00\x01");
    let res = client.get("/vec").send().await;
    assert_eq!(res.header("content-length"), Some("3"));
    let res = client.get("/unit").send().await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.header("content-length"), Some("0"));
    assert!(res.bytes().await.is_empty());
}

#[tokio::test]
async fn status_and_tuples_with_headers() {
    let app = App::new()
        .get("/status", || async { StatusCode::ACCEPTED })
        .get("/no-content", || async { StatusCode::NO_CONTENT })
        .get("/pair", || async { (StatusCode::CREATED, "made") })
        .get("/headers", || async {
            ([("x-one", "1"), ("content-type", "text/csv")], "a,b")
        })
        .get("/triple", || async {
            let mut h = HeaderMap::new();
            h.insert("x-two", HeaderValue::from_static("2"));
            (StatusCode::IM_A_TEAPOT, h, Json(json!({"tea": true})))
        })
        .get("/bad-header", || async {
            ([("x-bad", "line\nbreak")], "never")
        });
    let client = TestClient::new(app);
    assert_eq!(
        client.get("/status").send().await.status(),
        StatusCode::ACCEPTED
    );
    let res = client.get("/no-content").send().await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.header("content-length"), None);
    let res = client.get("/pair").send().await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.text().await, "made");
    let res = client.get("/headers").send().await;
    assert_eq!(res.header("x-one"), Some("1"));
    assert_eq!(
        res.header("content-type"),
        Some("text/csv"),
        "explicit headers replace the default"
    );
    let res = client.get("/triple").send().await;
    assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(res.header("x-two"), Some("2"));
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.json::<serde_json::Value>().await, json!({"tea": true}));
    problem(client.get("/bad-header").send().await, 500).await;
}

#[tokio::test]
async fn json_and_html() {
    let res = get(
        App::new().get("/", || async { Json(json!({"a": [1, 2]})) }),
        "/",
    )
    .await;
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("content-length"), Some("11"));
    assert_eq!(res.text().await, r#"{"a":[1,2]}"#);
    let res = get(App::new().get("/", || async { Html("<p>hi</p>") }), "/").await;
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(res.text().await, "<p>hi</p>");
}

#[tokio::test]
async fn json_serialisation_failure_is_a_500() {
    struct Bad;
    impl serde::Serialize for Bad {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("nope"))
        }
    }
    problem(
        get(App::new().get("/", || async { Json(Bad) }), "/").await,
        500,
    )
    .await;
}

#[tokio::test]
async fn redirects() {
    let app = App::new()
        .get("/see", || async { Redirect::to("/a") })
        .get("/temp", || async { Redirect::temporary("/b?x=1") })
        .get("/perm", || async {
            Redirect::permanent("https://example.com/c")
        })
        .get("/bad", || async { Redirect::to("/new\nline") });
    let client = TestClient::new(app);
    for (path, status, location) in [
        ("/see", 303, "/a"),
        ("/temp", 307, "/b?x=1"),
        ("/perm", 308, "https://example.com/c"),
    ] {
        let res = client.get(path).send().await;
        assert_eq!(res.status().as_u16(), status);
        assert_eq!(res.header("location"), Some(location));
    }
    problem(client.get("/bad").send().await, 500).await;
}

#[tokio::test]
async fn result_option_and_error() {
    let app = App::new()
        .get("/ok", || async { Ok::<_, Error>("fine") })
        .get("/err", || async {
            Err::<&str, _>(Error::gone("moved on").with_instance("/err"))
        })
        .get("/some", || async { Some("here") })
        .get("/none", || async { None::<&str> })
        .get("/io", || async {
            let r: Result<&str, Error> = Err(std::io::Error::other("disk on fire").into());
            r
        });
    let client = TestClient::new(app);
    assert_eq!(client.get("/ok").send().await.text().await, "fine");
    let body = problem(client.get("/err").send().await, 410).await;
    assert_eq!(
        (body["detail"].as_str(), body["instance"].as_str()),
        (Some("moved on"), Some("/err"))
    );
    assert_eq!(client.get("/some").send().await.text().await, "here");
    problem(client.get("/none").send().await, 404).await;
    let body = problem(client.get("/io").send().await, 500).await;
    assert!(
        !body.to_string().contains("disk on fire"),
        "a 5xx's cause stays in the log"
    );
}

#[tokio::test]
async fn response_and_streams() {
    use futures_util::StreamExt;
    let app = App::new()
        .get("/raw", || async {
            let mut res = Response::new(Body::from("raw"));
            *res.status_mut() = StatusCode::ACCEPTED;
            res
        })
        .get("/stream", || async {
            let chunks = futures_util::stream::iter(["a", "b", "c"]).map(Ok::<_, std::io::Error>);
            StreamBody::new(chunks)
        })
        .get("/broken", || async {
            let chunks = futures_util::stream::iter([Ok("a"), Err(std::io::Error::other("cut"))]);
            StreamBody::new(chunks)
        });
    let client = TestClient::new(app);
    let res = client.get("/raw").send().await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.text().await, "raw");

    let res = client.get("/stream").send().await;
    assert_eq!(
        res.header("content-length"),
        None,
        "unknown length streams are not announced"
    );
    let chunks: Vec<Bytes> = res.into_stream().map(Result::unwrap).collect().await;
    assert_eq!(
        chunks,
        ["a", "b", "c"].map(|s| Bytes::from_static(s.as_bytes()))
    );

    let mut stream = client.get("/broken").send().await.into_stream();
    assert_eq!(stream.next().await.unwrap().unwrap(), "a");
    assert_eq!(stream.next().await.unwrap().unwrap_err().to_string(), "cut");
}
