//! Checks a parsed spec as a whole: templates against parameters, statuses, URLs, names.
//!
//! Parsing reads one attribute at a time; the mistakes found here are the ones that need the
//! whole operation or the whole provider in view.

use quote::ToTokens;

use crate::ast::{
    Auth, CancelDecl, CancelRole, Condition, Endpoint, Host, KeyFormat, Location, Method, Provider,
    Segment, StatusMatch,
};
use crate::ctxt::Ctxt;

pub(crate) fn provider(cx: &Ctxt, provider: &mut Provider) {
    for url in [&provider.production, &provider.sandbox]
        .into_iter()
        .flatten()
    {
        base_url(cx, url);
    }
    oauth_urls(cx, &provider.auth);
    for header in auth_headers(&provider.auth) {
        header_name(cx, header);
    }
    for header in &provider.headers {
        header_name(cx, &header.name);
        header_value(cx, &header.value);
    }

    let mut host_names: Vec<String> = Vec::new();
    for host in &provider.hosts {
        let name = host.name.value();
        if host_names.contains(&name) {
            cx.error_spanned_by(&host.name, format!("host `{name}` is declared twice"));
        }
        if !config_name(&name) {
            cx.error_spanned_by(
                &host.name,
                "a host's name is lower case letters, digits and `_` (it names `ESTORNO_<SLUG>_<NAME>_URL`)",
            );
        }
        if matches!(name.as_str(), "base" | "token") {
            cx.error_spanned_by(
                &host.name,
                format!("`{name}` is taken: its `_URL` variable is the client's own"),
            );
        }
        if !host_names.contains(&name) {
            host_names.push(name);
        }
        same_environments(cx, provider, host, "host");
    }
    auth_variants(cx, provider);
    for endpoint in &provider.endpoints {
        if let Some(host) = &endpoint.host
            && !host_names.contains(&host.value())
        {
            let known = if host_names.is_empty() {
                "the provider declares none; add `host(name = \"…\", production = \"…\")`"
                    .to_owned()
            } else {
                format!("declared: {}", host_names.join(", "))
            };
            cx.error_spanned_by(host, format!("no host named `{}`; {known}", host.value()));
        }
    }

    let names: Vec<String> = provider
        .endpoints
        .iter()
        .map(|endpoint| endpoint.ident.to_string())
        .collect();
    for (index, endpoint) in provider.endpoints.iter_mut().enumerate() {
        if names[..index].contains(&names[index]) {
            cx.error_spanned_by(
                &endpoint.ident,
                format!("operation `{}` is declared twice", names[index]),
            );
        }
        if names[index] == "builder" {
            cx.error_spanned_by(
                &endpoint.ident,
                "`builder` is the generated client's constructor; name the operation otherwise",
            );
        }
        self::endpoint(cx, endpoint, &names);
    }
    if let Some(cancel) = &provider.cancel {
        self::cancel(cx, provider, cancel);
    }
}

/// A name configuration writes: lower case letters, digits and `_`.
fn config_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

/// A host's or an auth scheme's URLs are well formed and come in the provider's environments:
/// a `sandbox` form where the provider has one, none where it has none.
fn same_environments(cx: &Ctxt, provider: &Provider, urls: &Host, what: &str) {
    for url in urls.production.iter().chain(&urls.sandbox) {
        base_url(cx, url);
    }
    if urls.sandbox.is_some() != provider.sandbox.is_some() {
        let url = urls.production.as_ref().or(urls.sandbox.as_ref());
        if let Some(url) = url {
            cx.error_spanned_by(
                url,
                format!("give a {what} the same environments as the provider: a `sandbox` form where the provider has one, none where it has none"),
            );
        }
    }
}

