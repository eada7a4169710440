//! `docs/providers.md`: the provider catalogue, for a payments engineer rather than a Rust
//! reader — base URLs, authentication and its environment variables, every endpoint with its
//! statuses and parameter rules, the unified cancellation, and each status → outcome table.

use std::fmt::Write as _;
use std::path::PathBuf;

use estorno_codegen::ast::{
    Auth, BodyKind, ConstHeader, Endpoint, KeyKept, Param, Proof, Rule, StatusMapping, StatusMatch,
    TokenRequest, WireKind,
};
use estorno_codegen::type_text;

use super::{
    Generated, Spec, cancel_fields, credential_parts, env_var, first_paragraph, tokens_text,
};
use crate::GENERATED;

const CATALOGUE: &str = "docs/providers.md";

pub(super) fn generate(specs: &[Spec]) -> Generated {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!-- {GENERATED} -->

# Providers

Every provider estorno supports, read from its spec in `providers/<folder>/src/lib.rs` by the
same code that expands the spec into a client, so this page cannot drift from the clients.
To add one, see \"Adding a provider\" in the README.

Amounts are integer cents unless a type says otherwise (`Reais` is decimal reais). A status
outside every declared mapping is an `UnexpectedStatus` error that keeps the status, headers
and a redacted sample of the body. The sandbox (`crates/estorno-sandbox`) simulates these
providers from their documentation by hand, independently of the specs.

| Provider | Slug | Cargo feature | Auth | Operations | Partial cancellation |
|---|---|---|---|---|---|
"
    );
    for spec in specs {
        let provider = &spec.provider;
        let operations = provider
            .endpoints
            .iter()
            .map(|endpoint| format!("`{}`", endpoint.ident))
            .collect::<Vec<_>>()
            .join(", ");
        let partial = match &provider.cancel {
            Some(cancel) if cancel.partial.is_some() => "yes",
            Some(_) => "no",
            None => "no unified cancellation",
        };
        let _ = writeln!(
            out,
            "| [{name}](#{anchor}) | `{slug}` | `{feature}` | {auth} | {operations} | {partial} |",
            name = provider.name.value(),
            anchor = anchor(&provider.name.value()),
            slug = provider.slug,
            feature = spec.source.dir,
            auth = auth_title(&provider.auth),
        );
    }
    for spec in specs {
        provider_section(&mut out, spec);
    }
    (PathBuf::from(CATALOGUE), out)
}

