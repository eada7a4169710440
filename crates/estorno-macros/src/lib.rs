//! Procedural macros that turn estorno provider specs into typed clients.
//!
//! A thin shell: every macro hands its tokens to `estorno-codegen`, an ordinary library that
//! xtask and tests use too.

use proc_macro::TokenStream;

/// Turns a provider spec (a trait of declared operations) into a typed async `Client`, its
/// builder and a static `SPEC`. See the `estorno` crate docs for the spec language.
#[proc_macro_attribute]
pub fn provider(args: TokenStream, item: TokenStream) -> TokenStream {
    estorno_codegen::expand_provider(args.into(), item.into()).into()
}

/// Turns a provider status enum into one with an `Unknown` fallback, a checked map from each
/// value to a normalised outcome, and serde impls.
#[proc_macro_attribute]
pub fn status(args: TokenStream, item: TokenStream) -> TokenStream {
    estorno_codegen::expand_status(args.into(), item.into()).into()
}

/// Declares how a response type reads as a cancellation:
/// `#[cancel(outcome = status_field, refunded = .., remaining = .., reference = ..)]`.
#[proc_macro_derive(CancelResponse, attributes(cancel))]
pub fn cancel_response(item: TokenStream) -> TokenStream {
    estorno_codegen::expand_cancel_response(item.into()).into()
}

/// Declares which field of a typed error body explains a rejection:
/// `#[rejection(reason = message)]`.
#[proc_macro_derive(Rejection, attributes(rejection))]
pub fn rejection(item: TokenStream) -> TokenStream {
    estorno_codegen::expand_rejection(item.into()).into()
}
