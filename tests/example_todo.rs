//! The todo example over real TCP, with a real client: every route, and every error status it
//! can return.

mod support;

#[path = "../examples/todo.rs"]
#[allow(dead_code, unreachable_pub)]
mod todo;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::server::TestServer;

async fn server() -> (TestServer, reqwest::Client) {
    (
        TestServer::start(todo::app(), |s| s).await,
        reqwest::Client::new(),
    )
}

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    res.json().await.unwrap()
}

async fn create(client: &reqwest::Client, server: &TestServer, title: &str) -> Value {
    let res = client
        .post(server.url("/todos"))
        .json(&json!({"title": title}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let todo: Value = res.json().await.unwrap();
    todo
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_then_get() {
    let (server, client) = server().await;
    let res = client
        .post(server.url("/todos"))
        .json(&json!({"title": "buy milk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["location"], "/todos/1");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"id": 1, "title": "buy milk", "done": false})
    );
    let got: Value = client
        .get(server.url("/todos/1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["title"], "buy milk");
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_rejects_bad_bodies() {
    let (server, client) = server().await;
    let url = server.url("/todos");
    let body = problem(
        client
            .post(&url)
            .json(&json!({"title": ""}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/title");
    assert_eq!(body["errors"][0]["params"], json!({"min": 1, "max": 200}));
    let body = problem(
        client
            .post(&url)
            .json(&json!({"title": 7}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(body["path"], "title");
    let body = problem(
        client
            .post(&url)
            .header("content-type", "application/json")
            .body("{\"title\": ")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("invalid JSON at line 1"),
        "{body}"
    );
    problem(
        client
            .post(&url)
            .header("content-type", "text/plain")
            .body("hi")
            .send()
            .await
            .unwrap(),
        415,
    )
    .await;
    let huge = json!({"title": "x".repeat(3 * 1024 * 1024)});
    problem(client.post(&url).json(&huge).send().await.unwrap(), 413).await;
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_and_pages() {
    let (server, client) = server().await;
    for title in ["buy milk", "walk the dog", "buy bread", "Milk the cow"] {
        create(&client, &server, title).await;
    }
    client
        .patch(server.url("/todos/2"))
        .json(&json!({"done": true}))
        .send()
        .await
        .unwrap();

    let page: Value = client
        .get(server.url("/todos"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (page["total"].as_u64(), page["limit"].as_u64()),
        (Some(4), Some(20))
    );
    let page: Value = client
        .get(server.url("/todos?q=MILK"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["buy milk", "Milk the cow"]);
    let page: Value = client
        .get(server.url("/todos?done=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["title"], "walk the dog");
    let page: Value = client
        .get(server.url("/todos?done=false&offset=1&limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            page["total"].as_u64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(3), 1)
    );
    assert_eq!(page["items"][0]["title"], "buy bread");

    let body = problem(
        client
            .get(server.url("/todos?limit=0"))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/limit");
    problem(
        client
            .get(server.url("/todos?done=maybe"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_update_delete_and_their_errors() {
    let (server, client) = server().await;
    create(&client, &server, "write tests").await;
    let body = problem(
        client.get(server.url("/todos/99")).send().await.unwrap(),
        404,
    )
    .await;
    assert_eq!(
        (body["detail"].as_str(), body["id"].as_u64()),
        (Some("no todo with id 99"), Some(99))
    );
    let body = problem(
        client.get(server.url("/todos/abc")).send().await.unwrap(),
        400,
    )
    .await;
    assert_eq!(body["parameter"], "id");

    let updated: Value = client
        .patch(server.url("/todos/1"))
        .json(&json!({"title": "write more tests", "done": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        updated,
        json!({"id": 1, "title": "write more tests", "done": true})
    );
    problem(
        client
            .patch(server.url("/todos/99"))
            .json(&json!({"done": true}))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let body = problem(
        client
            .patch(server.url("/todos/1"))
            .json(&json!({"title": ""}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/title");

    let res = client.delete(server.url("/todos/1")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(
        client.delete(server.url("/todos/1")).send().await.unwrap(),
        404,
    )
    .await;
    problem(
        client.get(server.url("/todos/1")).send().await.unwrap(),
        404,
    )
    .await;
    let res = client.put(server.url("/todos/1")).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET, HEAD, PATCH, DELETE, OPTIONS");
    problem(res, 405).await;
    server.stop().await.unwrap();
}
