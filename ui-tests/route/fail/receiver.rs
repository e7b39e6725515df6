#[allow(unused_imports)]
use rws::prelude::*;

struct Service;

impl Service {
    #[rws::get("/x")]
    async fn handler(&self) -> &'static str {
        "x"
    }
}

fn main() {}
