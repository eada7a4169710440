//! `cargo xtask`: argument parsing for the workspace's automation; the work is in the library.

use std::process::ExitCode;

use xtask::codegen::{self, Mode};
use xtask::{Error, ci, new_provider, project_root};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check]    write every generated file from the specs under providers/
                       (--check: change nothing, fail if any file is stale)
  new-provider NAME    scaffold providers/NAME with a template spec that compiles
  ci                   run what CI runs: fmt, clippy, tests, codegen check, docs
  help                 show this message";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = project_root();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(&root, Mode::Write),
        ["codegen", "--check"] => codegen::run(&root, Mode::Check),
        ["new-provider", name] => new_provider::run(&root, name),
        ["ci"] => ci::run(&root),
        [] | ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(Error::new(format!(
            "unknown arguments `{}`\n\n{USAGE}",
            args.join(" ")
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
