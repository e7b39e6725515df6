#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/files/*path/raw")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
