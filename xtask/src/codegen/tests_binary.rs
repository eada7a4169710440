//! `tests/providers.rs`: the one test binary that runs every provider's fixture tests, each
//! provider's `tests/fixtures.rs` included as a module, so a provider's tests live beside its
//! spec and no list of providers is kept by hand.

use std::fmt::Write;
use std::path::PathBuf;

use super::{Generated, Spec};
use crate::GENERATED;
use crate::workspace::{FIXTURES, PROVIDERS_DIR};

const PATH: &str = "tests/providers.rs";

pub(super) fn generate(specs: &[Spec]) -> Generated {
    let mut text = format!(
        "//! Every provider's fixture tests, one module per provider folder that has\n\
         //! `{FIXTURES}`: its documented requests and answers against httpmock.\n\
         //!\n\
         //! {GENERATED}\n"
    );
    for spec in specs.iter().filter(|spec| spec.source.has_fixtures) {
        let _ = write!(
            text,
            "\n#[path = \"../{PROVIDERS_DIR}/{}/{FIXTURES}\"]\nmod {};\n",
            spec.source.dir,
            spec.module()
        );
    }
    (PathBuf::from(PATH), text)
}
