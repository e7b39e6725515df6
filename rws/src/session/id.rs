//! Session ids: 256 bits from the operating system's CSPRNG, base64url.

use crate::secret::{is_token, random_token};

/// A new session id.
pub(crate) fn new_id() -> Result<String, super::StoreError> {
    random_token()
        .map_err(|e| super::StoreError::new(format!("no randomness for a session id: {e}")))
}

/// Whether `id` looks like one of ours: a forged cookie of another shape never reaches a store.
pub(crate) fn is_well_formed(id: &str) -> bool {
    is_token(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let a = new_id().unwrap();
        let b = new_id().unwrap();
        assert_ne!(a, b);
        assert!(is_well_formed(&a), "{a}");
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&format!("{}!", &a[..42])));
    }
}
