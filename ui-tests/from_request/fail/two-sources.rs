use rws::FromRequest;

#[derive(FromRequest)]
struct Auth {
    #[from_header("Authorization")]
    #[from_query("token")]
    token: String,
}

fn main() {}
