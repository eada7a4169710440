//! `cargo xtask codegen [--check]`: every generated, committed file, from the provider specs.
//!
//! [`generate`] is a pure function from the specs (a [`Workspace`]) to file contents, read
//! through `estorno-codegen`, the same model the macro expands, so the registry, the
//! catalogue and the snapshots can never disagree with the clients. [`run`] writes what
//! differs; with [`Mode::Check`] it changes nothing and fails naming the stale files and the
//! command that fixes them, which is what CI and `tests/codegen.rs` run.

mod catalogue;
mod facade;
mod readme;
mod snapshots;
mod tests_binary;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use estorno_codegen::ast::{Auth, Provider, StatusEnum};
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;

use crate::workspace::{ProviderSource, Workspace, check_provider_name};
use crate::{Error, Result};

/// One generated file: its path relative to the workspace root, and its contents.
pub type Generated = (PathBuf, String);

/// Whether [`run`] writes or only checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// A spec read through estorno-codegen, beside the folder it came from.
pub(crate) struct Spec<'a> {
    pub source: &'a ProviderSource,
    pub provider: Provider,
    pub statuses: Vec<StatusEnum>,
    /// The `#[derive(CancelResponse)]` types, with what each declares.
    pub responses: Vec<estorno_codegen::ResponseDecl>,
}

impl Spec<'_> {
    /// The facade module and snapshot file name, e.g. `picpay_checkout`.
    pub fn module(&self) -> String {
        self.source.module()
    }

    /// The `AnyClient` variant: the spec trait's name, e.g. `PicPayCheckout`.
    pub fn variant(&self) -> String {
        self.provider.ident.to_string()
    }
}

/// Every generated file, from the specs in `workspace`, sorted by path.
pub fn generate(workspace: &Workspace) -> Result<Vec<Generated>> {
    let specs = workspace
        .providers
        .iter()
        .map(read_spec)
        .collect::<Result<Vec<_>>>()?;
    let mut files = Vec::new();
    files.extend(facade::generate(workspace, &specs)?);
    files.push(catalogue::generate(&specs));
    files.push(readme::generate(&workspace.readme, &specs)?);
    files.extend(snapshots::generate(&specs)?);
    files.push(tests_binary::generate(&specs));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// Folders whose every `.rs` file is generated: a file codegen no longer writes there (a
/// removed provider's snapshot) is stale too, and `codegen` deletes it.
const OWNED_DIRS: &[&str] = &["crates/estorno-snapshots/src"];

/// Why a file is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Staleness {
    /// It differs from what codegen writes.
    Differs,
    /// It does not exist yet.
    Missing,
    /// It sits in a generated folder but codegen no longer writes it.
    Orphan,
}

/// A generated file that does not match the specs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    /// Relative to the workspace root.
    pub path: PathBuf,
    pub why: Staleness,
}

impl fmt::Display for Stale {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.why {
            Staleness::Differs => "out of date",
            Staleness::Missing => "missing",
            Staleness::Orphan => "no longer generated",
        };
        write!(formatter, "{} ({why})", display_path(&self.path))
    }
}

/// Compares `generated` with the files under `root`, line endings normalised (a checkout on
/// Windows may have turned `\n` into `\r\n`), and lists every stale file.
pub fn stale(root: &Path, generated: &[Generated]) -> Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for (path, contents) in generated {
        let why = match std::fs::read_to_string(root.join(path)) {
            Ok(current) if normalize_newlines(&current) == normalize_newlines(contents) => {
                continue;
            }
            Ok(_) => Staleness::Differs,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Staleness::Missing,
            Err(error) => return Err(Error::io(&root.join(path), error)),
        };
        stale.push(Stale {
            path: path.clone(),
            why,
        });
    }
    let written: BTreeSet<&Path> = generated.iter().map(|(path, _)| path.as_path()).collect();
    for dir in OWNED_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut orphans = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| Error::io(&root.join(dir), error))?;
            let path = Path::new(dir).join(entry.file_name());
            let is_rust = path.extension().is_some_and(|extension| extension == "rs");
            if is_rust && !written.contains(path.as_path()) {
                orphans.push(Stale {
                    path,
                    why: Staleness::Orphan,
                });
            }
        }
        orphans.sort_by(|a, b| a.path.cmp(&b.path));
        stale.extend(orphans);
    }
    Ok(stale)
}

