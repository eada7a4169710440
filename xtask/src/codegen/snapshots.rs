//! `crates/estorno-snapshots`: each provider's `lib.rs` with the spec macros and our two
//! derives replaced by their expansion, formatted by prettyplease, in a crate the workspace
//! builds. A change to the generator shows up in review as a diff of these files, and
//! `cargo build` proves the expansion compiles as plain source, lints included.

use std::fmt::Write as _;
use std::path::Path;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Item, Meta, Token};

use super::{Generated, Spec, credential_parts};
use crate::{Error, GENERATED, Result};

const CRATE_DIR: &str = "crates/estorno-snapshots";

pub(super) fn generate(specs: &[Spec]) -> Result<Vec<Generated>> {
    let dir = Path::new(CRATE_DIR);
    let mut files = vec![
        (dir.join("Cargo.toml"), manifest(specs)),
        (dir.join("src/lib.rs"), lib(specs)),
    ];
    for spec in specs {
        files.push((
            dir.join("src").join(format!("{}.rs", spec.module())),
            snapshot(spec)?,
        ));
    }
    Ok(files)
}

/// The manifest: the providers' own dependencies, so every snapshot resolves what its spec
/// imports. Provider crates sit as deep as this one (`providers/x`, `crates/x`), so their
/// relative paths hold here unchanged.
fn manifest(specs: &[Spec]) -> String {
    let mut dependencies: Vec<(String, String)> = Vec::new();
    for spec in specs {
        for line in dependency_lines(&spec.source.manifest) {
            let name = line
                .split(['=', '.'])
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            // The first provider to name a dependency decides how; they all point at the
            // workspace's versions anyway.
            if !dependencies.iter().any(|(seen, _)| *seen == name) {
                dependencies.push((name, line.to_owned()));
            }
        }
    }
    dependencies.sort();
    let mut text = format!(
        "# {GENERATED}
#
# Each provider's spec expanded by estorno-codegen and formatted, so that a change to the
# generator shows up in review as a diff; building this crate proves the expansion compiles.
[package]
name = \"estorno-snapshots\"
description = \"Snapshots of every provider's expanded client, compiled to prove they build\"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish = false

[lib]
# Spec doc comments show their own crate's paths (`estorno_zoop::Client`), which do not
# resolve here; the snapshots are read as diffs, not as documentation.
doctest = false
doc = false

# The providers' dependencies, with `estorno` the runtime under the facade's name as in
# every provider crate.
[dependencies]
"
    );
    for (_, line) in dependencies {
        let _ = writeln!(text, "{line}");
    }
    text
}

/// The entries of a manifest's `[dependencies]` table, one per line as written.
fn dependency_lines(manifest: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && !line.is_empty() && !line.starts_with('#') {
            lines.push(line);
        }
    }
    lines
}

/// `src/lib.rs`: one module per provider, and a test holding the catalogue's credential parts
/// to the runtime's.
fn lib(specs: &[Spec]) -> String {
    let mut modules = String::new();
    let mut assertions = String::new();
    for spec in specs {
        let module = spec.module();
        let _ = write!(modules, "\n#[rustfmt::skip]\npub mod {module};\n");
        let parts = credential_parts(&spec.provider.auth)
            .iter()
            .map(|part| format!("\"{part}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            assertions,
            "        assert_eq!(crate::{module}::SPEC.credentials, [{parts}]);\n        assert_eq!(fields::<crate::{module}::Client>().len(), crate::{module}::SPEC.credentials.len());"
        );
    }
    format!(
        "// {GENERATED}
//! Snapshots of every provider's expanded client, one module per provider.
//!
//! Each module is its spec's `lib.rs` with `#[estorno::provider]`, `#[estorno::status]`,
//! `#[derive(CancelResponse)]` and `#[derive(Rejection)]` replaced by what estorno-codegen
//! expands them to, formatted by prettyplease (which is why rustfmt skips them). A change to
//! the generator shows up here as a diff, and building this crate proves the expansion
//! compiles as plain source, under the workspace's lints.

// Lints that hold plain source to a stricter standard than macro output, for code that is
// written this way because it is generated:
// - `unused_imports`: the specs import the derive macros (and the traits of the same name)
//   that the snapshots have already expanded into absolute paths.
// - `clippy::needless_borrow`: `cancel(...)` arguments are borrowed uniformly, because the
//   generator cannot know whether the spec's expression is a reference already.
#![allow(unused_imports, clippy::needless_borrow)]
{modules}
// Laid out by the generator, one assertion per provider whatever its length.
#[rustfmt::skip]
#[cfg(test)]
mod tests {{
    use estorno::Provider;
    use estorno::auth::Credentials;

    fn fields<P: Provider>() -> &'static [&'static str] {{
        <P::Credentials as Credentials>::FIELDS
    }}

    /// `docs/providers.md` lists each provider's credential parts and their environment
    /// variables from the spec's auth scheme; the runtime must agree.
    #[test]
    fn credential_parts_match_the_catalogue() {{
{assertions}    }}
}}
"
    )
}

