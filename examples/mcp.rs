//! A todo list an AI agent can use: its tools, resources and a prompt over MCP at `/mcp`,
//! beside the plain HTTP API on the same port.
//!
//! ```sh
//! cargo run --example mcp --features mcp   # on RWS_CONFIG_ADDRESS:RWS_CONFIG_PORT (127.0.0.1:7878)
//! # then point an MCP client at http://127.0.0.1:7878/mcp, or:
//! npx @modelcontextprotocol/inspector   # Streamable HTTP, URL http://127.0.0.1:7878/mcp
//! cargo run --example mcp --features mcp -- --stdio   # MCP over stdin/stdout, for desktop clients
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use rws::extract::Valid;
use rws::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One todo.
#[derive(Debug, Clone, Serialize)]
pub struct Todo {
    id: u64,
    title: String,
    done: bool,
}

/// The todos, shared by the tools and the HTTP routes.
#[derive(Debug, Default)]
pub struct Store {
    todos: RwLock<BTreeMap<u64, Todo>>,
}

impl Store {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<u64, Todo>) -> R) -> Result<R, Error> {
        let mut todos = self
            .todos
            .write()
            .map_err(|_| Error::internal("the todo store is poisoned"))?;
        Ok(f(&mut todos))
    }
}

fn not_found(id: u64) -> Error {
    Error::not_found(format!("no todo with id {id}"))
}

/// Adds a todo to the list.
#[derive(Debug, Deserialize, Validate, JsonSchema)]
pub struct AddTodo {
    /// What is to be done.
    #[validate(length(min = 1, max = 200))]
    title: String,
}

async fn add_todo(
    store: Arc<Store>,
    Valid(Json(input)): Valid<Json<AddTodo>>,
) -> Result<Json<Todo>, Error> {
    store
        .with(|todos| {
            let id = todos.keys().next_back().map_or(1, |last| last + 1);
            let todo = Todo {
                id,
                title: input.title,
                done: false,
            };
            todos.insert(id, todo.clone());
            todo
        })
        .map(Json)
}

/// Lists the todos, open ones only unless asked for all.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListTodos {
    /// Include the todos already done.
    #[serde(default)]
    all: bool,
}

/// The list a tool answers: an object, so that it is the result's structured content.
#[derive(Debug, Serialize)]
pub struct TodoList {
    todos: Vec<Todo>,
}

async fn list_todos(
    store: Arc<Store>,
    Json(input): Json<ListTodos>,
) -> Result<Json<TodoList>, Error> {
    store
        .with(|todos| TodoList {
            todos: todos
                .values()
                .filter(|t| input.all || !t.done)
                .cloned()
                .collect(),
        })
        .map(Json)
}

/// Marks a todo as done.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CompleteTodo {
    /// The todo's id, as `list_todos` shows it.
    id: u64,
}

async fn complete_todo(
    store: Arc<Store>,
    Json(input): Json<CompleteTodo>,
) -> Result<Json<Todo>, Error> {
    store
        .with(|todos| {
            let todo = todos.get_mut(&input.id)?;
            todo.done = true;
            Some(todo.clone())
        })?
        .map(Json)
        .ok_or_else(|| not_found(input.id))
}

/// `todo://{id}`: one todo, as JSON.
async fn todo_resource(store: Arc<Store>, Path(id): Path<u64>) -> Result<Json<Todo>, Error> {
    store
        .with(|todos| todos.get(&id).cloned())?
        .map(Json)
        .ok_or_else(|| not_found(id))
}

/// Plans the day from the open todos.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PlanDay {
    /// What to put first, if anything.
    focus: Option<String>,
}

async fn plan_day(store: Arc<Store>, Json(input): Json<PlanDay>) -> Result<String, Error> {
    let open = store.with(|todos| {
        todos
            .values()
            .filter(|t| !t.done)
            .map(|t| format!("- [{}] {}", t.id, t.title))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let focus = input
        .focus
        .map(|f| format!(" Put {f} first."))
        .unwrap_or_default();
    Ok(format!(
        "Here are my open todos:\n{open}\n\nOrder them into a plan for today.{focus}"
    ))
}

/// The app: the tools, resources and prompt, and `GET /todos` for people.
pub fn app() -> App {
    App::empty()
        .state(Store::default())
        .mcp_tool("add_todo", add_todo)
        .mcp_tool("list_todos", list_todos)
        .mcp_tool("complete_todo", complete_todo)
        .mcp_resource("todo://{id}", todo_resource)
        .mcp_prompt("plan_day", plan_day)
        .get("/todos", |store: Arc<Store>| async move {
            store
                .with(|todos| todos.values().cloned().collect::<Vec<_>>())
                .map(Json)
        })
}

#[allow(dead_code)]
#[rws::main]
async fn main() -> Result<(), rws::BoxError> {
    if std::env::args().any(|a| a == "--stdio") {
        return app().serve_mcp_stdio().await;
    }
    // The rws server's own settings: RWS_CONFIG_ADDRESS, RWS_CONFIG_PORT, limits, timeouts…
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let config = match rws::config::Loader::new().env(vars).load() {
        Ok(loaded) => loaded.config,
        Err(e) => {
            eprintln!("mcp: invalid configuration:\n{e}");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(config.socket_addr()).await?;
    println!("todo MCP server on http://{}/mcp", listener.local_addr()?);
    rws::server::Server::new(app().body_limit(config.body_limit()))
        .limits(config.server_limits())
        .serve(listener)
        .await?;
    Ok(())
}
