use rws::FromRequest;

#[derive(FromRequest)]
struct Wrapper<T> {
    #[from_query("v")]
    value: Option<T>,
}

fn main() {}
