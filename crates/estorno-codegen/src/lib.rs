//! Spec model, parsing, validation and token generation for estorno provider specs.
//!
//! This is an ordinary library so that the proc-macro crate stays a thin shell and tools
//! (xtask's catalogue, registry and snapshots) read specs through exactly the same model the
//! macro expands. The stages are one module each: `attr` parses, `check` validates the
//! whole spec, `expand` writes tokens.

pub mod ast;
mod attr;
mod cancel;
mod check;
mod ctxt;
mod derive;
mod expand;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Item, ItemEnum, ItemTrait};

pub use ast::{Provider, StatusEnum};
pub use expand::type_text;

use ctxt::Ctxt;

/// Expands `#[estorno::provider(args)] trait X { ... }` into a client, or into every mistake
/// at once plus stub items so no follow-on errors pile up.
pub fn expand_provider(args: TokenStream, item: TokenStream) -> TokenStream {
    let item: ItemTrait = match syn::parse2(item) {
        Ok(item) => item,
        Err(error) => return error.into_compile_error(),
    };
    match parse_provider(args, &item) {
        Ok(provider) => expand::provider(&provider),
        Err(error) => {
            let stub = expand::provider_stub(&item);
            let error = error.into_compile_error();
            quote!(#error #stub)
        }
    }
}

/// Expands `#[estorno::status] enum X { ... }` into the enum with `Unknown`, its outcome map
/// and its serde impls.
pub fn expand_status(args: TokenStream, item: TokenStream) -> TokenStream {
    let item: ItemEnum = match syn::parse2(item) {
        Ok(item) => item,
        Err(error) => return error.into_compile_error(),
    };
    match parse_status(args, &item) {
        Ok(status) => expand::status_enum(&status),
        Err(error) => {
            let stub = expand::status_stub(&item);
            let error = error.into_compile_error();
            quote!(#error #stub)
        }
    }
}

/// Expands `#[derive(CancelResponse)]`: how a response type reads as a cancellation.
pub fn expand_cancel_response(item: TokenStream) -> TokenStream {
    derive::cancel_response(item)
}

/// Expands `#[derive(Rejection)]`: which field of an error body says why.
pub fn expand_rejection(item: TokenStream) -> TokenStream {
    derive::rejection(item)
}

/// Reads and checks a provider spec without expanding it.
pub fn parse_provider(args: TokenStream, item: &ItemTrait) -> syn::Result<Provider> {
    let cx = Ctxt::new();
    let provider = attr::provider(&cx, args, item);
    let provider = provider.map(|mut provider| {
        check::provider(&cx, &mut provider);
        provider
    });
    cx.check()?;
    // With no error recorded, parsing always produced a model.
    provider.ok_or_else(|| syn::Error::new_spanned(&item.ident, "unreadable provider spec"))
}

/// Reads and checks a status enum without expanding it.
pub fn parse_status(args: TokenStream, item: &ItemEnum) -> syn::Result<StatusEnum> {
    let cx = Ctxt::new();
    let status = attr::status_enum(&cx, args, item);
    cx.check()?;
    status.ok_or_else(|| syn::Error::new_spanned(&item.ident, "unreadable status enum"))
}

/// Everything a provider's source file declares: its provider and its status enums.
pub struct SpecFile {
    pub providers: Vec<Provider>,
    pub statuses: Vec<StatusEnum>,
    /// Every `#[derive(CancelResponse)]` type, with what its `#[cancel(...)]` declares.
    pub responses: Vec<ResponseDecl>,
}

/// A `#[derive(CancelResponse)]` type as the catalogue describes it: which of `outcome`,
/// `refunded`, `remaining`, `paid`, `original`, `amount`, `reference` and `id` it declares.
pub struct ResponseDecl {
    pub ident: String,
    pub keys: Vec<String>,
}

impl ResponseDecl {
    /// Whether it states the refunded amount (directly, or from what was first charged and
    /// what remains).
    pub fn reports_refunded(&self) -> bool {
        self.has("refunded") || (self.has("original") && self.has("remaining"))
    }

    /// Whether it states what remains (directly, or from what was paid and refunded).
    pub fn reports_remaining(&self) -> bool {
        self.has("remaining") || (self.has("paid") && self.has("refunded"))
    }

    /// Whether it states the payment's whole amount.
    pub fn reports_amount(&self) -> bool {
        self.has("amount") || self.has("paid") || self.has("original")
    }

    fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|seen| seen == key)
    }
}

/// Reads a provider crate's `lib.rs`, finding items marked `#[estorno::provider(...)]` or
/// `#[estorno::status]` (also written `#[provider(...)]`/`#[status]` after a `use`).
pub fn read_file(source: &str) -> syn::Result<SpecFile> {
    let file = syn::parse_file(source)?;
    let mut spec = SpecFile {
        providers: Vec::new(),
        statuses: Vec::new(),
        responses: Vec::new(),
    };
    for item in file.items {
        match item {
            Item::Trait(mut item) => {
                if let Some(args) = take_attribute(&mut item.attrs, "provider")? {
                    spec.providers.push(parse_provider(args, &item)?);
                }
            }
            Item::Enum(mut item) => {
                if let Some(args) = take_attribute(&mut item.attrs, "status")? {
                    spec.statuses.push(parse_status(args, &item)?);
                }
            }
            Item::Struct(item) => {
                if let Some(keys) = cancel_keys(&item)? {
                    spec.responses.push(ResponseDecl {
                        ident: item.ident.to_string(),
                        keys,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(spec)
}

/// The keys of a `#[derive(CancelResponse)]` struct's `#[cancel(...)]`, or `None` when it
/// derives no `CancelResponse`.
fn cancel_keys(item: &syn::ItemStruct) -> syn::Result<Option<Vec<String>>> {
    let derives = item
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"));
    let mut derived = false;
    for attr in derives {
        attr.parse_nested_meta(|meta| {
            if meta
                .path
                .segments
                .last()
                .is_some_and(|last| last.ident == "CancelResponse")
            {
                derived = true;
            }
            Ok(())
        })?;
    }
    if !derived {
        return Ok(None);
    }
    let mut keys = Vec::new();
    for attr in item
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cancel"))
    {
        // `key = value, ...`: the values are field paths (`summary.refunded`,
        // `devolucoes[].valor if status`), skipped up to the next comma.
        attr.parse_args_with(|input: syn::parse::ParseStream| {
            while !input.is_empty() {
                let key: syn::Ident = input.parse()?;
                keys.push(key.to_string());
                input.parse::<syn::Token![=]>()?;
                while !input.is_empty() && !input.peek(syn::Token![,]) {
                    input.parse::<proc_macro2::TokenTree>()?;
                }
                if !input.is_empty() {
                    input.parse::<syn::Token![,]>()?;
                }
            }
            Ok(())
        })?;
    }
    Ok(Some(keys))
}

/// Removes `#[estorno::NAME(...)]` from the attributes and returns its arguments.
fn take_attribute(attrs: &mut Vec<syn::Attribute>, name: &str) -> syn::Result<Option<TokenStream>> {
    let Some(position) = attrs.iter().position(|attr| {
        let path = attr.path();
        path.segments.last().is_some_and(|last| last.ident == name)
            && (path.segments.len() == 1 || path.segments[0].ident == "estorno")
    }) else {
        return Ok(None);
    };
    let attr = attrs.remove(position);
    Ok(Some(match attr.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(list) => list.tokens,
        syn::Meta::NameValue(meta) => {
            return Err(syn::Error::new_spanned(
                meta,
                "expected `#[estorno::NAME(...)]`",
            ));
        }
    }))
}
