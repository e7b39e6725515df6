//! Authentication (feature `auth`): JSON Web Tokens signed with HMAC ([`JwtLayer`],
//! [`Claims`], [`build_jwt`], [`verify_jwt`]) and HTTP Basic ([`BasicAuthLayer`],
//! [`BasicCredentials`]).

mod basic;
mod bearer;
mod jwt;

pub use basic::{BasicAuthLayer, BasicCredentials};

/// Renamed [`BasicAuthLayer`].
#[deprecated(note = "renamed `BasicAuthLayer`: every rws middleware type ends in `Layer`")]
pub type BasicAuth = BasicAuthLayer;
pub use bearer::{Claims, JwtLayer};
pub use jwt::{Algorithm, JwtConfig, JwtError, build_jwt, verify_jwt};

pub use crate::secret::constant_time_eq;
