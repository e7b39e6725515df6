//! rws: a declarative, macro-driven web framework on tokio and hyper.

pub mod body;
pub mod router;

pub use body::Body;
