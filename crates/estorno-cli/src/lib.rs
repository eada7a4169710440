//! The `estorno` command line as a library: the binary in `main.rs` only parses arguments and
//! sets the exit code, so every part here can be unit-tested and the example bulk file can be
//! regenerated from a test.
//!
//! - [`backend`]: where requests go (real providers, a sandbox at a URL, or an embedded one).
//! - [`rows`]: reading and validating a bulk refund file.
//! - [`journal`]: the journal that makes a bulk run safe to kill and resume, behind a
//!   storage interface (SQLite embedded).
//! - [`bulk`]: the bulk engine (look up, journal, send, follow).
//! - [`follow`]: following a sent cancellation whose effect is not known yet.
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
pub mod follow;
pub mod journal;
pub mod rate;
pub mod report;
pub mod rows;
pub mod single;

/// Exit codes shared by every command, so scripts can tell the cases apart.
pub mod exit {
    /// Everything asked for is done (refunded, partially refunded, voided, or already so).
    pub const OK: u8 = 0;
    /// The provider refused, or something failed for good without sending anything (bad
    /// credentials, a payment the provider does not know).
    pub const FAILED: u8 = 1;
    /// The input was invalid: bad arguments, a bad file, a bad row. Nothing was sent for it.
    pub const INVALID: u8 = 2;
    /// Not finished, and not to be sent again: sent with no answer (unresolved), accepted but
    /// not visible yet (acknowledged), under way at the provider (pending), or for a person to
    /// look at (review). Rerun, or ask `status`, to look again.
    pub const UNRESOLVED: u8 = 3;
    /// Nothing was sent, and trying later may work: the provider throttled (429), was
    /// unavailable (a 5xx or a timeout on the look-up) or could not be reached.
    pub const TRY_LATER: u8 = 4;
}
