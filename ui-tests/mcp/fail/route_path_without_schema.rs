use rws::prelude::*;

#[derive(serde::Deserialize)]
struct Ids {
    id: u64,
}

#[route(GET, "/users/:id", mcp)]
async fn get_user(Path(ids): Path<Ids>) -> String {
    ids.id.to_string()
}

fn main() {}
