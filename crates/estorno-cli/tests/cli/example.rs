//! The bundled example bulk file stays in step with the sandbox's demo payments: regenerating
//! it gives the same bytes (`ESTORNO_BLESS=1 cargo test -p estorno-cli --test cli example` rewrites
//! it), and running it end to end against the embedded sandbox gives a sensible report.

use crate::common;

use std::path::PathBuf;

use common::{estorno, text};
use estorno_cli::example::PROVIDERS;

fn example_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/refunds.csv")
}

#[test]
fn the_example_file_matches_the_sandbox_demo_payments() {
    let generated = estorno_cli::example::example_csv();
    let path = example_path();
    if std::env::var_os("ESTORNO_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `ESTORNO_BLESS=1 cargo test -p estorno-cli --test cli example` and \
         review the diff",
        path.display()
    );
    let rows = generated.lines().count() - 1;
    // About sixty rows per provider, all of them there.
    assert!(
        (55 * PROVIDERS.len()..=70 * PROVIDERS.len()).contains(&rows),
        "{rows} rows"
    );
    for provider in PROVIDERS {
        assert!(generated.contains(&format!("\n{provider},")), "{provider}");
    }
}

#[test]
fn the_readme_command_refunds_the_example_against_the_embedded_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("refunds.csv");
    std::fs::copy(example_path(), &file).unwrap();
    let run = || estorno().arg("bulk").arg(&file).output().unwrap();

    let first = run();
    let stdout = text(&first.stdout);
    let stderr = text(&first.stderr);
    // Payments pending at the provider (a cancellation may be under way: nothing is sent) are
    // not finished, which makes the exit code 3, above the refused rows' 1.
    assert_eq!(first.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stderr.contains("embedded sandbox"), "{stderr}");
    for outcome in [
        "refunded",
        "partially_refunded",
        "already_refunded",
        "rejected",
        "pending",
        "invalid",
    ] {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with(&format!("{outcome} "))),
            "{outcome}: {stdout}"
        );
    }
    assert!(
        stdout.contains("\ninvalid                   9 "),
        "{stdout}"
    );
    assert!(
        !stdout.contains("unresolved") && !stdout.contains("not_sent"),
        "{stdout}"
    );
    assert!(stdout.contains("rows to look at:"), "{stdout}");
    let report = std::fs::read_to_string(dir.path().join("refunds.csv.report.csv")).unwrap();
    let rows = std::fs::read_to_string(example_path())
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        report.lines().take_while(|line| !line.is_empty()).count(),
        rows
    );

    // Again: the journal is complete, nothing is sent, the same report is printed.
    let second = run();
    assert_eq!(second.status.code(), Some(3));
    assert_eq!(text(&second.stdout), stdout);
}
