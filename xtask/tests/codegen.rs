//! `cargo test` enforces `cargo xtask codegen --check`: the committed generated files match
//! the specs, and the check does fail, naming the right files, when a spec changes without
//! regenerating.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use xtask::codegen::{self, Generated, Mode, Stale, Staleness};
use xtask::{ProviderSource, Workspace, new_provider, project_root};

/// The provider the tests scaffold: a name no real provider takes, so the tests hold while
/// a contributor follows the README with `acme-pay`.
const SCAFFOLDED: &str = "test-scaffold-pay";

#[test]
fn committed_generated_files_are_fresh() {
    if let Err(error) = codegen::run(&project_root(), Mode::Check) {
        panic!("{error}");
    }
}

/// A scratch folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_all(root: &Path, files: &[Generated]) {
    for (path, contents) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// What `--check` reports for `workspace`, against the files generated from the workspace as
/// it is on disk (written to a scratch folder, so the test does not depend on whether the
/// committed files happen to be fresh).
fn stale_after(name: &str, change: impl FnOnce(&mut Workspace)) -> Vec<Stale> {
    let root = project_root();
    let baseline = TempDir::new(name);
    let mut workspace = Workspace::load(&root).unwrap();
    write_all(&baseline.0, &codegen::generate(&workspace).unwrap());
    change(&mut workspace);
    let generated = codegen::generate(&workspace).unwrap();
    codegen::stale(&baseline.0, &generated).unwrap()
}

fn paths(stale: &[Stale]) -> BTreeSet<String> {
    stale
        .iter()
        .map(|file| file.path.to_string_lossy().replace('\\', "/"))
        .collect()
}

/// The first provider with a documented endpoint, with that endpoint's first doc line and
/// path template.
fn documented_endpoint(workspace: &Workspace) -> (usize, String, String) {
    for (index, provider) in workspace.providers.iter().enumerate() {
        let spec = estorno_codegen::read_file(&provider.source).unwrap();
        for endpoint in &spec.providers[0].endpoints {
            if let Some(line) = endpoint.docs.first().filter(|line| !line.is_empty()) {
                return (index, line.clone(), endpoint.path.value());
            }
        }
    }
    panic!("no provider has a documented endpoint");
}

fn snapshot_of(provider: &ProviderSource) -> String {
    format!("crates/estorno-snapshots/src/{}.rs", provider.module())
}

#[test]
fn check_fails_when_an_endpoint_doc_comment_changes() {
    let mut snapshot = String::new();
    let stale = stale_after("doc", |workspace| {
        let (index, line, _) = documented_endpoint(workspace);
        let provider = &mut workspace.providers[index];
        let written = format!("/// {line}");
        assert!(provider.source.contains(&written));
        provider.source = provider
            .source
            .replacen(&written, &format!("{written} Reworded."), 1);
        snapshot = snapshot_of(provider);
    });
    assert_eq!(
        paths(&stale),
        BTreeSet::from(["docs/providers.md".to_owned(), snapshot.clone()])
    );
    assert!(stale.iter().all(|file| file.why == Staleness::Differs));

    // The message names each stale file and the command that fixes them.
    let message = codegen::check_result(&stale).unwrap_err().to_string();
    assert!(
        message.contains("docs/providers.md (out of date)"),
        "{message}"
    );
    assert!(message.contains(&snapshot), "{message}");
    assert!(
        message.ends_with("run `cargo xtask codegen` to update them"),
        "{message}"
    );
}

#[test]
fn check_fails_when_an_endpoint_path_changes() {
    let mut snapshot = String::new();
    let stale = stale_after("path", |workspace| {
        let (index, _, path) = documented_endpoint(workspace);
        let provider = &mut workspace.providers[index];
        let literal = format!("\"{path}\"");
        assert!(provider.source.contains(&literal));
        provider.source = provider
            .source
            .replacen(&literal, &format!("\"{path}/v2\""), 1);
        snapshot = snapshot_of(provider);
    });
    assert_eq!(
        paths(&stale),
        BTreeSet::from(["docs/providers.md".to_owned(), snapshot])
    );
}

