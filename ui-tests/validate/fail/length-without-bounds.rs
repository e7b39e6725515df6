use rws::Validate;

#[derive(Validate)]
struct User {
    #[validate(length)]
    name: String,
}

fn main() {}
