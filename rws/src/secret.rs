//! Secrets: random tokens and comparisons that leak nothing through timing.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether `a` and `b` are equal, in time that depends on neither their contents nor their
/// lengths: both are hashed (SHA-256) and the digests compared in constant time.
///
/// ```
/// assert!(rws::auth::constant_time_eq(b"secret", b"secret"));
/// assert!(!rws::auth::constant_time_eq(b"secret", b"secreT"));
/// ```
#[cfg_attr(not(feature = "auth"), allow(unreachable_pub))]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    Sha256::digest(a).ct_eq(&Sha256::digest(b)).into()
}

/// 32 random bytes from the operating system's CSPRNG, as 43 base64url characters.
#[cfg(feature = "cookies")]
pub(crate) fn random_token() -> Result<String, getrandom::Error> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `token` has the shape of [`random_token`]'s: 43 base64url characters.
#[cfg(feature = "cookies")]
pub(crate) fn is_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(all(test, feature = "cookies"))]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_well_formed() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_ne!(a, b);
        assert!(is_token(&a), "{a}");
        assert!(!is_token("short"));
        assert!(!is_token(&format!("{}!", &a[..42])));
    }
}
