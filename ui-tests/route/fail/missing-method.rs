#[allow(unused_imports)]
use rws::prelude::*;

#[rws::route("/x")]
async fn handler() -> &'static str {
    "x"
}

fn main() {}
