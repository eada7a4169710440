//! The static `SPEC` of a provider: base URLs, auth schemes, hosts, and each operation's
//! parameters, rules and status mappings, as `::estorno::spec` values.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::LitStr;

use super::{first_paragraph, key_spec, meaning_tokens, type_text};
use crate::ast::{
    Auth, BodyKind, ConstHeader, Endpoint, Location, Provider, Rule, StatusMapping, StatusMatch,
    TokenRequest,
};

/// The `SPEC` constant's value.
pub(super) fn spec(provider: &Provider) -> TokenStream {
    let name = &provider.name;
    let slug = &provider.slug;
    let doc = first_paragraph(&provider.docs);
    let production = option_str(provider.production.as_ref());
    let sandbox = option_str(provider.sandbox.as_ref());
    let auth = auth(&provider.auth);
    let auths = provider.auths.iter().map(|variant| {
        let name = &variant.base.name;
        let scheme = self::auth(&variant.auth);
        let production = option_str(variant.base.production.as_ref());
        let sandbox = option_str(variant.base.sandbox.as_ref());
        quote! {
            ::estorno::spec::AuthVariant {
                name: #name,
                auth: #scheme,
                production: #production,
                sandbox: #sandbox,
            }
        }
    });
    let headers = headers(&provider.headers);
    let client_certificate = provider.client_certificate;
    let credentials = provider.auth.credential_names();
    let hosts = provider.hosts.iter().map(|host| {
        let name = &host.name;
        let production = option_str(host.production.as_ref());
        let sandbox = option_str(host.sandbox.as_ref());
        quote! {
            ::estorno::spec::HostSpec { name: #name, production: #production, sandbox: #sandbox }
        }
    });
    let endpoints = provider
        .endpoints
        .iter()
        .map(|endpoint| endpoint_spec(provider, endpoint));
    let cancel = match &provider.cancel {
        Some(cancel) => crate::cancel::cancel_spec(provider, cancel),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::estorno::spec::ProviderSpec {
            name: #name,
            slug: #slug,
            doc: #doc,
            production: #production,
            sandbox: #sandbox,
            auth: #auth,
            auths: &[#(#auths),*],
            headers: #headers,
            client_certificate: #client_certificate,
            credentials: &[#(#credentials),*],
            hosts: &[#(#hosts),*],
            endpoints: &[#(#endpoints),*],
            cancel: #cancel,
        }
    }
}

fn auth(auth: &Auth) -> TokenStream {
    let scheme = quote!(::estorno::spec::AuthScheme);
    match auth {
        Auth::Header { name } => quote!(#scheme::Header { name: #name }),
        Auth::Bearer => quote!(#scheme::Bearer),
        Auth::Basic => quote!(#scheme::Basic),
        Auth::BasicKeyAsUser => quote!(#scheme::BasicKeyAsUser),
        Auth::BearerWithApiKey { api_key_header } => {
            quote!(#scheme::BearerWithApiKey { api_key_header: #api_key_header })
        }
        Auth::HeaderPair { first, second } => {
            quote!(#scheme::HeaderPair { first: #first, second: #second })
        }
        Auth::OAuth2 {
            token_url,
            sandbox_token_url,
            request,
            api_key_header,
            basic_client,
            scope,
        } => {
            let sandbox_token_url = option_str(sandbox_token_url.as_ref());
            let api_key_header = option_str(api_key_header.as_ref());
            let scope = option_str(scope.as_ref());
            let client_auth = if *basic_client {
                quote!(Basic)
            } else {
                quote!(Body)
            };
            let request = match request {
                TokenRequest::Json => quote!(Json),
                TokenRequest::Form => quote!(Form),
            };
            quote! {
                #scheme::OAuth2ClientCredentials(::estorno::spec::OAuth2Spec {
                    token_url: #token_url,
                    sandbox_token_url: #sandbox_token_url,
                    request: ::estorno::spec::TokenRequestEncoding::#request,
                    api_key_header: #api_key_header,
                    client_auth: ::estorno::spec::ClientAuth::#client_auth,
                    scope: #scope,
                })
            }
        }
    }
}

fn headers(headers: &[ConstHeader]) -> TokenStream {
    let pairs = headers.iter().map(|header| {
        let (name, value) = (&header.name, &header.value);
        quote!((#name, #value))
    });
    quote!(&[#(#pairs),*])
}

fn endpoint_spec(provider: &Provider, endpoint: &Endpoint) -> TokenStream {
    let name = endpoint.ident.to_string();
    let host = match endpoint.host.as_ref().and_then(|host| {
        provider
            .hosts
            .iter()
            .position(|declared| declared.name.value() == host.value())
    }) {
        Some(index) => {
            let index = Literal::usize_unsuffixed(index);
            quote!(::core::option::Option::Some(#index))
        }
        None => quote!(::core::option::Option::None),
    };
    let doc = first_paragraph(&endpoint.docs);
    let method = format_ident!("{}", endpoint.method.variant());
    let path = &endpoint.path;
    let params = endpoint.params.iter().map(|param| {
        let name = param.ident.to_string();
        let wire = &param.wire;
        let location = format_ident!(
            "{}",
            match param.location {
                Location::Path => "Path",
                Location::Query => "Query",
                Location::Header => "Header",
                Location::JsonField => "JsonField",
            }
        );
        let required = !param.optional;
        let rule = rule(&param.rule);
        let ty = type_text(&param.ty);
        quote! {
            ::estorno::spec::ParamSpec {
                name: #name,
                wire: #wire,
                location: ::estorno::spec::ParamLocation::#location,
                required: #required,
                rule: #rule,
                ty: #ty,
            }
        }
    });
    let headers = headers(&endpoint.headers);
    let body = match &endpoint.body {
        None => quote!(::estorno::spec::BodyKind::Empty),
        Some(body) => {
            let ty = type_text(&body.ty);
            let ty = ty.trim_start_matches('&');
            match body.kind {
                BodyKind::Json => quote!(::estorno::spec::BodyKind::Json { ty: #ty }),
                BodyKind::Form => quote!(::estorno::spec::BodyKind::Form { ty: #ty }),
            }
        }
    };
    let output = endpoint
        .output
        .as_ref()
        .map_or_else(|| "()".to_owned(), type_text);
    let ok = status_specs(&endpoint.ok, Some(&output));
    let errors = status_specs(&endpoint.errors, None);
    let idempotent = endpoint.idempotent;
    let reconcile = match &endpoint.reconcile {
        Some(operation) => {
            let operation = operation.to_string();
            quote!(::core::option::Option::Some(#operation))
        }
        None => quote!(::core::option::Option::None),
    };
    let timeout = match endpoint.timeout_millis {
        Some(millis) => {
            let millis = Literal::u64_unsuffixed(millis);
            quote!(::core::option::Option::Some(::core::time::Duration::from_millis(#millis)))
        }
        None => quote!(::core::option::Option::None),
    };
    let key = match key_spec(endpoint) {
        Some(key) => quote!(::core::option::Option::Some(#key)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::estorno::spec::EndpointSpec {
            name: #name,
            doc: #doc,
            method: ::estorno::spec::Method::#method,
            path: #path,
            params: &[#(#params),*],
            headers: #headers,
            body: #body,
            ok: #ok,
            errors: #errors,
            idempotent: #idempotent,
            reconcile: #reconcile,
            timeout: #timeout,
            key: #key,
            host: #host,
        }
    }
}

fn status_specs(mappings: &[StatusMapping], output: Option<&str>) -> TokenStream {
    let specs = mappings.iter().flat_map(|mapping| {
        let ty = match (output, &mapping.ty) {
            (Some(output), _) => output.to_owned(),
            (None, Some(ty)) => type_text(ty),
            (None, None) => "()".to_owned(),
        };
        let condition = mapping.condition.as_ref();
        let when_field = option_str(condition.map(|condition| &condition.field));
        let when_values: Vec<&String> = condition
            .map(|condition| condition.values.iter().map(|(value, _)| value).collect())
            .unwrap_or_default();
        let meaning = meaning_tokens(mapping);
        mapping.patterns.iter().map(move |pattern| {
            let statuses = match pattern.kind {
                StatusMatch::One(status) => {
                    let status = Literal::u16_unsuffixed(status);
                    quote!(::estorno::spec::StatusMatch::One(#status))
                }
                StatusMatch::Range(low, high) => {
                    let (low, high) = (Literal::u16_unsuffixed(low), Literal::u16_unsuffixed(high));
                    quote!(::estorno::spec::StatusMatch::Range(#low, #high))
                }
                StatusMatch::Default => quote!(::estorno::spec::StatusMatch::Default),
            };
            quote! {
                ::estorno::spec::StatusSpec {
                    statuses: #statuses,
                    ty: #ty,
                    when_field: #when_field,
                    when_values: &[#(#when_values),*],
                    meaning: #meaning,
                }
            }
        })
    });
    quote!(&[#(#specs),*])
}

pub(crate) fn rule(rule: &Rule) -> TokenStream {
    if rule.is_empty() {
        return quote!(::estorno::spec::ParamRule::NONE);
    }
    let some_usize = |value: Option<usize>| match value.map(Literal::usize_unsuffixed) {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    };
    let some_i128 = |value: Option<i128>| match value.map(Literal::i128_unsuffixed) {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    };
    let min_len = some_usize(rule.min_len);
    let max_len = some_usize(rule.max_len);
    let min = some_i128(rule.min);
    let max = some_i128(rule.max);
    let (chars, chars_text, ascii) = match &rule.chars {
        Some((text, ranges)) => {
            let ranges: Vec<_> = ranges
                .iter()
                .map(|(low, high)| quote!((#low, #high)))
                .collect();
            (
                quote!(::core::option::Option::Some(&[#(#ranges),*])),
                quote!(::core::option::Option::Some(#text)),
                // Evaluated when the spec compiles: the set is a constant of the binary.
                quote!(::estorno::spec::AsciiSet::of(&[#(#ranges),*])),
            )
        }
        None => (
            quote!(::core::option::Option::None),
            quote!(::core::option::Option::None),
            quote!(::core::option::Option::None),
        ),
    };
    quote! {
        ::estorno::spec::ParamRule {
            min_len: #min_len,
            max_len: #max_len,
            chars: #chars,
            chars_text: #chars_text,
            ascii: #ascii,
            min: #min,
            max: #max,
        }
    }
}

pub(super) fn option_str(value: Option<&LitStr>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
