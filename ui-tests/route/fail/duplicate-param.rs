#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/a/:id/b/:id")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
