use rws::Validate;

#[derive(Validate)]
struct Signup {
    password: String,
    #[validate(must_match(other = "pasword"))]
    password2: String,
}

fn main() {}
