use rws::prelude::*;

#[derive(serde::Deserialize)]
struct Input {
    name: String,
}

async fn greet(Json(input): Json<Input>) -> String {
    input.name
}

fn main() {
    let _ = App::new().mcp_tool("greet", greet);
}
