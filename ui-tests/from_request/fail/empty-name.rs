use rws::FromRequest;

#[derive(FromRequest)]
struct Auth {
    #[from_query("")]
    token: String,
}

fn main() {}
