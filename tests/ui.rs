//! Compile-fail and compile-pass cases of the macros (trybuild): every misuse is a compile error
//! pointing at the offending token, with the `.stderr` checked in beside each case.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("../ui-tests/route/fail/*.rs");
    t.pass("../ui-tests/route/pass/*.rs");
    t.compile_fail("../ui-tests/from_request/fail/*.rs");
    t.pass("../ui-tests/from_request/pass/*.rs");
    t.compile_fail("../ui-tests/validate/fail/*.rs");
    t.pass("../ui-tests/validate/pass/*.rs");
}