#[test]
fn a_new_provider_makes_every_list_stale() {
    let stale = stale_after("new", |workspace| {
        let files = new_provider::scaffold(SCAFFOLDED).unwrap();
        workspace.providers.push(ProviderSource {
            dir: SCAFFOLDED.to_owned(),
            manifest: files[0].1.clone(),
            source: files[1].1.clone(),
            has_fixtures: true,
        });
        workspace.providers.sort_by(|a, b| a.dir.cmp(&b.dir));
    });
    let expected = [
        "README.md",
        "crates/estorno-snapshots/src/test_scaffold_pay.rs",
        "crates/estorno-snapshots/src/lib.rs",
        "crates/estorno/Cargo.toml",
        "crates/estorno/src/features.md",
        "crates/estorno/src/providers.rs",
        "crates/estorno/src/registry.rs",
        "docs/providers.md",
        "tests/providers.rs",
    ];
    assert_eq!(paths(&stale), expected.map(str::to_owned).into());
    let snapshot = stale
        .iter()
        .find(|file| file.path.ends_with("test_scaffold_pay.rs"));
    assert_eq!(snapshot.unwrap().why, Staleness::Missing);
}

#[test]
fn a_removed_provider_leaves_an_orphan_snapshot() {
    let mut snapshot = String::new();
    let stale = stale_after("removed", |workspace| {
        let removed = workspace.providers.remove(0);
        snapshot = snapshot_of(&removed);
    });
    let orphan = stale.iter().find(|file| file.why == Staleness::Orphan);
    assert_eq!(
        orphan.map(|file| file.path.to_string_lossy().replace('\\', "/")),
        Some(snapshot)
    );
}

/// The whole command on disk: scaffold a provider into a copy of the specs, write, check
/// clean, then change a spec and see the check fail and the write fix it.
#[test]
fn write_then_check_on_a_copy_of_the_workspace() {
    let root = project_root();
    let copy = TempDir::new("copy");
    let workspace = Workspace::load(&root).unwrap();
    let mut files: Vec<Generated> = vec![
        (
            PathBuf::from("crates/estorno/Cargo.toml"),
            workspace.facade_manifest.clone(),
        ),
        (PathBuf::from("README.md"), workspace.readme.clone()),
    ];
    for provider in &workspace.providers {
        let dir = Path::new("providers").join(&provider.dir);
        files.push((dir.join("Cargo.toml"), provider.manifest.clone()));
        files.push((dir.join("src/lib.rs"), provider.source.clone()));
    }
    write_all(&copy.0, &files);

    new_provider::run(&copy.0, SCAFFOLDED).unwrap();
    assert!(
        new_provider::run(&copy.0, SCAFFOLDED).is_err(),
        "an existing folder is never overwritten"
    );
    let source =
        std::fs::read_to_string(copy.0.join("providers/test-scaffold-pay/src/lib.rs")).unwrap();
    let spec = estorno_codegen::read_file(&source).unwrap();
    assert_eq!(spec.providers.len(), 1);
    assert_eq!(spec.providers[0].slug, SCAFFOLDED);
    assert_eq!(spec.statuses.len(), 1);

    assert!(codegen::run(&copy.0, Mode::Check).is_err());
    codegen::run(&copy.0, Mode::Write).unwrap();
    codegen::run(&copy.0, Mode::Check).unwrap();
    let registry = std::fs::read_to_string(copy.0.join("crates/estorno/src/registry.rs")).unwrap();
    assert!(registry.contains("TestScaffoldPay(crate::test_scaffold_pay::Client)"));
    assert!(registry.starts_with("// Generated by `cargo xtask codegen`, do not edit by hand."));

    // A Windows checkout's line endings are not a difference.
    let catalogue = copy.0.join("docs/providers.md");
    let text = std::fs::read_to_string(&catalogue).unwrap();
    std::fs::write(&catalogue, text.replace('\n', "\r\n")).unwrap();
    codegen::run(&copy.0, Mode::Check).unwrap();

    let spec_path = copy.0.join("providers/test-scaffold-pay/src/lib.rs");
    std::fs::write(
        &spec_path,
        source.replace(
            "/payments/{payment_id}/refunds",
            "/payments/{payment_id}/refund",
        ),
    )
    .unwrap();
    let message = codegen::run(&copy.0, Mode::Check).unwrap_err().to_string();
    assert!(
        message.contains("crates/estorno-snapshots/src/test_scaffold_pay.rs (out of date)"),
        "{message}"
    );
    codegen::run(&copy.0, Mode::Write).unwrap();
    codegen::run(&copy.0, Mode::Check).unwrap();
}
