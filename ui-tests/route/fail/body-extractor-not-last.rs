#[allow(unused_imports)]
use rws::prelude::*;

#[rws::post("/users/:id")]
async fn handler(Json(body): Json<serde_json::Value>, Path(id): Path<u64>) -> String {
    format!("{id} {body}")
}

fn main() {}
