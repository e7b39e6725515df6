use rws::Validate;

#[derive(Validate)]
struct User {
    #[validate(contains)]
    handle: String,
}

fn main() {}
