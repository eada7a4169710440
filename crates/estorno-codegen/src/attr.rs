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
    Auth, AuthVariant, CancelDecl, Condition, ConstHeader, Endpoint, Host, Meaning, Method,
    Provider, StatusMapping, StatusMatch, StatusPattern,
};
use crate::ctxt::Ctxt;

mod auth;
mod cancel;
mod key;
mod params;
mod status;

use auth::auth_scheme;
use cancel::cancel_decl;
pub(crate) use cancel::field_args;
use params::{parameters, rule};
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
    syn::custom_keyword!(kept_hours);
    syn::custom_keyword!(permanent);
    syn::custom_keyword!(kept_undocumented);
    syn::custom_keyword!(unverified);
    syn::custom_keyword!(conflict);
    syn::custom_keyword!(when);
    syn::custom_keyword!(reconcile);
    syn::custom_keyword!(client_certificate);
    syn::custom_keyword!(host);
    syn::custom_keyword!(client_auth);
    syn::custom_keyword!(body);
    syn::custom_keyword!(scope);
}

/// The operation attributes, for "expected one of" messages.
const OPERATION_ATTRIBUTES: &str = "`get`, `post`, `put`, `patch`, `delete`, `head`, `ok`, `err`, \
     `idempotent`, `reconcile`, `timeout`, `header`, `host`";

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
        auths,
        headers,
        client_certificate,
        hosts,
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
        auths,
        headers,
        client_certificate,
        hosts,
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
    auths: Vec<AuthVariant>,
    headers: Vec<ConstHeader>,
    client_certificate: bool,
    hosts: Vec<Host>,
    cancel: Option<CancelDecl>,
}

fn provider_args(cx: &Ctxt, args: TokenStream, item: &ItemTrait) -> Option<ProviderArgs> {
    let mut name = None;
    let mut slug = None;
    let mut production = None;
    let mut sandbox = None;
    let mut auth = None;
    let mut auths = Vec::new();
    let mut headers = Vec::new();
    let mut client_certificate = false;
    let mut hosts = Vec::new();
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
            } else if input.peek(kw::auth) && input.peek2(syn::token::Paren) {
                // `lookahead` lists `auth` once, in the branch below.
                input.parse::<kw::auth>()?;
                let content;
                syn::parenthesized!(content in input);
                let base = named_urls(&content, false)?;
                input.parse::<Token![=]>()?;
                auths.push(AuthVariant {
                    base,
                    auth: auth_scheme(input)?,
                });
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
            } else if lookahead.peek(kw::host) {
                input.parse::<kw::host>()?;
                let content;
                syn::parenthesized!(content in input);
                hosts.push(named_urls(&content, true)?);
            } else if lookahead.peek(kw::client_certificate) {
                let keyword: kw::client_certificate = input.parse()?;
                if client_certificate {
                    cx.error_spanned_by(keyword, "duplicate `client_certificate`");
                }
                client_certificate = true;
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
        auths,
        headers,
        client_certificate,
        hosts,
        cancel,
    })
}

/// `name = "query", production = "https://…", sandbox = "https://…"`: a host, whose URLs are
/// required, or an auth scheme's name and base URLs, which are optional.
fn named_urls(input: ParseStream, urls_required: bool) -> syn::Result<Host> {
    let mut name = None;
    let mut production = None;
    let mut sandbox = None;
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        let slot = if lookahead.peek(kw::name) {
            input.parse::<kw::name>()?;
            &mut name
        } else if lookahead.peek(kw::production) {
            input.parse::<kw::production>()?;
            &mut production
        } else if lookahead.peek(kw::sandbox) {
            input.parse::<kw::sandbox>()?;
            &mut sandbox
        } else {
            return Err(lookahead.error());
        };
        input.parse::<Token![=]>()?;
        let value: LitStr = input.parse()?;
        if slot.is_some() {
            return Err(syn::Error::new_spanned(value, "given twice"));
        }
        *slot = Some(value);
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    let Some(name) = name else {
        return Err(syn::Error::new(
            input.span(),
            if urls_required {
                "a host needs `name = \"...\"`, which operations give to `#[host(...)]`"
            } else {
                "another auth scheme needs `name = \"...\"`, which configuration chooses it by"
            },
        ));
    };
    if urls_required && production.is_none() && sandbox.is_none() {
        return Err(syn::Error::new_spanned(
            &name,
            "a host needs a `production` or `sandbox` URL",
        ));
    }
    Ok(Host {
        name,
        production,
        sandbox,
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
    let mut host = None;

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
            "host" => attr.parse_args::<LitStr>().map(|name| host = Some(name)),
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
        host,
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

/// `200 | 201 => T`, `500..=599 => E`, `default => E`, `200 if "erro" => E`,
/// `200 if "ReturnCode" = "0" | "9" => T`, `200 if "ReturnCode" = "10" => E, landed`, `401`.
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
    let condition = if input.peek(Token![if]) {
        input.parse::<Token![if]>()?;
        Some(condition(input)?)
    } else {
        None
    };
    let ty = if input.peek(Token![=>]) {
        input.parse::<Token![=>]>()?;
        Some(input.parse::<Type>()?)
    } else {
        None
    };
    let mut meaning = None;
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        let word: Ident = input.parse()?;
        let parsed = match word.to_string().as_str() {
            "landed" => Meaning::Landed,
            "retry" => Meaning::Retry,
            "not_found" => Meaning::NotFound,
            other => {
                return Err(syn::Error::new_spanned(
                    &word,
                    format!(
                        "unknown meaning `{other}`; expected `landed` (an earlier request is under way or done), `retry` (not processed: send again later) or `not_found` (what a look-up asked for does not exist)"
                    ),
                ));
            }
        };
        if !is_error {
            return Err(syn::Error::new_spanned(
                &word,
                "a meaning belongs on `#[err(...)]`: a success status means success",
            ));
        }
        meaning = Some((parsed, word.span()));
    }
    if !input.is_empty() {
        return Err(input.error("unexpected tokens after the status mapping"));
    }
    Ok(StatusMapping {
        patterns,
        condition,
        ty,
        meaning,
    })
}

/// `"erro"` (the field's presence) or `"ReturnCode" = "0" | "9"` (its value).
fn condition(input: ParseStream) -> syn::Result<Condition> {
    let field: LitStr = input.parse()?;
    if field.value().is_empty() {
        return Err(syn::Error::new_spanned(&field, "name the body field"));
    }
    let mut values = Vec::new();
    if input.peek(Token![=]) && !input.peek(Token![=>]) {
        input.parse::<Token![=]>()?;
        loop {
            let lookahead = input.lookahead1();
            if lookahead.peek(LitStr) {
                let value: LitStr = input.parse()?;
                values.push((value.value(), value.span()));
            } else if lookahead.peek(LitInt) {
                let value: LitInt = input.parse()?;
                values.push((value.base10_digits().to_owned(), value.span()));
            } else {
                return Err(lookahead.error());
            }
            if input.peek(Token![|]) {
                input.parse::<Token![|]>()?;
            } else {
                break;
            }
        }
    }
    Ok(Condition { field, values })
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
}
