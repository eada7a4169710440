//! PagBank (PagSeguro's Orders API): cancel all or part of a charge, and look a charge up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::BearerToken;
//! use estorno::{Cancel, CancelRequest};
//! use estorno_pagbank::Client;
//!
//! let client = Client::builder().credentials(BearerToken::new("...")).sandbox().build()?;
//! let cancelled = Cancel::cancel(&client, &CancelRequest::total("CHAR_4D3C6D5E")).await?;
//! println!("{}", cancelled.outcome);
//! # Ok(())
//! # }
//! ```

use estorno::{Amount, CancelResponse, Cents, Rejection};
use serde::{Deserialize, Serialize};

/// PagBank, PagSeguro's payments API: cards, Pix and boleto.
///
/// Every call carries the seller's token as a Bearer token. A cancellation always names its
/// amount, nested as `amount.value` in cents: what remains for a total one. The
/// `x-idempotency-key` header is not confirmed in a public source, so it is sent but never
/// taken as proof that a resend is safe.
#[estorno::provider(
    name = "PagBank",
    slug = "pagbank",
    production = "https://api.pagseguro.com",
    sandbox = "https://sandbox.api.pagseguro.com",
    auth = bearer,
    cancel(
        total = cancel_charge(
            payment,
            Some(idempotency_key),
            &CancelChargeRequest { amount: CancelAmount { value: remaining } },
        ),
        partial = cancel_charge(
            payment,
            Some(idempotency_key),
            &CancelChargeRequest { amount: CancelAmount { value: amount } },
        ),
        status = charge(payment),
    ),
)]
pub trait PagBank {
    /// Cancels a charge: voids an authorisation, refunds a paid card, Pix or boleto charge,
    /// in full or in part.
    #[post("/charges/{charge_id}/cancel")]
    // The status of a successful cancellation is not confirmed (probably 201): both are read.
    #[ok(200 | 201 => Charge)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[reconcile(charge)]
    fn cancel_charge(
        #[path(len = 1..=64, chars = "A-Za-z0-9_-")] charge_id: &str,
        #[header("x-idempotency-key")]
        #[idempotency_key(unverified)]
        idempotency_key: Option<&str>,
        #[json] body: &CancelChargeRequest,
    ) -> Charge;

    /// Looks a charge up.
    #[get("/charges/{charge_id}")]
    #[ok(200 => Charge)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[idempotent]
    fn charge(#[path(len = 1..=64, chars = "A-Za-z0-9_-")] charge_id: &str) -> Charge;
}

/// Body of a cancellation: `{"amount": {"value": cents}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelChargeRequest {
    pub amount: CancelAmount,
}

/// The amount to cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAmount {
    /// In cents, at least one.
    pub value: Amount,
}

/// A charge, as the cancellation and the look-up answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(
    outcome = status,
    paid = amount.summary.paid,
    refunded = amount.summary.refunded,
    reference = id,
    id = id,
)]
pub struct Charge {
    /// `CHAR_…`.
    pub id: String,
    #[serde(default)]
    pub reference_id: Option<String>,
    pub status: ChargeStatus,
    pub amount: ChargeAmount,
    #[serde(default)]
    pub payment_response: Option<PaymentResponse>,
}

/// The charge's amounts, in cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeAmount {
    pub value: Cents,
    #[serde(default)]
    pub currency: Option<String>,
    pub summary: Summary,
}

/// What was charged, paid and refunded, in cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: Cents,
    pub paid: Cents,
    #[serde(default)]
    pub refunded: Cents,
}

/// The acquirer's answer to the last operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResponse {
    /// `20000` for success.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
}

/// The state of a charge.
#[estorno::status]
pub enum ChargeStatus {
    /// Authorised, not captured yet.
    #[status("AUTHORIZED" => Active)]
    Authorized,
    /// Paid; after a partial cancellation its summary shows what was refunded.
    #[status("PAID" => Active)]
    Paid,
    /// Under risk analysis.
    #[status("IN_ANALYSIS" => Active)]
    InAnalysis,
    /// Refused when paid.
    #[status("DECLINED" => Failed)]
    Declined,
    /// Cancelled in full: voided or refunded.
    #[status("CANCELED" => Refunded)]
    Canceled,
    /// Waiting to be paid (a boleto, a Pix).
    #[status("WAITING" => Active)]
    Waiting,
}

/// The error body: `{"error_messages": [{code, description, parameter_name}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = error_messages[].description, code = error_messages[].code)]
pub struct ApiError {
    #[serde(default)]
    pub error_messages: Vec<ErrorMessage>,
}

/// One reason in an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMessage {
    /// `40001` (a required parameter is missing), `40002` (an invalid value), ...
    pub code: String,
    pub description: String,
    #[serde(default)]
    pub parameter_name: Option<String>,
}
