//! The builder API in one file: state, a path parameter, JSON in and out, and errors.
//!
//! `cargo run --example hello` builds the app, prints its routes, and sends it a few requests
//! through the in-process test client (the same service a server runs), printing what comes
//! back. Pass `--routes` to print the route table only.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rws::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
}

/// The app's state: an in-memory user table shared by every handler.
#[derive(Default)]
struct Db {
    users: RwLock<HashMap<u64, User>>,
}

async fn get_user(Path(id): Path<u64>, db: Arc<Db>) -> Result<Json<User>, Error> {
    let users = db
        .users
        .read()
        .map_err(|_| Error::internal("user table poisoned"))?;
    users
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| Error::not_found(format!("no user with id {id}")))
}

async fn create_user(
    db: Arc<Db>,
    Json(new): Json<NewUser>,
) -> Result<(StatusCode, Json<User>), Error> {
    if new.name.trim().is_empty() {
        return Err(
            Error::unprocessable_entity("name must not be empty").with_extension("field", "name")
        );
    }
    let mut users = db
        .users
        .write()
        .map_err(|_| Error::internal("user table poisoned"))?;
    let id = users.keys().max().map_or(1, |max| max + 1);
    let user = User { id, name: new.name };
    users.insert(id, user.clone());
    Ok((StatusCode::CREATED, Json(user)))
}

fn app() -> App {
    App::with_state(Db::default())
        .get("/", || async { "Hello from rws!" })
        .get("/users/:id", get_user)
        .post("/users", create_user)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let app = app();
    for route in app.routes() {
        println!("{route}");
    }
    if std::env::args().any(|a| a == "--routes") {
        return;
    }

    let client = TestClient::new(app);
    let show =
        |label: &str, status: StatusCode, body: String| println!("\n{label}\n  -> {status} {body}");

    let res = client
        .post("/users")
        .json(&serde_json::json!({"name": "Ada"}))
        .send()
        .await;
    show(
        "POST /users {\"name\":\"Ada\"}",
        res.status(),
        res.text().await,
    );
    let res = client.get("/users/1").send().await;
    show("GET /users/1", res.status(), res.text().await);
    let res = client.get("/users/2").send().await;
    show("GET /users/2", res.status(), res.text().await);
    let res = client.get("/users/abc").send().await;
    show("GET /users/abc", res.status(), res.text().await);
    let res = client
        .post("/users")
        .json(&serde_json::json!({"name": 5}))
        .send()
        .await;
    show("POST /users {\"name\":5}", res.status(), res.text().await);
    let res = client.delete("/users/1").send().await;
    show("DELETE /users/1", res.status(), res.text().await);
}
