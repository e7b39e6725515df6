//! A library of routes: `#[route]` handlers that a binary serves by linking this crate, without
//! any registration call.

use rws::prelude::*;

/// `GET /from-another-crate`.
#[rws::get("/from-another-crate")]
pub async fn from_another_crate() -> &'static str {
    "served from rws-test-routes"
}

/// `GET /other/:n`, doubling `n`.
#[rws::route(GET, "/other/:n", name = "double")]
pub async fn double(Path(n): Path<u32>) -> String {
    (u64::from(n) * 2).to_string()
}
