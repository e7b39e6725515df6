#[allow(unused_imports)]
use rws::prelude::*;

#[rws::get("/users/:id")]
async fn handler(params: PathParams, req: Request, conn: ConnectionInfo) -> String {
    format!("{params:?} {} {}", req.uri(), conn.peer_addr())
}

fn main() {}
