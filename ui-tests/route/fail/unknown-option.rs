#[allow(unused_imports)]
use rws::prelude::*;

#[rws::route(GET, "/x", title = "home")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
