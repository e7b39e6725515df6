//! Attribute macros of the rws web framework.
//!
//! Users do not depend on this crate directly: `rws` re-exports what it provides. The declarative
//! routing macros (`#[route]`, `#[get]`, …) land here; until then the crate is empty on purpose.
