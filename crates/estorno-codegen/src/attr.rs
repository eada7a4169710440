//! Parses spec attributes into the model, recording every mistake in the context.
//!
//! Syntax errors inside one attribute stop that attribute only; the rest of the spec is still
//! read so that all mistakes surface together.

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::{
    Attribute, Expr, ExprLit, FnArg, GenericArgument, Ident, ItemTrait, Lit, LitInt, LitStr, Meta,
    Pat, PathArguments, ReturnType, Token, TraitItem, Type,
};

use crate::ast::{
    Auth, Body, BodyKind, CancelDecl, ConstHeader, Endpoint, Location, Method, Param, Provider,
    Rule, StatusMapping, StatusMatch, StatusPattern,
};
use crate::ctxt::Ctxt;

mod auth;
mod cancel;
mod status;

use auth::auth_scheme;
use cancel::cancel_decl;
pub(crate) use cancel::field_args;
pub(crate) use status::status_enum;

mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(slug);
    syn::custom_keyword!(production);
    syn::custom_keyword!(sandbox);
    syn::custom_keyword!(auth);
    syn::custom_keyword!(header);
    syn::custom_keyword!(headers);
    syn::custom_keyword!(bearer);
    syn::custom_keyword!(basic);
    syn::custom_keyword!(basic_key);
    syn::custom_keyword!(bearer_with_api_key);
    syn::custom_keyword!(oauth2_client_credentials);
    syn::custom_keyword!(token_url);
    syn::custom_keyword!(sandbox_token_url);
    syn::custom_keyword!(request);
    syn::custom_keyword!(json);
    syn::custom_keyword!(form);
    syn::custom_keyword!(api_key_header);
    syn::custom_keyword!(rename);
    syn::custom_keyword!(len);
    syn::custom_keyword!(chars);
    syn::custom_keyword!(min);
    syn::custom_keyword!(max);
    syn::custom_keyword!(secs);
    syn::custom_keyword!(millis);
    syn::custom_keyword!(default);
    syn::custom_keyword!(cancel);
    syn::custom_keyword!(total);
    syn::custom_keyword!(partial);
    syn::custom_keyword!(status);
    syn::custom_keyword!(window);
    syn::custom_keyword!(acquirer);
    syn::custom_keyword!(methods);
    syn::custom_keyword!(days);
}

/// The operation attributes, for "expected one of" messages.
const OPERATION_ATTRIBUTES: &str = "`get`, `post`, `put`, `patch`, `delete`, `head`, `ok`, `err`, \
     `idempotent`, `reconcile`, `timeout`, `header`";

/// Reads a provider spec: the `#[estorno::provider(...)]` arguments and the trait.
pub(crate) fn provider(cx: &Ctxt, args: TokenStream, item: &ItemTrait) -> Option<Provider> {
    let args = provider_args(cx, args, item);
    let endpoints = item
        .items
        .iter()
        .filter_map(|trait_item| match trait_item {
            TraitItem::Fn(function) => endpoint(cx, function),
            other => {
                cx.error_spanned_by(
                    other,
                    "a provider spec holds only operations; declare types outside the trait",
                );
                None
            }
        })
        .collect();

    let ProviderArgs {
        name,
        slug,
        production,
        sandbox,
        auth,
        headers,
        cancel,
    } = args?;
    let slug = match slug {
        Some(slug) => slug.value(),
        None => slugify(&name.value()),
    };
    Some(Provider {
        ident: item.ident.clone(),
        vis: item.vis.clone(),
        docs: docs(&item.attrs),
        name,
        slug,
        production,
        sandbox,
        auth,
        headers,
        endpoints,
        cancel,
    })
}

struct ProviderArgs {
    name: LitStr,
    slug: Option<LitStr>,
    production: Option<LitStr>,
    sandbox: Option<LitStr>,
    auth: Auth,
    headers: Vec<ConstHeader>,
    cancel: Option<CancelDecl>,
}

