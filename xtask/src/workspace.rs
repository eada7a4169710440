//! The inputs of code generation: every provider folder's manifest and spec source, and the
//! facade manifest whose generated regions codegen rewrites.
//!
//! Reading them up front keeps [`crate::codegen::generate`] a pure function of this value,
//! so tests can change a spec in memory and see which files would go stale.

use std::path::{Path, PathBuf};

use crate::{Error, Result, read};

/// The folder of provider crates, relative to the workspace root.
pub const PROVIDERS_DIR: &str = "providers";

/// A provider's fixture tests, relative to its folder.
pub const FIXTURES: &str = "tests/fixtures.rs";

/// The facade's manifest, relative to the workspace root.
pub const FACADE_MANIFEST: &str = "crates/estorno/Cargo.toml";

/// Everything codegen reads.
pub struct Workspace {
    pub root: PathBuf,
    /// One per folder under `providers/`, sorted by folder name.
    pub providers: Vec<ProviderSource>,
    /// `crates/estorno/Cargo.toml` as it is now: only its generated regions are rewritten.
    pub facade_manifest: String,
    /// `README.md` as it is now: only its generated regions are rewritten.
    pub readme: String,
}

/// One provider crate, as found on disk.
pub struct ProviderSource {
    /// The folder name under `providers/`, e.g. `picpay-checkout`; it is also the cargo
    /// feature that turns the provider on in the facade.
    pub dir: String,
    /// `providers/<dir>/Cargo.toml`.
    pub manifest: String,
    /// `providers/<dir>/src/lib.rs`: the spec.
    pub source: String,
    /// Whether `providers/<dir>/tests/fixtures.rs`, its fixture tests, exists.
    pub has_fixtures: bool,
}

impl ProviderSource {
    /// The facade module name, e.g. `picpay_checkout`.
    pub fn module(&self) -> String {
        self.dir.replace('-', "_")
    }

    /// The package name, e.g. `estorno-picpay-checkout`.
    pub fn package(&self) -> String {
        format!("estorno-{}", self.dir)
    }

    /// The library's name in Rust code, e.g. `estorno_picpay_checkout`.
    pub fn crate_name(&self) -> String {
        format!("estorno_{}", self.module())
    }

    /// The spec file, relative to the workspace root.
    pub fn source_path(&self) -> PathBuf {
        Path::new(PROVIDERS_DIR).join(&self.dir).join("src/lib.rs")
    }
}

impl Workspace {
    /// Reads the workspace at `root`: every `providers/*/` folder holding a `Cargo.toml`, and
    /// the facade manifest.
    pub fn load(root: &Path) -> Result<Workspace> {
        let providers_dir = root.join(PROVIDERS_DIR);
        let entries =
            std::fs::read_dir(&providers_dir).map_err(|error| Error::io(&providers_dir, error))?;
        let mut providers = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| Error::io(&providers_dir, error))?;
            let path = entry.path();
            // Cargo's `providers/*` glob only takes folders with a manifest; so do we.
            if !path.join("Cargo.toml").is_file() {
                continue;
            }
            let Some(dir) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(Error::new(format!(
                    "{}: provider folder names must be UTF-8",
                    path.display()
                )));
            };
            providers.push(ProviderSource {
                manifest: read(&path.join("Cargo.toml"))?,
                source: read(&path.join("src/lib.rs"))?,
                has_fixtures: path.join(FIXTURES).is_file(),
                dir,
            });
        }
        providers.sort_by(|a, b| a.dir.cmp(&b.dir));
        Ok(Workspace {
            root: root.to_path_buf(),
            providers,
            facade_manifest: read(&root.join(FACADE_MANIFEST))?,
            readme: read(&root.join("README.md"))?,
        })
    }
}

/// Names the facade already uses: its own modules and the runtime's lower-case public names
/// (re-exported by a glob), which a provider module would collide with.
const TAKEN: &[&str] = &[
    "any",
    "providers",
    "registry",
    "auth",
    "spec",
    "secret",
    "reqwest",
    "provider",
    "status",
];

/// Keywords Rust reserves, which cannot name a module.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

/// Longest folder name accepted: generated lines stay within rustfmt's width, and a slug
/// becomes part of every environment variable name.
pub const MAX_NAME_LEN: usize = 32;

/// Checks that `name` can be a provider folder: lower-case kebab case starting with a letter
/// (`acme-pay`), so that the package, cargo feature, module and environment variable names
/// derived from it are all valid.
pub fn check_provider_name(name: &str) -> Result<(), String> {
    let words_ok = !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !words_ok || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "`{name}` is not a valid provider name; use lower-case words of letters and digits \
             joined by `-`, starting with a letter (e.g. `acme-pay`)"
        ));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "`{name}` is too long; a provider name has at most {MAX_NAME_LEN} characters"
        ));
    }
    let module = name.replace('-', "_");
    if TAKEN.contains(&module.as_str()) || KEYWORDS.contains(&module.as_str()) {
        return Err(format!(
            "`{name}` is reserved: the facade module `estorno::{module}` would collide with an \
             existing name"
        ));
    }
    Ok(())
}
