//! Every rule in the validator crate's syntax compiles, with `rws` as the only dependency named.

use rws::prelude::*;

fn not_admin(login: &str) -> Result<(), rws::extract::ValidationError> {
    if login == "admin" {
        Err(rws::extract::ValidationError::new("reserved"))
    } else {
        Ok(())
    }
}

#[derive(serde::Deserialize, Validate)]
struct Address {
    #[validate(length(equal = 5))]
    zip: String,
}

#[derive(serde::Deserialize, Validate, FromRequest)]
#[allow(dead_code)]
struct Everything {
    #[validate(length(
        min = 1,
        max = 50,
        message = "1 to 50 characters",
        code = "name_length"
    ))]
    name: String,
    #[validate(range(min = 0, max = 150), range(exclusive_max = 200))]
    age: u8,
    #[validate(email)]
    email: String,
    #[validate(url)]
    homepage: Option<String>,
    #[validate(contains(pattern = "@"), does_not_contain(pattern = " "))]
    handle: String,
    password: String,
    #[validate(must_match(other = "password"))]
    password2: String,
    #[validate(custom(function = "not_admin"))]
    login: String,
    #[validate(required)]
    terms: Option<bool>,
    #[validate(nested)]
    address: Address,
    #[validate(nested)]
    previous: Vec<Address>,
}

#[rws::post("/everything")]
async fn everything(_: Everything) -> StatusCode {
    StatusCode::CREATED
}
