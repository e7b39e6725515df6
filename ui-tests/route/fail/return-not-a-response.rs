#[allow(unused_imports)]
use rws::prelude::*;

struct User {
    id: u64,
}

#[rws::get("/x")]
async fn handler() -> User {
    User { id: 1 }
}

fn main() {}
