#[allow(unused_imports)]
use rws::prelude::*;

#[rws::route(GET)]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
