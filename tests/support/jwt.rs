//! A signing secret and a valid token for the tests of JWT-guarded endpoints.

use serde_json::json;

/// The HS256 secret the tests' `JwtLayer`s verify with.
pub const SECRET: &[u8] = b"a secret of at least 32 bytes, for tests";

/// A token for `sub: "ada"`, valid for ten minutes.
pub fn token() -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        + 600;
    rws::auth::build_jwt(
        &json!({ "sub": "ada", "exp": exp }),
        &rws::auth::JwtConfig::new(SECRET),
    )
    .expect("a token")
}
