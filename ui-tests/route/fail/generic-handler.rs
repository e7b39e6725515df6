#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/x")]
async fn handler<T: Default>() -> &'static str {
    "x"
}

fn main() {}
