//! MCP over Streamable HTTP, judged by the official Python SDK (the `mcp` package, in the venv
//! `scripts/setup` makes): both protocol revisions, tool schemas from the input types, results
//! and tool errors, extractors reading the `/mcp` request, and the DNS-rebinding defence.

mod support;

use std::fmt::Write as _;

use rws::http::header::CONTENT_TYPE;
use rws::mcp::Named;
use rws::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use support::jwt::{SECRET, token};
use support::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Finds the users whose name starts with a prefix.
#[derive(Deserialize, JsonSchema)]
struct FindUsers {
    /// What the names start with.
    prefix: String,
    /// At most this many.
    limit: Option<u8>,
}

#[derive(Clone)]
struct Users(Vec<&'static str>);

async fn find_users(State(users): State<Users>, Json(input): Json<FindUsers>) -> Json<Value> {
    let found: Vec<_> = users
        .0
        .iter()
        .filter(|u| u.starts_with(&input.prefix))
        .take(input.limit.map_or(usize::MAX, usize::from))
        .collect();
    Json(json!({ "users": found }))
}

/// Reads one user.
#[derive(Deserialize, JsonSchema)]
struct GetUser {
    id: u64,
}

async fn get_user(Json(input): Json<GetUser>) -> Result<String, Error> {
    match input.id {
        1 => Ok("ada".to_owned()),
        id => Err(Error::new(StatusCode::NOT_FOUND).with_detail(format!("no user {id}"))),
    }
}

async fn user_resource(Path(id): Path<u64>) -> Result<Json<Value>, Error> {
    match id {
        1 => Ok(Json(json!({ "id": 1, "name": "ada" }))),
        id => Err(Error::new(StatusCode::NOT_FOUND).with_detail(format!("no user {id}"))),
    }
}

/// Summarizes a text for a reader.
#[derive(Deserialize, JsonSchema)]
struct Summarize {
    /// The text to summarize.
    text: String,
    /// Who will read the summary.
    audience: Option<String>,
}

async fn summarize(Json(input): Json<Summarize>) -> String {
    let audience = input.audience.as_deref().unwrap_or("anyone");
    format!("Summarize for {audience}: {}", input.text)
}

async fn serve() -> TestServer {
    let app = App::empty()
        .state(Users(vec!["ada", "alan", "grace"]))
        .mcp_tool("find_users", find_users)
        .mcp_tool("get_user", get_user)
        .mcp_resource("config://app", || async { "debug = false" })
        .mcp_resource("user://{id}", user_resource)
        .mcp_resource("logo://png", || async {
            (
                [(CONTENT_TYPE, "image/png")],
                vec![0x89_u8, b'P', b'N', b'G', 0xff],
            )
        })
        .mcp_prompt("summarize", summarize)
        .get("/plain", || async { "still http" });
    TestServer::start(app, |s| s).await
}

/// Runs `steps` with the Python SDK in `mode`; the result of each.
async fn client(server: &TestServer, mode: &str, steps: Value) -> (String, Vec<Value>) {
    let seen = support::peer(
        "mcp_client.py",
        [server.url("/mcp"), mode.to_owned(), steps.to_string()],
    )
    .await;
    let protocol = seen["protocol"].as_str().unwrap_or_default().to_owned();
    let results = seen["results"].as_array().cloned().unwrap_or_default();
    (protocol, results)
}

const MODES: [(&str, &str); 2] = [("legacy", "2025-11-25"), ("modern", "2026-07-28")];

#[tokio::test]
async fn the_python_sdk_lists_and_calls_tools_in_both_revisions() {
    let server = serve().await;
    for (mode, protocol) in MODES {
        let (seen, results) = client(
            &server,
            mode,
            json!([
                ["list_tools"],
                ["call_tool", "find_users", { "prefix": "a", "limit": 5 }]
            ]),
        )
        .await;
        assert_eq!(seen, protocol);
        let tools = results[0]["tools"].as_array().expect("tools");
        let names: Vec<_> = tools.iter().map(|t| t["name"].as_str()).collect();
        assert_eq!(names, [Some("find_users"), Some("get_user")]);
        let find = &tools[0];
        assert_eq!(
            find["description"],
            "Finds the users whose name starts with a prefix."
        );
        let schema = &find["inputSchema"];
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["required"], json!(["prefix"]));
        assert_eq!(
            schema["properties"]["prefix"]["description"],
            "What the names start with."
        );
        assert_eq!(
            schema["properties"]["limit"]["type"],
            json!(["integer", "null"])
        );
        let result = &results[1];
        assert_eq!(result["isError"], false, "{result}");
        assert_eq!(
            result["structuredContent"],
            json!({ "users": ["ada", "alan"] })
        );
    }
}

