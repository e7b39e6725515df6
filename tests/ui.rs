//! Compile-fail cases of the macros (trybuild): every misuse is a compile error pointing at the
//! offending token, with the `.stderr` checked in beside each case. The compile-pass cases are
//! modules of `tests/ui_pass.rs`: with fail cases only, trybuild checks (no codegen) instead of
//! building every dependency a second time.
//!
//! The compiler's own hints in those `.stderr` files ("the following other types implement
//! `FromRequestParts`: …") list rws's impls, and which impls exist depends on rws's features. The
//! files are recorded with every feature on (`./scripts/test`); under any other feature set (a
//! plain `cargo test`, say) the cases are skipped, with a note saying so, rather than failed for
//! a hint that lists fewer types.

/// Every feature of `rws` (checked against its Cargo.toml below).
const FEATURES: [&str; 21] = [
    "logging",
    "validate",
    "fs",
    "config",
    "metrics",
    "otel",
    "compression",
    "tls",
    "cli",
    "http3",
    "cookies",
    "sessions",
    "redis",
    "auth",
    "ws",
    "proxy",
    "cache",
    "acme",
    "multipart",
    "typed-header",
    "mcp",
];

/// Whether every feature of `rws` is on, the set the `.stderr` files were recorded with.
const RECORDED_FEATURES: bool = cfg!(all(
    feature = "logging",
    feature = "validate",
    feature = "fs",
    feature = "config",
    feature = "metrics",
    feature = "otel",
    feature = "compression",
    feature = "tls",
    feature = "cli",
    feature = "http3",
    feature = "cookies",
    feature = "sessions",
    feature = "redis",
    feature = "auth",
    feature = "ws",
    feature = "proxy",
    feature = "cache",
    feature = "acme",
    feature = "multipart",
    feature = "typed-header",
    feature = "mcp",
));

#[test]
fn ui() {
    if !RECORDED_FEATURES {
        eprintln!(
            "ui tests skipped: their .stderr files are recorded with every feature on; run them with `cargo test --all-features --test ui` (./scripts/test does)"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("../ui-tests/route/fail/*.rs");
    t.compile_fail("../ui-tests/from_request/fail/*.rs");
    t.compile_fail("../ui-tests/validate/fail/*.rs");
    t.compile_fail("../ui-tests/mcp/fail/*.rs");
}

/// A feature added to Cargo.toml joins the list above, or the ui cases would run (and their
/// hints change) under a set they were not recorded with.
#[test]
fn the_feature_list_is_the_manifest_s() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("rws's Cargo.toml");
    let section = manifest
        .split("\n[features]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [features] table");
    let mut declared: Vec<&str> = section
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(name, _)| name.trim()))
        .filter(|name| !name.starts_with('#') && *name != "default")
        .collect();
    declared.sort_unstable();
    let mut listed = FEATURES.to_vec();
    listed.sort_unstable();
    assert_eq!(declared, listed);
}