fn provider_args(cx: &Ctxt, args: TokenStream, item: &ItemTrait) -> Option<ProviderArgs> {
    let mut name = None;
    let mut slug = None;
    let mut production = None;
    let mut sandbox = None;
    let mut auth = None;
    let mut headers = Vec::new();
    let mut cancel = None;

    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::name) {
                set_once(cx, &mut name, key_value::<kw::name>(input)?, "name");
            } else if lookahead.peek(kw::slug) {
                set_once(cx, &mut slug, key_value::<kw::slug>(input)?, "slug");
            } else if lookahead.peek(kw::production) {
                let url = key_value::<kw::production>(input)?;
                set_once(cx, &mut production, url, "production");
            } else if lookahead.peek(kw::sandbox) {
                set_once(
                    cx,
                    &mut sandbox,
                    key_value::<kw::sandbox>(input)?,
                    "sandbox",
                );
            } else if lookahead.peek(kw::auth) {
                let keyword: kw::auth = input.parse()?;
                input.parse::<Token![=]>()?;
                let scheme = auth_scheme(input)?;
                if auth.is_some() {
                    cx.error_spanned_by(keyword, "duplicate `auth`; a provider has one scheme");
                } else {
                    auth = Some(scheme);
                }
            } else if lookahead.peek(kw::header) {
                input.parse::<kw::header>()?;
                let content;
                syn::parenthesized!(content in input);
                headers.push(const_header(&content)?);
            } else if lookahead.peek(kw::cancel) {
                let keyword: kw::cancel = input.parse()?;
                let content;
                syn::parenthesized!(content in input);
                let declared = cancel_decl(&content, keyword.span)?;
                if cancel.is_some() {
                    cx.error_spanned_by(keyword, "duplicate `cancel`; it is declared once");
                } else {
                    cancel = Some(declared);
                }
            } else {
                return Err(lookahead.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
        return None;
    }

    let name = name.or_else(|| {
        cx.error_spanned_by(
            &item.ident,
            "the provider needs a `name`: #[estorno::provider(name = \"...\", ...)]",
        );
        None
    });
    let auth = auth.or_else(|| {
        cx.error_spanned_by(
            &item.ident,
            "the provider needs an `auth` scheme, e.g. `auth = bearer`",
        );
        None
    });
    if production.is_none() && sandbox.is_none() {
        cx.error_spanned_by(
            &item.ident,
            "the provider needs a `production` or `sandbox` base URL",
        );
    }
    Some(ProviderArgs {
        name: name?,
        slug,
        production,
        sandbox,
        auth: auth?,
        headers,
        cancel,
    })
}

fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, key: &str)
where
    T: quote::ToTokens,
{
    if slot.is_some() {
        cx.error_spanned_by(&value, format!("duplicate `{key}`; it is given once"));
    } else {
        *slot = Some(value);
    }
}

/// Parses `key = "value"` after peeking `key`.
fn key_value<K: syn::parse::Parse>(input: ParseStream) -> syn::Result<LitStr> {
    input.parse::<K>()?;
    input.parse::<Token![=]>()?;
    input.parse()
}

/// Parses `"name" = "value"`.
fn const_header(input: ParseStream) -> syn::Result<ConstHeader> {
    let name: LitStr = input.parse()?;
    input.parse::<Token![=]>()?;
    let value: LitStr = input.parse()?;
    Ok(ConstHeader { name, value })
}

