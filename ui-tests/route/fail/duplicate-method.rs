#[allow(unused_imports)]
use rws::prelude::*;

#[rws::route(GET | POST | GET, "/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
