//! The seed's and the README's `#[route]` examples, with exactly their imports: the prelude
//! brings the attribute macros.

use std::sync::Arc;

use rws::prelude::*;
use serde::Serialize;

#[derive(Clone)]
struct Db;

#[derive(Serialize)]
struct User {
    id: u64,
}

#[route(GET, "/users/:id")]
async fn get_user(Path(id): Path<u64>, State(_db): State<Db>) -> Result<Json<User>, Error> {
    Ok(Json(User { id }))
}

#[route(GET, "/seed/:id")]
async fn seed_shape(
    _req: Request,
    _params: PathParams,
    _conn: ConnectionInfo,
    _state: Arc<Db>,
) -> Response {
    StatusCode::OK.into_response()
}

#[get("/a")]
async fn a() -> &'static str {
    "a"
}

#[post("/a")]
async fn b() {}

#[put("/a")]
async fn c() {}

#[patch("/a")]
async fn d() {}

#[delete("/a")]
async fn e() {}

#[head("/h")]
async fn f() {}

#[options("/a")]
async fn g() {}

// A function called `get` beside the imported attribute `get`: different namespaces.
pub(crate) fn get() {}
