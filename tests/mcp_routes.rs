//! Routes as MCP tools (`#[route(…, mcp)]`): one input schema merged from the route's path,
//! query and body types, a call that is the route's own request (its extractors, and the
//! app's JWT layer in front of `/mcp`), judged by the official Python SDK.

mod support;

use rws::auth::{Claims, JwtConfig, JwtLayer};
use rws::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use support::jwt::{SECRET, token};
use support::server::TestServer;

#[derive(Deserialize)]
struct Caller {
    sub: String,
}

/// How much of a user to show.
#[derive(Deserialize, JsonSchema)]
struct View {
    /// Include the email address.
    full: Option<bool>,
}

/// Reads one user.
#[route(GET, "/users/:id", mcp)]
async fn get_user(
    Path(id): Path<u64>,
    Query(view): Query<View>,
    Claims(caller): Claims<Caller>,
) -> Result<Json<Value>, Error> {
    if id != 1 {
        return Err(Error::not_found(format!("no user {id}")));
    }
    let mut user = json!({ "id": 1, "name": "ada", "asked_by": caller.sub });
    if view.full == Some(true) {
        user["email"] = json!("ada@example.com");
    }
    Ok(Json(user))
}

/// A user's new name.
#[derive(Deserialize, JsonSchema)]
struct Rename {
    /// The name to use from now on.
    name: String,
}

/// Renames a user.
#[route(PUT, "/users/:id/name", mcp = "rename_user")]
async fn rename(Path(id): Path<u64>, Json(body): Json<Rename>) -> Json<Value> {
    Json(json!({ "id": id, "name": body.name }))
}

async fn serve() -> TestServer {
    let app = App::new().wrap(JwtLayer::new(JwtConfig::new(SECRET)));
    TestServer::start(app, |s| s).await
}

#[tokio::test]
async fn a_route_is_a_tool_with_one_schema_and_its_own_request() {
    let server = serve().await;
    let bearer = format!("Authorization=Bearer {}", token());
    let steps = json!([
        ["list_tools"],
        ["call_tool", "get_user", { "id": 1, "full": true }],
        ["call_tool", "get_user", { "id": 9 }],
        ["call_tool", "get_user", {}],
        ["call_tool", "rename_user", { "id": 1, "name": "Grace" }]
    ]);
    for mode in ["legacy", "modern"] {
        let seen = support::peer(
            "mcp_client.py",
            [
                server.url("/mcp"),
                mode.to_owned(),
                steps.to_string(),
                bearer.clone(),
            ],
        )
        .await;
        let results = &seen["results"];
        let tools = results[0]["tools"].as_array().expect("tools");
        let get = tools
            .iter()
            .find(|t| t["name"] == "get_user")
            .expect("get_user");
        assert_eq!(get["description"], "Reads one user.");
        let schema = &get["inputSchema"];
        assert_eq!(schema["required"], json!(["id"]), "{schema}");
        assert_eq!(schema["properties"]["id"]["type"], "integer");
        assert_eq!(
            schema["properties"]["full"]["description"],
            "Include the email address."
        );
        let rename = tools
            .iter()
            .find(|t| t["name"] == "rename_user")
            .expect("rename_user");
        assert_eq!(rename["inputSchema"]["required"], json!(["id", "name"]));

        // Path, query and the JWT layer's claims, as the route gets them over HTTP.
        assert_eq!(
            results[1]["structuredContent"],
            json!({ "id": 1, "name": "ada", "asked_by": "ada", "email": "ada@example.com" })
        );
        assert_eq!(results[2]["isError"], true, "{}", results[2]);
        assert!(
            results[2]["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("no user 9")
        );
        assert_eq!(results[3]["isError"], true);
        assert!(
            results[3]["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("`id` is missing")
        );
        assert_eq!(
            results[4]["structuredContent"],
            json!({ "id": 1, "name": "Grace" })
        );
    }
}

#[tokio::test]
async fn without_a_token_the_endpoint_refuses_as_the_route_would() {
    let server = serve().await;
    let client = reqwest::Client::new();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    let res = client
        .post(server.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body)
        .send()
        .await
        .expect("a response");
    assert_eq!(res.status(), 401);
    // And the route itself, over HTTP, the same.
    let res = client
        .get(server.url("/users/1"))
        .send()
        .await
        .expect("a response");
    assert_eq!(res.status(), 401);
    let res = client
        .get(server.url("/users/1?full=true"))
        .bearer_auth(token())
        .send()
        .await
        .expect("a response");
    assert_eq!(res.status(), 200);
}
