//! Capabilities of the spec language against httpmock, each on a spec shaped like the provider
//! that needs it: one module per capability, one test binary for them all.

#[path = "language/auths.rs"]
mod auths;
#[path = "language/keys.rs"]
mod keys;
#[path = "language/lookups.rs"]
mod lookups;
#[path = "language/mtls.rs"]
mod mtls;
#[path = "language/rejections.rs"]
mod rejections;
#[path = "language/results.rs"]
mod results;