/// Other auth schemes: named once each, chosen by configuration, and built from the
/// credentials of the provider's own scheme.
fn auth_variants(cx: &Ctxt, provider: &Provider) {
    let mut names: Vec<String> = Vec::new();
    for variant in &provider.auths {
        let name = &variant.base.name;
        let text = name.value();
        if names.contains(&text) {
            cx.error_spanned_by(name, format!("auth scheme `{text}` is declared twice"));
        }
        if !config_name(&text) {
            cx.error_spanned_by(
                name,
                "an auth scheme's name is lower case letters, digits and `_` (`ESTORNO_<SLUG>_AUTH` names it)",
            );
        }
        names.push(text);
        let base = &variant.base;
        if base.production.is_some() || base.sandbox.is_some() {
            same_environments(cx, provider, base, "scheme");
            if base.production.is_none() && provider.production.is_some() {
                cx.error_spanned_by(
                    name,
                    "give the scheme a `production` form too: the provider's belongs to its default scheme",
                );
            }
        }
        oauth_urls(cx, &variant.auth);
        for header in auth_headers(&variant.auth) {
            header_name(cx, header);
        }
        let credentials = provider.auth.credentials_type();
        // The Basic header of a token request, sent on every call, is the generation before
        // a provider's OAuth2 (e.Rede's `PV:token`): client credentials serve both.
        let fits = variant.auth.credentials_type() == credentials
            || (credentials == "ClientCredentials" && matches!(variant.auth, Auth::Basic));
        if !fits {
            cx.error_spanned_by(
                name,
                format!(
                    "`{}` takes `{}`, but this provider's credentials are `{credentials}`; another scheme must take the same credentials (or be `basic` beside `oauth2_client_credentials`, sending the client's id and secret as Basic)",
                    variant.auth.keyword(),
                    variant.auth.credentials_type()
                ),
            );
        }
    }
}

/// The token URLs of an OAuth2 scheme: a path on the base URL, or a well-formed URL.
fn oauth_urls(cx: &Ctxt, auth: &Auth) {
    if let Auth::OAuth2 {
        token_url,
        sandbox_token_url,
        ..
    } = auth
    {
        for url in std::iter::once(token_url).chain(sandbox_token_url) {
            if !url.value().starts_with('/') {
                base_url(cx, url);
            }
        }
    }
}

