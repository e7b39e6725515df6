use rws::FromRequest;
use rws::Json;

#[derive(FromRequest)]
struct Upload {
    #[from_body]
    first: Json<String>,
    #[from_body]
    second: String,
}

fn main() {}
