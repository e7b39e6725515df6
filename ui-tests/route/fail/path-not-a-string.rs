#[allow(unused_imports)]
use rws::prelude::*;

#[rws::route(GET, users)]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
