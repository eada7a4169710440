//! estorno: cancel and refund payments at Brazilian acquirers and payment providers.
//!
//! Each provider is a declarative spec (see [`provider`] and [`status`]) expanded into a typed
//! async client; this facade re-exports the runtime every client uses and, behind one cargo
//! feature per provider, the providers themselves.
//!
//! # Features
//!
//! - `picpay-checkout` (default): [`picpay_checkout`], PicPay Checkout's charge API.

pub use estorno_runtime::*;

#[cfg(feature = "picpay-checkout")]
pub use estorno_picpay_checkout as picpay_checkout;
