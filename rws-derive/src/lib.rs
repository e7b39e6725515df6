//! Derive macros of the rws web framework.
//!
//! Users do not depend on this crate directly: `rws` re-exports what it provides. The
//! `FromRequest` and `Validate` derives land here; until then the crate is empty on purpose.
