#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/hello world")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
