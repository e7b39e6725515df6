//! Every supported form of `#[route]` compiles.

use std::collections::HashMap;
use std::sync::Arc;

use rws::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Ids {
    user: u64,
    post: u64,
}

struct Db;

#[rws::route(GET, "/")]
async fn no_arguments() -> &'static str {
    "home"
}

#[rws::route(GET | HEAD, "/health", name = "health")]
async fn several_methods_and_a_name() -> StatusCode {
    StatusCode::OK
}

#[rws::get("/users/:user")]
async fn get(Path(user): Path<u64>) -> String {
    user.to_string()
}

#[rws::post("/users")]
async fn post(
    State(_db): State<Arc<Db>>,
    Json(body): Json<serde_json::Value>,
) -> Json<serde_json::Value> {
    Json(body)
}

#[rws::put("/users/:user/posts/:post")]
async fn put(Path((user, post)): Path<(u64, u64)>, body: String) -> String {
    format!("{user} {post} {body}")
}

#[rws::patch("/a/:user/b/:post")]
async fn patch(Path(ids): Path<Ids>) -> Result<String, Error> {
    Ok(format!("{} {}", ids.user, ids.post))
}

#[rws::delete("/users/:user")]
async fn delete(_db: Arc<Db>) -> impl IntoResponse {
    StatusCode::NO_CONTENT
}

#[rws::head("/files/*path")]
async fn head(Path(path): Path<String>) -> (StatusCode, String) {
    (StatusCode::OK, path)
}

#[rws::options("/cors")]
async fn options(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> String {
    format!("{} {}", headers.len(), q.len())
}

/// The seed's exact signature.
#[rws::route(GET, "/seed/:id")]
async fn seed(req: Request, params: PathParams, conn: ConnectionInfo, state: Arc<Db>) -> Response {
    let _ = (req, params, conn, state);
    StatusCode::OK.into_response()
}

#[rws::get("/optional")]
async fn optional(q: Option<Query<HashMap<String, String>>>, body: Option<Json<u32>>) -> String {
    format!("{} {}", q.is_some(), body.is_some())
}

#[rws::get("/sixteen")]
#[allow(clippy::too_many_arguments)]
async fn sixteen(
    _: Method,
    _: Uri,
    _: Version,
    _: HeaderMap,
    _: Method,
    _: Uri,
    _: Version,
    _: HeaderMap,
    _: Method,
    _: Uri,
    _: Version,
    _: HeaderMap,
    _: Method,
    _: Uri,
    _: Version,
    body: Bytes,
) -> Bytes {
    body
}

/// The app these routes need: `Db` and `Arc<Db>` as state.
pub(crate) fn app() -> App {
    App::new().state(Db).state(Arc::new(Db))
}
