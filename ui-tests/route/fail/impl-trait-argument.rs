#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/x")]
async fn handler(_value: impl Clone) -> &'static str {
    "x"
}

fn main() {}
