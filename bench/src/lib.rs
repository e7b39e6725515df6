//! Shared inputs of the rws benchmarks.

pub mod github;
