//! Parses `auth = ...` in `#[estorno::provider]`: the declared scheme and its settings.

use proc_macro2::Span;
use syn::Token;
use syn::parse::ParseStream;

use super::{key_value, kw};
use crate::ast::{Auth, TokenRequest};

pub(super) fn auth_scheme(input: ParseStream) -> syn::Result<Auth> {
    let lookahead = input.lookahead1();
    if lookahead.peek(kw::header) {
        input.parse::<kw::header>()?;
        let content;
        syn::parenthesized!(content in input);
        Ok(Auth::Header {
            name: content.parse()?,
        })
    } else if lookahead.peek(kw::bearer_with_api_key) {
        input.parse::<kw::bearer_with_api_key>()?;
        let content;
        syn::parenthesized!(content in input);
        content.parse::<kw::header>()?;
        content.parse::<Token![=]>()?;
        Ok(Auth::BearerWithApiKey {
            api_key_header: content.parse()?,
        })
    } else if lookahead.peek(kw::bearer) {
        input.parse::<kw::bearer>()?;
        Ok(Auth::Bearer)
    } else if lookahead.peek(kw::basic_key) {
        input.parse::<kw::basic_key>()?;
        Ok(Auth::BasicKeyAsUser)
    } else if lookahead.peek(kw::basic) {
        input.parse::<kw::basic>()?;
        Ok(Auth::Basic)
    } else if lookahead.peek(kw::headers) {
        input.parse::<kw::headers>()?;
        let content;
        syn::parenthesized!(content in input);
        let first = content.parse()?;
        content.parse::<Token![,]>()?;
        let second = content.parse()?;
        Ok(Auth::HeaderPair { first, second })
    } else if lookahead.peek(kw::oauth2_client_credentials) {
        let keyword: kw::oauth2_client_credentials = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        oauth2(&content, keyword.span)
    } else {
        Err(lookahead.error())
    }
}

fn oauth2(input: ParseStream, keyword: Span) -> syn::Result<Auth> {
    let mut token_url = None;
    let mut sandbox_token_url = None;
    let mut request = None;
    let mut api_key_header = None;
    let mut basic_client = false;
    let mut scope = None;
    while !input.is_empty() {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::client_auth) {
            input.parse::<kw::client_auth>()?;
            input.parse::<Token![=]>()?;
            let lookahead = input.lookahead1();
            basic_client = if lookahead.peek(kw::basic) {
                input.parse::<kw::basic>()?;
                true
            } else if lookahead.peek(kw::body) {
                input.parse::<kw::body>()?;
                false
            } else {
                return Err(lookahead.error());
            };
        } else if lookahead.peek(kw::scope) {
            let value = key_value::<kw::scope>(input)?;
            if value.value().is_empty() || value.value().chars().any(char::is_control) {
                return Err(syn::Error::new_spanned(
                    &value,
                    "a scope is one or more visible words, such as \"oob\"",
                ));
            }
            scope = Some(value);
        } else if lookahead.peek(kw::token_url) {
            token_url = Some(key_value::<kw::token_url>(input)?);
        } else if lookahead.peek(kw::sandbox_token_url) {
            sandbox_token_url = Some(key_value::<kw::sandbox_token_url>(input)?);
        } else if lookahead.peek(kw::api_key_header) {
            api_key_header = Some(key_value::<kw::api_key_header>(input)?);
        } else if lookahead.peek(kw::request) {
            input.parse::<kw::request>()?;
            input.parse::<Token![=]>()?;
            let lookahead = input.lookahead1();
            request = Some(if lookahead.peek(kw::json) {
                input.parse::<kw::json>()?;
                TokenRequest::Json
            } else if lookahead.peek(kw::form) {
                input.parse::<kw::form>()?;
                TokenRequest::Form
            } else {
                return Err(lookahead.error());
            });
        } else {
            return Err(lookahead.error());
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    let Some(token_url) = token_url else {
        return Err(syn::Error::new(
            keyword,
            "`oauth2_client_credentials` needs a `token_url` (a path like \"/oauth2/token\" or a full URL)",
        ));
    };
    let Some(request) = request else {
        return Err(syn::Error::new(
            keyword,
            "`oauth2_client_credentials` needs `request = json` or `request = form`",
        ));
    };
    Ok(Auth::OAuth2 {
        token_url,
        sandbox_token_url,
        request,
        api_key_header,
        basic_client,
        scope,
    })
}
