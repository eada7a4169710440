//! The README's generated regions: the provider table and the normalised outcome table.
//!
//! The README is written by hand except between `<!-- BEGIN name -->` and `<!-- END name -->`
//! lines, so the tables a reader meets first always match the specs.

use std::fmt::Write;
use std::path::PathBuf;

use estorno_codegen::ast::OUTCOMES;

use super::{Generated, Spec, cancel_fields};
use crate::{Error, GENERATED, Result};

const README: &str = "README.md";

pub(super) fn generate(readme: &str, specs: &[Spec]) -> Result<Generated> {
    let text = replace_region(readme, "providers", &providers_table(specs))?;
    let text = replace_region(&text, "outcomes", &outcome_table(specs))?;
    Ok((PathBuf::from(README), text))
}

/// One row per provider: feature, operations, what the unified API needs.
fn providers_table(specs: &[Spec]) -> String {
    let mut out = String::from(
        "| Provider | Feature / module | Operations | Partial cancel | `CancelRequest` fields |\n|---|---|---|---|---|\n",
    );
    for spec in specs {
        let operations = spec
            .provider
            .endpoints
            .iter()
            .map(|endpoint| format!("`{}`", endpoint.ident))
            .collect::<Vec<_>>()
            .join(", ");
        let partial = match &spec.provider.cancel {
            Some(cancel) if cancel.partial.is_some() => "yes",
            Some(_) => "no",
            None => "—",
        };
        let fields = cancel_fields(&spec.provider)
            .iter()
            .map(|field| format!("`{}`", field.name.value()))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| {} | `{}` / `estorno::{}` | {operations} | {partial} | {} |",
            spec.provider.name.value(),
            spec.source.dir,
            spec.module(),
            if fields.is_empty() {
                "—".to_owned()
            } else {
                fields
            }
        );
    }
    out
}

/// Rows are the normalised outcomes, columns the providers, cells the provider's own status
/// values that map there.
fn outcome_table(specs: &[Spec]) -> String {
    let mut out = String::from("| Outcome |");
    for spec in specs {
        let _ = write!(out, " {} |", spec.provider.name.value());
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(specs.len()));
    out.push('\n');
    for outcome in OUTCOMES {
        let _ = write!(out, "| `{outcome}` |");
        for spec in specs {
            // A provider with several status enums (a charge's and its transactions') gets
            // its values grouped by enum.
            let several = spec.statuses.len() > 1;
            let groups: Vec<String> = spec
                .statuses
                .iter()
                .filter_map(|status| {
                    // A value that reads differently in the answer to a partial cancellation
                    // is listed under both, marked.
                    let values: Vec<String> = status
                        .variants
                        .iter()
                        .filter_map(|variant| {
                            let partial = variant.partial.as_ref();
                            if variant.outcome == outcome {
                                Some(match partial {
                                    Some(_) => format!("`{}` (total)", variant.wire),
                                    None => format!("`{}`", variant.wire),
                                })
                            } else if partial.is_some_and(|partial| partial == outcome) {
                                Some(format!("`{}` (partial)", variant.wire))
                            } else {
                                None
                            }
                        })
                        .collect();
                    if values.is_empty() {
                        None
                    } else if several {
                        Some(format!("{}: {}", status.ident, values.join(", ")))
                    } else {
                        Some(values.join(", "))
                    }
                })
                .collect();
            let cell = groups.join("; ");
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out.push_str(
        "\nA value a spec does not know decodes to `Unknown` and reads as `Ambiguous`, never as \
         success or `Pending`; met before sending, it stops the cancellation for review. \
         `Rejected` comes from a provider's refusal (a declared error, or a declared refusal \
         state), `Ambiguous` also from a timeout or 5xx after a cancellation was sent. A \
         cancellation the provider accepted but does not show yet reads `Acknowledged`, which no \
         status maps to.\n",
    );
    out
}

/// Replaces the lines between `<!-- BEGIN name … -->` and `<!-- END name -->` with `body`.
fn replace_region(text: &str, name: &str, body: &str) -> Result<String> {
    let begin = format!("<!-- BEGIN {name}");
    let end = format!("<!-- END {name} -->");
    let missing = || {
        Error::new(format!(
            "{README}: no `{begin} -->` … `{end}` region; put both marker lines back and run \
             `cargo xtask codegen`"
        ))
    };
    let start = text.find(&begin).ok_or_else(missing)?;
    let stop = text[start..].find(&end).ok_or_else(missing)? + start;
    Ok(format!(
        "{}{begin}: {GENERATED} -->\n{body}{}",
        &text[..start],
        &text[stop..]
    ))
}
