//! Helpers shared by the workspace's test targets.

/// A documented example under `fixtures/<provider>/`, as text.
pub fn fixture(provider: &str, name: &str) -> String {
    let path = format!("{}/fixtures/{provider}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}
