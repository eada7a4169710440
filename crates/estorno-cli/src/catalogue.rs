//! `estorno providers`: the registered providers, their operations, whether they refund part
//! of a payment, and the environment variables each reads — with whether each is set, never
//! its value.

use std::fmt::Write as _;

use estorno::registry::{self, Entry};
use estorno::spec::AuthScheme;
use estorno::{AnyProvider, Cancel, ProviderConfig};
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
    /// Whether a partial amount can be refunded; `None` if it could not be told.
    partial: Option<bool>,
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
struct Variable {
    name: String,
    set: bool,
}

/// Whether the provider refunds part of a payment, asked of a client that is never used to
/// send anything (placeholder settings on a closed loopback port).
fn supports_partial(entry: &Entry) -> Option<bool> {
    let parts = backend::sandbox_credentials(entry.spec.slug)
        .map(<[_]>::to_vec)
        .unwrap_or_else(|| {
            entry
                .credential_fields
                .iter()
                .map(|part| (*part, "x"))
                .collect()
        });
    let mut config = ProviderConfig::new()
        .base_url("http://127.0.0.1:9/")
        .token_url("http://127.0.0.1:9/token");
    for (part, value) in parts {
        config = config.credential(part, value);
    }
    AnyProvider::from_config(entry.spec.slug, &config)
        .ok()
        .map(|provider| provider.supports_partial())
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
    let settings = backend::SETTING_SUFFIXES
        .iter()
        // Only OAuth2 providers have a token endpoint to move.
        .filter(|suffix| oauth || **suffix != "TOKEN_URL")
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
        partial: supports_partial(entry),
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
