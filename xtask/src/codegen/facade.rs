//! The facade's provider list: `registry.rs` (`ENTRIES`, `AnyClient`), `providers.rs` (the
//! re-exports), `features.md` (the crate docs' feature list) and the generated regions of its
//! `Cargo.toml` (one feature and one optional dependency per provider).
//!
//! The Rust text is written as rustfmt would format it, because `cargo fmt --check` runs over
//! these files too.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Generated, Spec};
use crate::workspace::{FACADE_MANIFEST, Workspace};
use crate::{Error, GENERATED, Result};

const REGISTRY: &str = "crates/estorno/src/registry.rs";
const PROVIDERS: &str = "crates/estorno/src/providers.rs";
const FEATURES: &str = "crates/estorno/src/features.md";

pub(super) fn generate(workspace: &Workspace, specs: &[Spec]) -> Result<Vec<Generated>> {
    Ok(vec![
        (PathBuf::from(REGISTRY), registry(specs)),
        (PathBuf::from(PROVIDERS), providers(specs)),
        (PathBuf::from(FEATURES), features(specs)),
        (
            PathBuf::from(FACADE_MANIFEST),
            manifest(&workspace.facade_manifest, specs)?,
        ),
    ])
}

/// `registry.rs`: one `Entry` and one `AnyClient` variant per provider with a unified
/// cancellation, each behind the provider's feature.
fn registry(specs: &[Spec]) -> String {
    // `AnyClient` dispatches through `Cancel`, which only a spec with `cancel(...)` gets.
    let registered: Vec<&Spec> = specs
        .iter()
        .filter(|spec| spec.provider.cancel.is_some())
        .collect();
    let mut variants = String::new();
    let mut spec_arms = String::new();
    let mut cancel_arms = String::new();
    let mut entries = String::new();
    for spec in &registered {
        let (feature, module, variant) = (&spec.source.dir, spec.module(), spec.variant());
        let cfg = format!("#[cfg(feature = \"{feature}\")]");
        let _ = write!(
            variants,
            "    {cfg}\n    {variant}(crate::{module}::Client),\n"
        );
        let _ = write!(
            spec_arms,
            "            {cfg}\n{}",
            match_arm(
                &format!("AnyClient::{variant}(_)"),
                &format!("&crate::{module}::SPEC")
            )
        );
        let _ = write!(
            cancel_arms,
            "            {cfg}\n{}",
            match_arm(&format!("AnyClient::{variant}(ref client)"), "client")
        );
        let _ = write!(
            entries,
            "    {cfg}
    Entry {{
        spec: &crate::{module}::SPEC,
        credential_fields: crate::{module}::SPEC.credentials,
        build: |config| config.build().map(AnyClient::{variant}),
    }},
"
        );
    }
    format!(
        "// {GENERATED}
//! The registered providers: one entry per provider crate, behind its cargo feature.
//!
//! `cargo xtask codegen` writes this file from the specs under `providers/`, so registering a
//! provider never means editing a list. A provider is registered when its spec declares
//! `cancel(...)`, because [`AnyClient`] dispatches through the unified [`Cancel`] API.

use estorno_runtime::spec::ProviderSpec;
use estorno_runtime::{{BuildError, Cancel, ProviderConfig}};

/// A registered provider: its description, its credential parts, and how to build it.
pub struct Entry {{
    pub spec: &'static ProviderSpec,
    /// The credential parts, as `ESTORNO_<SLUG>_<PART>` environment variables name them.
    pub credential_fields: &'static [&'static str],
    pub(crate) build: fn(&ProviderConfig) -> Result<AnyClient, BuildError>,
}}

/// The generated client of any registered provider.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AnyClient {{
{variants}}}

impl AnyClient {{
    /// The provider's static description.
    pub fn spec(&self) -> &'static ProviderSpec {{
        match *self {{
{spec_arms}        }}
    }}

    pub(crate) fn as_cancel(&self) -> &dyn Cancel {{
        match *self {{
{cancel_arms}        }}
    }}
}}

/// Every registered provider, in the order of their folders under `providers/`.
pub const ENTRIES: &[Entry] = &[
{entries}];