#[tokio::test]
async fn a_failing_handler_is_a_tool_error_and_bad_input_too() {
    let server = serve().await;
    for (mode, _) in MODES {
        let (_, results) = client(
            &server,
            mode,
            json!([
                ["call_tool", "get_user", { "id": 1 }],
                ["call_tool", "get_user", { "id": 7 }],
                ["call_tool", "get_user", { "id": "seven" }],
                ["call_tool", "no_such_tool", {}]
            ]),
        )
        .await;
        assert_eq!(results[0]["isError"], false);
        assert_eq!(results[0]["content"][0]["text"], "ada");

        let result = &results[1];
        assert_eq!(result["isError"], true, "{result}");
        let text = result["content"][0]["text"].as_str().expect("text");
        let problem: Value = serde_json::from_str(text).expect("problem details");
        assert_eq!(problem["status"], 404);
        assert_eq!(problem["detail"], "no user 7");

        // Input that does not fit the schema is the handler's 422, which the model can read.
        assert_eq!(results[2]["isError"], true, "{}", results[2]);
        let text = results[2]["content"][0]["text"].as_str().expect("text");
        assert!(text.contains("id"), "{text}");

        // An unknown tool is the protocol's error, not a crash.
        assert_eq!(results[3]["error"]["code"], -32602, "{}", results[3]);
    }
}

#[tokio::test]
async fn resources_and_templates_are_listed_and_read() {
    let server = serve().await;
    // "Resource not found" is -32002 until 2026-07-28, which makes it invalid params (SEP-2164).
    for (mode, not_found) in [("legacy", -32002), ("modern", -32602)] {
        let (_, results) = client(
            &server,
            mode,
            json!([
                ["list_resources"],
                ["list_resource_templates"],
                ["read_resource", "config://app"],
                ["read_resource", "user://1"],
                ["read_resource", "user://9"],
                ["read_resource", "logo://png"],
                ["read_resource", "nothing://here"]
            ]),
        )
        .await;
        let uris: Vec<_> = results[0]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .map(|r| r["uri"].as_str())
            .collect();
        assert_eq!(uris, [Some("config://app"), Some("logo://png")]);
        assert_eq!(
            results[1]["resourceTemplates"][0]["uriTemplate"],
            "user://{id}"
        );
        let config = &results[2]["contents"][0];
        assert_eq!(config["text"], "debug = false");
        assert_eq!(config["mimeType"], "text/plain");
        let user = &results[3]["contents"][0];
        assert_eq!(user["uri"], "user://1");
        assert_eq!(user["mimeType"], "application/json");
        let user: Value = serde_json::from_str(user["text"].as_str().expect("text")).expect("json");
        assert_eq!(user["name"], "ada");
        // The handler's 404 is the protocol's "resource not found", its detail the message.
        assert_eq!(results[4]["error"]["code"], not_found, "{}", results[4]);
        assert_eq!(results[4]["error"]["message"], "no user 9");
        let logo = &results[5]["contents"][0];
        assert_eq!(logo["mimeType"], "image/png");
        assert_eq!(logo["blob"], "iVBOR/8=");
        assert_eq!(results[6]["error"]["code"], not_found);
    }
}

#[tokio::test]
async fn prompts_take_their_arguments_from_the_input_type() {
    let server = serve().await;
    for (mode, _) in MODES {
        let (_, results) = client(
            &server,
            mode,
            json!([
                ["list_prompts"],
                ["get_prompt", "summarize", { "text": "MCP is a protocol.", "audience": "kids" }],
                ["get_prompt", "summarize", { "audience": "kids" }]
            ]),
        )
        .await;
        let prompt = &results[0]["prompts"][0];
        assert_eq!(prompt["name"], "summarize");
        assert_eq!(prompt["description"], "Summarizes a text for a reader.");
        assert_eq!(
            prompt["arguments"],
            json!([
                { "name": "audience", "description": "Who will read the summary.", "required": false },
                { "name": "text", "description": "The text to summarize.", "required": true }
            ])
        );
        let message = &results[1]["messages"][0];
        assert_eq!(message["role"], "user");
        assert_eq!(
            message["content"]["text"],
            "Summarize for kids: MCP is a protocol."
        );
        // A missing required argument is the handler's 422: invalid parameters.
        assert_eq!(results[2]["error"]["code"], -32602, "{}", results[2]);
    }
}

/// What a raw request to `/mcp` got back: status, head (lowercased), body.
struct Raw {
    status: u16,
    head: String,
    body: String,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{}: {e}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            (n.trim() == name).then(|| v.trim())
        })
    }
}

