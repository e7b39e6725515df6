use rws::Validate;

#[derive(Validate)]
struct User {
    #[validate(lenght(min = 1))]
    name: String,
}

fn main() {}
