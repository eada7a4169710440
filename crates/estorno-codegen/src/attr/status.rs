//! Parses a status enum: `#[estorno::status] enum X { #[status("PAID" => Active)] Paid, ... }`.

use proc_macro2::{Span, TokenStream};
use syn::parse::ParseStream;
use syn::{Ident, ItemEnum, LitInt, LitStr, Token};

use super::docs;
use crate::ast::{OUTCOMES, StatusEnum, StatusVariant, WireKind};
use crate::ctxt::Ctxt;

/// Reads a status enum: `#[estorno::status] enum X { #[status("PAID" => Active)] Paid, ... }`.
pub(crate) fn status_enum(cx: &Ctxt, args: TokenStream, item: &ItemEnum) -> Option<StatusEnum> {
    if !args.is_empty() {
        cx.error_spanned_by(
            &args,
            "`#[estorno::status]` takes no arguments; the wire type follows from the values",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a status enum cannot be generic");
    }
    let mut variants = Vec::new();
    let mut wire_kind: Option<(WireKind, Span)> = None;
    for variant in &item.variants {
        if variant.ident == "Unknown" {
            cx.error_spanned_by(
                &variant.ident,
                "`Unknown` is added by `#[estorno::status]` to hold values the spec does not know; remove it",
            );
            continue;
        }
        if !matches!(variant.fields, syn::Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                "status variants carry no data; the wire value goes in `#[status(...)]`",
            );
        }
        if let Some((_, discriminant)) = &variant.discriminant {
            cx.error_spanned_by(
                discriminant,
                "put the wire value in `#[status(13 => ...)]`, not in a discriminant",
            );
        }
        let mut mapping = None;
        let mut unreadable = false;
        for attr in &variant.attrs {
            if attr.path().is_ident("doc") {
                continue;
            }
            if !attr.path().is_ident("status") {
                cx.error_spanned_by(
                    attr.path(),
                    "unknown attribute on a status variant; expected `#[status(\"VALUE\" => Outcome)]`",
                );
                continue;
            }
            match attr.parse_args_with(status_value) {
                Ok(parsed) if mapping.is_none() => mapping = Some(parsed),
                Ok(_) => cx.error_spanned_by(attr, "a variant has one `#[status(...)]`"),
                Err(error) => {
                    unreadable = true;
                    cx.syn_error(error);
                }
            }
        }
        let Some((wire, kind, wire_span, outcome, partial)) = mapping else {
            if unreadable {
                // Its `#[status(...)]` was reported already; it is not missing.
                continue;
            }
            cx.error_spanned_by(
                &variant.ident,
                format!(
                    "status `{}` has no outcome; every value must be mapped: add `#[status(\"VALUE\" => Refunded)]` (one of {})",
                    variant.ident,
                    outcome_list()
                ),
            );
            continue;
        };
        match wire_kind {
            None => wire_kind = Some((kind, wire_span)),
            Some((first, _)) if first != kind => cx.error_at(
                wire_span,
                "mixed wire values: use all text (\"PAID\") or all numbers (13)",
            ),
            Some(_) => {}
        }
        for outcome in std::iter::once(&outcome).chain(partial.as_ref()) {
            if !OUTCOMES.contains(&outcome.to_string().as_str()) {
                cx.error_spanned_by(
                    outcome,
                    format!(
                        "unknown outcome `{outcome}`; expected one of {}",
                        outcome_list()
                    ),
                );
            }
        }
        if let Some(partial) = &partial
            && partial == &outcome
        {
            cx.error_spanned_by(
                partial,
                format!("`partial = {partial}` repeats the outcome; leave it out"),
            );
        }
        if variants
            .iter()
            .any(|seen: &StatusVariant| seen.wire == wire)
        {
            cx.error_at(
                wire_span,
                format!("the wire value `{wire}` is mapped twice"),
            );
        }
        variants.push(StatusVariant {
            ident: variant.ident.clone(),
            docs: docs(&variant.attrs),
            wire,
            outcome,
            partial,
        });
    }
    if item.variants.is_empty() {
        cx.error_spanned_by(&item.ident, "a status enum needs at least one value");
    }
    let attrs = item
        .attrs
        .iter()
        .filter(|attr| !attr.path().is_ident("doc"))
        .cloned()
        .collect();
    Some(StatusEnum {
        ident: item.ident.clone(),
        vis: item.vis.clone(),
        docs: docs(&item.attrs),
        attrs,
        wire: wire_kind.map_or(WireKind::Text, |(kind, _)| kind),
        variants,
    })
}

/// `"PAID" => Active`, `13 => Voided`, or `"approved" => Refunded, partial = PartiallyRefunded`.
fn status_value(input: ParseStream) -> syn::Result<(String, WireKind, Span, Ident, Option<Ident>)> {
    let lookahead = input.lookahead1();
    let (wire, kind, span) = if lookahead.peek(LitStr) {
        let text: LitStr = input.parse()?;
        (text.value(), WireKind::Text, text.span())
    } else if lookahead.peek(LitInt) {
        let code: LitInt = input.parse()?;
        let value: i64 = code.base10_parse()?;
        (value.to_string(), WireKind::Code, code.span())
    } else {
        return Err(lookahead.error());
    };
    input.parse::<Token![=>]>()?;
    let outcome: Ident = input.parse()?;
    let mut partial = None;
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
        if !input.is_empty() {
            let key: Ident = input.parse()?;
            if key != "partial" {
                return Err(syn::Error::new_spanned(
                    key,
                    "expected `partial = Outcome`: what the value means in the answer to a partial cancellation",
                ));
            }
            input.parse::<Token![=]>()?;
            partial = Some(input.parse()?);
        }
    }
    Ok((wire, kind, span, outcome, partial))
}

fn outcome_list() -> String {
    OUTCOMES
        .iter()
        .map(|outcome| format!("`{outcome}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
