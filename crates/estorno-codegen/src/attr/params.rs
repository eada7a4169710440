//! Parses an operation's parameters: where each goes (`#[path]`, `#[query]`, `#[header]`,
//! `#[json]`, `#[form]`), the rule declared beside it, and `#[idempotency_key(...)]`.

use syn::parse::ParseStream;
use syn::{Attribute, Expr, ExprLit, FnArg, Lit, LitInt, LitStr, Meta, Pat, Token};

use super::{key, key_value, kw, option_inner};
use crate::ast::{Body, BodyKind, KeyDecl, Location, Param, Rule};
use crate::ctxt::Ctxt;

/// Reads the operation's parameters: path, query and header parameters, and the body.
pub(super) fn parameters(cx: &Ctxt, sig: &syn::Signature) -> (Vec<Param>, Option<Body>) {
    let mut params = Vec::new();
    let mut body: Option<Body> = None;
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let Pat::Ident(pat) = &*typed.pat else {
            cx.error_spanned_by(&typed.pat, "parameters must be plain names");
            continue;
        };
        let ident = pat.ident.clone();
        let ty = (*typed.ty).clone();

        let mut declared: Option<(&Attribute, ParamAttr)> = None;
        let mut key: Option<KeyDecl> = None;
        // An attribute already reported: the parameter is not reported again as going nowhere.
        let mut broken = false;
        for attr in &typed.attrs {
            if attr.path().is_ident("idempotency_key") {
                match key::key_decl(attr) {
                    Ok(_) if key.is_some() => cx.error_spanned_by(
                        attr,
                        format!("parameter `{ident}` is already the idempotency key"),
                    ),
                    Ok(decl) => key = Some(decl),
                    Err(error) => cx.syn_error(error),
                }
                continue;
            }
            let parsed = match param_attr(attr) {
                Ok(parsed) => parsed,
                Err(error) => {
                    cx.syn_error(error);
                    broken = true;
                    continue;
                }
            };
            if declared.is_some() {
                cx.error_spanned_by(
                    attr,
                    format!(
                        "parameter `{ident}` already says where it goes; keep one of `#[path]`, `#[query]`, `#[header]`, `#[json]`, `#[form]`"
                    ),
                );
            } else {
                declared = Some((attr, parsed));
            }
        }

        let (location, wire, rule) = match declared {
            Some((attr, ParamAttr::Body(kind))) => {
                if let Some(key) = &key {
                    cx.error_spanned_by(
                        &key.attr,
                        "an idempotency key is a path, query, header or `#[json_field(\"…\")]` parameter, not the whole body: give the key its own `#[json_field]` parameter",
                    );
                }
                if body.is_some() {
                    cx.error_spanned_by(
                        attr,
                        "an operation has one body; this is the second `#[json]`/`#[form]` parameter",
                    );
                } else {
                    body = Some(Body {
                        ident,
                        ty,
                        kind,
                        attr: quote::ToTokens::to_token_stream(attr),
                    });
                }
                continue;
            }
            Some((_, ParamAttr::Located(location, wire, rule))) => (location, wire, rule),
            // Undeclared parameters are path parameters when a placeholder names them; the
            // check stage reports the ones that go nowhere.
            None => (Location::Path, None, Rule::default()),
        };
        let optional = option_inner(&ty).is_some();
        let wire = wire
            .map(|wire| wire.value())
            .unwrap_or_else(|| ident.to_string());
        params.push(Param {
            ident,
            ty,
            optional,
            location,
            wire,
            rule,
            key,
            reported: broken,
        });
    }
    (params, body)
}

enum ParamAttr {
    Located(Location, Option<LitStr>, Rule),
    Body(BodyKind),
}

