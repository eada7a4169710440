//! The `estorno` command line, end to end, one module per concern in one test binary: every
//! test binary links the whole stack, and in one binary the slow tests (crash, safety), which
//! mostly wait on the processes they start, run beside each other rather than one after another.

mod common;

mod commands;
mod crash;
mod example;
mod leaks;
mod safety;
