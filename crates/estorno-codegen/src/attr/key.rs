//! Parses `#[idempotency_key(...)]`, the marker that makes a parameter the operation's
//! idempotency key: how long the provider keeps it, whether its documentation confirms it,
//! and the status it answers to a key already seen.

use quote::ToTokens;
use syn::parse::ParseStream;
use syn::{Attribute, LitInt, Meta, Token};

use super::{http_status, kw};
use crate::ast::{KeyDecl, KeyKept};

/// What a contributor must say about a key the provider's documentation confirms.
const KEPT_NEEDED: &str = "say how long the provider keeps the key: `kept_hours = 24`, \
     `permanent` when the key names what the request creates, or `kept_undocumented` when the \
     provider does not say; mark it `unverified` when the provider's documentation does not \
     confirm the key";

/// `#[idempotency_key(kept_hours = 24)]`, `#[idempotency_key(permanent, conflict = 409)]` or
/// `#[idempotency_key(unverified)]`.
pub(super) fn key_decl(attr: &Attribute) -> syn::Result<KeyDecl> {
    let mut decl = KeyDecl {
        attr: attr.to_token_stream(),
        kept: None,
        verified: true,
        conflict: None,
    };
    if matches!(attr.meta, Meta::Path(_)) {
        return Err(syn::Error::new_spanned(attr, KEPT_NEEDED));
    }
    attr.parse_args_with(|input: ParseStream| {
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::kept_hours) {
                let keyword = input.parse::<kw::kept_hours>()?;
                input.parse::<Token![=]>()?;
                let hours: LitInt = input.parse()?;
                let value = hours.base10_parse::<u32>()?;
                if value == 0 {
                    return Err(syn::Error::new_spanned(
                        &hours,
                        "a key kept for 0 hours protects nothing; remove the key or give its real retention",
                    ));
                }
                if decl.kept.is_some() {
                    return Err(syn::Error::new(keyword.span, "the key's retention is already declared"));
                }
                decl.kept = Some(KeyKept::Hours(value));
            } else if lookahead.peek(kw::permanent) {
                let keyword = input.parse::<kw::permanent>()?;
                if decl.kept.is_some() {
                    return Err(syn::Error::new(keyword.span, "the key's retention is already declared"));
                }
                decl.kept = Some(KeyKept::Permanent);
            } else if lookahead.peek(kw::kept_undocumented) {
                let keyword = input.parse::<kw::kept_undocumented>()?;
                if decl.kept.is_some() {
                    return Err(syn::Error::new(keyword.span, "the key's retention is already declared"));
                }
                decl.kept = Some(KeyKept::Undocumented);
            } else if lookahead.peek(kw::unverified) {
                input.parse::<kw::unverified>()?;
                decl.verified = false;
            } else if lookahead.peek(kw::conflict) {
                input.parse::<kw::conflict>()?;
                input.parse::<Token![=]>()?;
                let status: LitInt = input.parse()?;
                let value = http_status(&status)?;
                if !(400..=499).contains(&value) {
                    return Err(syn::Error::new_spanned(
                        &status,
                        "the status of a key already seen is a 4xx (Efí answers 409)",
                    ));
                }
                decl.conflict = Some(value);
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    })?;
    if decl.verified && decl.kept.is_none() {
        return Err(syn::Error::new_spanned(attr, KEPT_NEEDED));
    }
    Ok(decl)
}
