//! `estorno providers`: the registered providers, their operations, whether they refund part
//! of a payment, the fields a cancellation takes, what makes a resend safe after an unknown
//! outcome, and the environment variables each reads — with whether each is set, never its
//! value.

use std::fmt::Write as _;

use estorno::ProviderConfig;
use estorno::registry::{self, Entry};
use estorno::spec::{AuthScheme, FieldUse};
use serde::Serialize;

use crate::backend::{self, Plan};

#[derive(Debug, Serialize)]
struct Catalogue {
    /// Where commands run with the current environment.
    backend: String,
    providers: Vec<ProviderInfo>,
}

#[derive(Debug, Serialize)]
struct ProviderInfo {
    name: &'static str,
    slug: &'static str,
    operations: Vec<Operation>,
    /// Whether a partial amount can be refunded; `None` without a unified cancellation.
    partial: Option<bool>,
    /// The provider fields a cancellation takes (a bulk file's extra columns).
    fields: Vec<Field>,
    /// What makes sending a cancellation again safe after its outcome was unknown.
    resend_after_unknown: Option<String>,
    /// Whether every credential variable is set.
    configured: bool,
    credentials: Vec<Variable>,
    settings: Vec<Variable>,
}

#[derive(Debug, Serialize)]
struct Operation {
    name: &'static str,
    method: &'static str,
    path: &'static str,
}

#[derive(Debug, Serialize)]
struct Field {
    name: &'static str,
    /// `required`, `optional` or `unused`, for a total cancellation.
    total: &'static str,
    /// The same for a partial one.
    partial: &'static str,
}

fn use_name(field_use: FieldUse) -> &'static str {
    match field_use {
        FieldUse::Required => "required",
        FieldUse::Optional => "optional",
        FieldUse::Unused => "unused",
    }
}

#[derive(Debug, Serialize)]
struct Variable {
    name: String,
    set: bool,
}

fn describe(entry: &Entry, env: &[(String, String)]) -> ProviderInfo {
    let slug = entry.spec.slug;
    let credentials: Vec<Variable> = entry
        .credential_fields
        .iter()
        .map(|part| {
            let name = ProviderConfig::env_var(slug, part);
            let set = backend::is_set(env, &name);
            Variable { name, set }
        })
        .collect();
    let oauth = matches!(entry.spec.auth, AuthScheme::OAuth2ClientCredentials(_));
    let certificates: &[&str] = if entry.spec.client_certificate {
        &backend::CERTIFICATE_SUFFIXES
    } else {
        &[]
    };
    let settings =
        backend::SETTING_SUFFIXES
            .iter()
            .chain(certificates)
            // Only OAuth2 providers have a token endpoint to move, and only providers with a
            // sandbox can be pointed at it.
            .filter(|suffix| {
                oauth
                    || entry.spec.auths.iter().any(|variant| {
                        matches!(variant.auth, AuthScheme::OAuth2ClientCredentials(_))
                    })
                    || **suffix != "TOKEN_URL"
            })
            .filter(|suffix| entry.spec.sandbox.is_some() || **suffix != "SANDBOX")
            // Only a provider with several auth schemes has one to choose.
            .filter(|suffix| !entry.spec.auths.is_empty() || **suffix != "AUTH")
            .map(|suffix| {
                let name = format!("{}{suffix}", ProviderConfig::env_prefix(slug));
                let set = backend::is_set(env, &name);
                Variable { name, set }
            })
            .collect();
    ProviderInfo {
        name: entry.spec.name,
        slug,
        operations: entry
            .spec
            .endpoints
            .iter()
            .map(|endpoint| Operation {
                name: endpoint.name,
                method: endpoint.method.as_str(),
                path: endpoint.path,
            })
            .collect(),
        partial: entry.spec.cancel.as_ref().map(|cancel| cancel.partial),
        fields: entry
            .spec
            .cancel
            .iter()
            .flat_map(|cancel| cancel.fields)
            .map(|field| Field {
                name: field.name,
                // A field the look-up needs is needed by every cancellation.
                total: use_name(if field.status == FieldUse::Required {
                    FieldUse::Required
                } else {
                    field.total
                }),
                partial: use_name(if field.status == FieldUse::Required {
                    FieldUse::Required
                } else {
                    field.partial
                }),
            })
            .collect(),
        resend_after_unknown: entry
            .spec
            .cancel
            .as_ref()
            .map(|cancel| cancel.resend.describe()),
        configured: credentials.iter().all(|variable| variable.set),
        credentials,
        settings,
    }
}

/// Prints the catalogue; returns the exit code (always 0).
pub fn print(plan: &Plan, json: bool) -> u8 {
    let env = backend::env_pairs();
    let backend = match plan {
        Plan::Embedded { asked: false } => String::from(
            "no provider credentials in the environment: commands run against the embedded \
             sandbox",
        ),
        other => format!("commands run against {}", other.describe()),
    };
    let catalogue = Catalogue {
        backend,
        providers: registry::ENTRIES
            .iter()
            .map(|entry| describe(entry, &env))
            .collect(),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&catalogue).unwrap_or_default()
        );
        return crate::exit::OK;
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}.", catalogue.backend);
    let _ = writeln!(
        out,
        "Set {} to use a sandbox at a URL (`estorno sandbox serve`), or --sandbox for the \
         embedded one.",
        backend::SANDBOX_URL_VAR
    );
    for provider in &catalogue.providers {
        let _ = writeln!(out, "\n{} ({})", provider.name, provider.slug);
        let _ = writeln!(out, "  operations:");
        let width = provider
            .operations
            .iter()
            .map(|operation| operation.path.len())
            .max()
            .unwrap_or(0);
        for operation in &provider.operations {
            let _ = writeln!(
                out,
                "    {:<6} {:<width$}  {}",
                operation.method, operation.path, operation.name
            );
        }
        let partial = match provider.partial {
            Some(true) => "yes",
            Some(false) => "no (cancels in full only)",
            None => "unknown",
        };
        let _ = writeln!(out, "  partial refunds: {partial}");
        if !provider.fields.is_empty() {
            let fields: Vec<String> = provider
                .fields
                .iter()
                .map(|field| {
                    let need = if field.total == field.partial {
                        field.total.to_owned()
                    } else {
                        format!("{} in full, {} in part", field.total, field.partial)
                    };
                    format!("{} ({need})", field.name)
                })
                .collect();
            let _ = writeln!(out, "  fields: {}", fields.join(", "));
        }
        if let Some(resend) = &provider.resend_after_unknown {
            let _ = writeln!(out, "  after an unknown outcome: {resend}");
        }
        let _ = writeln!(
            out,
            "  credentials: {}",
            if provider.configured {
                "configured"
            } else {
                "missing"
            }
        );
        for variable in &provider.credentials {
            let state = if variable.set {
                "configured"
            } else {
                "missing"
            };
            let _ = writeln!(out, "    {:<44} {state}", variable.name);
        }
        let _ = writeln!(out, "  settings (optional):");
        for variable in &provider.settings {
            let state = if variable.set { "set" } else { "unset" };
            let _ = writeln!(out, "    {:<44} {state}", variable.name);
        }
    }
    print!("{out}");
    crate::exit::OK
}
