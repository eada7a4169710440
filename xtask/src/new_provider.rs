//! `cargo xtask new-provider NAME`: scaffolds `providers/NAME` with a commented template spec
//! that compiles as it stands, for a contributor to fill in from the provider's documentation.

use std::path::{Path, PathBuf};

use crate::workspace::{FIXTURES, PROVIDERS_DIR, check_provider_name};
use crate::{Error, Result};

/// Type names the template declares; a provider whose trait would share one cannot use it.
const TEMPLATE_TYPES: &[&str] = &[
    "ApiError",
    "Client",
    "Payment",
    "PaymentStatus",
    "RefundRequest",
];

/// The files of a new provider crate, relative to the workspace root.
pub fn scaffold(name: &str) -> Result<Vec<(PathBuf, String)>> {
    check_provider_name(name).map_err(Error::new)?;
    let words: Vec<String> = name.split('-').map(capitalize).collect();
    let title = words.join(" ");
    let trait_name = words.concat();
    if TEMPLATE_TYPES.contains(&trait_name.as_str()) {
        return Err(Error::new(format!(
            "`{name}` would name the spec trait `{trait_name}`, which the template already uses \
             for a type; pick another name"
        )));
    }
    let fill = |template: &str| {
        template
            .replace("__NAME__", name)
            .replace("__TITLE__", &title)
            .replace("__TRAIT__", &trait_name)
            .replace("__ENV__", &name.to_ascii_uppercase().replace('-', "_"))
            .replace("__MODULE__", &name.replace('-', "_"))
    };
    let dir = Path::new(PROVIDERS_DIR).join(name);
    Ok(vec![
        (dir.join("Cargo.toml"), fill(MANIFEST)),
        (dir.join("src/lib.rs"), fill(SPEC)),
        (dir.join(FIXTURES), fill(FIXTURE_TESTS)),
    ])
}

/// Writes the scaffold into the workspace at `root`, refusing to touch an existing folder.
pub fn run(root: &Path, name: &str) -> Result<()> {
    let files = scaffold(name)?;
    let dir = root.join(PROVIDERS_DIR).join(name);
    if dir.exists() {
        return Err(Error::new(format!(
            "{PROVIDERS_DIR}/{name} already exists; pick another name or edit that spec"
        )));
    }
    for (path, contents) in &files {
        crate::write(&root.join(path), contents)?;
        println!("created {}", crate::codegen::display_path(path));
    }
    println!(
        "\nNext:\n  1. fill in {PROVIDERS_DIR}/{name}/src/lib.rs from the provider's documentation \
         (every TODO)\n  2. put its documented examples in {PROVIDERS_DIR}/{name}/tests/examples/ \
         and test them in {PROVIDERS_DIR}/{name}/{FIXTURES}\n  3. run `cargo xtask codegen` to \
         register it (facade feature, registry, catalogue, snapshot, test binary)\n  4. run \
         `cargo test --workspace` and `cargo xtask codegen --check`"
    );
    Ok(())
}

fn capitalize(word: &str) -> String {
    let mut characters = word.chars();
    match characters.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + characters.as_str(),
        None => String::new(),
    }
}

const MANIFEST: &str = r#"[package]
name = "estorno-__NAME__"
description = "__TITLE__ refunds, as an estorno spec"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
# Its fixture tests (tests/fixtures.rs) run in the workspace's `providers` test binary
# (tests/providers.rs, generated), not as a test target of this crate.
autotests = false

[lib]
# No unit tests of its own: its fixtures run in the workspace's `providers` binary, so the lib
# is not built a second time as an empty test binary (its doc example still runs).
test = false

[dependencies]
# The facade re-exports every provider, so a provider cannot depend on it; the runtime is
# imported under the facade's name so the spec reads (and expands) exactly as a user's would.
estorno = { package = "estorno-runtime", path = "../../crates/estorno-runtime" }
serde.workspace = true
"#;

const SPEC: &str = r#"//! __TITLE__: refund all or part of a payment, and look a payment up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below. The template compiles as it
//! stands; replace every TODO with what the provider documents, then run
//! `cargo xtask codegen` to register the provider and refresh `docs/providers.md`.

use estorno::{Amount, CancelResponse, Cents, Rejection};
use serde::{Deserialize, Serialize};

