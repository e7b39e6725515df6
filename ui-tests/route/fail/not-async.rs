#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/x")]
fn handler() -> &'static str {
    "x"
}

fn main() {}
