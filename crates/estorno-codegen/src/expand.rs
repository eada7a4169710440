//! Turns a checked spec into tokens: the client, its `SPEC`, and status enums.
//!
//! Generated code reaches the runtime only through absolute paths (`::estorno::__private`,
//! `::core::…`) so that nothing the user names can shadow it.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemTrait, Type};

use crate::ast::{
    Auth, BodyKind, Endpoint, Location, Meaning, Provider, Segment, StatusMapping, StatusMatch,
};

mod key;
mod spec;
mod status;

pub(crate) use key::{key_retention, key_spec};
pub(crate) use spec::rule;
use spec::spec;

pub(crate) use status::{status_enum, status_stub};

/// Doc lines as `#[doc]` values, with the leading space `///` would have given them.
fn doc_attrs(docs: &[String]) -> Vec<String> {
    docs.iter()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect()
}

pub(crate) fn provider(provider: &Provider) -> TokenStream {
    let vis = &provider.vis;
    let docs = doc_attrs(&provider.docs);
    let credentials = format_ident!("{}", provider.auth.credentials_type());
    let mut methods = Vec::new();
    let mut error_enums = Vec::new();
    for (index, endpoint) in provider.endpoints.iter().enumerate() {
        let (method, error_enum) = self::method(provider, index, endpoint);
        methods.push(method);
        error_enums.extend(error_enum);
    }
    let cancel_ops = provider
        .cancel
        .as_ref()
        .map(|cancel| crate::cancel::cancel_ops(provider, cancel));
    let mock = mock_module(provider);
    let spec = spec(provider);
    let spec_doc = format!(
        "Static description of {}: base URLs, auth scheme and every endpoint.",
        provider.name.value()
    );

    quote! {
        #(#[doc = #docs])*
        #[derive(Clone)]
        #vis struct Client {
            __core: ::estorno::__private::ClientCore,
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for Client {
            fn fmt(&self, formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.__core, formatter)
            }
        }

        #[automatically_derived]
        impl ::estorno::__private::Provider for Client {
            type Credentials = ::estorno::auth::#credentials;
            const SPEC: &'static ::estorno::spec::ProviderSpec = &SPEC;

            fn from_core(core: ::estorno::__private::ClientCore) -> Self {
                Client { __core: core }
            }

            fn core(&self) -> &::estorno::__private::ClientCore {
                &self.__core
            }
        }

        impl Client {
            /// Starts configuring a client: credentials, environment, base URL, timeouts.
            pub fn builder() -> ::estorno::ClientBuilder<Self> {
                ::estorno::ClientBuilder::new()
            }

            #(#methods)*
        }

        #(#error_enums)*

        #cancel_ops

        #mock

        #[doc = #spec_doc]
        #vis const SPEC: ::estorno::spec::ProviderSpec = #spec;
    }
}

