use rws::FromRequest;

#[derive(FromRequest)]
struct Auth {
    #[from_headers("Authorization")]
    token: String,
}

fn main() {}
