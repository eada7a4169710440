//! The `estorno` command line as a library: the binary in `main.rs` only parses arguments and
//! sets the exit code, so every part here can be unit-tested and the example bulk file can be
//! regenerated from a test.
//!
//! - [`backend`]: where requests go (real providers, a sandbox at a URL, or an embedded one).
//! - [`rows`]: reading and validating a bulk refund file.
//! - [`journal`]: the SQLite journal that makes a bulk run safe to kill and resume.
//! - [`bulk`]: the bulk engine (look up, journal, send, reconcile).
//! - [`settle`]: resolving an unknown outcome through the provider's status operation.
//! - [`report`]: the deterministic report of a bulk run.
//! - [`rate`]: per-provider token buckets.
//! - [`single`]: `estorno cancel` and `estorno status`.
//! - [`catalogue`]: `estorno providers`.
//! - [`example`]: the bundled example bulk file, built from the sandbox's demo payments.
//! - [`cli`]: the arguments; [`files`]: private (0600) files written whole.

pub mod backend;
pub mod bulk;
pub mod catalogue;
pub mod cli;
pub mod example;
pub mod files;
pub mod journal;
pub mod rate;
pub mod report;
pub mod rows;
pub mod settle;
pub mod single;

/// Exit codes shared by every command, so scripts can tell the cases apart.
pub mod exit {
    /// Everything asked for is done (refunded, partially refunded, voided, or already so).
    pub const OK: u8 = 0;
    /// The provider refused, or something failed without sending anything.
    pub const FAILED: u8 = 1;
    /// The input was invalid: bad arguments, a bad file, a bad row. Nothing was sent for it.
    pub const INVALID: u8 = 2;
    /// Nobody knows yet whether money moved: reconcile (rerun the bulk file, or ask `status`).
    pub const UNRESOLVED: u8 = 3;
}