/// One request to `/mcp` over a fresh connection, `Host` the server's own unless `extra`
/// names one; the body as sent (JSON errors come with a length, not chunked).
async fn raw(server: &TestServer, method: &str, extra: &[(&str, &str)], body: &str) -> Raw {
    let mut req = format!("{method} /mcp HTTP/1.1\r\n");
    if !extra.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        let _ = write!(req, "Host: 127.0.0.1:{}\r\n", server.addr.port());
    }
    for (name, value) in extra {
        let _ = write!(req, "{name}: {value}\r\n");
    }
    let _ = write!(
        req,
        "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = server.connect().await;
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    // An SSE answer stays open; its head is all some cases need.
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut out),
    )
    .await;
    let out = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Raw {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

/// A 2026-07-28 request of `method`, its `_meta` at `version`.
fn modern(method: &str, version: &str) -> String {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": method,
        "params": { "_meta": {
            "io.modelcontextprotocol/protocolVersion": version,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { "name": "raw", "version": "1" }
        } }
    })
    .to_string()
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

#[tokio::test]
async fn the_spec_s_negative_cases_get_its_statuses_and_codes() {
    let server = serve().await;
    let v = "MCP-Protocol-Version";
    let m = "Mcp-Method";
    let list = modern("tools/list", "2026-07-28");

    let res = raw(
        &server,
        "POST",
        &[(v, "2026-07-28"), (m, "tools/list")],
        &list,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);

    // A version the server does not implement: 400 and UnsupportedProtocolVersionError.
    let future = modern("tools/list", "2099-01-01");
    let res = raw(
        &server,
        "POST",
        &[(v, "2099-01-01"), (m, "tools/list")],
        &future,
    )
    .await;
    assert_eq!(res.status, 400);
    let error = &res.json()["error"];
    assert_eq!(error["code"], -32022);
    let supported = error["data"]["supported"].to_string();
    assert!(supported.contains("2026-07-28") && supported.contains("2025-11-25"));

    // Headers that disagree with the body, or are missing: 400 and HeaderMismatch.
    for headers in [
        vec![(v, "2026-07-28"), (m, "prompts/list")],
        vec![(v, "2025-11-25"), (m, "tools/list")],
        vec![(m, "tools/list")],
    ] {
        let res = raw(&server, "POST", &headers, &list).await;
        assert_eq!(res.status, 400, "{headers:?}: {}", res.body);
        assert_eq!(res.json()["error"]["code"], -32020, "{headers:?}");
    }

    // A method the server does not implement: 404 and Method not found.
    let nope = modern("nope/nope", "2026-07-28");
    let res = raw(
        &server,
        "POST",
        &[(v, "2026-07-28"), (m, "nope/nope")],
        &nope,
    )
    .await;
    assert_eq!(res.status, 404);
    assert_eq!(res.json()["error"]["code"], -32601);

    // A notification: 202 with no body.
    let note = json!({
        "jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": { "requestId": 5, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { "name": "raw", "version": "1" }
        } }
    })
    .to_string();
    let res = raw(
        &server,
        "POST",
        &[(v, "2026-07-28"), (m, "notifications/cancelled")],
        &note,
    )
    .await;
    assert_eq!(res.status, 202);
    assert!(res.body.is_empty());
}

#[tokio::test]
async fn a_foreign_origin_or_host_is_refused_as_dns_rebinding() {
    let server = serve().await;
    let port = server.addr.port();
    let own = format!("http://127.0.0.1:{port}");
    let foreign = raw(
        &server,
        "POST",
        &[("Origin", "http://evil.example")],
        INITIALIZE,
    )
    .await;
    assert_eq!(foreign.status, 403);
    let rebound = format!("evil.example:{port}");
    let res = raw(&server, "POST", &[("Host", rebound.as_str())], INITIALIZE).await;
    assert_eq!(res.status, 403);
    // A page of the server's own origin may call it.
    let res = raw(&server, "POST", &[("Origin", own.as_str())], INITIALIZE).await;
    assert_eq!(res.status, 200, "{}", res.body);
    // The rest of the app is untouched.
    let res = reqwest_free_get(&server, "/plain").await;
    assert!(res.ends_with("still http"), "{res}");
}

