use rws::prelude::*;

#[derive(FromRequest)]
struct Form {
    #[from_header("x-name")]
    name: String,
    #[upload(max_size = 10)]
    file: Option<String>,
}

fn main() {}
