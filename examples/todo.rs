//! A todo REST API written with rws's macros: `#[route]` handlers found without wiring,
//! validated JSON and query strings, typed errors as problem details, in-memory state.
//!
//! ```sh
//! cargo run --example todo            # serves on RWS_CONFIG_ADDRESS:RWS_CONFIG_PORT (127.0.0.1:7878)
//! cargo run --example todo -- --routes
//! curl -si localhost:7878/todos -H 'content-type: application/json' -d '{"title":"buy milk"}'
//! curl -s 'localhost:7878/todos?done=false&q=milk&limit=10'
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use rws::extract::Valid;
use rws::prelude::*;
use serde::{Deserialize, Serialize};

/// One todo.
#[derive(Debug, Clone, Serialize)]
pub struct Todo {
    id: u64,
    title: String,
    done: bool,
}

/// The in-memory store: the app's state, shared by every handler.
#[derive(Debug, Default)]
pub struct Store {
    todos: RwLock<BTreeMap<u64, Todo>>,
}

impl Store {
    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, BTreeMap<u64, Todo>>, Error> {
        self.todos
            .read()
            .map_err(|_| Error::internal("the todo store is poisoned"))
    }

    fn write(&self) -> Result<std::sync::RwLockWriteGuard<'_, BTreeMap<u64, Todo>>, Error> {
        self.todos
            .write()
            .map_err(|_| Error::internal("the todo store is poisoned"))
    }
}

fn not_found(id: u64) -> Error {
    Error::not_found(format!("no todo with id {id}")).with_extension("id", id)
}

/// The body of `POST /todos`, validated while it is extracted.
#[derive(Debug, Deserialize, Validate, FromRequest)]
pub struct NewTodo {
    #[validate(length(min = 1, max = 200))]
    title: String,
    #[serde(default)]
    done: bool,
}

/// The body of `PATCH /todos/:id`: only the fields to change.
#[derive(Debug, Deserialize, Validate)]
pub struct TodoPatch {
    #[validate(length(min = 1, max = 200))]
    title: Option<String>,
    done: Option<bool>,
}

/// `GET /todos` filters and paging.
#[derive(Debug, Deserialize, Validate)]
pub struct ListQuery {
    /// Only todos with this `done` state.
    done: Option<bool>,
    /// Only todos whose title contains this text (case-insensitive).
    #[validate(length(min = 1, max = 100))]
    q: Option<String>,
    #[serde(default)]
    offset: usize,
    #[serde(default = "default_limit")]
    #[validate(range(min = 1, max = 100))]
    limit: usize,
}

fn default_limit() -> usize {
    20
}

/// A page of todos.
#[derive(Debug, Serialize)]
pub struct Page {
    items: Vec<Todo>,
    total: usize,
    offset: usize,
    limit: usize,
}

#[rws::post("/todos")]
async fn create(
    store: Arc<Store>,
    new: NewTodo,
) -> Result<(StatusCode, [(&'static str, String); 1], Json<Todo>), Error> {
    let mut todos = store.write()?;
    let id = todos.keys().next_back().map_or(1, |last| last + 1);
    let todo = Todo {
        id,
        title: new.title,
        done: new.done,
    };
    todos.insert(id, todo.clone());
    Ok((
        StatusCode::CREATED,
        [("location", format!("/todos/{id}"))],
        Json(todo),
    ))
}

#[rws::get("/todos")]
async fn list(
    store: Arc<Store>,
    Valid(Query(query)): Valid<Query<ListQuery>>,
) -> Result<Json<Page>, Error> {
    let todos = store.read()?;
    let needle = query.q.as_deref().map(str::to_lowercase);
    let matching: Vec<&Todo> = todos
        .values()
        .filter(|t| query.done.is_none_or(|done| t.done == done))
        .filter(|t| {
            needle
                .as_deref()
                .is_none_or(|n| t.title.to_lowercase().contains(n))
        })
        .collect();
    let items = matching
        .iter()
        .skip(query.offset)
        .take(query.limit)
        .map(|t| (*t).clone())
        .collect();
    Ok(Json(Page {
        items,
        total: matching.len(),
        offset: query.offset,
        limit: query.limit,
    }))
}

#[rws::get("/todos/:id")]
async fn get(store: Arc<Store>, Path(id): Path<u64>) -> Result<Json<Todo>, Error> {
    store
        .read()?
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| not_found(id))
}

#[rws::patch("/todos/:id")]
async fn update(
    store: Arc<Store>,
    Path(id): Path<u64>,
    Valid(Json(patch)): Valid<Json<TodoPatch>>,
) -> Result<Json<Todo>, Error> {
    let mut todos = store.write()?;
    let todo = todos.get_mut(&id).ok_or_else(|| not_found(id))?;
    if let Some(title) = patch.title {
        todo.title = title;
    }
    if let Some(done) = patch.done {
        todo.done = done;
    }
    Ok(Json(todo.clone()))
}

#[rws::delete("/todos/:id")]
async fn remove(store: Arc<Store>, Path(id): Path<u64>) -> Result<StatusCode, Error> {
    store
        .write()?
        .remove(&id)
        .map(|_| StatusCode::NO_CONTENT)
        .ok_or_else(|| not_found(id))
}

/// The app: every `#[route]` above, and the store they share.
pub fn app() -> App {
    App::new().state(Store::default())
}

#[allow(dead_code)]
#[rws::main]
async fn main() -> Result<(), rws::ServeError> {
    let app = app();
    if std::env::args().any(|a| a == "--routes") {
        for route in app.routes() {
            println!("{route}");
        }
        return Ok(());
    }
    // The rws server's own settings: RWS_CONFIG_ADDRESS, RWS_CONFIG_PORT, limits, timeouts…
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let config = match rws::config::Loader::new().env(vars).load() {
        Ok(loaded) => loaded.config,
        Err(e) => {
            eprintln!("todo: invalid configuration:\n{e}");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(config.socket_addr()).await?;
    println!("todo API on http://{}", listener.local_addr()?);
    rws::server::Server::new(app.body_limit(config.body_limit()))
        .limits(config.server_limits())
        .serve(listener)
        .await
}
