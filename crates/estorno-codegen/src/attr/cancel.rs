//! Parses the `cancel(...)` argument of `#[estorno::provider]`: its calls, and every
//! provider field they name with the rule declared beside it.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, LitInt, LitStr, Token};

use super::{kw, rule};
use crate::ast::{CancelCall, CancelDecl, CancelField, CancelWindow, Location, Rule, StateCall};

/// `total = op(args), partial = op(args), status = op(args), reconcile = op(args)`, any number of
/// `total(when = "state" | ...) = op(args)`, and any number of
/// `window(acquirer = "…", methods = a..=b, days = n)`.
pub(super) fn cancel_decl(input: ParseStream, keyword: Span) -> syn::Result<CancelDecl> {
    let mut total = None;
    let mut partial = None;
    let mut status = None;
    let mut reconcile = None;
    let mut windows = Vec::new();
    let mut by_state = Vec::new();
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::window) {
            let keyword = input.parse::<kw::window>()?;
            let content;
            syn::parenthesized!(content in input);
            windows.push(window(&content, keyword.span)?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
            continue;
        }
        if lookahead.peek(kw::total) && input.peek2(syn::token::Paren) {
            input.parse::<kw::total>()?;
            let content;
            syn::parenthesized!(content in input);
            let states = state_values(&content)?;
            input.parse::<Token![=]>()?;
            by_state.push(StateCall {
                states,
                call: call(input)?,
            });
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
            continue;
        }
        let slot = if lookahead.peek(kw::total) {
            input.parse::<kw::total>()?;
            &mut total
        } else if lookahead.peek(kw::partial) {
            input.parse::<kw::partial>()?;
            &mut partial
        } else if lookahead.peek(kw::status) {
            input.parse::<kw::status>()?;
            &mut status
        } else if lookahead.peek(kw::reconcile) {
            input.parse::<kw::reconcile>()?;
            &mut reconcile
        } else {
            return Err(lookahead.error());
        };
        input.parse::<Token![=]>()?;
        let call = call(input)?;
        if slot.is_some() {
            return Err(syn::Error::new_spanned(
                &call.operation,
                "this role is already declared",
            ));
        }
        *slot = Some(call);
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    let Some(total) = total else {
        return Err(syn::Error::new(
            keyword,
            "`cancel(...)` needs `total = operation(...)`, the call that cancels a payment in full",
        ));
    };
    let mut decl = CancelDecl {
        total,
        by_state,
        partial,
        status,
        reconcile,
        fields: Vec::new(),
        windows,
    };
    decl.fields = cancel_fields(&decl)?;
    Ok(decl)
}

/// `op(arg, ...)`: an operation of the spec and its arguments.
fn call(input: ParseStream) -> syn::Result<CancelCall> {
    let call: syn::ExprCall = input.parse()?;
    let operation = match &*call.func {
        Expr::Path(path) if path.path.get_ident().is_some() => path.path.get_ident().cloned(),
        _ => None,
    };
    let Some(operation) = operation else {
        return Err(syn::Error::new_spanned(
            &call.func,
            "expected an operation of this spec, called like `refund(payment, ...)`",
        ));
    };
    Ok(CancelCall {
        operation,
        args: call.args.into_iter().collect(),
    })
}

/// `when = "pending" | "in_process"`: the status values that choose a total's operation.
fn state_values(input: ParseStream) -> syn::Result<Vec<LitStr>> {
    input.parse::<kw::when>()?;
    input.parse::<Token![=]>()?;
    let mut states = vec![input.parse::<LitStr>()?];
    while input.peek(Token![|]) {
        input.parse::<Token![|]>()?;
        states.push(input.parse()?);
    }
    if !input.is_empty() {
        return Err(input.error("expected `|` and another status value, or the end"));
    }
    Ok(states)
}

