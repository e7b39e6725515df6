use rws::FromRequest;

#[derive(FromRequest)]
struct Auth {
    #[from_header]
    token: String,
}

fn main() {}
