#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/users/:id")]
async fn handler(id: u64, method: Method) -> String {
    format!("{id} {method}")
}

fn main() {}
