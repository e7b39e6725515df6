#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/users/:id.json")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