#[tokio::test]
async fn legacy_sessions_end_when_deleted_or_idle_and_are_bounded() {
    let app = App::empty()
        .mcp_tool("get_user", get_user)
        .mcp_max_sessions(2)
        .mcp_session_idle(std::time::Duration::from_millis(300));
    let server = TestServer::start(app, |s| s).await;
    let session = |res: &Raw| {
        res.header("mcp-session-id")
            .expect("a session id")
            .to_owned()
    };

    let first = raw(&server, "POST", &[], INITIALIZE).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first = session(&first);
    let second = session(&raw(&server, "POST", &[], INITIALIZE).await);

    // Full: a third is refused until one ends, and stateless requests still pass.
    let full = raw(&server, "POST", &[], INITIALIZE).await;
    assert_eq!(full.status, 503, "{}", full.body);
    assert_eq!(full.header("retry-after"), Some("5"));
    let list = modern("tools/list", "2026-07-28");
    let stateless = [
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", "tools/list"),
    ];
    assert_eq!(raw(&server, "POST", &stateless, &list).await.status, 200);

    let ended = raw(&server, "DELETE", &[("Mcp-Session-Id", first.as_str())], "").await;
    assert_eq!(ended.status, 202, "{}", ended.body);
    let list_legacy = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#;
    let with = |id: &str| {
        [
            ("Mcp-Session-Id", id.to_owned()),
            ("MCP-Protocol-Version", "2025-11-25".to_owned()),
        ]
    };
    let gone = with(&first);
    let gone: Vec<(&str, &str)> = gone.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(raw(&server, "POST", &gone, list_legacy).await.status, 404);
    let third = raw(&server, "POST", &[], INITIALIZE).await;
    assert_eq!(third.status, 200, "{}", third.body);

    // Idle past its bound, a session is forgotten: 404, and the client starts again.
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    let idle = with(&second);
    let idle: Vec<(&str, &str)> = idle.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_eq!(raw(&server, "POST", &idle, list_legacy).await.status, 404);
}

async fn reqwest_free_get(server: &TestServer, path: &str) -> String {
    let mut stream = server.connect().await;
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    stream.read_to_string(&mut out).await.expect("read");
    out
}

#[tokio::test]
async fn a_second_tool_of_one_name_is_a_build_error() {
    let err = App::empty()
        .mcp_tool("get_user", get_user)
        .mcp_tool("get_user", get_user)
        .build()
        .expect_err("two tools of one name");
    assert!(
        err.problems()
            .iter()
            .any(|p| p.contains("MCP tool `get_user` is added twice")),
        "{err}"
    );
}

/// `examples/mcp`, built by `cargo test` with the examples (or here, when only this test was
/// asked for).
fn example_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>");
    let binary = dir.join("examples").join("mcp");
    if !binary.exists() {
        let built = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "rws", "--example", "mcp", "--features"])
            .arg("mcp validate logging config")
            .status()
            .expect("cargo runs");
        assert!(built.success(), "the mcp example builds");
    }
    binary
}

#[tokio::test]
async fn the_python_sdk_drives_an_app_over_stdio() {
    let command = format!("stdio:{}", example_binary().display());
    for (mode, protocol) in MODES {
        let seen = support::peer(
            "mcp_client.py",
            [
                command.clone(),
                mode.to_owned(),
                json!([
                    ["call_tool", "add_todo", { "title": "write the release notes" }],
                    ["call_tool", "add_todo", { "title": "" }],
                    ["call_tool", "list_todos", {}],
                    ["read_resource", "todo://1"],
                    ["get_prompt", "plan_day", { "focus": "the notes" }]
                ])
                .to_string(),
            ],
        )
        .await;
        assert_eq!(seen["protocol"], protocol, "{seen}");
        let results = &seen["results"];
        assert_eq!(
            results[0]["structuredContent"],
            json!({ "id": 1, "title": "write the release notes", "done": false })
        );
        // The validate rules hold over stdio too: an empty title is the handler's 422.
        assert_eq!(results[1]["isError"], true, "{}", results[1]);
        assert_eq!(
            results[2]["structuredContent"]["todos"][0]["title"],
            "write the release notes"
        );
        let todo = results[3]["contents"][0]["text"].as_str().expect("text");
        assert!(todo.contains("release notes"), "{todo}");
        let plan = results[4]["messages"][0]["content"]["text"]
            .as_str()
            .expect("text");
        assert!(
            plan.contains("- [1] write the release notes") && plan.contains("the notes first"),
            "{plan}"
        );
    }
}

/// Counts the slow handler's futures dropped before they finished.
#[derive(Clone, Default)]
struct Dropped(std::sync::Arc<std::sync::atomic::AtomicUsize>);

struct CountDrop(Dropped);

