//! The expansion of an operation's idempotency key: its `KeySpec` in `SPEC`, and how long the
//! provider keeps it.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ast::{Endpoint, KeyFormat, KeyKept};

/// The `KeySpec` of an operation's `#[idempotency_key(...)]` parameter, if it has one.
pub(crate) fn key_spec(endpoint: &Endpoint) -> Option<TokenStream> {
    let (index, param) = endpoint
        .params
        .iter()
        .enumerate()
        .find(|(_, param)| param.key.is_some())?;
    let key = param.key.as_ref()?;
    let index = Literal::usize_unsuffixed(index);
    let format = match KeyFormat::fitting(&param.rule)? {
        KeyFormat::Uuid => quote!(::estorno::spec::KeyFormat::Uuid),
        KeyFormat::UuidSimple => quote!(::estorno::spec::KeyFormat::UuidSimple),
    };
    let kept = key_retention(key.kept);
    let verified = key.verified;
    let conflict = match key.conflict {
        Some(status) => {
            let status = Literal::u16_unsuffixed(status);
            quote!(::core::option::Option::Some(#status))
        }
        None => quote!(::core::option::Option::None),
    };
    Some(quote! {
        ::estorno::spec::KeySpec {
            param: #index,
            format: #format,
            kept: #kept,
            verified: #verified,
            conflict: #conflict,
        }
    })
}

/// A declared retention as a `KeyRetention`; an unverified key with none is kept for no time.
pub(crate) fn key_retention(kept: Option<KeyKept>) -> TokenStream {
    match kept {
        Some(KeyKept::Permanent) => quote!(::estorno::spec::KeyRetention::Permanent),
        Some(KeyKept::Undocumented) => quote!(::estorno::spec::KeyRetention::Undocumented),
        Some(KeyKept::Hours(hours)) => {
            let seconds = Literal::u64_unsuffixed(u64::from(hours) * 3_600);
            quote!(::estorno::spec::KeyRetention::For(::core::time::Duration::from_secs(#seconds)))
        }
        None => quote!(::estorno::spec::KeyRetention::For(
            ::core::time::Duration::ZERO
        )),
    }
}