/// `acquirer = "Cielo", methods = 168..=180, days = 300`, all three, in any order.
fn window(input: ParseStream, keyword: Span) -> syn::Result<CancelWindow> {
    let mut acquirer: Option<LitStr> = None;
    let mut methods = None;
    let mut days = None;
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::acquirer) {
            input.parse::<kw::acquirer>()?;
            input.parse::<Token![=]>()?;
            acquirer = Some(input.parse()?);
        } else if lookahead.peek(kw::methods) {
            input.parse::<kw::methods>()?;
            input.parse::<Token![=]>()?;
            let low: LitInt = input.parse()?;
            input.parse::<Token![..=]>()?;
            let high: LitInt = input.parse()?;
            let (low_value, high_value) = (low.base10_parse::<u64>()?, high.base10_parse::<u64>()?);
            if low_value > high_value {
                return Err(syn::Error::new_spanned(
                    &high,
                    format!("empty range: {low_value} is above {high_value}"),
                ));
            }
            methods = Some((low_value, high_value));
        } else if lookahead.peek(kw::days) {
            input.parse::<kw::days>()?;
            input.parse::<Token![=]>()?;
            let value: LitInt = input.parse()?;
            days = Some(value.base10_parse::<u32>()?);
        } else {
            return Err(lookahead.error());
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    match (acquirer, methods, days) {
        (Some(acquirer), Some(methods), Some(days)) => Ok(CancelWindow {
            acquirer,
            methods,
            days,
        }),
        _ => Err(syn::Error::new(
            keyword,
            "a `window(...)` needs `acquirer = \"…\"`, `methods = a..=b` and `days = n`",
        )),
    }
}

/// Every `field("name", rule...)` and `optional_field("name", rule...)` in the calls, merged by
/// name: a field required anywhere in a call is required by that call.
fn cancel_fields(decl: &CancelDecl) -> syn::Result<Vec<CancelField>> {
    let mut fields: Vec<CancelField> = Vec::new();
    for (role, call) in decl.calls() {
        let mut found = Vec::new();
        for argument in &call.args {
            field_mentions(argument.to_token_stream(), &mut found)?;
        }
        for (name, required, rule) in found {
            let position = match fields
                .iter()
                .position(|field| field.name.value() == name.value())
            {
                Some(position) => position,
                None => {
                    fields.push(CancelField {
                        name: name.clone(),
                        uses: Vec::new(),
                        rule: Rule::default(),
                    });
                    fields.len() - 1
                }
            };
            let field = &mut fields[position];
            if !rule.is_empty() {
                if !field.rule.is_empty() {
                    return Err(syn::Error::new_spanned(
                        &name,
                        format!(
                            "the rule of `{}` is already declared; declare it once, at any use",
                            name.value()
                        ),
                    ));
                }
                field.rule = rule;
            }
            match field.uses.iter_mut().find(|(seen, _)| *seen == role) {
                Some((_, seen_required)) => *seen_required |= required,
                None => field.uses.push((role, required)),
            }
        }
    }
    Ok(fields)
}

/// The `field(...)` and `optional_field(...)` mentions in `tokens`, nested groups included.
fn field_mentions(tokens: TokenStream, found: &mut Vec<(LitStr, bool, Rule)>) -> syn::Result<()> {
    use proc_macro2::{Delimiter, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "field" || ident == "optional_field" => {
                let Some(TokenTree::Group(group)) = trees.get(index + 1) else {
                    continue;
                };
                if group.delimiter() != Delimiter::Parenthesis {
                    continue;
                }
                let (name, rule) = field_args.parse2(group.stream())?;
                found.push((name, ident == "field", rule));
            }
            TokenTree::Group(group) => field_mentions(group.stream(), found)?,
            _ => {}
        }
    }
    Ok(())
}

/// `"name"` or `"name", len = 1..=64, chars = "A-Za-z0-9"`.
pub(crate) fn field_args(input: ParseStream) -> syn::Result<(LitStr, Rule)> {
    let name: LitStr = input.parse()?;
    if name.value().is_empty() {
        return Err(syn::Error::new_spanned(&name, "a field needs a name"));
    }
    if input.is_empty() {
        return Ok((name, Rule::default()));
    }
    input.parse::<Token![,]>()?;
    let rule = rule(input, Location::Header, &mut None)?;
    Ok((name, rule))
}
