#[allow(unused_imports)]
use rws::prelude::*;

#[rws::post("/x")]
async fn handler(text: String, Json(body): Json<serde_json::Value>) -> String {
    format!("{text} {body}")
}

fn main() {}
