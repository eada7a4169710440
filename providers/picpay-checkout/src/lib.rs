//! PicPay Checkout ("Pagamento Online" charge API): refund all or part of a charge.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno_picpay_checkout::{Client, RefundRequest};
//! use estorno::{Amount, auth::ClientCredentials};
//!
//! let client = Client::builder()
//!     .credentials(ClientCredentials::new("client-id", "client-secret"))
//!     .sandbox()
//!     .build()?;
//! let charge = client
//!     .refund("8086bfd7-6241-4f76-81d8-70460533ce74", Some("vtex"), &RefundRequest {
//!         amount: Amount::from_cents(1000)?,
//!     })
//!     .await?;
//! println!("{} refunded, charge now {}", charge.refunded_amount, charge.charge_status);
//! # Ok(())
//! # }
//! ```

use estorno::{Amount, CancelResponse, Cents, OneOrMany, Rejection};
use serde::{Deserialize, Serialize};

/// PicPay Checkout, the charge API behind PicPay's online checkout (credit card, PicPay
/// wallet and Pix).
///
/// Tokens come from OAuth2 client credentials and live five minutes; the client caches them,
/// refreshes them before they expire, and fetches a new one once when a call gets a 401.
#[estorno::provider(
    name = "PicPay Checkout",
    production = "https://checkout-api.picpay.com/api/v1",
    sandbox = "https://checkout-api-sandbox.picpay.com/api/v1",
    auth = oauth2_client_credentials(token_url = "/oauth2/token", request = json),
    cancel(
        total = refund(payment, None, RefundRequest { amount: remaining }),
        partial = refund(payment, None, RefundRequest { amount }),
        status = charge(payment),
    ),
)]
pub trait PicPayCheckout {
    /// Cancels all or part of a charge.
    ///
    /// `caller_origin` names the platform sending the request (`vtex`, `irroba`, ...).
    #[post("/charge/{merchantChargeId}/refund")]
    #[ok(200 => Charge)]
    #[err(400 | 401 | 415 | 500 => ApiError)]
    #[reconcile(charge)]
    fn refund(
        #[path(rename = "merchantChargeId", len = 6..=36, chars = "A-Za-z0-9-")]
        merchant_charge_id: &str,
        #[header("caller-origin")] caller_origin: Option<&str>,
        #[json] body: &RefundRequest,
    ) -> Charge;

    /// Looks a charge up, with its transactions.
    #[get("/charge/{merchantChargeId}")]
    #[ok(200 => Charge)]
    #[err(400 | 401 | 415 | 500 => ApiError)]
    #[idempotent]
    fn charge(
        #[path(rename = "merchantChargeId", len = 6..=36, chars = "A-Za-z0-9-")]
        merchant_charge_id: &str,
    ) -> Charge;
}

/// Body of a refund: the amount to give back, in cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// At least one cent; the whole remaining amount refunds the charge in full.
    pub amount: Amount,
}

/// A charge and its transactions, as both operations answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[serde(rename_all = "camelCase")]
#[cancel(
    outcome = charge_status,
    refunded = refunded_amount,
    remaining = amount,
    reference = id,
    id = merchant_charge_id
)]
pub struct Charge {
    /// The merchant's own identifier of the charge.
    pub merchant_charge_id: String,
    /// PicPay's identifier of the charge.
    pub id: String,
    pub charge_status: ChargeStatus,
    /// What remains of the charge after refunds.
    pub amount: Cents,
    /// The amount first charged.
    pub original_amount: Cents,
    /// Everything refunded so far.
    pub refunded_amount: Cents,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
}

/// One payment attempt inside a charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    pub payment_type: PaymentType,
    pub amount: Cents,
    pub original_amount: Cents,
    pub refunded_amount: Cents,
    pub transaction_status: TransactionStatus,
    /// ISO 8601 with offset, e.g. `2023-11-08T10:42:36-03:00`.
    pub created_at: String,
    /// ISO 8601 with offset.
    pub updated_at: String,
    pub transaction_id: String,
    #[serde(default)]
    pub soft_descriptor: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub pix: Option<Pix>,
}

/// How a transaction was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentType {
    /// Credit card.
    Credit,
    /// PicPay wallet (QR code).
    Wallet,
    Pix,
    /// A payment type this spec does not know yet.
    #[serde(other)]
    Other,
}

/// The Pix part of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pix {
    pub qr_code: String,
    pub qr_code_base64: String,
    /// The Pix end-to-end id, once the payment settled.
    #[serde(default)]
    pub end_to_end_id: Option<String>,
}

/// The state of a charge.
#[estorno::status]
pub enum ChargeStatus {
    /// Cancelled before capture.
    #[status("CANCELED" => Voided)]
    Canceled,
    #[status("DENIED" => Failed)]
    Denied,
    #[status("ERROR" => Failed)]
    Error,
    #[status("PAID" => Active)]
    Paid,
    /// Part of the amount was refunded; the rest stands.
    #[status("PARTIAL" => PartiallyRefunded)]
    Partial,
    /// Authorised, not yet captured.
    #[status("PRE_AUTHORIZED" => Active)]
    PreAuthorized,
    #[status("REFUNDED" => Refunded)]
    Refunded,
    #[status("CHARGEBACK" => Chargeback)]
    Chargeback,
}

/// The state of one transaction of a charge.
#[estorno::status]
pub enum TransactionStatus {
    #[status("CANCELED" => Voided)]
    Canceled,
    #[status("CHARGEBACK" => Chargeback)]
    Chargeback,
    #[status("DENIED" => Failed)]
    Denied,
    #[status("ERROR" => Failed)]
    Error,
    /// Never paid before it expired.
    #[status("EXPIRED" => Voided)]
    Expired,
    #[status("PAID" => Active)]
    Paid,
    #[status("PARTIALLY_REFUNDED" => PartiallyRefunded)]
    PartiallyRefunded,
    /// Awaiting payment.
    #[status("PENDING" => Active)]
    Pending,
    #[status("PRE_AUTHORIZED" => Active)]
    PreAuthorized,
    #[status("REFUNDED" => Refunded)]
    Refunded,
}

/// The error body of every declared error status (400, 401, 415, 500).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[serde(rename_all = "camelCase")]
#[rejection(reason = message, code = business_code)]
pub struct ApiError {
    pub message: String,
    #[serde(default)]
    pub success: bool,
    /// Set on business refusals, e.g. `DEVOLUTION_DEADLINE_EXCEEDED` for Pix refunds.
    #[serde(default)]
    pub business_code: Option<String>,
    /// Field errors; PicPay sends an array, a single object or `null`.
    #[serde(default)]
    pub errors: OneOrMany<FieldError>,
}

/// One field-level error inside [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub message: String,
    #[serde(default)]
    pub field: Option<String>,
}
