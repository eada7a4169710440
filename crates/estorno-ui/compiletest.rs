//! Compile-time diagnostics of the spec macros: each case under `ui/` is one mistake (or, in
//! `two_mistakes_reported_together`, two) beside the exact error rustc prints for it.
//!
//! Regenerate with `TRYBUILD=overwrite cargo test -p estorno-ui --test compiletest` and
//! review the diff: the caret must sit under the offending tokens.

#[test]
fn spec_mistakes_are_reported_on_the_offending_tokens() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/provider/*.rs");
    cases.compile_fail("ui/status/*.rs");
    cases.compile_fail("ui/derive/*.rs");
}