/// The registered provider with this slug.
pub fn find(slug: &str) -> Option<&'static Entry> {{
    ENTRIES.iter().find(|entry| entry.spec.slug == slug)
}}
"
    )
}

/// A match arm at the registry's depth, laid out as rustfmt does: on one line when it fits in
/// 100 columns, else with its expression in a block.
fn match_arm(pattern: &str, expression: &str) -> String {
    let indent = " ".repeat(12);
    let line = format!("{indent}{pattern} => {expression},");
    if line.chars().count() <= 100 {
        return line + "\n";
    }
    format!("{indent}{pattern} => {{\n{indent}    {expression}\n{indent}}}\n")
}

/// `providers.rs`: each provider crate under its module name, glob re-exported by `lib.rs`.
fn providers(specs: &[Spec]) -> String {
    let mut text = format!(
        "// {GENERATED}
//! The provider crates, each re-exported under its module name behind its cargo feature.
"
    );
    for spec in specs {
        let _ = write!(
            text,
            "\n#[cfg(feature = \"{}\")]\npub use {} as {};\n",
            spec.source.dir,
            spec.source.crate_name(),
            spec.module()
        );
    }
    text
}

/// `features.md`: the "Features" section of the facade's crate docs.
fn features(specs: &[Spec]) -> String {
    let mut text = format!(
        "<!-- {GENERATED} -->

# Features

One cargo feature per provider, named after its folder under `providers/`; all are on by
default. To build only some, turn the defaults off:
`estorno = {{ version = \"0.1\", default-features = false, features = [\"zoop\"] }}`.

"
    );
    for spec in specs {
        let _ = writeln!(
            text,
            "- `{}` (default): `estorno::{}`, {} (slug `{}`).",
            spec.source.dir,
            spec.module(),
            spec.provider.name.value(),
            spec.provider.slug,
        );
    }
    text
}

/// The facade's `Cargo.toml` with its two generated regions rewritten.
fn manifest(current: &str, specs: &[Spec]) -> Result<String> {
    let default = specs
        .iter()
        .map(|spec| format!("\"{}\"", spec.source.dir))
        .collect::<Vec<_>>()
        .join(", ");
    let mut features = format!("default = [{default}]\n");
    let mut dependencies = String::new();
    for spec in specs {
        let (dir, package) = (&spec.source.dir, spec.source.package());
        let _ = writeln!(features, "{dir} = [\"dep:{package}\"]");
        let _ = writeln!(
            dependencies,
            "{package} = {{ path = \"../../providers/{dir}\", optional = true }}"
        );
    }
    let text = replace_region(current, "provider features", &features)?;
    replace_region(&text, "provider dependencies", &dependencies)
}

/// Replaces the lines between `# BEGIN <name>: generated …` and `# END <name>` (markers
/// kept, the BEGIN line rewritten) with `body`.
fn replace_region(text: &str, name: &str, body: &str) -> Result<String> {
    let begin = format!("# BEGIN {name}");
    let end = format!("# END {name}");
    let missing = || {
        Error::new(format!(
            "{FACADE_MANIFEST}: no `{begin}` … `{end}` region; put both marker lines back \
             where the {name} belong and run `cargo xtask codegen`"
        ))
    };
    let start = line_start(text, &begin).ok_or_else(missing)?;
    let stop = line_start(&text[start..], &end).ok_or_else(missing)? + start;
    Ok(format!(
        "{}{begin}: {GENERATED}\n{body}{}",
        &text[..start],
        &text[stop..]
    ))
}

/// The byte offset of the first line that starts with `prefix`.
fn line_start(text: &str, prefix: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with(prefix) {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_replaced_and_the_rest_kept() {
        let manifest = "[features]\n# BEGIN provider features: old\nold = []\n# END provider features\n\n[dependencies]\nx = 1\n";
        let replaced = replace_region(manifest, "provider features", "new = []\n").unwrap();
        assert_eq!(
            replaced,
            format!(
                "[features]\n# BEGIN provider features: {GENERATED}\nnew = []\n# END provider features\n\n[dependencies]\nx = 1\n"
            )
        );
        assert!(replace_region(manifest, "provider dependencies", "").is_err());
    }
}
