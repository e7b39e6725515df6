#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get(GET, "/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