fn param_attr(attr: &Attribute) -> syn::Result<ParamAttr> {
    let path = attr.path();
    let name = path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    let location = match name.as_str() {
        "json" | "form" => {
            if !matches!(attr.meta, Meta::Path(_)) {
                return Err(syn::Error::new_spanned(
                    &attr.meta,
                    format!("`#[{name}]` takes no arguments"),
                ));
            }
            let kind = if name == "json" {
                BodyKind::Json
            } else {
                BodyKind::Form
            };
            return Ok(ParamAttr::Body(kind));
        }
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        "json_field" => Location::JsonField,
        _ => {
            return Err(syn::Error::new_spanned(
                path,
                "unknown parameter attribute; expected one of `path`, `query`, `header`, `json_field`, `json`, `form`",
            ));
        }
    };
    // A header and a body field are named as they go on the wire, first.
    let named = matches!(location, Location::Header | Location::JsonField);
    if matches!(attr.meta, Meta::Path(_)) {
        if location == Location::Header {
            return Err(syn::Error::new_spanned(
                path,
                "`#[header]` needs the header's name: #[header(\"caller-origin\")]",
            ));
        }
        if location == Location::JsonField {
            return Err(syn::Error::new_spanned(
                path,
                "`#[json_field]` needs the field's name: #[json_field(\"cancel_custom_key\")]",
            ));
        }
        return Ok(ParamAttr::Located(location, None, Rule::default()));
    }
    attr.parse_args_with(|input: ParseStream| {
        let mut rename = None;
        if named {
            rename = Some(input.parse::<LitStr>()?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let rule = rule(input, location, &mut rename)?;
        Ok(ParamAttr::Located(location, rename, rule))
    })
}

/// `rename = "x", len = 6..=36, chars = "A-Za-z0-9-", min = 1, max = 100`
pub(super) fn rule(
    input: ParseStream,
    location: Location,
    rename: &mut Option<LitStr>,
) -> syn::Result<Rule> {
    let mut rule = Rule::default();
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if !matches!(location, Location::Header | Location::JsonField) && lookahead.peek(kw::rename)
        {
            *rename = Some(key_value::<kw::rename>(input)?);
        } else if lookahead.peek(kw::len) {
            input.parse::<kw::len>()?;
            input.parse::<Token![=]>()?;
            let (min_len, max_len) = length_range(input)?;
            rule.min_len = min_len;
            rule.max_len = max_len;
        } else if lookahead.peek(kw::chars) {
            let pattern = key_value::<kw::chars>(input)?;
            let ranges = char_ranges(&pattern)?;
            rule.chars = Some((pattern, ranges));
        } else if lookahead.peek(kw::min) {
            input.parse::<kw::min>()?;
            input.parse::<Token![=]>()?;
            rule.min = Some(signed_int(input)?);
        } else if lookahead.peek(kw::max) {
            input.parse::<kw::max>()?;
            input.parse::<Token![=]>()?;
            rule.max = Some(signed_int(input)?);
        } else {
            return Err(lookahead.error());
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    if let (Some(min), Some(max)) = (rule.min, rule.max)
        && min > max
    {
        return Err(input.error(format!("`min = {min}` is above `max = {max}`")));
    }
    Ok(rule)
}

fn signed_int(input: ParseStream) -> syn::Result<i128> {
    let negative = input.peek(Token![-]);
    if negative {
        input.parse::<Token![-]>()?;
    }
    let value: i128 = input.parse::<LitInt>()?.base10_parse()?;
    Ok(if negative { -value } else { value })
}

/// `6..=36`, `6..37`, `..=36`, `6..`, or an exact `8`.
fn length_range(input: ParseStream) -> syn::Result<(Option<usize>, Option<usize>)> {
    let expr: Expr = input.parse()?;
    let literal = |expr: &Expr| -> syn::Result<usize> {
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => int.base10_parse(),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a whole number of characters",
            )),
        }
    };
    let (min, max) = match &expr {
        Expr::Range(range) => {
            let min = range.start.as_deref().map(literal).transpose()?;
            let end = range.end.as_deref().map(literal).transpose()?;
            let max = match (&range.limits, end) {
                (syn::RangeLimits::Closed(_), end) => end,
                (syn::RangeLimits::HalfOpen(_), Some(end)) => {
                    Some(end.checked_sub(1).ok_or_else(|| {
                        syn::Error::new_spanned(&expr, "empty length range: no length fits")
                    })?)
                }
                (syn::RangeLimits::HalfOpen(_), None) => None,
            };
            (min, max)
        }
        other => {
            let exact = literal(other)?;
            (Some(exact), Some(exact))
        }
    };
    if let (Some(low), Some(high)) = (min, max)
        && low > high
    {
        return Err(syn::Error::new_spanned(
            &expr,
            format!("empty length range: the minimum {low} is above the maximum {high}"),
        ));
    }
    if max == Some(0) {
        return Err(syn::Error::new_spanned(
            &expr,
            "a maximum length of 0 allows only empty values, which are never sent",
        ));
    }
    Ok((min.filter(|&min| min > 0), max))
}

/// `"A-Za-z0-9-"` into inclusive ranges; a `-` first or last is a literal dash.
pub(super) fn char_ranges(pattern: &LitStr) -> syn::Result<Vec<(char, char)>> {
    let text: Vec<char> = pattern.value().chars().collect();
    if text.is_empty() {
        return Err(syn::Error::new_spanned(
            pattern,
            "`chars` is empty; no value could pass",
        ));
    }
    let mut ranges = Vec::new();
    let mut index = 0;
    while index < text.len() {
        let low = text[index];
        if index + 2 < text.len() && text[index + 1] == '-' {
            let high = text[index + 2];
            if high < low {
                return Err(syn::Error::new_spanned(
                    pattern,
                    format!("bad character range `{low}-{high}`: `{low}` comes after `{high}`"),
                ));
            }
            ranges.push((low, high));
            index += 3;
        } else {
            ranges.push((low, low));
            index += 1;
        }
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_classes_parse_into_ranges() {
        let pattern: LitStr = syn::parse_quote!("A-Za-z0-9-");
        assert_eq!(
            char_ranges(&pattern).unwrap(),
            vec![('A', 'Z'), ('a', 'z'), ('0', '9'), ('-', '-')]
        );
        let reversed: LitStr = syn::parse_quote!("Z-A");
        assert!(char_ranges(&reversed).is_err());
    }
}
