//! Mercado Pago: refund all or part of an approved payment, cancel one not approved yet, and
//! look a payment up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::BearerToken;
//! use estorno::{Cancel, CancelRequest};
//! use estorno_mercado_pago::Client;
//!
//! let client = Client::builder()
//!     .credentials(BearerToken::new("APP_USR-..."))
//!     .build()?;
//! let refund = Cancel::cancel(&client, &CancelRequest::total("1234567890")).await?;
//! println!("{} with key {:?}", refund.outcome, refund.idempotency_key());
//! # Ok(())
//! # }
//! ```

use estorno::{CancelResponse, Identifier, Reais, Rejection};
use serde::{Deserialize, Serialize};

/// Mercado Pago, the payments platform of Mercado Livre: cards, Pix and boleto.
///
/// Every call carries the seller's access token as a Bearer token (`TEST-…` tokens select
/// test mode on the same host). A total cancellation refunds an approved payment and cancels
/// one nobody was charged for yet (pending, in process or authorised). Refunds and cancellations require an `X-Idempotency-Key`: the
/// same key on a resend returns the first answer instead of refunding again. Mercado Pago
/// does not document how long it keeps a key, so it protects the retries of one call, and an
/// unknown outcome waits for an operator.
///
/// Amounts are JSON numbers of reais (`10.5`), read and written exactly.
#[estorno::provider(
    name = "Mercado Pago",
    slug = "mercado-pago",
    production = "https://api.mercadopago.com",
    auth = bearer,
    cancel(
        total = refund(payment, idempotency_key, &RefundRequest { amount: None }),
        // Nobody was charged yet: a refund would be refused (2063); the payment is cancelled.
        total(when = "pending" | "in_process" | "authorized") =
            cancel_payment(
                payment,
                idempotency_key,
                &CancelPaymentRequest { status: CancelStatus::Cancelled },
            ),
        partial = refund(payment, idempotency_key, &RefundRequest { amount: Some(amount.reais()) }),
        status = payment(payment),
    ),
)]
pub trait MercadoPago {
    /// Refunds all of an approved payment (an empty body) or part of it (`amount`).
    ///
    /// With `X-Render-In-Process-Refunds: true`, a Pix refund in contingency is answered 201
    /// with the refund `in_process` rather than a 400 that would read as a refusal.
    #[post("/v1/payments/{id}/refunds")]
    #[ok(201 => Refund)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[header("X-Render-In-Process-Refunds" = "true")]
    #[reconcile(payment)]
    fn refund(
        #[path(len = 1..=20, chars = "0-9")] id: &str,
        #[header("X-Idempotency-Key")]
        #[idempotency_key(kept_undocumented)]
        idempotency_key: &str,
        #[json] body: &RefundRequest,
    ) -> Refund;

    /// Cancels a payment nobody was charged for yet (`pending`, `in_process` or
    /// `authorized`): `{"status": "cancelled"}`, the only value accepted.
    #[put("/v1/payments/{id}")]
    #[ok(200 => Payment)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[reconcile(payment)]
    fn cancel_payment(
        #[path(len = 1..=20, chars = "0-9")] id: &str,
        #[header("X-Idempotency-Key")]
        #[idempotency_key(kept_undocumented)]
        idempotency_key: &str,
        #[json] body: &CancelPaymentRequest,
    ) -> Payment;

    /// Looks a payment up: its status and what was refunded.
    #[get("/v1/payments/{id}")]
    #[ok(200 => Payment)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[idempotent]
    fn payment(#[path(len = 1..=20, chars = "0-9")] id: &str) -> Payment;
}

/// Body of a refund: empty (`{}`) for all of what remains, `amount` for a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// In reais, as a JSON number (`10.5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Reais>,
}

/// Body of a cancellation: `{"status": "cancelled"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelPaymentRequest {
    pub status: CancelStatus,
}

/// The only status a payment can be updated to here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelStatus {
    Cancelled,
}

/// A refund, as the refund call answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(outcome = status, reference = id)]
pub struct Refund {
    /// The refund's id.
    pub id: u64,
    /// The payment it refunds.
    pub payment_id: u64,
    /// What this refund returns, in reais.
    pub amount: Reais,
    pub status: RefundStatus,
    #[serde(default)]
    pub date_created: Option<String>,
    /// `standard`, ...
    #[serde(default)]
    pub refund_mode: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The state of a refund.
#[estorno::status]
pub enum RefundStatus {
    /// Refunded: the whole payment, or the part asked.
    #[status("approved" => Refunded, partial = PartiallyRefunded)]
    Approved,
    /// Accepted, still being processed (a Pix refund in contingency).
    #[status("in_process" => Pending)]
    InProcess,
    /// Refused.
    #[status("rejected" => Rejected)]
    Rejected,
}

/// A payment, as the look-up and the cancellation answer it.
///
/// Only the fields a cancellation reads are required; the rest are read when present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(
    outcome = status,
    paid = transaction_amount,
    refunded = transaction_amount_refunded,
    reference = id,
    id = id,
)]
pub struct Payment {
    pub id: u64,
    pub status: PaymentStatus,
    /// `partially_refunded` after a partial refund, `refunded`, `accredited`, ...
    #[serde(default)]
    pub status_detail: Option<String>,
    /// What was charged, in reais.
    pub transaction_amount: Reais,
    /// Everything refunded so far, in reais.
    #[serde(default)]
    pub transaction_amount_refunded: Reais,
    /// `BRL`.
    #[serde(default)]
    pub currency_id: Option<String>,
    /// `pix`, `visa`, `bolbradesco`, ...
    #[serde(default)]
    pub payment_method_id: Option<String>,
    #[serde(default)]
    pub date_created: Option<String>,
    #[serde(default)]
    pub date_approved: Option<String>,
    #[serde(default)]
    pub date_last_updated: Option<String>,
}

/// The state of a payment.
#[estorno::status]
pub enum PaymentStatus {
    /// Waiting to be paid: it can only be cancelled (`cancel_payment`), not refunded.
    #[status("pending" => Active)]
    Pending,
    /// Paid and standing; after a partial refund it stays `approved`.
    #[status("approved" => Active)]
    Approved,
    /// Authorised, not captured yet: it can only be cancelled.
    #[status("authorized" => Active)]
    Authorized,
    /// Under review: it can only be cancelled.
    #[status("in_process" => Active)]
    InProcess,
    /// A dispute is open.
    #[status("in_mediation" => Chargeback)]
    InMediation,
    /// Refused when paid: nothing to give back.
    #[status("rejected" => Failed)]
    Rejected,
    /// Cancelled before anyone was charged.
    #[status("cancelled" => Voided)]
    Cancelled,
    /// Refunded in full.
    #[status("refunded" => Refunded)]
    Refunded,
    /// The payer's bank took the money back.
    #[status("charged_back" => Chargeback)]
    ChargedBack,
}

/// The error body: `{"message","error","status","cause":[{"code","description"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = message, code = error)]
pub struct ApiError {
    pub message: String,
    /// `bad_request`, `not_found`, ...
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub cause: Option<Vec<Cause>>,
}

/// One reason in an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// `2063` (not valid for the payment's state), `4292` (no idempotency key), ...
    pub code: Identifier,
    #[serde(default)]
    pub description: Option<String>,
}
