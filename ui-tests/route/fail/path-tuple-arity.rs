#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/users/:id")]
async fn handler(Path((id, post)): Path<(u64, u64)>) -> String {
    format!("{id} {post}")
}

fn main() {}
