//! Transport, auth, errors, retries, money and secrets for estorno provider clients.
//!
//! This crate knows nothing about any provider: the spec macro emits code that calls it
//! through [`__private`], and the `estorno` facade re-exports its public items.
//!
//! # Main types
//!
//! - [`ClientBuilder`] builds a generated client ([`Provider`]): credentials, environment
//!   (production by default, or sandbox), base URL override, deadlines, shared transport,
//!   [`RetryPolicy`], response size limit. Every check happens in `build()`, which returns a
//!   [`BuildError`] naming the setting.
//! - [`Error`] is the classified error of every call: [`Error::Api`] (a declared error
//!   status with its typed body), [`Error::UnexpectedStatus`], [`Error::Decode`],
//!   [`Error::ResponseTooLarge`], [`Error::InvalidRequest`] (nothing was sent),
//!   [`Error::Auth`], [`Error::Transport`] and [`Error::Timeout`]. Ask it
//!   [`Error::outcome_unknown`] before anything else: a refund that may have happened must be
//!   reconciled, never simply retried.
//! - [`auth`] holds one credential type per auth scheme; secrets are [`secret::SecretString`]
//!   and never appear in `Debug`, `Display`, errors or logs.
//! - [`Cents`] and [`Reais`] are exact amounts, [`Amount`] one of at least a cent for
//!   request bodies; no amount passes through a float.
//! - [`OneOrMany`] reads a field some providers send as an array and others as one object.
//! - [`spec`] holds the static description of providers emitted by the macro.
//!
//! # Transport
//!
//! reqwest with rustls on ring, one connection pool per client (or one shared through
//! [`ClientBuilder::transport`]), redirects never followed, `https` required except for
//! loopback hosts, response bodies capped at 1 MiB by default, and a 30 s deadline per
//! attempt (10 s to connect).
//!
//! # Tracing
//!
//! Each call runs in a `debug` span named `estorno.call` with the fields `provider`,
//! `operation`, `method`, `attempt`, `status` and `latency_ms`; retries emit an
//! `estorno.retry` event. Bodies, header values, credentials and URLs are never recorded.
//!
//! # Optional features
//!
//! - `mock`: the `mock` module, typed httpmock helpers; every generated client then has a `mock`
//!   module with one function per operation, for testing code that uses the client.

pub mod auth;
pub mod spec;

mod call;
mod cancel;
mod client;
mod config;
mod error;
#[cfg(feature = "mock")]
pub mod mock;
mod money;
mod outcome;
mod redact;
mod tls;
mod wire;

pub use cancel::{
    BoxFuture, Cancel, CancelError, CancelRequest, CancelResponse, Cancellation, Precheck,
    RawResponse, Rejection, check_request,
};
pub use client::{ClientBuilder, ClientCore, Provider, RetryPolicy};
pub use config::{ConfigError, ProviderConfig};
pub use error::{BuildError, Error, Meaning, NoBody};
pub use estorno_macros::{CancelResponse, Rejection, provider, status};
pub use money::{Amount, AmountError, Cents, CentsOrReais, Reais, ReaisParseError, ReaisText};
pub use outcome::Outcome;
/// The HTTP client underneath, for [`ClientBuilder::transport`] and response headers.
pub use reqwest;
pub use tls::{ClientIdentity, IdentityError};
pub use wire::{DateParts, Identifier, OneOrMany, Personal, Timestamp};

/// Secret strings: credentials are held as [`secret::SecretString`], read with
/// [`secret::ExposeSecret`].
pub mod secret {
    pub use secrecy::{ExposeSecret, SecretString};
}

/// A provider status enum declared with `#[estorno::status]`: each wire value maps to a
/// normalised [`Outcome`], and values the spec does not know decode to `Unknown`.
pub trait DomainStatus {
    /// The declared map, for documentation and tooling.
    const MAP: &'static spec::StatusMapSpec;
    /// What this status means for a cancellation; `Unknown` values are [`Outcome::Ambiguous`].
    fn outcome(&self) -> Outcome;
    /// What it means in the answer to a partial cancellation: the same, except for values
    /// declared `partial = ...` (an "approved" that reads `PartiallyRefunded` there).
    fn partial_outcome(&self) -> Outcome {
        self.outcome()
    }
    /// The value as the provider writes it (`"PAID"`, `"13"`).
    fn wire(&self) -> String;
}

/// What generated code uses; not a stable API.
/// Expands a generated provider's `mock` module only when this crate's `mock` feature is on,
/// so provider crates (and users' own specs) need no feature of their own.
#[cfg(feature = "mock")]
#[doc(hidden)]
#[macro_export]
macro_rules! __estorno_mock_module {
    ($($module:tt)*) => { $($module)* };
}

/// Without the `mock` feature a generated `mock` module is left out.
#[cfg(not(feature = "mock"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __estorno_mock_module {
    ($($module:tt)*) => {};
}

#[doc(hidden)]
pub mod __private {
    pub use serde;

    pub use crate::call::{Call, ParamValue, Response};
    pub use crate::cancel::{
        AmountField, CancelOps, DateField, Elements, Failure, MethodField, Observed, ReasonField,
        ReferenceField, StatusField, no_look_up, observe, partial_unsupported, remaining_unknown,
    };
    pub use crate::client::{ClientCore, Provider};
    pub use crate::error::CallError;
    pub use crate::wire::{deserialize_code_status, deserialize_text_status};
}
