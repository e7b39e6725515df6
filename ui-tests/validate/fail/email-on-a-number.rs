use rws::Validate;

#[derive(Validate)]
struct User {
    #[validate(email)]
    age: u32,
}

fn main() {}