impl Drop for CountDrop {
    fn drop(&mut self) {
        (self.0).0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_cancelled_call_stops_its_handler() {
    let dropped = Dropped::default();
    let app = App::empty().state(dropped.clone()).mcp_tool(
        Named::new("slow").description("Never answers."),
        |State(dropped): State<Dropped>| async move {
            let _guard = CountDrop(dropped);
            tokio::time::sleep(std::time::Duration::from_secs(600)).await;
            "too late"
        },
    );
    let server = TestServer::start(app, |s| s).await;
    for (round, (mode, _)) in MODES.iter().enumerate() {
        let (_, results) = client(
            &server,
            mode,
            json!([["cancel_call_tool", "slow", {}, 0.5], ["sleep", 0.5]]),
        )
        .await;
        assert_eq!(results[0]["cancelled"], true, "{mode}");
        // Its handler was dropped, not left sleeping for ten minutes.
        let mut seen = 0;
        for _ in 0..50 {
            seen = dropped.0.load(std::sync::atomic::Ordering::SeqCst);
            if seen > round {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(seen, round + 1, "{mode}: the handler still runs");
    }
}

#[derive(Deserialize)]
struct Caller {
    sub: String,
}

async fn whoami(rws::auth::Claims(caller): rws::auth::Claims<Caller>) -> String {
    format!("you are {}", caller.sub)
}

/// Runs `steps` in the modern revision with `headers` on every request.
async fn client_with(server: &TestServer, headers: &[String], steps: Value) -> Value {
    let mut args = vec![server.url("/mcp"), "modern".to_owned(), steps.to_string()];
    args.extend(headers.iter().cloned());
    support::peer("mcp_client.py", args).await
}

#[tokio::test]
async fn a_tool_behind_its_own_jwt_layer_fails_without_a_token_and_sees_the_claims_with_one() {
    let jwt = rws::auth::JwtLayer::new(rws::auth::JwtConfig::new(SECRET));
    let app = App::empty()
        .mcp_tool(
            Named::new("whoami").description("Who the caller is."),
            whoami.with(jwt),
        )
        .mcp_tool("get_user", get_user);
    let server = TestServer::start(app, |s| s).await;
    let steps = json!([["call_tool", "whoami", {}], ["call_tool", "get_user", { "id": 1 }]]);

    let seen = client_with(&server, &[], steps.clone()).await;
    let refused = &seen["results"][0];
    assert_eq!(refused["isError"], true, "{refused}");
    let text = refused["content"][0]["text"].as_str().expect("text");
    assert!(text.contains("401"), "{text}");
    // The other tools do not need one.
    assert_eq!(seen["results"][1]["content"][0]["text"], "ada");

    let bearer = format!("Authorization=Bearer {}", token());
    let seen = client_with(&server, &[bearer], steps).await;
    assert_eq!(seen["results"][0]["content"][0]["text"], "you are ada");
}

#[tokio::test]
async fn an_app_wide_jwt_layer_guards_the_mcp_endpoint_itself() {
    let app = App::empty()
        .mcp_tool(
            Named::new("whoami").description("Who the caller is."),
            whoami,
        )
        .wrap(rws::auth::JwtLayer::new(rws::auth::JwtConfig::new(SECRET)));
    let server = TestServer::start(app, |s| s).await;
    let refused = raw(&server, "POST", &[], INITIALIZE).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.header("www-authenticate").is_some());

    let bearer = format!("Authorization=Bearer {}", token());
    let seen = client_with(&server, &[bearer], json!([["call_tool", "whoami", {}]])).await;
    assert_eq!(seen["results"][0]["content"][0]["text"], "you are ada");
}

#[tokio::test]
async fn a_long_call_reports_its_progress_on_its_own_stream() {
    let app = App::empty().mcp_tool(
        Named::new("import").description("Imports in three steps."),
        |progress: rws::mcp::Progress| async move {
            for step in 1..=3 {
                progress
                    .report(f64::from(step), Some(3.0), format!("step {step}"))
                    .await;
            }
            "imported"
        },
    );
    let server = TestServer::start(app, |s| s).await;
    for (mode, _) in MODES {
        let (_, results) = client(
            &server,
            mode,
            json!([["call_tool_with_progress", "import", {}]]),
        )
        .await;
        let seen = &results[0];
        assert_eq!(seen["result"]["content"][0]["text"], "imported", "{mode}");
        assert_eq!(
            seen["progress"],
            json!([
                { "progress": 1.0, "total": 3.0, "message": "step 1" },
                { "progress": 2.0, "total": 3.0, "message": "step 2" },
                { "progress": 3.0, "total": 3.0, "message": "step 3" }
            ]),
            "{mode}"
        );
    }
    // Over plain HTTP the same handler runs; reports go nowhere.
}
