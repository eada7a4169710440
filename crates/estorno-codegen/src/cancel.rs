//! The unified cancellation's expansion: the `CancelOps` impl that drives a provider's
//! declared calls, and the `CancelSpec` that says which fields and ids those calls take.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Ident, LitStr, Type};

use crate::ast::{CancelCall, CancelDecl, CancelRole, Proof, Provider};

/// The unified cancellation API's view of this provider: which calls cancel and look up.
pub(crate) fn cancel_ops(provider: &Provider, cancel: &CancelDecl) -> TokenStream {
    let future = quote! {
        ::estorno::BoxFuture<
            'a,
            ::core::result::Result<::estorno::__private::Observed, ::estorno::__private::Failure>,
        >
    };
    let default_total = cancel_call(provider, &cancel.total, CancelRole::Total);
    // A total chosen by the payment's state: the look-up's status value picks the call.
    let total = if cancel.by_state.is_empty() {
        default_total
    } else {
        let arms = cancel.by_state.iter().map(|state| {
            let states = &state.states;
            let call = cancel_call(provider, &state.call, CancelRole::Total);
            quote!(::core::option::Option::Some(#(#states)|*) => #call,)
        });
        quote! {
            match __status {
                #(#arms)*
                _ => #default_total,
            }
        }
    };
    // A provider that documents no look-up of a payment answers every request for one with
    // the same failure, which the unified API reads as "nothing to read".
    let status = match &cancel.status {
        Some(call) => cancel_call(provider, call, CancelRole::Status),
        None => quote! {
            ::std::boxed::Box::pin(async move {
                ::core::result::Result::Err(::estorno::__private::no_look_up(&SPEC))
            })
        },
    };
    // The cancellation's own record, found by the request's key: only a keyed request has one.
    // Where only some cancelling calls carry the key, a request made by a call without one
    // has no record to find by it.
    let keyed_total = keyed_param(provider, &cancel.total).is_some()
        && cancel
            .by_state
            .iter()
            .all(|state| keyed_param(provider, &state.call).is_some());
    let keyed_partial = cancel
        .partial
        .as_ref()
        .is_some_and(|call| keyed_param(provider, call).is_some());
    let only_keyed = match (keyed_total, keyed_partial) {
        (true, true) => quote!(),
        (false, true) => quote! {
            __request.amount()?;
        },
        (true, false) => quote! {
            if __request.amount().is_some() {
                return ::core::option::Option::None;
            }
        },
        (false, false) => quote!(return ::core::option::Option::None;),
    };
    let keyed_status = cancel.reconcile.as_ref().map(|call| {
        let call = cancel_call(provider, call, CancelRole::Reconcile);
        quote! {
            fn keyed_status<'a>(
                &'a self,
                __request: &'a ::estorno::CancelRequest,
            ) -> ::core::option::Option<#future> {
                __request.idempotency_key()?;
                #only_keyed
                ::core::option::Option::Some(#call)
            }
        }
    });
    let supports_partial = cancel.partial.is_some();
    let partial = match &cancel.partial {
        Some(call) => cancel_call(provider, call, CancelRole::Partial),
        None => quote! {
            ::std::boxed::Box::pin(async move {
                ::core::result::Result::Err(::estorno::__private::partial_unsupported(&SPEC))
            })
        },
    };
    quote! {
        #[automatically_derived]
        impl ::estorno::__private::CancelOps for Client {
            fn spec(&self) -> &'static ::estorno::spec::ProviderSpec {
                &SPEC
            }

            fn supports_partial(&self) -> bool {
                #supports_partial
            }

            fn total<'a>(
                &'a self,
                __request: &'a ::estorno::CancelRequest,
                __remaining: ::core::option::Option<::estorno::Amount>,
                __status: ::core::option::Option<&'a str>,
            ) -> #future {
                #total
            }

            fn partial<'a>(
                &'a self,
                __request: &'a ::estorno::CancelRequest,
                __amount: ::estorno::Amount,
            ) -> #future {
                #partial
            }

            fn status<'a>(&'a self, __request: &'a ::estorno::CancelRequest) -> #future {
                #status
            }

            #keyed_status
        }
    }
}

