#[allow(unused_imports)]
use rws::prelude::*;

#[rws::route(GET "/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
