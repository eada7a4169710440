//! The runtime's client on the wire (auth, calls, values), one module per concern, in one test
//! binary: every test binary links the whole HTTP stack, so one binary instead of three saves
//! building and linking it twice more. (`logs.rs` stays apart: it sets a global subscriber.)

// The stand-ins for generated code name the runtime `::estorno`, as a provider crate does.
extern crate estorno_runtime as estorno;

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod auth;
mod calls;
mod values;