/// `cargo xtask codegen [--check]` on the workspace at `root`.
pub fn run(root: &Path, mode: Mode) -> Result<()> {
    let workspace = Workspace::load(root)?;
    let generated = generate(&workspace)?;
    let stale = stale(root, &generated)?;
    match mode {
        Mode::Check => check_result(&stale),
        Mode::Write => {
            for file in &stale {
                let path = root.join(&file.path);
                if file.why == Staleness::Orphan {
                    std::fs::remove_file(&path).map_err(|error| Error::io(&path, error))?;
                    eprintln!("removed {}", display_path(&file.path));
                } else if let Some((_, contents)) = generated
                    .iter()
                    .find(|(generated, _)| *generated == file.path)
                {
                    crate::write(&path, contents)?;
                    eprintln!("updated {}", display_path(&file.path));
                }
            }
            if stale.is_empty() {
                eprintln!("all {} generated files are up to date", generated.len());
            }
            Ok(())
        }
    }
}

/// The outcome of `--check`: success, or an error naming each stale file and the fix.
pub fn check_result(stale: &[Stale]) -> Result<()> {
    if stale.is_empty() {
        return Ok(());
    }
    let mut message = String::from("generated files are stale:\n");
    for file in stale {
        message.push_str(&format!("    {file}\n"));
    }
    message.push_str("run `cargo xtask codegen` to update them");
    Err(Error::new(message))
}

/// A path as the user sees it in messages and generated text: with `/` on every platform.
pub(crate) fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Reads one provider's spec, naming its file in any error.
fn read_spec(source: &ProviderSource) -> Result<Spec<'_>> {
    let file = display_path(&source.source_path());
    check_provider_name(&source.dir)
        .map_err(|message| Error::new(format!("providers/{}: {message}", source.dir)))?;
    let expected = source.package();
    match package_name(&source.manifest) {
        Some(name) if name == expected => {}
        found => {
            return Err(Error::new(format!(
                "providers/{}/Cargo.toml: the package must be named `{expected}` (found {}); \
                 the facade and registry derive every name from the folder",
                source.dir,
                found.map_or_else(|| "none".to_owned(), |name| format!("`{name}`")),
            )));
        }
    }
    let spec = estorno_codegen::read_file(&source.source).map_err(|error| {
        Error::new(format!(
            "{file}: {error}; `cargo build -p {expected}` shows where"
        ))
    })?;
    let mut providers = spec.providers.into_iter();
    let (Some(provider), None) = (providers.next(), providers.next()) else {
        return Err(Error::new(format!(
            "{file}: expected exactly one `#[estorno::provider(...)]` trait"
        )));
    };
    Ok(Spec {
        source,
        provider,
        statuses: spec.statuses,
        responses: spec.responses,
    })
}

/// The `name` under `[package]` in a manifest. A line scan is enough for the one key xtask
/// reads, and keeps a TOML parser out of its dependencies.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(value) = line.strip_prefix("name") {
            let value = value.trim_start().strip_prefix('=')?.trim();
            return Some(value.trim_matches('"').to_owned());
        }
    }
    None
}

/// The credential parts of an auth scheme as configuration names them (the
/// `ESTORNO_<SLUG>_<PART>` environment variables): the spec's `credentials`. The snapshot
/// crate's test holds this list to the runtime's.
pub(crate) fn credential_parts(auth: &Auth) -> Vec<String> {
    auth.credential_names()
}

/// The environment variable of one setting, as the runtime's `ProviderConfig::env_var`
/// names it: `ESTORNO_PICPAY_CHECKOUT_CLIENT_ID`.
pub(crate) fn env_var(slug: &str, part: &str) -> String {
    format!(
        "ESTORNO_{}_{}",
        slug.to_ascii_uppercase().replace('-', "_"),
        part.to_ascii_uppercase()
    )
}

