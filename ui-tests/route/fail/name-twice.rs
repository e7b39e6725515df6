#[allow(unused_imports)]
use rws::prelude::*;

#[rws::route(GET, "/x", name = "a", name = "b")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
