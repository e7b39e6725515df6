use rws::Validate;

#[derive(Validate)]
struct Signup {
    #[validate(required)]
    terms: bool,
}

fn main() {}