/// The first paragraph of a doc comment, as one line.
pub(crate) fn first_paragraph(docs: &[String]) -> String {
    docs.iter()
        .map(|line| line.trim())
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Rust tokens as a reader writes them: `RefundRequest { amount: remaining }`, not
/// `RefundRequest { amount : remaining }`.
pub(crate) fn tokens_text(tokens: &impl ToTokens) -> String {
    let mut text = String::new();
    write_tokens(tokens.to_token_stream(), &mut text);
    text
}

fn write_tokens(tokens: TokenStream, text: &mut String) {
    let mut previous_joint = false;
    let mut previous: Option<TokenTree> = None;
    for tree in tokens {
        let space = match (&previous, &tree) {
            (None, _) => false,
            _ if previous_joint => false,
            // No space before `,` `;` `.` `:` `?` or an opening parenthesis/bracket (a call or
            // an index), and none after `.`, `&`, `!` or `::`.
            (_, TokenTree::Punct(punct)) if matches!(punct.as_char(), ',' | ';' | '.' | '?') => {
                false
            }
            (_, TokenTree::Punct(punct)) if punct.as_char() == ':' => false,
            (Some(TokenTree::Punct(punct)), _) if matches!(punct.as_char(), '.' | '&' | '!') => {
                false
            }
            (Some(TokenTree::Ident(_)), TokenTree::Group(group))
                if group.delimiter() != Delimiter::Brace =>
            {
                false
            }
            (Some(TokenTree::Punct(punct)), TokenTree::Group(_)) if punct.as_char() == '!' => false,
            _ => true,
        };
        // `a::b`: the second `:` of a path separator is followed by no space either.
        let path_separator = matches!(&previous, Some(TokenTree::Punct(punct)) if punct.as_char() == ':')
            && text.ends_with("::");
        if space && !path_separator {
            text.push(' ');
        }
        previous_joint = false;
        match &tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                text.push_str(open);
                write_tokens(group.stream(), text);
                // `{ a, b, }` reads as `{ a, b }`.
                if text.ends_with(',') {
                    text.pop();
                }
                if group.stream().is_empty() && group.delimiter() == Delimiter::Brace {
                    text.truncate(text.len() - 1);
                    text.push('}');
                } else {
                    text.push_str(close);
                }
            }
            TokenTree::Punct(punct) => {
                text.push(punct.as_char());
                previous_joint = punct.spacing() == proc_macro2::Spacing::Joint;
            }
            TokenTree::Ident(ident) => text.push_str(&ident.to_string()),
            TokenTree::Literal(literal) => text.push_str(&literal.to_string()),
        }
        previous = Some(tree);
    }
}

/// The provider fields a unified cancellation reads, as the spec model has them.
pub(crate) fn cancel_fields(provider: &Provider) -> &[estorno_codegen::ast::CancelField] {
    provider
        .cancel
        .as_ref()
        .map_or(&[][..], |cancel| cancel.fields.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_as_written() {
        let expression: syn::Expr = syn::parse_quote!(RefundRequest { amount: remaining });
        assert_eq!(
            tokens_text(&expression),
            "RefundRequest { amount: remaining }"
        );
        let expression: syn::Expr = syn::parse_quote!(Some(amount.cents()));
        assert_eq!(tokens_text(&expression), "Some(amount.cents())");
        let expression: syn::Expr = syn::parse_quote!(field("codigo"));
        assert_eq!(tokens_text(&expression), "field(\"codigo\")");
        let expression: syn::Expr = syn::parse_quote!(std::time::Duration::from_secs(1));
        assert_eq!(
            tokens_text(&expression),
            "std::time::Duration::from_secs(1)"
        );
        let expression: syn::Expr = syn::parse_quote!(&Body {});
        assert_eq!(tokens_text(&expression), "&Body {}");
    }

    #[test]
    fn trailing_commas_are_dropped() {
        let expression: syn::Expr = syn::parse_quote!(Body { a: 1, b: Some(2) });
        assert_eq!(tokens_text(&expression), "Body { a: 1, b: Some(2) }");
    }

    #[test]
    fn cancel_fields_say_which_calls_require_them() {
        let spec = estorno_codegen::read_file(
            r#"
            #[estorno::provider(
                name = "Test",
                production = "https://api.test.example",
                auth = bearer,
                cancel(
                    total = cancel(payment, optional_field("authorizationId")),
                    partial = refund(payment, field("authorizationId"), field("store")),
                    status = status(payment),
                ),
            )]
            pub trait Test {
                #[post("/cancel/{payment}")]
                #[ok(200)]
                fn cancel(#[path] payment: &str, #[query] authorization_id: Option<&str>);
                #[post("/refund/{payment}")]
                #[ok(200)]
                fn refund(#[path] payment: &str, #[query] authorization_id: &str, #[query] store: &str);
                #[get("/status/{payment}")]
                #[ok(200)]
                fn status(#[path] payment: &str);
            }
            "#,
        )
        .unwrap();
        let fields = cancel_fields(&spec.providers[0]);
        let described: Vec<(String, String)> = fields
            .iter()
            .map(|field| (field.name.value(), field.requirement()))
            .collect();
        assert_eq!(
            described,
            [
                (
                    "authorizationId".to_owned(),
                    "required by partial, optional for total".to_owned()
                ),
                ("store".to_owned(), "required".to_owned()),
            ]
        );
    }

    #[test]
    fn package_name_is_read_from_the_package_table() {
        let manifest = "[package]\nname = \"estorno-zoop\"\n\n[lib]\nname = \"estorno_zoop\"\n";
        assert_eq!(package_name(manifest).as_deref(), Some("estorno-zoop"));
    }

    #[test]
    fn environment_variables_follow_the_runtime() {
        assert_eq!(
            env_var("picpay-checkout", "client_id"),
            "ESTORNO_PICPAY_CHECKOUT_CLIENT_ID"
        );
    }
}
