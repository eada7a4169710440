//! `cargo xtask ci`: the steps of `.ci/run`, in the same order, so a contributor sees locally
//! what CI will say. Stops at the first failing step and names it.

use std::path::Path;
use std::process::Command;

use crate::codegen::{self, Mode};
use crate::{Error, Result};

/// One step: a cargo command, or the codegen check run in this process.
enum Step {
    Cargo {
        args: &'static [&'static str],
        env: &'static [(&'static str, &'static str)],
    },
    CodegenCheck,
}

const STEPS: &[(&str, Step)] = &[
    (
        "cargo fmt --all -- --check",
        Step::Cargo {
            args: &["fmt", "--all", "--", "--check"],
            env: &[],
        },
    ),
    (
        "cargo clippy --workspace --all-targets -- -D warnings",
        Step::Cargo {
            args: &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            env: &[],
        },
    ),
    (
        "cargo test --workspace",
        Step::Cargo {
            args: &["test", "--workspace"],
            env: &[],
        },
    ),
    ("cargo xtask codegen --check", Step::CodegenCheck),
    (
        "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps",
        Step::Cargo {
            args: &["doc", "--workspace", "--no-deps"],
            env: &[("RUSTDOCFLAGS", "-D warnings")],
        },
    ),
];

/// Runs every step against the workspace at `root`.
pub fn run(root: &Path) -> Result<()> {
    // The cargo that runs xtask, so a pinned toolchain is honoured.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for (name, step) in STEPS {
        eprintln!("== {name}");
        let passed = match step {
            Step::Cargo { args, env } => {
                let status = Command::new(&cargo)
                    .args(*args)
                    .envs(env.iter().copied())
                    .current_dir(root)
                    .status()
                    .map_err(|error| Error::new(format!("could not run cargo: {error}")))?;
                status.success()
            }
            Step::CodegenCheck => match codegen::run(root, Mode::Check) {
                Ok(()) => true,
                Err(error) => {
                    eprintln!("{error}");
                    false
                }
            },
        };
        if !passed {
            return Err(Error::new(format!("CI step failed: {name}")));
        }
    }
    eprintln!("== all CI steps passed");
    Ok(())
}
