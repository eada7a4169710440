//! estorno: cancel and refund payments at Brazilian acquirers and payment providers.
//!
//! Each provider is a declarative spec (see [`provider`] and [`status`]) expanded into a typed
//! async client; this facade re-exports the runtime every client uses, the providers behind
//! one cargo feature each, and [`AnyProvider`], which picks a provider at run time behind the
//! unified [`Cancel`] API.
//!
//! # Features
//!
//! - `picpay-checkout` (default): [`picpay_checkout`], PicPay Checkout's charge API.

pub use estorno_runtime::*;

mod any;
pub mod registry;

pub use any::{AnyProvider, AnyProviderError};

#[cfg(feature = "picpay-checkout")]
pub use estorno_picpay_checkout as picpay_checkout;
