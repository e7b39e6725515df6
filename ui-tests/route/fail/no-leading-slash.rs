#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("users")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