/// __TITLE__, TODO: one sentence on what this API is; the catalogue shows this paragraph.
///
/// TODO: how authentication works, and which provider fields (`field("...")` below) a
/// unified cancellation needs.
#[estorno::provider(
    // Shown in the catalogue and in errors.
    name = "__TITLE__",
    // Names the provider on the command line and in its environment variables
    // (`ESTORNO___ENV___TOKEN`, ...).
    slug = "__NAME__",
    production = "https://api.__NAME__.example/v1",
    // Leave `sandbox` out if the provider has none.
    sandbox = "https://sandbox.__NAME__.example/v1",
    // TODO: the provider's scheme. Others: `header("x-api-token")`, `basic`, `basic_key`,
    // `bearer_with_api_key(header = "x-api-key")`, `headers("MerchantId", "MerchantKey")`,
    // `oauth2_client_credentials(token_url = "/oauth/token", request = form)`.
    auth = bearer,
    // How `estorno::AnyProvider` drives this provider. In the calls, `payment` is the
    // caller's payment id, `amount` the partial amount, `remaining` what the status call says
    // remains, and `field("name")` a provider field the caller passes in the `CancelRequest`.
    // Leave `partial` out if the provider cannot refund part of a payment.
    cancel(
        total = refund(payment, RefundRequest { amount: remaining }),
        partial = refund(payment, RefundRequest { amount }),
        status = payment(payment),
    ),
)]
pub trait __TRAIT__ {
    /// Refunds all or part of a payment.
    ///
    /// TODO: what the provider says about refunds: deadlines, partial refunds, repeats.
    #[post("/payments/{payment_id}/refunds")]
    #[ok(200 | 201 => Payment)]
    // Each error status (or range, or `default`) names the type its body decodes to.
    #[err(400 | 401 | 404 | 422 => ApiError)]
    #[err(500..=599 => ApiError)]
    // The look-up to call when a refund was sent but no answer came back.
    #[reconcile(payment)]
    fn refund(
        // Checked before anything is sent, then percent-encoded into the path.
        #[path(len = 1..=64, chars = "A-Za-z0-9_-")] payment_id: &str,
        #[json] body: &RefundRequest,
    ) -> Payment;

    /// Looks a payment up, with what has been refunded so far.
    #[get("/payments/{payment_id}")]
    #[ok(200 => Payment)]
    #[err(400 | 401 | 404 => ApiError)]
    #[err(500..=599 => ApiError)]
    // A look-up changes nothing, so it may be resent after a timeout.
    #[idempotent]
    fn payment(#[path(len = 1..=64, chars = "A-Za-z0-9_-")] payment_id: &str) -> Payment;
}

/// Body of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// In cents, at least one; the whole remaining amount refunds the payment in full.
    pub amount: Amount,
}

/// A payment, as both operations answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
// Which fields the unified API reads: the status, the amounts and the provider's own id.
#[cancel(outcome = status, refunded = refunded_amount, remaining = amount, reference = id)]
pub struct Payment {
    /// The provider's id of the payment.
    pub id: String,
    pub status: PaymentStatus,
    /// What remains of the payment after refunds, in cents.
    pub amount: Cents,
    /// Everything refunded so far, in cents.
    pub refunded_amount: Cents,
}

/// The state of a payment.
///
/// Every value maps to a normalised outcome, or the spec does not compile; a value the spec
/// does not list decodes to `Unknown` and reads as `Ambiguous`, never as success.
#[estorno::status]
pub enum PaymentStatus {
    #[status("pending" => Pending)]
    Pending,
    #[status("paid" => Active)]
    Paid,
    #[status("partially_refunded" => PartiallyRefunded)]
    PartiallyRefunded,
    #[status("refunded" => Refunded)]
    Refunded,
    #[status("failed" => Failed)]
    Failed,
}

/// The error body of every declared error status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
// Which fields say why a refund was refused.
#[rejection(reason = message, code = code)]
pub struct ApiError {
    pub message: String,
    #[serde(default)]
    pub code: Option<String>,
}
"#;

const FIXTURE_TESTS: &str = r##"//! __TITLE__'s documented examples against httpmock: the exact request each operation
//! sends and what each documented answer decodes to. This file runs as the `__MODULE__`
//! module of the workspace's `providers` test binary. TODO: copy the provider's own examples,
//! unchanged, into `tests/examples/` and read them with `estorno_tests::fixture`.

use estorno::__MODULE__::Client;
use estorno::auth::BearerToken;
use estorno::{Cancel, CancelRequest, Outcome};
use httpmock::prelude::*;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(BearerToken::new("test-token"))
        .base_url(server.base_url())
        .build()
        .expect("valid client configuration")
}

#[tokio::test]
async fn a_total_refund_sends_what_remains() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/payments/pay_1");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"id":"pay_1","status":"paid","amount":1000,"refunded_amount":0}"#);
    });
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path("/payments/pay_1/refunds")
            .header("authorization", "Bearer test-token")
            .json_body(serde_json::json!({"amount": 1000}));
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"id":"pay_1","status":"refunded","amount":0,"refunded_amount":1000}"#);
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total("pay_1"))
        .await
        .expect("refunded");

    assert_eq!(result.outcome, Outcome::Refunded);
    assert_eq!(result.refunded, Some(estorno::Cents::new(1000)));
    refund.assert();
}
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_a_title_and_a_trait() {
        let files = scaffold("acme-pay").unwrap();
        let spec = &files[1].1;
        assert!(spec.contains("name = \"Acme Pay\""));
        assert!(spec.contains("pub trait AcmePay {"));
        assert!(spec.contains("`ESTORNO_ACME_PAY_TOKEN`"));
        assert!(files[0].1.contains("name = \"estorno-acme-pay\""));
    }

    #[test]
    fn bad_names_are_refused() {
        for name in [
            "Acme", "acme_pay", "-acme", "acme-", "9pay", "registry", "payment", "",
        ] {
            assert!(scaffold(name).is_err(), "{name}");
        }
    }
}
