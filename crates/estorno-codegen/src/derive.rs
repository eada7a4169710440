//! `#[derive(CancelResponse)]` and `#[derive(Rejection)]`: how a provider's response and error
//! types read as a cancellation, declared by naming their fields.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::parse::ParseStream;
use syn::{Ident, ItemStruct, Member, Token};

use crate::ctxt::Ctxt;

/// A field path such as `summary.refunded`, checked against the struct's own fields.
struct FieldPath {
    segments: Vec<Member>,
    /// `cause[].description`: the segment after which `[]` stands, meaning "every element"
    /// (in `#[rejection(...)]`, and in `#[cancel(refunded = ...)]`, which sums them).
    each: Option<usize>,
    /// `refunded = devolucoes[].valor if status`: only the elements whose `status` reads as
    /// done count.
    filter: Option<Ident>,
}

impl FieldPath {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut segments = vec![input.parse::<Member>()?];
        let mut each = None;
        loop {
            if input.peek(syn::token::Bracket) {
                let content;
                let brackets = syn::bracketed!(content in input);
                if !content.is_empty() {
                    return Err(syn::Error::new(
                        brackets.span.join(),
                        "write `[]`: every element of the list",
                    ));
                }
                if each.is_some() {
                    return Err(syn::Error::new(
                        brackets.span.join(),
                        "a path goes into one list; `[]` is already given",
                    ));
                }
                each = Some(segments.len() - 1);
            }
            if !input.peek(Token![.]) {
                break;
            }
            input.parse::<Token![.]>()?;
            segments.push(input.parse()?);
        }
        Ok(FieldPath {
            segments,
            each,
            filter: None,
        })
    }

    fn span(&self) -> proc_macro2::Span {
        syn::spanned::Spanned::span(&self.segments[0])
    }

    fn tokens(&self) -> TokenStream {
        let segments = &self.segments;
        quote!(self #(.#segments)*)
    }

    /// For a path with `[]`: the list, and the path inside one element (from `__item`).
    fn split(&self) -> Option<(TokenStream, TokenStream)> {
        let each = self.each?;
        let (list, inside) = self.segments.split_at(each + 1);
        Some((quote!(self #(.#list)*), quote!(__item #(.#inside)*)))
    }
}

/// The struct's named fields, for "no field named …" checks.
fn field_names(item: &ItemStruct) -> Vec<String> {
    item.fields
        .iter()
        .filter_map(|field| field.ident.as_ref().map(ToString::to_string))
        .collect()
}

fn check_path(cx: &Ctxt, item: &ItemStruct, path: &FieldPath) {
    match &path.segments[0] {
        Member::Named(first) if !field_names(item).contains(&first.to_string()) => {
            cx.error_spanned_by(
                first,
                format!("`{}` has no field named `{first}`", item.ident),
            );
        }
        Member::Unnamed(index) if index.index as usize >= item.fields.len() => {
            cx.error_spanned_by(
                index,
                format!("`{}` has no field {}", item.ident, index.index),
            );
        }
        _ => {}
    }
}

/// Reads `#[NAME(key = path, ...)]` attributes with the given keys.
fn keyed_paths(
    cx: &Ctxt,
    item: &ItemStruct,
    attribute: &str,
    keys: &[&str],
) -> Vec<(Ident, FieldPath)> {
    // Only a rejection's reason reads every element of a list.
    let lists = attribute == "rejection";
    let mut found: Vec<(Ident, FieldPath)> = Vec::new();
    for attr in item
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident(attribute))
    {
        let parser = |input: ParseStream| -> syn::Result<Vec<(Ident, FieldPath)>> {
            let mut pairs = Vec::new();
            while !input.is_empty() {
                let key: Ident = input.parse()?;
                if !keys.iter().any(|known| key == known) {
                    let expected = keys
                        .iter()
                        .map(|key| format!("`{key}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!("unknown key `{key}`; expected one of {expected}"),
                    ));
                }
                input.parse::<Token![=]>()?;
                let mut path = FieldPath::parse(input)?;
                if input.peek(Token![if]) {
                    input.parse::<Token![if]>()?;
                    path.filter = Some(input.parse()?);
                }
                pairs.push((key, path));
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(pairs)
        };
        match attr.parse_args_with(parser) {
            Ok(pairs) => {
                for (key, path) in pairs {
                    if found.iter().any(|(seen, _)| *seen == key) {
                        cx.error_spanned_by(&key, format!("`{key}` is given twice"));
                        continue;
                    }
                    check_path(cx, item, &path);
                    // A refunded amount may be the sum of a list of refunds (Efí's devoluções).
                    let summed = !lists && key == "refunded";
                    if path.each.is_some() && !lists && !summed {
                        cx.error_at(
                            path.span(),
                            format!("`{key}` names one value; `[]` reads every element of a list, which only `refunded` (a sum) and `#[rejection(...)]` do"),
                        );
                    }
                    if let Some(filter) = &path.filter
                        && (path.each.is_none() || !summed)
                    {
                        cx.error_spanned_by(
                            filter,
                            "`if field` chooses which elements of a summed list count: it follows `refunded = list[].amount`",
                        );
                    }
                    found.push((key, path));
                }
            }
            Err(error) => cx.syn_error(error),
        }
    }
    found
}

fn take(found: &mut Vec<(Ident, FieldPath)>, key: &str) -> Option<FieldPath> {
    let position = found.iter().position(|(seen, _)| seen == key)?;
    Some(found.remove(position).1)
}

fn parse_struct(tokens: TokenStream, derive: &str) -> syn::Result<ItemStruct> {
    let item: ItemStruct = syn::parse2(tokens).map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("`#[derive({derive})]` goes on a struct with named fields"),
        )
    })?;
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            format!("`#[derive({derive})]` does not support generic types"),
        ));
    }
    Ok(item)
}