/// One provider's snapshot.
fn snapshot(spec: &Spec) -> Result<String> {
    let path = super::display_path(&spec.source.source_path());
    let file = syn::parse_file(&spec.source.source)
        .map_err(|error| Error::new(format!("{path}: {error}")))?;
    let mut items = Vec::new();
    for item in file.items {
        items.extend(expand_item(item).map_err(|error| Error::new(format!("{path}: {error}")))?);
    }
    let body = prettyplease::unparse(&syn::File {
        shebang: None,
        frontmatter: None,
        // The crate docs are dropped: their examples and links name the provider crate.
        attrs: Vec::new(),
        items,
    });
    Ok(format!(
        "// {GENERATED}\n//! {} (`{path}`), expanded by estorno-codegen.\n\n{body}",
        spec.provider.name.value()
    ))
}

/// An item as the compiler sees it after our macros ran: spec items replaced by their
/// expansion, our derives removed from `#[derive]` and their output appended, the rest as is.
fn expand_item(item: Item) -> syn::Result<Vec<Item>> {
    let expanded = match item {
        Item::Trait(mut item) => match take_attribute(&mut item.attrs, "provider")? {
            Some(args) => estorno_codegen::expand_provider(args, item.to_token_stream()),
            None => return Ok(vec![Item::Trait(item)]),
        },
        Item::Enum(mut item) => match take_attribute(&mut item.attrs, "status")? {
            Some(args) => estorno_codegen::expand_status(args, item.to_token_stream()),
            None => return Ok(vec![Item::Enum(item)]),
        },
        Item::Struct(mut item) => {
            let input = item.to_token_stream();
            let derived = remove_derives(&mut item.attrs)?;
            let mut tokens = item.into_token_stream();
            for derive in derived {
                tokens.extend(match derive {
                    OurDerive::CancelResponse => {
                        estorno_codegen::expand_cancel_response(input.clone())
                    }
                    OurDerive::Rejection => estorno_codegen::expand_rejection(input.clone()),
                });
            }
            tokens
        }
        other => return Ok(vec![other]),
    };
    Ok(syn::parse2::<syn::File>(expanded)?.items)
}

/// The derives estorno provides.
enum OurDerive {
    CancelResponse,
    Rejection,
}

/// Takes `CancelResponse` and `Rejection` out of `#[derive(...)]` (dropping a derive left
/// empty) and their helper attributes `#[cancel]` and `#[rejection]` with them; returns which
/// were there.
fn remove_derives(attrs: &mut Vec<Attribute>) -> syn::Result<Vec<OurDerive>> {
    let mut found = Vec::new();
    let mut kept = Vec::new();
    for mut attr in std::mem::take(attrs) {
        if attr.path().is_ident("derive") {
            let paths =
                attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)?;
            let mut rest: Punctuated<syn::Path, Token![,]> = Punctuated::new();
            for path in paths {
                let last = path
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string());
                match last.as_deref() {
                    Some("CancelResponse") => found.push(OurDerive::CancelResponse),
                    Some("Rejection") => found.push(OurDerive::Rejection),
                    _ => rest.push(path),
                }
            }
            if rest.is_empty() {
                continue;
            }
            if let Meta::List(list) = &mut attr.meta {
                list.tokens = rest.into_token_stream();
            }
        }
        kept.push(attr);
    }
    if !found.is_empty() {
        kept.retain(|attr| !attr.path().is_ident("cancel") && !attr.path().is_ident("rejection"));
    }
    *attrs = kept;
    Ok(found)
}

/// Removes `#[estorno::NAME(...)]` (or `#[NAME(...)]`) and returns its arguments, the way
/// `estorno_codegen::read_file` finds spec items.
fn take_attribute(attrs: &mut Vec<Attribute>, name: &str) -> syn::Result<Option<TokenStream>> {
    let Some(position) = attrs.iter().position(|attr| {
        let path = attr.path();
        path.segments.last().is_some_and(|last| last.ident == name)
            && (path.segments.len() == 1 || path.segments[0].ident == "estorno")
    }) else {
        return Ok(None);
    };
    match attrs.remove(position).meta {
        Meta::Path(_) => Ok(Some(TokenStream::new())),
        Meta::List(list) => Ok(Some(list.tokens)),
        Meta::NameValue(meta) => Err(syn::Error::new_spanned(
            meta,
            format!("expected `#[estorno::{name}(...)]`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_derives_are_expanded_and_serde_kept() {
        let item: Item = syn::parse_quote! {
            #[derive(Debug, Deserialize, Rejection)]
            #[serde(rename_all = "camelCase")]
            #[rejection(reason = message)]
            pub struct ApiError {
                pub message: String,
            }
        };
        let items = expand_item(item).unwrap();
        let text = prettyplease::unparse(&syn::File {
            shebang: None,
            frontmatter: None,
            attrs: Vec::new(),
            items,
        });
        assert!(text.contains("#[derive(Debug, Deserialize)]"), "{text}");
        assert!(
            text.contains("#[serde(rename_all = \"camelCase\")]"),
            "{text}"
        );
        assert!(!text.contains("#[rejection"), "{text}");
        assert!(text.contains("impl ::estorno::"), "{text}");
    }

    #[test]
    fn dependencies_are_read_from_their_table() {
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\n# why\nserde.workspace = true\n\n[dev-dependencies]\ntokio = \"1\"\n";
        assert_eq!(dependency_lines(manifest), ["serde.workspace = true"]);
    }
}
