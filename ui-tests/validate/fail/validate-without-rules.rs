use rws::Validate;

#[derive(Validate)]
struct User {
    #[validate]
    name: String,
}

fn main() {}
