use rws::FromRequest;

#[derive(FromRequest)]
struct Ctx {
    count: u32,
    #[from_header("x-a")]
    a: String,
}

fn main() {}