/// The `cancel(...)` calls name real operations, with one argument per parameter, and use
/// only the inputs their role has.
fn cancel(cx: &Ctxt, provider: &Provider, cancel: &CancelDecl) {
    cancel_keys(cx, provider, cancel);
    for (role, call) in cancel.calls() {
        let Some(endpoint) = provider
            .endpoints
            .iter()
            .find(|endpoint| endpoint.ident == call.operation)
        else {
            cx.error_spanned_by(
                &call.operation,
                format!("no operation named `{}` in this spec", call.operation),
            );
            continue;
        };
        if call.args.len() != endpoint.inputs.len() {
            cx.error_spanned_by(
                &call.operation,
                format!(
                    "`{}` takes {} argument(s) ({}); {} given",
                    call.operation,
                    endpoint.inputs.len(),
                    endpoint
                        .inputs
                        .iter()
                        .map(|(name, _)| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    call.args.len()
                ),
            );
        }
        if role == CancelRole::Total && cancel.status.is_none() {
            for arg in &call.args {
                for ident in crate::cancel::idents_in(arg.to_token_stream()) {
                    if ident == "remaining" {
                        cx.error_spanned_by(
                            &ident,
                            "`remaining` is what the payment's look-up says remains, and this `cancel(...)` declares no `status = operation(...)`; declare the look-up, or cancel in full without an amount",
                        );
                    }
                }
            }
        }
        let forbidden: &[&str] = match role {
            CancelRole::Total => &["amount"],
            CancelRole::Partial => &["remaining"],
            CancelRole::Status | CancelRole::Reconcile => &["amount", "remaining"],
        };
        if role == CancelRole::Reconcile {
            reconcile_call(cx, provider, cancel, endpoint, call);
        } else {
            cancel_key(cx, endpoint, call);
        }
        for arg in &call.args {
            for ident in crate::cancel::idents_in(arg.to_token_stream()) {
                if forbidden.iter().any(|name| ident == name) {
                    cx.error_spanned_by(
                        &ident,
                        format!(
                            "`{ident}` is not known in `{}`; it has `payment`{}, `field(\"…\")` and `optional_field(\"…\")`",
                            role.keyword(),
                            match role {
                                CancelRole::Total => ", `remaining`",
                                CancelRole::Partial => ", `amount`",
                                CancelRole::Status => "",
                                CancelRole::Reconcile => ", `idempotency_key`",
                            }
                        ),
                    );
                }
            }
        }
    }
}

/// `reconcile = op(...)` takes the payment and the request's key as they stand, and no
/// provider field; it uses the key only where the cancelling operations carry one.
fn reconcile_call(
    cx: &Ctxt,
    provider: &Provider,
    cancel: &CancelDecl,
    endpoint: &Endpoint,
    call: &crate::ast::CancelCall,
) {
    let uses_key = call.args.iter().any(|argument| {
        crate::cancel::idents_in(argument.to_token_stream()).any(|ident| ident == "idempotency_key")
    });
    if !uses_key {
        cx.error_spanned_by(
            &call.operation,
            "`reconcile` finds the cancellation by the key it was sent with: pass `idempotency_key` to the parameter that takes it (the payment's own look-up is `status`)",
        );
    }
    for (argument, (input, _)) in call.args.iter().zip(&endpoint.inputs) {
        let optional = endpoint
            .params
            .iter()
            .find(|param| param.ident == *input)
            .is_some_and(|param| param.optional);
        if plain_key(argument, optional) {
            let any_keyed = cancel.calls().any(|(role, call)| {
                matches!(role, CancelRole::Total | CancelRole::Partial)
                    && keyed(provider, call).is_some()
            });
            if !any_keyed {
                cx.error_spanned_by(
                    argument,
                    "the cancelling operations carry no idempotency key for this look-up to find; mark their key with `#[idempotency_key(...)]`",
                );
            }
            continue;
        }
        for ident in crate::cancel::idents_in(argument.to_token_stream()) {
            if ident == "idempotency_key" {
                cx.error_spanned_by(
                    &ident,
                    format!(
                        "pass `{}` as it stands: the look-up finds the cancellation by the key it was sent with",
                        if optional { "Some(idempotency_key)" } else { "idempotency_key" }
                    ),
                );
            } else if ident == "field" || ident == "optional_field" {
                cx.error_spanned_by(
                    &ident,
                    "`reconcile` takes `payment` and `idempotency_key`, not provider fields",
                );
            }
        }
    }
}

/// Whether an argument is the request's key as it stands: `idempotency_key`, or
/// `Some(idempotency_key)` for an optional parameter.
fn plain_key(argument: &syn::Expr, optional: bool) -> bool {
    let is_key = |expr: &syn::Expr| matches!(expr, syn::Expr::Path(path) if path.path.is_ident("idempotency_key"));
    match argument {
        syn::Expr::Call(some) if optional => {
            matches!(&*some.func, syn::Expr::Path(function) if function.path.is_ident("Some"))
                && some.args.len() == 1
                && is_key(&some.args[0])
        }
        other => !optional && is_key(other),
    }
}

/// Whether the operation declares an idempotency key, by the operation's name.
fn keyed(provider: &Provider, call: &crate::ast::CancelCall) -> Option<KeyFormat> {
    let endpoint = provider
        .endpoints
        .iter()
        .find(|endpoint| endpoint.ident == call.operation)?;
    let param = endpoint.params.iter().find(|param| param.key.is_some())?;
    KeyFormat::fitting(&param.rule)
}

/// Total and partial either both carry a key of the same form or neither does: the journal
/// keeps one key per row, whichever call the row makes.
fn cancel_keys(cx: &Ctxt, provider: &Provider, cancel: &CancelDecl) {
    let others = cancel
        .partial
        .iter()
        .chain(cancel.by_state.iter().map(|state| &state.call));
    for other in others {
        match (keyed(provider, &cancel.total), keyed(provider, other)) {
            (Some(total), Some(format)) if total != format => cx.error_spanned_by(
                &other.operation,
                "the cancelling operations generate idempotency keys of different forms; give their key parameters the same rule",
            ),
            // A call without a key (Getnet's same-day void beside its keyed cancel request)
            // ignores the request's key, and proves nothing by it: `SPEC.cancel.resend` is
            // then `Unproven`, and the keyed look-up is made only for the keyed call.
            _ => {}
        }
    }
}

/// The key parameter of a keyed operation takes exactly `idempotency_key` (the request's
/// key, generated before the first send and kept for every resend), and the input means
/// nothing anywhere else.
fn cancel_key(cx: &Ctxt, endpoint: &Endpoint, call: &crate::ast::CancelCall) {
    let key_input = endpoint
        .params
        .iter()
        .find(|param| param.key.is_some())
        .map(|param| (&param.ident, param.optional));
    for (argument, (input, _)) in call.args.iter().zip(&endpoint.inputs) {
        match key_input {
            Some((ident, optional)) if ident == input => {
                if !plain_key(argument, optional) {
                    cx.error_spanned_by(
                        argument,
                        format!(
                            "`{input}` is the idempotency key of `{}`: pass `{}`, the key the unified API keeps for every resend of the request",
                            call.operation,
                            if optional { "Some(idempotency_key)" } else { "idempotency_key" }
                        ),
                    );
                }
            }
            _ => {
                for ident in crate::cancel::idents_in(argument.to_token_stream()) {
                    if ident == "idempotency_key" {
                        cx.error_spanned_by(
                            &ident,
                            format!(
                                "`idempotency_key` fills only the parameter `#[idempotency_key(...)]` marks, and `{input}` is not it",
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn auth_headers(auth: &Auth) -> Vec<&syn::LitStr> {
    match auth {
        Auth::Header { name } => vec![name],
        Auth::BearerWithApiKey { api_key_header } => vec![api_key_header],
        Auth::HeaderPair { first, second } => vec![first, second],
        Auth::OAuth2 {
            api_key_header: Some(header),
            ..
        } => vec![header],
        _ => Vec::new(),
    }
}

/// Base URLs must be https, except on loopback where tests and the sandbox run.
fn base_url(cx: &Ctxt, url: &syn::LitStr) {
    let value = url.value();
    let rest = if let Some(rest) = value.strip_prefix("https://") {
        rest
    } else if let Some(rest) = value.strip_prefix("http://") {
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if !matches!(host, "localhost" | "127.0.0.1" | "[") {
            cx.error_spanned_by(
                url,
                "base URLs must use https://; plain http:// is allowed only for loopback",
            );
        }
        rest
    } else {
        cx.error_spanned_by(url, "expected an absolute URL starting with https://");
        return;
    };
    if rest.is_empty() || rest.starts_with('/') {
        cx.error_spanned_by(url, "the URL has no host");
    }
    if value.contains(['?', '#', '{', ' ']) {
        cx.error_spanned_by(
            url,
            "a base URL holds scheme, host and path only: no query, fragment, placeholder or space",
        );
    }
}

fn header_name(cx: &Ctxt, name: &syn::LitStr) {
    let value = name.value();
    let is_token = !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte));
    if !is_token {
        cx.error_spanned_by(name, format!("`{value}` is not a valid header name"));
    }
}

fn header_value(cx: &Ctxt, value: &syn::LitStr) {
    if value.value().contains(['\r', '\n', '\0']) {
        cx.error_spanned_by(value, "header values cannot hold CR, LF or NUL");
    }
}

fn endpoint(cx: &Ctxt, endpoint: &mut Endpoint, operations: &[String]) {
    endpoint.segments = template(cx, endpoint);

    // Every path parameter must fill a placeholder; undeclared parameters that fill none go
    // nowhere at all.
    for (index, param) in endpoint.params.iter().enumerate() {
        let placed = endpoint.segments.iter().any(
            |segment| matches!(segment, Segment::Placeholder { param, .. } if *param == index),
        );
        if param.location == Location::Path && !placed && !param.reported {
            cx.error_spanned_by(
                &param.ident,
                format!(
                    "parameter `{}` is used nowhere: no `{{{}}}` in the path `{}`; add it to the path, or mark it `#[query]`, `#[header(\"…\")]`, `#[json_field(\"…\")]`, `#[json]` or `#[form]`",
                    param.ident,
                    param.wire,
                    endpoint.path.value()
                ),
            );
        }
        if param.location == Location::Path && param.optional {
            cx.error_spanned_by(
                &param.ty,
                "path parameters are required; `Option` fits `#[query]` and `#[header]` only",
            );
        }
        if param.location == Location::Header {
            let name = syn::LitStr::new(&param.wire, param.ident.span());
            header_name(cx, &name);
        }
        if param.location == Location::JsonField {
            let json_body = endpoint.body.as_ref().filter(|body| {
                body.kind == crate::ast::BodyKind::Json
                    && crate::attr::option_inner(&body.ty).is_none()
            });
            if json_body.is_none() {
                cx.error_spanned_by(
                    &param.ident,
                    "a `#[json_field]` goes into the operation's JSON body: declare a `#[json]` body that is always sent (not an `Option`)",
                );
            }
            if param.optional {
                cx.error_spanned_by(
                    &param.ty,
                    "a `#[json_field]` is always sent; take `&str`, not an `Option`",
                );
            }
        }
        let clash = endpoint.params[..index]
            .iter()
            .any(|earlier| earlier.location == param.location && earlier.wire == param.wire);
        if clash {
            cx.error_spanned_by(
                &param.ident,
                format!(
                    "two {} parameters are both named `{}` on the wire",
                    param.location.keyword(),
                    param.wire
                ),
            );
        }
    }

    if let Some(body) = &endpoint.body
        && matches!(endpoint.method, Method::Get | Method::Head)
    {
        cx.error_spanned_by(
            &body.attr,
            format!(
                "a {} request carries no body; use #[query] parameters or another method",
                endpoint.method.as_str()
            ),
        );
    }
    for header in &endpoint.headers {
        header_name(cx, &header.name);
        header_value(cx, &header.value);
    }

    statuses(cx, endpoint);
    keys(cx, endpoint);

    if let Some(reconcile) = &endpoint.reconcile {
        let name = reconcile.to_string();
        if endpoint.ident == name {
            cx.error_spanned_by(
                reconcile,
                "an operation cannot reconcile itself; name the status query",
            );
        } else if !operations.contains(&name) {
            cx.error_spanned_by(
                reconcile,
                format!(
                    "no operation named `{name}` to reconcile with; expected one of {}",
                    operations
                        .iter()
                        .map(|operation| format!("`{operation}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

/// An operation has at most one idempotency key, a `&str` (or `Option<&str>` when the
/// provider makes it optional) whose rule admits a generated UUID; a verified key is what
/// makes a resend safe, so it is also what the retries rely on.
fn keys(cx: &Ctxt, endpoint: &Endpoint) {
    let mut seen = false;
    for param in &endpoint.params {
        let Some(key) = &param.key else { continue };
        if seen {
            cx.error_spanned_by(
                &key.attr,
                "an operation has one idempotency key; this is the second",
            );
        }
        seen = true;
        let inner = crate::attr::option_inner(&param.ty).unwrap_or(&param.ty);
        let is_str = matches!(inner, syn::Type::Reference(reference)
            if matches!(&*reference.elem, syn::Type::Path(path) if path.path.is_ident("str")));
        if !is_str {
            cx.error_spanned_by(
                &param.ty,
                "an idempotency key is text: declare it `&str`, or `Option<&str>` where the provider makes it optional",
            );
        }
        if KeyFormat::fitting(&param.rule).is_none() {
            cx.error_spanned_by(
                &key.attr,
                format!(
                    "no generated key fits the rule of `{}`: keys are UUIDs, 36 characters of `0-9a-f-` or 32 of `0-9a-f`; allow one of them",
                    param.ident
                ),
            );
        }
        if let Some(conflict) = key.conflict
            && !endpoint.errors.iter().any(|mapping| {
                mapping.condition.is_none()
                    && mapping
                        .patterns
                        .iter()
                        .any(|pattern| pattern.kind.overlaps(StatusMatch::One(conflict)))
            })
        {
            cx.error_spanned_by(
                &key.attr,
                format!(
                    "`conflict = {conflict}` is not a declared error status of `{}`; declare it with `#[err({conflict} => ...)]`",
                    endpoint.ident
                ),
            );
        }
    }
}

/// Whether two mappings of one status could both be selected by the same body: both plain,
/// or selected by one field with a value in common (its mere presence is every value).
fn conditions_clash(a: Option<&Condition>, b: Option<&Condition>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) if a.field.value() == b.field.value() => {
            a.values.is_empty()
                || b.values.is_empty()
                || a.values
                    .iter()
                    .any(|(value, _)| b.values.iter().any(|(other, _)| other == value))
        }
        _ => false,
    }
}

/// ` = "9"`: a value two conditions on one field both select, or nothing when one of them
/// is the field's mere presence.
fn shared_value(a: &Condition, b: &Condition) -> String {
    a.values
        .iter()
        .find(|(value, _)| b.values.iter().any(|(other, _)| other == value))
        .map(|(value, _)| format!(" = \"{value}\""))
        .unwrap_or_default()
}

/// Splits the path template, matching each `{placeholder}` to one parameter.
fn template(cx: &Ctxt, endpoint: &Endpoint) -> Vec<Segment> {
    let path = &endpoint.path;
    let text = path.value();
    let mut segments = Vec::new();
    if !text.starts_with('/') {
        cx.error_spanned_by(path, "path templates start with `/`");
    }
    if text.contains(['?', '#']) {
        cx.error_spanned_by(
            path,
            "the path template cannot hold a query or fragment; declare `#[query]` parameters",
        );
    }
    let mut rest = text.as_str();
    let mut seen: Vec<String> = Vec::new();
    while !rest.is_empty() {
        let Some(open) = rest.find(['{', '}']) else {
            segments.push(Segment::Literal(rest.to_owned()));
            break;
        };
        if rest.as_bytes()[open] == b'}' {
            cx.error_spanned_by(path, "unbalanced `}` in the path template");
            return segments;
        }
        if open > 0 {
            segments.push(Segment::Literal(rest[..open].to_owned()));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            cx.error_spanned_by(path, "unclosed `{` in the path template");
            return segments;
        };
        let name = &after[..close];
        if name.is_empty() || name.contains(['{', '/']) {
            cx.error_spanned_by(
                path,
                format!("`{{{name}}}` is not a placeholder; write `{{name}}`"),
            );
            return segments;
        }
        if seen.iter().any(|earlier| earlier == name) {
            cx.error_spanned_by(
                path,
                format!("placeholder `{{{name}}}` appears twice in the path template"),
            );
        }
        seen.push(name.to_owned());
        let param = endpoint
            .params
            .iter()
            .position(|param| param.location == Location::Path && param.wire == name);
        match param {
            Some(param) => segments.push(Segment::Placeholder {
                name: name.to_owned(),
                param,
            }),
            None => {
                let located_elsewhere = endpoint
                    .params
                    .iter()
                    .any(|param| param.wire == name || param.ident == name);
                let hint = if located_elsewhere {
                    format!("the parameter named `{name}` is not a `#[path]` parameter")
                } else {
                    format!(
                        "add a parameter `{name}: &str`, or `#[path(rename = \"{name}\")]` on the one that fills it"
                    )
                };
                cx.error_spanned_by(
                    path,
                    format!("placeholder `{{{name}}}` has no parameter; {hint}"),
                );
            }
        }
        rest = &after[close + 1..];
    }
    segments
}

fn statuses(cx: &Ctxt, endpoint: &Endpoint) {
    // An `#[ok]` that could not be read was reported already; "declares none" would be a
    // follow-on error.
    if endpoint.ok.is_empty() && !cx.has_errors() {
        cx.error_spanned_by(
            &endpoint.ident,
            format!(
                "operation `{}` declares no success status; add `#[ok(200 => …)]`",
                endpoint.ident
            ),
        );
    }
    let output = endpoint
        .output
        .as_ref()
        .map(|ty| ty.to_token_stream().to_string());
    for mapping in &endpoint.ok {
        if let Some(ty) = &mapping.ty {
            let written = ty.to_token_stream().to_string();
            let unit = written == "()";
            if (unit && output.is_some()) || (!unit && output.as_deref() != Some(&written)) {
                cx.error_spanned_by(
                    ty,
                    format!(
                        "`#[ok]` decodes into `{written}` but the operation returns `{}`; an operation returns one type",
                        output.as_deref().unwrap_or("()")
                    ),
                );
            }
        }
        for pattern in &mapping.patterns {
            match pattern.kind {
                StatusMatch::Default => cx.error_at(
                    pattern.span,
                    "`default` catches undeclared statuses as errors; it belongs on `#[err(...)]`",
                ),
                StatusMatch::One(status) | StatusMatch::Range(status, _) if status >= 400 => cx
                    .error_at(
                        pattern.span,
                        format!("{status} is an error status; map it with `#[err(...)]`"),
                    ),
                _ => {}
            }
        }
    }

    // Unconditional mappings may not overlap; conditional ones (selected by a body field) are
    // tried first and may sit on a status that also has a plain mapping, but two on the same
    // status may not be selected by the same field and value.
    let mut seen: Vec<(StatusMatch, Option<&Condition>)> = Vec::new();
    for mapping in endpoint.ok.iter().chain(&endpoint.errors) {
        let condition = mapping.condition.as_ref();
        if let Some(condition) = condition {
            if mapping.ty.is_none() && endpoint.errors.iter().any(|m| std::ptr::eq(m, mapping)) {
                cx.error_spanned_by(
                    &condition.field,
                    "a body field selects this error, so its body is read: name its type, `=> ErrorType`",
                );
            }
            for (index, (value, span)) in condition.values.iter().enumerate() {
                if condition.values[..index]
                    .iter()
                    .any(|(earlier, _)| earlier == value)
                {
                    cx.error_at(*span, format!("`{value}` is listed twice"));
                }
            }
        }
        for pattern in &mapping.patterns {
            let clash = seen.iter().find(|(earlier, earlier_condition)| {
                earlier.overlaps(pattern.kind) && conditions_clash(*earlier_condition, condition)
            });
            if let Some((earlier, _)) = clash {
                let by = if *earlier == pattern.kind {
                    String::new()
                } else {
                    format!(" (by `{}`)", earlier.describe())
                };
                let what = match condition {
                    Some(condition) => {
                        let earlier = seen
                            .iter()
                            .find_map(|(kind, other)| {
                                (kind.overlaps(pattern.kind)).then_some(*other).flatten()
                            })
                            .map(|other| shared_value(other, condition))
                            .unwrap_or_default();
                        format!(" with `{}`{earlier}", condition.field.value())
                    }
                    None => String::new(),
                };
                cx.error_at(
                    pattern.span,
                    format!(
                        "status {}{what} is already mapped{by}; each status maps once",
                        pattern.kind.describe()
                    ),
                );
            }
            seen.push((pattern.kind, condition));
        }
    }

    let mut variants: Vec<(String, String)> = Vec::new();
    for mapping in &endpoint.errors {
        let Some(ty) = &mapping.ty else { continue };
        let written = ty.to_token_stream().to_string();
        let Some(variant) = crate::expand::type_variant_name(ty) else {
            cx.error_spanned_by(ty, "error bodies must be named types, like `ApiError`");
            continue;
        };
        if let Some((other, _)) = variants
            .iter()
            .find(|(name, other)| *name == variant && *other != written)
        {
            cx.error_spanned_by(
                ty,
                format!("two error types are both named `{other}`; rename one or use one type"),
            );
        }
        variants.push((variant, written));
    }
}
