//! Pagar.me API v5, also Stone's online API: cancel all or part of a charge, and look a charge
//! up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::ApiKey;
//! use estorno::{Cancel, CancelRequest};
//! use estorno_pagarme::Client;
//!
//! let client = Client::builder().credentials(ApiKey::new("sk_test_...")).build()?;
//! let cancelled = Cancel::cancel(&client, &CancelRequest::total("ch_8YQ0mKOHzHPNhGbD")).await?;
//! println!("{}", cancelled.outcome);
//! # Ok(())
//! # }
//! ```

use estorno::{CancelResponse, Cents, Rejection};
use serde::{Deserialize, Serialize};

/// Pagar.me, Stone's online payments API (v5): cards, Pix and boleto.
///
/// Every call authenticates with HTTP Basic, the secret key as the user name and an empty
/// password (`sk_test_…` keys select test mode on the same host). A cancellation is a
/// `DELETE` of the charge, with a JSON body only for a partial amount.
///
/// The SDK sends an optional `idempotency-key` header; the documentation does not confirm
/// that Pagar.me honours it, so it is sent but never taken as proof that a resend is safe.
#[estorno::provider(
    name = "Pagar.me",
    slug = "pagarme",
    production = "https://api.pagar.me/core/v5",
    auth = basic_key,
    cancel(
        total = cancel_charge(payment, Some(idempotency_key), None),
        partial = cancel_charge(payment, Some(idempotency_key), Some(&CancelChargeRequest { amount: Some(amount) })),
        status = charge(payment),
    ),
)]
pub trait Pagarme {
    /// Cancels a charge: a card sale is voided or refunded, a Pix or boleto refunded. Without
    /// a body, the whole charge; with `amount`, that part.
    #[delete("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[header("accept" = "application/json")]
    #[reconcile(charge)]
    fn cancel_charge(
        #[path(len = 1..=64, chars = "A-Za-z0-9_")] charge_id: &str,
        #[header("idempotency-key")]
        #[idempotency_key(unverified)]
        idempotency_key: Option<&str>,
        #[json] body: Option<&CancelChargeRequest>,
    ) -> Charge;

    /// Looks a charge up.
    #[get("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[header("accept" = "application/json")]
    #[idempotent]
    fn charge(#[path(len = 1..=64, chars = "A-Za-z0-9_")] charge_id: &str) -> Charge;
}

/// Body of a partial cancellation (`CreateCancelChargeRequest`). The SDK's other fields
/// (split rules, a bank account for boleto refunds) are not needed to cancel a card or Pix
/// charge and are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelChargeRequest {
    /// In cents; absent to cancel what remains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<estorno::Amount>,
}

/// A charge (`GetChargeResponse`), as the cancellation and the look-up answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(
    outcome = status,
    paid = amount,
    refunded = canceled_amount,
    reference = id,
    id = id,
)]
pub struct Charge {
    /// `ch_…`.
    pub id: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub gateway_id: Option<String>,
    /// The charge's amount, in cents.
    pub amount: Cents,
    pub status: ChargeStatus,
    #[serde(default)]
    pub currency: Option<String>,
    /// `credit_card`, `pix`, `boleto`, ...
    #[serde(default)]
    pub payment_method: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub canceled_at: Option<String>,
    /// Everything cancelled so far, in cents.
    #[serde(default)]
    pub canceled_amount: Cents,
    #[serde(default)]
    pub paid_amount: Option<Cents>,
    #[serde(default)]
    pub last_transaction: Option<Transaction>,
}

/// The charge's latest transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// `captured`, `voided`, `partial_void`, `refunded`, `partial_refunded`,
    /// `error_on_voiding`, `waiting_cancellation`, ...
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub success: Option<bool>,
}

/// The state of a charge. `canceled` after a full cancellation is consistent with the
/// webhooks but not confirmed in Pagar.me's reference; a partly cancelled charge keeps
/// `paid`, and its amounts tell.
#[estorno::status]
pub enum ChargeStatus {
    #[status("pending" => Active)]
    Pending,
    /// Paid, possibly in part cancelled (`canceled_amount`).
    #[status("paid" => Active)]
    Paid,
    /// Cancelled in full: voided or refunded.
    #[status("canceled" => Refunded)]
    Canceled,
    /// A cancellation is being processed.
    #[status("processing" => Pending)]
    Processing,
    #[status("failed" => Failed)]
    Failed,
    #[status("overpaid" => Active)]
    Overpaid,
    #[status("underpaid" => Active)]
    Underpaid,
    #[status("chargedback" => Chargeback)]
    Chargedback,
}

/// The error body: `{"message": "...", "errors": {"field": ["..."]}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = message)]
pub struct ApiError {
    pub message: String,
}