/// Reads one operation. Returns `None` when it is too broken to model.
fn endpoint(cx: &Ctxt, function: &syn::TraitItemFn) -> Option<Endpoint> {
    let sig = &function.sig;
    let mut method: Option<(Method, LitStr, Ident)> = None;
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    let mut idempotent = false;
    let mut reconcile = None;
    let mut timeout_millis = None;
    let mut headers = Vec::new();

    if let Some(receiver) = sig.receiver() {
        cx.error_spanned_by(
            receiver,
            "operations take no `self`; the generated client adds it",
        );
    }
    if let Some(default) = &function.default {
        cx.error_spanned_by(
            default,
            "operations have no body; the macro writes the HTTP call",
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "operations cannot be generic");
    }

    for attr in &function.attrs {
        let Some(ident) = attr.path().get_ident() else {
            cx.error_spanned_by(
                attr.path(),
                format!("unknown attribute; expected one of {OPERATION_ATTRIBUTES}"),
            );
            continue;
        };
        let key = ident.to_string();
        if key == "doc" {
            continue;
        }
        if let Some(verb) = Method::from_keyword(&key) {
            match attr.parse_args::<LitStr>() {
                Ok(path) if method.is_none() => method = Some((verb, path, ident.clone())),
                Ok(_) => cx.error_spanned_by(
                    ident,
                    "an operation has one HTTP method; remove one of the method attributes",
                ),
                Err(error) => cx.syn_error(error),
            }
            continue;
        }
        let result = match key.as_str() {
            "ok" => attr
                .parse_args_with(|input: ParseStream| status_mapping(input, false))
                .map(|mapping| ok.push(mapping)),
            "err" => attr
                .parse_args_with(|input: ParseStream| status_mapping(input, true))
                .map(|mapping| errors.push(mapping)),
            "idempotent" => match &attr.meta {
                Meta::Path(_) => {
                    idempotent = true;
                    Ok(())
                }
                other => Err(syn::Error::new_spanned(
                    other,
                    "`#[idempotent]` takes no arguments",
                )),
            },
            "reconcile" => attr
                .parse_args::<Ident>()
                .map(|operation| reconcile = Some(operation)),
            "timeout" => attr
                .parse_args_with(timeout)
                .map(|millis| timeout_millis = Some(millis)),
            "header" => attr
                .parse_args_with(const_header)
                .map(|header| headers.push(header)),
            _ => Err(syn::Error::new_spanned(
                ident,
                format!("unknown attribute `#[{key}]`; expected one of {OPERATION_ATTRIBUTES}"),
            )),
        };
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }

    let (params, body) = parameters(cx, sig);
    let inputs = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(pat) => Some((pat.ident.clone(), (*typed.ty).clone())),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .collect();
    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) if is_unit(ty) => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    };

    let Some((method, path, _)) = method else {
        cx.error_spanned_by(
            &sig.ident,
            "operation `{}` has no HTTP method; add one of `#[get(\"/path\")]`, `#[post(...)]`, `#[put(...)]`, `#[patch(...)]`, `#[delete(...)]`, `#[head(...)]`"
                .replace("{}", &sig.ident.to_string()),
        );
        return None;
    };
    Some(Endpoint {
        ident: sig.ident.clone(),
        docs: docs(&function.attrs),
        method,
        path,
        segments: Vec::new(),
        inputs,
        params,
        body,
        ok,
        errors,
        output,
        idempotent,
        reconcile,
        timeout_millis,
        headers,
    })
}

/// `secs = 30` or `millis = 1500`.
fn timeout(input: ParseStream) -> syn::Result<u64> {
    let lookahead = input.lookahead1();
    let scale = if lookahead.peek(kw::secs) {
        input.parse::<kw::secs>()?;
        1000
    } else if lookahead.peek(kw::millis) {
        input.parse::<kw::millis>()?;
        1
    } else {
        return Err(lookahead.error());
    };
    input.parse::<Token![=]>()?;
    let value: LitInt = input.parse()?;
    let amount: u64 = value.base10_parse()?;
    if amount == 0 {
        return Err(syn::Error::new_spanned(
            value,
            "a timeout of zero would fail every call",
        ));
    }
    amount
        .checked_mul(scale)
        .ok_or_else(|| syn::Error::new_spanned(&value, "timeout too large"))
}

/// `200 | 201 => T`, `500..=599 => E`, `default => E`, `200 if "erro" => E`.
fn status_mapping(input: ParseStream, is_error: bool) -> syn::Result<StatusMapping> {
    let mut patterns = Vec::new();
    loop {
        patterns.push(status_pattern(input)?);
        if input.peek(Token![|]) {
            input.parse::<Token![|]>()?;
        } else {
            break;
        }
    }
    let when_field = if input.peek(Token![if]) {
        input.parse::<Token![if]>()?;
        Some(input.parse::<LitStr>()?)
    } else {
        None
    };
    let ty = if input.peek(Token![=>]) {
        input.parse::<Token![=>]>()?;
        Some(input.parse::<Type>()?)
    } else if is_error {
        return Err(input.error("expected `=> ErrorType` naming the typed error body"));
    } else {
        None
    };
    if !input.is_empty() {
        return Err(input.error("unexpected tokens after the status mapping"));
    }
    Ok(StatusMapping {
        patterns,
        when_field,
        ty,
    })
}

