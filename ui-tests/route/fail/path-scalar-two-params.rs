#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/users/:id/posts/:post")]
async fn handler(Path(id): Path<u64>) -> String {
    format!("{id}")
}

fn main() {}
