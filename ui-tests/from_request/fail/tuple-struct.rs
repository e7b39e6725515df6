use rws::FromRequest;

#[derive(FromRequest)]
struct Pair(#[from_header("a")] String, String);

fn main() {}
