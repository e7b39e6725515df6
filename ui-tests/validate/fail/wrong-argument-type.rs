use rws::Validate;

#[derive(Validate)]
struct User {
    #[validate(length(min = "one"))]
    name: String,
}

fn main() {}
