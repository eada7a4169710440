//! Tests of the shared journal against a real server live in `tests/crash/shared.rs`.
