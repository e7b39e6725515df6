use rws::FromRequest;

#[derive(FromRequest)]
enum Auth {
    Token(String),
}

fn main() {}