fn provider_section(out: &mut String, spec: &Spec) {
    let provider = &spec.provider;
    let slug = &provider.slug;
    let _ = writeln!(out, "\n## {}\n", provider.name.value());
    let summary = first_paragraph(&provider.docs);
    if !summary.is_empty() {
        let _ = writeln!(out, "{summary}\n");
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Slug | `{slug}` |");
    let _ = writeln!(
        out,
        "| Crate | `{}` (`estorno::{}` with the `{}` feature) |",
        spec.source.package(),
        spec.module(),
        spec.source.dir
    );
    let _ = writeln!(
        out,
        "| Spec | `{}` |",
        super::display_path(&spec.source.source_path())
    );
    let url = |url: Option<&syn::LitStr>| {
        url.map_or_else(|| "none".to_owned(), |url| format!("`{}`", url.value()))
    };
    let _ = writeln!(
        out,
        "| Production | {} |",
        url(provider.production.as_ref())
    );
    let _ = writeln!(out, "| Sandbox | {} |", url(provider.sandbox.as_ref()));

    let _ = writeln!(out, "\n### Authentication\n");
    let _ = writeln!(out, "{}\n", auth_description(&provider.auth));
    for variant in &provider.auths {
        let name = variant.base.name.value();
        let urls = match (&variant.base.production, &variant.base.sandbox) {
            (None, None) => String::new(),
            (production, sandbox) => format!(
                ", on production {} and sandbox {}",
                url(production.as_ref()),
                url(sandbox.as_ref())
            ),
        };
        let _ = writeln!(
            out,
            "With `{}={name}` (the scheme `{name}`, same credentials{urls}): {}\n",
            env_var(slug, "auth"),
            match (&variant.auth, &provider.auth) {
                (Auth::Basic, Auth::OAuth2 { .. }) => "HTTP Basic with the client id as the user and the client secret as the password, on every call.".to_owned(),
                (scheme, _) => auth_description(scheme),
            }
        );
    }
    let _ = writeln!(out, "| Setting | Environment variable |\n|---|---|");
    for part in credential_parts(&provider.auth) {
        let _ = writeln!(out, "| credential `{part}` | `{}` |", env_var(slug, &part));
    }
    let _ = writeln!(
        out,
        "| base URL override | `{}` |",
        env_var(slug, "base_url")
    );
    if matches!(provider.auth, Auth::OAuth2 { .. }) {
        let _ = writeln!(
            out,
            "| token URL override | `{}` |",
            env_var(slug, "token_url")
        );
    }
    if provider.sandbox.is_some() {
        let _ = writeln!(
            out,
            "| sandbox (`1`/`true`) | `{}` |",
            env_var(slug, "sandbox")
        );
    }
    let _ = writeln!(
        out,
        "| deadline per attempt, seconds | `{}` |",
        env_var(slug, "timeout_secs")
    );
    for host in &provider.hosts {
        let _ = writeln!(
            out,
            "| host `{}` override | `{}` |",
            host.name.value(),
            env_var(slug, &format!("{}_url", host.name.value()))
        );
    }
    if provider.client_certificate {
        let _ = writeln!(
            out,
            "| client certificate (mutual TLS, required): PEM chain and key files | `{}`, `{}` |\n\
             | or a PKCS#12 archive and its passphrase | `{}`, `{}` |",
            env_var(slug, "certificate"),
            env_var(slug, "certificate_key"),
            env_var(slug, "pkcs12"),
            env_var(slug, "pkcs12_passphrase")
        );
    }
    let _ = writeln!(
        out,
        "| extra trusted roots (PEM file) | `{}` |",
        env_var(slug, "root_certificates")
    );
    if !provider.headers.is_empty() {
        let _ = writeln!(
            out,
            "\nSent on every call: {}.",
            headers_text(&provider.headers)
        );
    }

    let _ = writeln!(out, "\n### Operations");
    for endpoint in &provider.endpoints {
        endpoint_section(out, endpoint);
    }

    let _ = writeln!(out, "\n### Unified cancellation\n");
    cancellation_section(out, spec);

    for status in &spec.statuses {
        let _ = writeln!(out, "\n### Status `{}`\n", status.ident);
        let summary = first_paragraph(&status.docs);
        if !summary.is_empty() {
            let _ = writeln!(out, "{summary}\n");
        }
        let _ = writeln!(
            out,
            "| Value | Variant | Outcome | Meaning |\n|---|---|---|---|"
        );
        for variant in &status.variants {
            let value = match status.wire {
                WireKind::Text => format!("`\"{}\"`", variant.wire),
                WireKind::Code => format!("`{}`", variant.wire),
            };
            let outcome = match &variant.partial {
                Some(partial) => format!("{} (after a partial: {partial})", variant.outcome),
                None => variant.outcome.to_string(),
            };
            let _ = writeln!(
                out,
                "| {value} | `{}` | {outcome} | {} |",
                variant.ident,
                cell(&first_paragraph(&variant.docs))
            );
        }
        let _ = writeln!(
            out,
            "| any other | `Unknown(..)` | Ambiguous | A value the spec does not know: never read as success or pending. |"
        );
    }
}

fn endpoint_section(out: &mut String, endpoint: &Endpoint) {
    let _ = writeln!(
        out,
        "\n#### `{}`: `{} {}`\n",
        endpoint.ident,
        endpoint.method.as_str(),
        endpoint.path.value()
    );
    let docs = doc_text(&endpoint.docs);
    if !docs.is_empty() {
        let _ = writeln!(out, "{docs}\n");
    }
    if !endpoint.params.is_empty() {
        let _ = writeln!(
            out,
            "| Parameter | In | Wire name | Type | Required | Rules |\n|---|---|---|---|---|---|"
        );
        for param in &endpoint.params {
            let _ = writeln!(
                out,
                "| `{}` | {} | `{}` | `{}` | {} | {} |",
                param.ident,
                param.location.keyword(),
                param.wire,
                type_text(&param.ty),
                if param.optional { "no" } else { "yes" },
                cell(&rule_text(param))
            );
        }
        out.push('\n');
    }
    let body = match &endpoint.body {
        None => "none".to_owned(),
        Some(body) => {
            let ty = type_text(&body.ty);
            let ty = ty.trim_start_matches('&');
            match body.kind {
                BodyKind::Json => format!("JSON, `{ty}`"),
                BodyKind::Form => format!("form-encoded, `{ty}`"),
            }
        }
    };
    if let Some(host) = &endpoint.host {
        let _ = writeln!(
            out,
            "- Host: `{}` (the provider's `host(name = \"{}\", ...)`), not the base URL",
            host.value(),
            host.value()
        );
    }
    let _ = writeln!(out, "- Body: {body}");
    if !endpoint.headers.is_empty() {
        let _ = writeln!(out, "- Headers: {}", headers_text(&endpoint.headers));
    }
    let output = endpoint
        .output
        .as_ref()
        .map_or_else(|| "()".to_owned(), type_text);
    let _ = writeln!(
        out,
        "- Success: {}",
        mappings_text(&endpoint.ok, Some(&output))
    );
    let _ = writeln!(out, "- Errors: {}", mappings_text(&endpoint.errors, None));
    let _ = writeln!(
        out,
        "- Idempotent: {}",
        if endpoint.idempotent {
            "yes, retried when safe"
        } else {
            "no, never resent once it may have arrived"
        }
    );
    if let Some(reconcile) = &endpoint.reconcile {
        let _ = writeln!(
            out,
            "- Reconciled by: `{reconcile}` when the outcome is unknown"
        );
    }
    let timeout = match endpoint.timeout_millis {
        Some(millis) if millis % 1000 == 0 => format!("{} s", millis / 1000),
        Some(millis) => format!("{millis} ms"),
        None => "the client's (30 s by default)".to_owned(),
    };
    let _ = writeln!(out, "- Deadline per attempt: {timeout}");
}

fn cancellation_section(out: &mut String, spec: &Spec) {
    let Some(cancel) = &spec.provider.cancel else {
        let _ = writeln!(
            out,
            "Not declared: the spec has no `cancel(...)`, so `estorno::AnyProvider` and the \
             registry do not offer this provider."
        );
        return;
    };
    let _ = writeln!(out, "| Request | Call |\n|---|---|");
    let call = |call: &estorno_codegen::ast::CancelCall| {
        let args = call
            .args
            .iter()
            .map(tokens_text)
            .collect::<Vec<_>>()
            .join(", ");
        format!("`{}({args})`", call.operation)
    };
    let _ = writeln!(out, "| total | {} |", cell(&call(&cancel.total)));
    match &cancel.partial {
        Some(partial) => {
            let _ = writeln!(out, "| partial | {} |", cell(&call(partial)));
        }
        None => {
            let _ = writeln!(
                out,
                "| partial | not supported: refused before anything is sent |"
            );
        }
    }
    match &cancel.status {
        Some(status) => {
            let _ = writeln!(out, "| status | {} |", cell(&call(status)));
        }
        None => {
            let _ = writeln!(
                out,
                "| status | none: the provider documents no look-up of a payment, so nothing is read before sending and an unknown outcome waits for the keyed look-up or an operator |"
            );
        }
    }
    let fields = cancel_fields(&spec.provider);
    let fields = if fields.is_empty() {
        "none; the payment id is enough".to_owned()
    } else {
        fields
            .iter()
            .map(|field| {
                let rule = value_rules(&field.rule);
                let rule = if rule.is_empty() {
                    String::new()
                } else {
                    format!("; {rule}")
                };
                format!("`{}` ({}{rule})", field.name.value(), field.requirement())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "\nIn these calls `payment` is the request's payment id, `amount` the partial amount and \
         `remaining` what the status call says remains. Provider fields a `CancelRequest` \
         carries (any other is refused before sending): {fields}."
    );
    let _ = writeln!(out, "\n{}", amounts_text(spec, cancel));
    if !cancel.windows.is_empty() {
        let windows: Vec<String> = cancel
            .windows
            .iter()
            .map(|window| {
                let days = if window.days == 1 { "day" } else { "days" };
                format!(
                    "{} (methods {}–{}): {} {days}",
                    window.acquirer.value(),
                    window.methods.0,
                    window.methods.1,
                    window.days
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\nCancellation windows, counted from the look-up's date; a cancellation more than a \
             day past its window is refused before sending: {}.",
            windows.join("; ")
        );
    }
    let name = spec.provider.name.value();
    let proof = match cancel.resend_proof(&spec.provider) {
        // A look-up by the key that declares no "not found" finds a cancellation that landed,
        // but never proves one did not (Getnet's cancel request, beside its unkeyed void).
        Proof::Unproven if cancel.reconcile.is_some() => format!(
            "no proof. {name} confirms no idempotency key on every cancelling call, and its \
             look-up by the cancellation's key finds one that landed but documents no answer \
             proving one did not: such a cancellation stays unresolved until a look-up shows \
             its effect, and is sent again only by an operator's decision (`estorno bulk \
             --resend-unresolved --older-than`)"
        ),
        Proof::Unproven => format!(
            "no proof. {name} confirms no idempotency key on cancellations and offers no look-up \
             by the cancellation's own key, so such a cancellation stays unresolved until a \
             look-up shows its effect, and is sent again only by an operator's decision \
             (`estorno bulk --resend-unresolved --older-than`)"
        ),
        Proof::Key(Some(KeyKept::Undocumented)) => format!(
            "the idempotency key, which {name} keeps for a time it does not document: the \
             retries of one call reuse it, but such a cancellation stays unresolved until a \
             look-up shows its effect, and an operator's resend (`estorno bulk \
             --resend-unresolved --older-than`) reuses the key"
        ),
        Proof::Key(Some(KeyKept::Permanent)) => format!(
            "the idempotency key, which {name} never forgets: such a cancellation is sent again \
             with the same key, which cannot refund twice"
        ),
        Proof::Key(Some(KeyKept::Hours(hours))) => format!(
            "the idempotency key, which {name} keeps {hours} hours: such a cancellation is sent \
             again with the same key while it is kept, and after that only by an operator's \
             decision"
        ),
        Proof::Key(None) => "the idempotency key".to_owned(),
        Proof::LookUp => format!(
            "the look-up by the cancellation's key: when {name} answers that no request with \
             that key arrived, the cancellation is sent again; otherwise it stays unresolved \
             until a look-up shows its effect"
        ),
    };
    let _ = writeln!(
        out,
        "\nAfter an unknown outcome (a timeout or 5xx after sending), what proves a resend safe: \
         {proof}."
    );
    if let Some(reconcile) = &cancel.reconcile {
        let _ = writeln!(
            out,
            "\nReconciled by {}: the cancellation found by its idempotency key.",
            cell(&call(reconcile))
        );
    }
}

/// What the answers of the unified cancellation's calls say about amounts, which decides how
/// a refund is checked and reconciled.
fn amounts_text(spec: &Spec, cancel: &estorno_codegen::ast::CancelDecl) -> String {
    let response = |call: &estorno_codegen::ast::CancelCall| {
        let endpoint = spec
            .provider
            .endpoints
            .iter()
            .find(|endpoint| endpoint.ident == call.operation)?;
        let ty = estorno_codegen::type_text(endpoint.output.as_ref()?);
        spec.responses.iter().find(|response| response.ident == ty)
    };
    let describe = |response: Option<&estorno_codegen::ResponseDecl>| match response {
        Some(response) if response.reports_refunded() && response.reports_remaining() => {
            "the refunded and remaining amounts"
        }
        Some(response) if response.reports_refunded() => "the refunded amount",
        Some(response) if response.reports_amount() => {
            "the payment's amount only, no refunded amount"
        }
        _ => "no amounts",
    };
    let total = describe(response(&cancel.total));
    let Some(status_call) = &cancel.status else {
        return format!(
            "Amounts: there is no status look-up; the cancellation's answer reports {total}."
        );
    };
    let status = describe(response(status_call));
    let mut text = format!(
        "Amounts: the status look-up reports {status}; the cancellation's answer reports {total}."
    );
    if status == "no amounts" || status.starts_with("the payment's amount") {
        text.push_str(
            " Without a refunded amount, a cancellation is reconciled by comparing states, and a \
             second partial refund of a payment already partly refunded is flagged for review.",
        );
    }
    text
}

/// A scheme's short name, for the summary table.
fn auth_title(auth: &Auth) -> &'static str {
    match auth {
        Auth::Header { .. } => "token header",
        Auth::Bearer => "Bearer",
        Auth::Basic => "Basic",
        Auth::BasicKeyAsUser => "Basic, key as user",
        Auth::BearerWithApiKey { .. } => "Bearer + API key",
        Auth::HeaderPair { .. } => "two headers",
        Auth::OAuth2 { .. } => "OAuth2 client credentials",
    }
}

/// A scheme in a sentence, with the credential type a Rust caller builds.
fn auth_description(auth: &Auth) -> String {
    let scheme = match auth {
        Auth::Header { name } => format!("A token in the `{}` header.", name.value()),
        Auth::Bearer => "A token in `Authorization: Bearer <token>`.".to_owned(),
        Auth::Basic => "HTTP Basic with a user and a password.".to_owned(),
        Auth::BasicKeyAsUser => {
            "HTTP Basic with the API key as the user and an empty password.".to_owned()
        }
        Auth::BearerWithApiKey { api_key_header } => format!(
            "A token in `Authorization: Bearer <token>` and an API key in the `{}` header.",
            api_key_header.value()
        ),
        Auth::HeaderPair { first, second } => format!(
            "Two credentials, in the `{}` and `{}` headers.",
            first.value(),
            second.value()
        ),
        Auth::OAuth2 {
            token_url,
            sandbox_token_url,
            request,
            api_key_header,
            basic_client,
            scope,
        } => {
            let encoding = match request {
                TokenRequest::Json => "as JSON",
                TokenRequest::Form => "form-encoded",
            };
            let mut text = format!(
                "OAuth2 client credentials: a token from `{}`",
                token_url.value()
            );
            if token_url.value().starts_with('/') {
                text.push_str(" (under the base URL)");
            }
            if let Some(sandbox) = sandbox_token_url {
                let _ = write!(text, ", or `{}` in the sandbox", sandbox.value());
            }
            let client = if *basic_client {
                "the client id and secret in an `Authorization: Basic` header"
            } else {
                "the client id and secret in the body"
            };
            let _ = write!(text, ", requested {encoding} with {client}");
            if let Some(scope) = scope {
                let _ = write!(text, " and `scope={}`", scope.value());
            }
            let _ = write!(
                text,
                ", sent as `Authorization: Bearer`, cached and refreshed before it expires and \
                 once on a 401"
            );
            if let Some(header) = api_key_header {
                let _ = write!(
                    text,
                    "; an API key goes in the `{}` header too",
                    header.value()
                );
            }
            text.push('.');
            text
        }
    };
    format!(
        "{scheme} Spec: `auth = {}`; Rust credentials: `estorno::auth::{}`.",
        auth.keyword(),
        auth.credentials_type()
    )
}

fn headers_text(headers: &[ConstHeader]) -> String {
    headers
        .iter()
        .map(|header| format!("`{}: {}`", header.name.value(), header.value.value()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `200 → Charge`; `400, 401 → ApiError`; `200 with "erro" → ApiError`.
fn mappings_text(mappings: &[StatusMapping], output: Option<&str>) -> String {
    if mappings.is_empty() {
        return "none declared".to_owned();
    }
    mappings
        .iter()
        .map(|mapping| {
            let statuses = mapping
                .patterns
                .iter()
                .map(|pattern| match pattern.kind {
                    StatusMatch::One(status) => status.to_string(),
                    StatusMatch::Range(low, high) => format!("{low}–{high}"),
                    StatusMatch::Default => "any other".to_owned(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let condition = match &mapping.condition {
                None => String::new(),
                Some(condition) if condition.values.is_empty() => {
                    format!(" with a top-level `{}` field", condition.field.value())
                }
                Some(condition) => {
                    let values: Vec<String> = condition
                        .values
                        .iter()
                        .map(|(value, _)| format!("`{value}`"))
                        .collect();
                    format!(
                        " with `{}` = {}",
                        condition.field.value(),
                        values.join(" \\| ")
                    )
                }
            };
            let ty = match (output, &mapping.ty) {
                (Some(output), _) => format!("`{output}`"),
                (None, Some(ty)) => format!("`{}`", type_text(ty)),
                (None, None) => "no body read".to_owned(),
            };
            let meaning = mapping
                .meaning
                .map(|(meaning, _)| format!(" ({})", meaning.as_str()))
                .unwrap_or_default();
            format!("{statuses}{condition} → {ty}{meaning}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A parameter's validation, in words; checked before anything is sent.
fn rule_text(param: &Param) -> String {
    let mut rules = vec![value_rules(&param.rule)]
        .into_iter()
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>();
    if param.location == estorno_codegen::ast::Location::Path {
        rules.push("percent-encoded; empty, `.` and `..` refused".to_owned());
    }
    rules.join("; ")
}

/// A declared rule in words: length, characters, range; empty when none is declared.
fn value_rules(rule: &Rule) -> String {
    let Rule {
        min_len,
        max_len,
        chars,
        min,
        max,
    } = rule;
    let mut rules = Vec::new();
    match (min_len, max_len) {
        (Some(low), Some(high)) if low == high => rules.push(format!("length {low}")),
        (Some(low), Some(high)) => rules.push(format!("length {low}–{high}")),
        (Some(low), None) => rules.push(format!("length ≥ {low}")),
        (None, Some(high)) => rules.push(format!("length ≤ {high}")),
        (None, None) => {}
    }
    if let Some((text, _)) = chars {
        rules.push(format!("characters `{}`", text.value()));
    }
    match (min, max) {
        (Some(low), Some(high)) => rules.push(format!("{low} to {high}")),
        (Some(low), None) => rules.push(format!("≥ {low}")),
        (None, Some(high)) => rules.push(format!("≤ {high}")),
        (None, None) => {}
    }
    rules.join("; ")
}

/// A doc comment as Markdown: its lines as written (doc comments are Markdown already),
/// without leading or trailing blank lines.
fn doc_text(docs: &[String]) -> String {
    let lines: Vec<&str> = docs.iter().map(|line| line.trim_end()).collect();
    let first = lines.iter().position(|line| !line.is_empty());
    let last = lines.iter().rposition(|line| !line.is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].join("\n"),
        _ => String::new(),
    }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The anchor GitHub gives a heading: lower case, spaces to `-`, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}