/// `#[derive(CancelResponse)] #[cancel(outcome = status, refunded = .., remaining = ..,
/// paid = .., original = .., amount = .., reference = .., id = .., method = .., dated = ..)]`
pub(crate) fn cancel_response(tokens: TokenStream) -> TokenStream {
    let item = match parse_struct(tokens, "CancelResponse") {
        Ok(item) => item,
        Err(error) => return error.into_compile_error(),
    };
    let cx = Ctxt::new();
    let mut found = keyed_paths(
        &cx,
        &item,
        "cancel",
        &[
            "outcome",
            "refunded",
            "remaining",
            "paid",
            "original",
            "amount",
            "reference",
            "id",
            "method",
            "dated",
            "reason",
        ],
    );
    if let Err(error) = cx.check() {
        return error.into_compile_error();
    }
    let outcome = take(&mut found, "outcome");
    let refunded = take(&mut found, "refunded");
    let remaining = take(&mut found, "remaining");
    let paid = take(&mut found, "paid");
    let original = take(&mut found, "original");
    let reference = take(&mut found, "reference");
    let payment_amount = take(&mut found, "amount");
    let id = take(&mut found, "id");
    let method = take(&mut found, "method");
    let dated = take(&mut found, "dated");
    let reason = take(&mut found, "reason");

    let none = quote!(::core::option::Option::None);
    let amount = |path: &FieldPath| {
        let access = path.tokens();
        quote_spanned!(path.span()=> ::estorno::__private::AmountField::as_cents(&#access))
    };
    let status_text = outcome.as_ref().map_or(none.clone(), |path| {
        let access = path.tokens();
        quote_spanned!(path.span()=> ::estorno::__private::StatusField::status_text(&#access))
    });
    let partial_outcome = outcome.as_ref().map_or(none.clone(), |path| {
        let access = path.tokens();
        quote_spanned!(path.span()=> ::estorno::__private::StatusField::partial_status_outcome(&#access))
    });
    let outcome = outcome.map_or(none.clone(), |path| {
        let access = path.tokens();
        quote_spanned!(path.span()=> ::estorno::__private::StatusField::status_outcome(&#access))
    });
    // Amounts a provider does not state directly follow from the ones it does: Zoop gives
    // `original_amount` and what remains, PicPay E-commerce gives what was paid and refunded.
    let refunded_tokens = match (&refunded, &original, &remaining) {
        // The sum of a list of refunds, counting only those done where a status field says.
        (Some(path), _, _) if path.each.is_some() => {
            let (list, inside) = path.split().unwrap_or_default();
            let keep = match &path.filter {
                Some(field) => quote_spanned! {field.span()=>
                    ::core::matches!(
                        ::estorno::__private::StatusField::status_outcome(&__item.#field),
                        ::core::option::Option::Some(
                            ::estorno::Outcome::Refunded
                                | ::estorno::Outcome::PartiallyRefunded
                                | ::estorno::Outcome::Voided
                        )
                    )
                },
                None => quote!(true),
            };
            quote_spanned! {path.span()=>
                {
                    let mut __total = ::estorno::Cents::ZERO;
                    for __item in ::estorno::__private::Elements::elements(&#list) {
                        if #keep {
                            __total = __total
                                .checked_add(::estorno::__private::AmountField::as_cents(&#inside)?)?;
                        }
                    }
                    ::core::option::Option::Some(__total)
                }
            }
        }
        (Some(path), _, _) => amount(path),
        (None, Some(original), Some(remaining)) => {
            let (original, remaining) = (amount(original), amount(remaining));
            quote! {
                match (#original, #remaining) {
                    (::core::option::Option::Some(original), ::core::option::Option::Some(remaining)) => original.checked_sub(remaining),
                    _ => ::core::option::Option::None,
                }
            }
        }
        _ => none.clone(),
    };
    let remaining_tokens = match (&remaining, &paid, &refunded) {
        (Some(path), _, _) => amount(path),
        (None, Some(paid), Some(_)) => {
            // What was refunded as `refunded()` reads it (a single field, or a sum).
            let paid = amount(paid);
            let refunded = quote!(::estorno::CancelResponse::refunded(self));
            quote! {
                match (#paid, #refunded) {
                    (::core::option::Option::Some(paid), ::core::option::Option::Some(refunded)) => paid.checked_sub(refunded),
                    _ => ::core::option::Option::None,
                }
            }
        }
        _ => none.clone(),
    };
    // The payment's whole amount: declared, or what was paid, or what was first charged.
    let amount_tokens = match payment_amount
        .as_ref()
        .or(paid.as_ref())
        .or(original.as_ref())
    {
        Some(path) => amount(path),
        None => none.clone(),
    };
    let text_field = |path: Option<FieldPath>| {
        path.map_or(none.clone(), |path| {
            let access = path.tokens();
            quote_spanned!(path.span()=> ::estorno::__private::ReferenceField::as_reference(&#access))
        })
    };
    let reference = text_field(reference);
    let id = text_field(id);
    let method = method.map_or(none.clone(), |path| {
        let access = path.tokens();
        quote_spanned!(path.span()=> ::estorno::__private::MethodField::as_method(&#access))
    });
    let dated = dated.map_or(none.clone(), |path| {
        let access = path.tokens();
        quote_spanned!(path.span()=> ::estorno::__private::DateField::as_date(&#access))
    });
    let reason = reason.map(|path| {
        let access = path.tokens();
        quote_spanned! {path.span()=>
            fn reason(&self) -> ::core::option::Option<::std::string::String> {
                ::core::option::Option::Some(::estorno::__private::ReasonField::as_reason(&#access))
                    .filter(|reason| !reason.is_empty())
            }
        }
    });
    let ident = &item.ident;
    quote! {
        #[automatically_derived]
        impl ::estorno::CancelResponse for #ident {
            #reason

            fn outcome(&self) -> ::core::option::Option<::estorno::Outcome> {
                #outcome
            }

            fn partial_outcome(&self) -> ::core::option::Option<::estorno::Outcome> {
                #partial_outcome
            }

            fn status_text(&self) -> ::core::option::Option<::std::string::String> {
                #status_text
            }

            fn refunded(&self) -> ::core::option::Option<::estorno::Cents> {
                #refunded_tokens
            }

            fn remaining(&self) -> ::core::option::Option<::estorno::Cents> {
                #remaining_tokens
            }

            fn reference(&self) -> ::core::option::Option<::std::string::String> {
                #reference
            }

            fn amount(&self) -> ::core::option::Option<::estorno::Cents> {
                #amount_tokens
            }

            fn payment_id(&self) -> ::core::option::Option<::std::string::String> {
                #id
            }

            fn method(&self) -> ::core::option::Option<u64> {
                #method
            }

            fn dated(&self) -> ::core::option::Option<::estorno::DateParts> {
                #dated
            }
        }
    }
}

/// `#[derive(Rejection)] #[rejection(reason = message, code = business_code)]`
pub(crate) fn rejection(tokens: TokenStream) -> TokenStream {
    let item = match parse_struct(tokens, "Rejection") {
        Ok(item) => item,
        Err(error) => return error.into_compile_error(),
    };
    let cx = Ctxt::new();
    let mut found = keyed_paths(&cx, &item, "rejection", &["reason", "code"]);
    let reason = take(&mut found, "reason");
    // A `#[rejection(...)]` that could not be read was reported already; it is not missing.
    if reason.is_none() && !cx.has_errors() {
        cx.error_spanned_by(
            &item.ident,
            "`#[derive(Rejection)]` needs `#[rejection(reason = field)]` naming the field with the provider's message",
        );
    }
    let Some(reason) = reason else {
        return cx
            .check()
            .err()
            .map(syn::Error::into_compile_error)
            .unwrap_or_default();
    };
    let code = take(&mut found, "code");
    let text = |access: TokenStream, span: proc_macro2::Span| quote_spanned!(span=> ::estorno::__private::ReasonField::as_reason(&#access));
    // `code: reason`, or the reason alone when there is no code.
    let joined = |code: Option<TokenStream>, reason: TokenStream| match code {
        Some(code) => quote! {{
            let reason = #reason;
            let code = #code;
            match (code.is_empty(), reason.is_empty()) {
                (true, _) => reason,
                (false, true) => code,
                (false, false) => ::std::format!("{code}: {reason}"),
            }
        }},
        None => reason,
    };
    let body = match reason.split() {
        None => {
            if let Some(code) = &code
                && code.each.is_some()
            {
                cx.error_at(
                    code.span(),
                    "`code` reads a list but `reason` does not; give them the same list, as in `reason = errors[].message, code = errors[].code`",
                );
            }
            joined(
                code.as_ref().map(|code| text(code.tokens(), code.span())),
                text(reason.tokens(), reason.span()),
            )
        }
        Some((list, inside)) => {
            // Every element's `code: reason`, in order, joined by "; ".
            let (outer, inner) = match &code {
                Some(code) => match code.split() {
                    Some((code_list, code_inside)) => {
                        if code_list.to_string() != list.to_string() {
                            cx.error_at(
                                code.span(),
                                "`code` and `reason` read different lists; give them the same one",
                            );
                        }
                        (None, Some(text(code_inside, code.span())))
                    }
                    None => (Some(text(code.tokens(), code.span())), None),
                },
                None => (None, None),
            };
            let each = joined(inner, text(inside, reason.span()));
            let all = quote_spanned! {reason.span()=>
                ::estorno::__private::Elements::elements(&#list)
                    .into_iter()
                    .map(|__item| #each)
                    .filter(|text| !text.is_empty())
                    .collect::<::std::vec::Vec<::std::string::String>>()
                    .join("; ")
            };
            joined(outer, all)
        }
    };
    if let Err(error) = cx.check() {
        return error.into_compile_error();
    }
    let ident = &item.ident;
    quote! {
        #[automatically_derived]
        impl ::estorno::Rejection for #ident {
            fn reason(&self) -> ::std::string::String {
                #body
            }
        }
    }
}

/// A local binding name for the `index`th `field("…")` in a `cancel(...)` declaration.
pub(crate) fn field_binding(index: usize, optional: bool) -> Ident {
    if optional {
        format_ident!("__optional_field_{index}")
    } else {
        format_ident!("__field_{index}")
    }
}
