use rws::FromRequest;

struct Opaque;

#[derive(FromRequest)]
struct Ctx {
    #[from_header("x-opaque")]
    value: Opaque,
}

fn main() {}
