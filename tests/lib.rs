//! Helpers shared by the workspace's test targets.

/// A documented example of `provider`, as text: `providers/<slug>/tests/examples/<name>`.
///
/// Examples are copied byte for byte from each provider's seed document or official reference.
/// Tests serve them from httpmock and assert the exact decoded values, so an example is never
/// edited to make a test pass.
pub fn fixture(provider: &str, name: &str) -> String {
    let path = format!(
        "{}/../providers/{provider}/tests/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}