/// The async method for one endpoint, and its error enum when it has several error types.
fn method(
    provider: &Provider,
    index: usize,
    endpoint: &Endpoint,
) -> (TokenStream, Option<TokenStream>) {
    let ident = &endpoint.ident;
    let index = Literal::usize_unsuffixed(index);
    let endpoint_spec = quote!(SPEC.endpoints[#index]);

    let mut statements = Vec::new();
    for segment in &endpoint.segments {
        statements.push(match segment {
            Segment::Literal(text) => quote!(__call.path_literal(#text);),
            Segment::Placeholder { param, .. } => {
                let param_index = Literal::usize_unsuffixed(*param);
                let name = &endpoint.params[*param].ident;
                quote!(__call.path_param(&#endpoint_spec.params[#param_index], &#name)?;)
            }
        });
    }
    for (param_index, param) in endpoint.params.iter().enumerate() {
        let call = match param.location {
            Location::Path => continue,
            Location::Query => quote!(query),
            Location::Header => quote!(header),
            Location::JsonField => quote!(json_field),
        };
        let param_index = Literal::usize_unsuffixed(param_index);
        let name = &param.ident;
        statements.push(if param.optional {
            quote! {
                if let ::core::option::Option::Some(__value) = &#name {
                    __call.#call(&#endpoint_spec.params[#param_index], __value)?;
                }
            }
        } else {
            quote!(__call.#call(&#endpoint_spec.params[#param_index], &#name)?;)
        });
    }
    if let Some(body) = &endpoint.body {
        let name = &body.ident;
        let call = match body.kind {
            BodyKind::Json => quote!(json),
            BodyKind::Form => quote!(form),
        };
        // Spanned on the body's type so "the trait `Serialize` is not implemented" lands there.
        // An `Option` body is sent only when given: `None` means no body at all, not `null`.
        if crate::attr::option_inner(&body.ty).is_some() {
            statements.push(quote_spanned!(body.ty.span()=>
                if let ::core::option::Option::Some(__body) = &#name {
                    __call.#call(__body)?;
                }
            ));
        } else {
            statements.push(quote_spanned!(body.ty.span()=> __call.#call(&#name)?;));
        }
    }

    let (error_type, error_enum, wrappers) = error_type(provider, endpoint);
    let output = match &endpoint.output {
        Some(ty) => ty.to_token_stream(),
        None => quote!(()),
    };
    let success = match &endpoint.output {
        Some(ty) => quote_spanned!(ty.span()=> __response.decode::<#ty, #error_type>()),
        None => quote!(__response.empty::<#error_type>()),
    };

    let mut arms = Vec::new();
    // Mappings selected by a body field come first: their guard decides. Errors before
    // successes, so a declared failure is never read as a success.
    let conditional = endpoint
        .errors
        .iter()
        .zip(wrappers.iter().map(Some))
        .chain(endpoint.ok.iter().zip(std::iter::repeat(None)))
        .filter(|(mapping, _)| mapping.condition.is_some());
    for (mapping, wrap) in conditional {
        let Some(condition) = &mapping.condition else {
            continue;
        };
        let patterns = patterns(mapping);
        let field = &condition.field;
        let guard = if condition.values.is_empty() {
            quote!(__response.has_field(#field))
        } else {
            let values = condition.values.iter().map(|(value, _)| value);
            quote!(__response.field_is(#field, &[#(#values),*]))
        };
        let result = match wrap {
            Some(wrap) => {
                let error = api_error(mapping, wrap);
                quote!(::core::result::Result::Err(#error))
            }
            None => success.clone(),
        };
        arms.push(quote!(#patterns if #guard => #result,));
    }
    for mapping in endpoint.ok.iter().filter(|m| m.condition.is_none()) {
        let patterns = patterns(mapping);
        arms.push(quote!(#patterns => #success,));
    }
    let mut has_default = false;
    for (mapping, wrap) in endpoint.errors.iter().zip(&wrappers) {
        if mapping.condition.is_some() {
            continue;
        }
        let is_default = mapping
            .patterns
            .iter()
            .any(|pattern| pattern.kind == StatusMatch::Default);
        if is_default {
            has_default = true;
            continue;
        }
        let patterns = patterns(mapping);
        let error = api_error(mapping, wrap);
        arms.push(quote! {
            #patterns => ::core::result::Result::Err(#error),
        });
    }
    // `default` goes last whatever its place in the spec, so it never shadows a status.
    for (mapping, wrap) in endpoint.errors.iter().zip(&wrappers) {
        let is_default = mapping.condition.is_none()
            && mapping
                .patterns
                .iter()
                .any(|pattern| pattern.kind == StatusMatch::Default);
        if is_default {
            let error = api_error(mapping, wrap);
            arms.push(quote!(_ => ::core::result::Result::Err(#error),));
        }
    }
    if !has_default {
        arms.push(quote!(_ => ::core::result::Result::Err(__response.unexpected()),));
    }

    let arguments = endpoint.inputs.iter().map(|(name, ty)| quote!(#name: #ty));
    let docs = doc_attrs(&method_docs(endpoint));
    let method = quote! {
        #(#[doc = #docs])*
        pub async fn #ident(
            &self,
            #(#arguments),*
        ) -> ::core::result::Result<#output, ::estorno::Error<#error_type>> {
            let mut __call = ::estorno::__private::Call::new(&self.__core, &#endpoint_spec);
            #(#statements)*
            let __response = __call.send().await?;
            match __response.status() {
                #(#arms)*
            }
        }
    };
    (method, error_enum)
}

/// Typed httpmock helpers, present only when the runtime's `mock` feature is on (the
/// runtime's macro decides, so neither the provider nor a user's spec crate needs a feature).
fn mock_module(provider: &Provider) -> TokenStream {
    let vis = &provider.vis;
    let functions = provider.endpoints.iter().enumerate().map(|(index, endpoint)| {
        let ident = &endpoint.ident;
        let index = Literal::usize_unsuffixed(index);
        let output = match &endpoint.output {
            Some(ty) => ty.to_token_stream(),
            None => quote!(()),
        };
        let (error_type, _, _) = error_type(provider, endpoint);
        let doc = format!(
            " Mocks [`Client::{ident}`] (`{} {}`): any value in each placeholder, unless narrowed with `with_path`.",
            endpoint.method.as_str(),
            endpoint.path.value()
        );
        quote! {
            #[doc = #doc]
            pub fn #ident(
                server: &::estorno::mock::MockServer,
            ) -> ::estorno::mock::EndpointMock<'_, #output, #error_type> {
                ::estorno::mock::EndpointMock::new(server, &SPEC.endpoints[#index])
            }
        }
    });
    let token = matches!(provider.auth, Auth::OAuth2 { .. }).then(|| {
        quote! {
            /// Answers OAuth2 token requests with the token `mock-token`, valid five minutes.
            pub fn token(server: &::estorno::mock::MockServer) -> ::estorno::mock::Mock<'_> {
                ::estorno::mock::token(server, &SPEC, "mock-token")
            }
        }
    });
    let doc = format!(
        " Typed httpmock helpers for {}: one function per operation.",
        provider.name.value()
    );
    quote! {
        ::estorno::__estorno_mock_module! {
            #[doc = #doc]
            #vis mod mock {
                use super::*;

                #token

                #(#functions)*
            }
        }
    }
}

/// The operation's error type: none, the one declared type, or a generated enum.
/// Where an operation's one declared error type is written, for errors about it; `None` when
/// it has several (the generated enum's `Rejection` names each) or none.
pub(crate) fn error_type_span(endpoint: &Endpoint) -> Option<proc_macro2::Span> {
    let first = endpoint.errors.first()?.ty.as_ref()?;
    let written = first.to_token_stream().to_string();
    endpoint
        .errors
        .iter()
        .all(|mapping| error_body_type(mapping).to_token_stream().to_string() == written)
        .then(|| first.span())
}

pub(crate) fn error_type(
    provider: &Provider,
    endpoint: &Endpoint,
) -> (TokenStream, Option<TokenStream>, Vec<TokenStream>) {
    let mut distinct: Vec<(String, Type)> = Vec::new();
    for ty in endpoint.errors.iter().map(error_body_type) {
        let written = ty.to_token_stream().to_string();
        if !distinct.iter().any(|(seen, _)| *seen == written) {
            distinct.push((written, ty));
        }
    }
    match distinct.as_slice() {
        [] => (quote!(::core::convert::Infallible), None, Vec::new()),
        [(_, ty)] => {
            let wrappers = endpoint
                .errors
                .iter()
                .map(|_| quote!(::core::convert::identity))
                .collect();
            (ty.to_token_stream(), None, wrappers)
        }
        several => {
            let vis = &provider.vis;
            let name = format_ident!("{}Error", pascal_case(&endpoint.ident.to_string()));
            let enum_doc = format!(
                "The typed error bodies of [`Client::{}`], one variant per declared type.",
                endpoint.ident
            );
            let variants = several.iter().map(|(written, ty)| {
                let variant = format_ident!("{}", type_variant_name(ty).unwrap_or_default());
                let statuses: Vec<String> = endpoint
                    .errors
                    .iter()
                    .filter(|mapping| {
                        error_body_type(mapping).to_token_stream().to_string() == *written
                    })
                    .flat_map(|mapping| mapping.patterns.iter().map(|p| p.kind.describe()))
                    .collect();
                let doc = format!("Statuses {}.", statuses.join(", "));
                quote!(#[doc = #doc] #variant(#ty))
            });
            // The unified API reads every error type's reason; an enum of them delegates.
            let rejection = provider.cancel.is_some().then(|| {
                let arms = several.iter().map(|(_, ty)| {
                    let variant = format_ident!("{}", type_variant_name(ty).unwrap_or_default());
                    quote_spanned!(ty.span()=> #name::#variant(body) => ::estorno::Rejection::reason(body),)
                });
                quote! {
                    #[automatically_derived]
                    impl ::estorno::Rejection for #name {
                        fn reason(&self) -> ::std::string::String {
                            match self {
                                #(#arms)*
                            }
                        }
                    }
                }
            });
            let error_enum = quote! {
                #[doc = #enum_doc]
                #[derive(Debug)]
                #vis enum #name {
                    #(#variants,)*
                }

                #rejection
            };
            let wrappers = endpoint
                .errors
                .iter()
                .map(|mapping| {
                    let variant = type_variant_name(&error_body_type(mapping)).unwrap_or_default();
                    let variant = format_ident!("{}", variant);
                    quote!(#name::#variant)
                })
                .collect();
            (name.to_token_stream(), Some(error_enum), wrappers)
        }
    }
}

/// The declared error as the runtime builds it: its body decoded (or, for `#[err(401)]`,
/// not read) and what the spec says it means.
fn api_error(mapping: &StatusMapping, wrap: &TokenStream) -> TokenStream {
    let meaning = meaning_tokens(mapping);
    if mapping.ty.is_some() {
        quote!(__response.api_error(#wrap, #meaning))
    } else {
        quote!(__response.bodiless_error(#wrap, #meaning))
    }
}

fn meaning_tokens(mapping: &StatusMapping) -> TokenStream {
    match mapping.meaning.map(|(meaning, _)| meaning) {
        None => quote!(::estorno::Meaning::Status),
        Some(Meaning::Landed) => quote!(::estorno::Meaning::Landed),
        Some(Meaning::Retry) => quote!(::estorno::Meaning::Retry),
        Some(Meaning::NotFound) => quote!(::estorno::Meaning::NotFound),
    }
}

/// The type an error mapping's body decodes to: the declared one, or the runtime's
/// `NoBody` for an `#[err(401)]` whose body is not read.
pub(crate) fn error_body_type(mapping: &StatusMapping) -> Type {
    mapping
        .ty
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::estorno::NoBody))
}

/// The last path segment of a named type (`ApiError` for `crate::ApiError`).
pub(crate) fn type_variant_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|last| last.ident.to_string())
        }
        _ => None,
    }
}

fn patterns(mapping: &StatusMapping) -> TokenStream {
    let patterns = mapping.patterns.iter().map(|pattern| match pattern.kind {
        StatusMatch::One(status) => Literal::u16_unsuffixed(status).to_token_stream(),
        StatusMatch::Range(low, high) => {
            let (low, high) = (Literal::u16_unsuffixed(low), Literal::u16_unsuffixed(high));
            quote!(#low..=#high)
        }
        StatusMatch::Default => quote!(_),
    });
    quote!(#(#patterns)|*)
}

/// The operation's own docs, then what it sends and what it answers.
fn method_docs(endpoint: &Endpoint) -> Vec<String> {
    let mut docs = endpoint.docs.clone();
    if !docs.is_empty() {
        docs.push(String::new());
    }
    docs.push(format!(
        "`{} {}`{}",
        endpoint.method.as_str(),
        endpoint.path.value(),
        if endpoint.idempotent {
            " (idempotent: retried when safe)"
        } else {
            ""
        }
    ));
    docs.push(String::new());
    for mapping in &endpoint.ok {
        let ty = endpoint
            .output
            .as_ref()
            .map_or_else(|| "()".to_owned(), type_text);
        docs.push(format!(
            "- {}{} → `{ty}`",
            statuses_text(mapping),
            condition_text(mapping)
        ));
    }
    for mapping in &endpoint.errors {
        let ty = mapping.ty.as_ref().map_or_else(
            || "no body read".to_owned(),
            |ty| format!("`{}`", type_text(ty)),
        );
        let meaning = mapping
            .meaning
            .map(|(meaning, _)| format!(", {}", meaning.as_str()))
            .unwrap_or_default();
        docs.push(format!(
            "- {}{} → error {ty}{meaning}",
            statuses_text(mapping),
            condition_text(mapping)
        ));
    }
    if let Some(reconcile) = &endpoint.reconcile {
        docs.push(String::new());
        docs.push(format!(
            "When the outcome is unknown, [`Client::{reconcile}`] tells the final state."
        ));
    }
    docs
}

fn statuses_text(mapping: &StatusMapping) -> String {
    mapping
        .patterns
        .iter()
        .map(|pattern| pattern.kind.describe())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// ` with `erro`` or ` with `ReturnCode` "0" | "9"`: the body field that selects a mapping.
fn condition_text(mapping: &StatusMapping) -> String {
    let Some(condition) = &mapping.condition else {
        return String::new();
    };
    let field = condition.field.value();
    if condition.values.is_empty() {
        return format!(" with `{field}`");
    }
    let values: Vec<String> = condition
        .values
        .iter()
        .map(|(value, _)| format!("`{value}`"))
        .collect();
    format!(" with `{field}` {}", values.join(" | "))
}

/// The first paragraph of a doc comment, as one line.
pub(crate) fn first_paragraph(docs: &[String]) -> String {
    docs.iter()
        .map(|line| line.trim())
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A type as a reader writes it: `Option<&str>`, not `Option < & str >`.
pub fn type_text(ty: &Type) -> String {
    let mut text = ty.to_token_stream().to_string();
    for (spaced, tight) in [
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        ("& ", "&"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("' ", "'"),
    ] {
        text = text.replace(spaced, tight);
    }
    text
}

fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut characters = word.chars();
            characters
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + characters.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// What the macro emits beside a compile error: a client with every operation's signature, so
/// the user sees the one real mistake and not a cascade of "no method named …".
pub(crate) fn provider_stub(item: &ItemTrait) -> TokenStream {
    let vis = &item.vis;
    let methods = item.items.iter().filter_map(|trait_item| {
        let syn::TraitItem::Fn(function) = trait_item else {
            return None;
        };
        let ident = &function.sig.ident;
        let arguments = function.sig.inputs.iter().filter_map(|input| match input {
            syn::FnArg::Typed(typed) => {
                let (pat, ty) = (&typed.pat, &typed.ty);
                Some(quote!(#pat: #ty))
            }
            syn::FnArg::Receiver(_) => None,
        });
        let output = match &function.sig.output {
            syn::ReturnType::Default => quote!(()),
            syn::ReturnType::Type(_, ty) => ty.to_token_stream(),
        };
        Some(quote! {
            #[allow(unused_variables)]
            pub async fn #ident(&self, #(#arguments),*)
                -> ::core::result::Result<#output, ::estorno::Error<::core::convert::Infallible>>
            {
                ::core::unimplemented!()
            }
        })
    });
    quote! {
        #[derive(Clone, Debug)]
        #vis struct Client;

        impl Client {
            #(#methods)*
        }
    }
}
