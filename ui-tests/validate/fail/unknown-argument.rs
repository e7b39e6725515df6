use rws::Validate;

#[derive(Validate)]
struct User {
    #[validate(length(minimum = 1))]
    name: String,
}

fn main() {}