/// One declared call, with the inputs it names bound as locals.
fn cancel_call(provider: &Provider, call: &CancelCall, role: CancelRole) -> TokenStream {
    let Some(endpoint) = provider
        .endpoints
        .iter()
        .find(|endpoint| endpoint.ident == call.operation)
    else {
        return quote!(::core::unreachable!());
    };
    let mut fields = Vec::new();
    let mut used = Vec::new();
    let arguments: Vec<TokenStream> = call
        .args
        .iter()
        .zip(&endpoint.inputs)
        .map(|(argument, (_, ty))| {
            let tokens = rewrite_fields(argument.to_token_stream(), &mut fields);
            used.extend(idents_in(tokens.clone()).map(|ident| ident.to_string()));
            // Reference parameters borrow the value built here.
            if matches!(ty, Type::Reference(_)) {
                quote!(&(#tokens))
            } else {
                tokens
            }
        })
        .collect();
    let uses = |name: &str| used.iter().any(|ident| ident == name);

    let mut bindings = Vec::new();
    if uses("payment") {
        bindings.push(quote!(let payment: &str = __request.payment();));
    }
    if role == CancelRole::Partial && uses("amount") {
        bindings.push(quote!(let amount: ::estorno::Amount = __amount;));
    }
    if role == CancelRole::Total && uses("remaining") {
        bindings.push(quote! {
            let remaining: ::estorno::Amount = match __remaining {
                ::core::option::Option::Some(remaining) => remaining,
                ::core::option::Option::None => {
                    return ::core::result::Result::Err(
                        ::estorno::__private::remaining_unknown(&SPEC),
                    );
                }
            };
        });
    }
    for (binding, name, optional) in &fields {
        bindings.push(if *optional {
            quote! {
                let #binding: ::core::option::Option<::std::string::String> =
                    __request.get(#name).map(::std::borrow::ToOwned::to_owned);
            }
        } else {
            quote!(let #binding: ::std::string::String = __request.require(#name)?;)
        });
    }
    if uses("idempotency_key") {
        bindings.push(quote!(let idempotency_key: &str = __request.require_key()?;));
    }
    let conflict = match endpoint
        .params
        .iter()
        .find_map(|param| param.key.as_ref())
        .and_then(|key| key.conflict)
    {
        Some(status) => {
            let status = Literal::u16_unsuffixed(status);
            quote!(::core::option::Option::Some(#status))
        }
        None => quote!(::core::option::Option::None),
    };
    let operation = &call.operation;
    // The reason reader names the error type where the spec declares it, so an error type
    // without `Rejection` is reported on its `#[err(...)]`.
    let (error_type, _, _) = crate::expand::error_type(provider, endpoint);
    let reason_span = crate::expand::error_type_span(endpoint).unwrap_or_else(|| operation.span());
    let reason = quote_spanned! {reason_span=> <#error_type as ::estorno::Rejection>::reason};
    let call_tokens = quote_spanned! {operation.span()=>
        ::estorno::__private::observe(
            &self.__core,
            __request,
            #conflict,
            self.#operation(#(#arguments),*).await,
            #reason,
        )
    };
    quote! {
        ::std::boxed::Box::pin(async move {
            #(#bindings)*
            #call_tokens
        })
    }
}

/// Replaces `field("name")` and `optional_field("name")` with locals bound before the call,
/// so a missing required field is reported (and nothing sent) before the call is made.
fn rewrite_fields(tokens: TokenStream, fields: &mut Vec<(Ident, LitStr, bool)>) -> TokenStream {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let mut output = Vec::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Ident(ident) if ident == "field" || ident == "optional_field" => {
                let literal = match trees.peek() {
                    Some(TokenTree::Group(group))
                        if group.delimiter() == Delimiter::Parenthesis =>
                    {
                        syn::parse::Parser::parse2(crate::attr::field_args, group.stream())
                            .ok()
                            .map(|(name, _)| name)
                    }
                    _ => None,
                };
                match literal {
                    Some(name) => {
                        trees.next();
                        let optional = ident == "optional_field";
                        let binding = crate::derive::field_binding(fields.len(), optional);
                        let binding = Ident::new(&binding.to_string(), ident.span());
                        fields.push((binding.clone(), name, optional));
                        output.push(TokenTree::Ident(binding));
                    }
                    None => output.push(TokenTree::Ident(ident)),
                }
            }
            TokenTree::Group(group) => {
                let mut rewritten =
                    Group::new(group.delimiter(), rewrite_fields(group.stream(), fields));
                rewritten.set_span(group.span());
                output.push(TokenTree::Group(rewritten));
            }
            other => output.push(other),
        }
    }
    output.into_iter().collect()
}

/// Every identifier used as a value in a token stream, nested groups included: struct
/// literal labels (`amount:` in `Body { amount: remaining }`) and field accesses (`.amount`)
/// are names of something else and are skipped.
pub(crate) fn idents_in(tokens: TokenStream) -> impl Iterator<Item = Ident> {
    use proc_macro2::{Spacing, TokenTree};
    let mut found = Vec::new();
    let mut stack = vec![tokens];
    while let Some(tokens) = stack.pop() {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Ident(ident) => {
                    let label = matches!(
                        (trees.get(index + 1), trees.get(index + 2)),
                        (Some(TokenTree::Punct(colon)), next)
                            if colon.as_char() == ':'
                                && colon.spacing() == Spacing::Alone
                                && !matches!(next, Some(TokenTree::Punct(p)) if p.as_char() == ':')
                    );
                    let accessed = index > 0
                        && matches!(&trees[index - 1], TokenTree::Punct(dot) if dot.as_char() == '.');
                    if !label && !accessed {
                        found.push(ident.clone());
                    }
                }
                TokenTree::Group(group) => stack.push(group.stream()),
                _ => {}
            }
        }
    }
    found.into_iter()
}

/// The `CancelSpec` value of `SPEC.cancel`: the parameters the payment's id fills, every
/// provider field with how each call uses it and the rules it must meet, and the resend proof.
pub(crate) fn cancel_spec(provider: &Provider, cancel: &CancelDecl) -> TokenStream {
    // (endpoint, parameter) pairs, each once: total and partial often call the same operation.
    let mut payment: Vec<(usize, usize)> = Vec::new();
    let mut field_params: Vec<(String, (usize, usize))> = Vec::new();
    for (_, call) in cancel.calls() {
        let Some(endpoint_index) = provider
            .endpoints
            .iter()
            .position(|endpoint| endpoint.ident == call.operation)
        else {
            continue;
        };
        let endpoint = &provider.endpoints[endpoint_index];
        for (argument, (input, _)) in call.args.iter().zip(&endpoint.inputs) {
            let Some(param_index) = endpoint
                .params
                .iter()
                .position(|param| param.ident == *input)
            else {
                continue;
            };
            let reference = (endpoint_index, param_index);
            match plain_input(argument) {
                Some(PlainInput::Payment) if !payment.contains(&reference) => {
                    payment.push(reference);
                }
                Some(PlainInput::Field(name))
                    if !field_params.contains(&(name.clone(), reference)) =>
                {
                    field_params.push((name, reference));
                }
                _ => {}
            }
        }
    }
    let param_ref = |&(endpoint, param): &(usize, usize)| {
        let (endpoint, param) = (
            Literal::usize_unsuffixed(endpoint),
            Literal::usize_unsuffixed(param),
        );
        quote!(::estorno::spec::ParamRef { endpoint: #endpoint, param: #param })
    };
    let fields = cancel.fields.iter().map(|field| {
        let name = &field.name;
        let uses = |role| match field.use_in(role) {
            Some(true) => quote!(::estorno::spec::FieldUse::Required),
            Some(false) => quote!(::estorno::spec::FieldUse::Optional),
            None => quote!(::estorno::spec::FieldUse::Unused),
        };
        let (total, partial, status) = (
            uses(CancelRole::Total),
            uses(CancelRole::Partial),
            uses(CancelRole::Status),
        );
        let rule = crate::expand::rule(&field.rule);
        let params = field_params
            .iter()
            .filter(|(filled, _)| *filled == name.value())
            .map(|(_, reference)| param_ref(reference));
        quote! {
            ::estorno::spec::CancelFieldSpec {
                name: #name,
                total: #total,
                partial: #partial,
                status: #status,
                rule: #rule,
                params: &[#(#params),*],
            }
        }
    });
    // The key parameter of the first keyed cancelling call, the total's where it has one
    // (the others carry a key of the same form: checked), and what it proves.
    let key_param = std::iter::once(&cancel.total)
        .chain(&cancel.partial)
        .chain(cancel.by_state.iter().map(|state| &state.call))
        .find_map(|call| keyed_param(provider, call));
    let key = match key_param {
        Some((endpoint, param)) => {
            let reference = param_ref(&(endpoint, param));
            quote!(::core::option::Option::Some(#reference))
        }
        None => quote!(::core::option::Option::None),
    };
    let resend = match cancel.resend_proof(provider) {
        Proof::Key(kept) => {
            let kept = crate::expand::key_retention(kept);
            quote!(::estorno::spec::ResendProof::Key(#kept))
        }
        Proof::LookUp => quote!(::estorno::spec::ResendProof::LookUp),
        Proof::Unproven => quote!(::estorno::spec::ResendProof::Unproven),
    };
    let reconcile_by_key = cancel.reconcile.is_some();
    let looks_up = cancel.status.is_some();
    let payment = payment.iter().map(param_ref);
    let partial = cancel.partial.is_some();
    let windows = cancel.windows.iter().map(|window| {
        let acquirer = &window.acquirer;
        let (low, high) = (
            Literal::u64_unsuffixed(window.methods.0),
            Literal::u64_unsuffixed(window.methods.1),
        );
        let days = Literal::u32_unsuffixed(window.days);
        quote! {
            ::estorno::spec::WindowSpec { acquirer: #acquirer, methods: (#low, #high), days: #days }
        }
    });
    quote! {
        ::core::option::Option::Some(::estorno::spec::CancelSpec {
            payment: &[#(#payment),*],
            fields: &[#(#fields),*],
            partial: #partial,
            key: #key,
            resend: #resend,
            reconcile_by_key: #reconcile_by_key,
            looks_up: #looks_up,
            windows: &[#(#windows),*],
        })
    }
}

/// The operation's index and its key parameter's, where the call carries a key.
fn keyed_param(provider: &Provider, call: &CancelCall) -> Option<(usize, usize)> {
    let endpoint_index = provider
        .endpoints
        .iter()
        .position(|endpoint| endpoint.ident == call.operation)?;
    let param_index = provider.endpoints[endpoint_index]
        .params
        .iter()
        .position(|param| param.key.is_some())?;
    Some((endpoint_index, param_index))
}

/// An argument that is one input as it stands, so the parameter it fills takes its value
/// unchanged and the parameter's rule applies to it.
enum PlainInput {
    Payment,
    Field(String),
}

fn plain_input(argument: &syn::Expr) -> Option<PlainInput> {
    match argument {
        syn::Expr::Path(path) if path.path.is_ident("payment") => Some(PlainInput::Payment),
        syn::Expr::Call(call) => {
            let syn::Expr::Path(function) = &*call.func else {
                return None;
            };
            if !(function.path.is_ident("field") || function.path.is_ident("optional_field")) {
                return None;
            }
            match call.args.first() {
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                })) => Some(PlainInput::Field(name.value())),
                _ => None,
            }
        }
        _ => None,
    }
}