fn status_pattern(input: ParseStream) -> syn::Result<StatusPattern> {
    let lookahead = input.lookahead1();
    if lookahead.peek(kw::default) {
        let keyword: kw::default = input.parse()?;
        return Ok(StatusPattern {
            kind: StatusMatch::Default,
            span: keyword.span,
        });
    }
    if !lookahead.peek(LitInt) {
        return Err(lookahead.error());
    }
    let low: LitInt = input.parse()?;
    let low_status = http_status(&low)?;
    if input.peek(Token![..=]) {
        input.parse::<Token![..=]>()?;
        let high: LitInt = input.parse()?;
        let high_status = http_status(&high)?;
        let span = low.span().join(high.span()).unwrap_or(low.span());
        if high_status < low_status {
            return Err(syn::Error::new(
                span,
                format!("empty status range: {low_status} is above {high_status}"),
            ));
        }
        return Ok(StatusPattern {
            kind: StatusMatch::Range(low_status, high_status),
            span,
        });
    }
    Ok(StatusPattern {
        kind: StatusMatch::One(low_status),
        span: low.span(),
    })
}

fn http_status(literal: &LitInt) -> syn::Result<u16> {
    let status: u16 = literal.base10_parse()?;
    if !(100..=599).contains(&status) {
        return Err(syn::Error::new_spanned(
            literal,
            format!("{status} is not an HTTP status; statuses run from 100 to 599"),
        ));
    }
    Ok(status)
}

/// Reads the operation's parameters: path, query and header parameters, and the body.
fn parameters(cx: &Ctxt, sig: &syn::Signature) -> (Vec<Param>, Option<Body>) {
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
        for attr in &typed.attrs {
            let parsed = match param_attr(attr) {
                Ok(parsed) => parsed,
                Err(error) => {
                    cx.syn_error(error);
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
        _ => {
            return Err(syn::Error::new_spanned(
                path,
                "unknown parameter attribute; expected one of `path`, `query`, `header`, `json`, `form`",
            ));
        }
    };
    if matches!(attr.meta, Meta::Path(_)) {
        if location == Location::Header {
            return Err(syn::Error::new_spanned(
                path,
                "`#[header]` needs the header's name: #[header(\"caller-origin\")]",
            ));
        }
        return Ok(ParamAttr::Located(location, None, Rule::default()));
    }
    attr.parse_args_with(|input: ParseStream| {
        let mut rename = None;
        if location == Location::Header {
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
fn rule(input: ParseStream, location: Location, rename: &mut Option<LitStr>) -> syn::Result<Rule> {
    let mut rule = Rule::default();
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if location != Location::Header && lookahead.peek(kw::rename) {
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
fn char_ranges(pattern: &LitStr) -> syn::Result<Vec<(char, char)>> {
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

/// The `///` lines of an item, trimmed of the single leading space rustdoc adds.
pub(crate) fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(meta) if meta.path.is_ident("doc") => match &meta.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => {
                    let line = text.value();
                    Some(line.strip_prefix(' ').unwrap_or(&line).to_owned())
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `Option<T>` gives `Some(T)`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// `"PicPay Checkout"` gives `"picpay-checkout"`.
fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for character in name.chars() {
        if character.is_ascii_alphanumeric() {
            slug.push(character.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_kebab_case() {
        assert_eq!(slugify("PicPay Checkout"), "picpay-checkout");
        assert_eq!(slugify("PicPay E-commerce"), "picpay-e-commerce");
        assert_eq!(slugify("Zoop"), "zoop");
    }

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
