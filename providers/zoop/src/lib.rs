//! Zoop (card marketplace API): void all or part of a card transaction, and look it up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno_zoop::{Client, VoidRequest};
//! use estorno::{Amount, auth::ApiKey};
//!
//! let client = Client::builder()
//!     .credentials(ApiKey::new("zpk_test_XXXXXXXXXXXXXXXXXXXXXXXX"))
//!     .build()?;
//! let transaction = client
//!     .void(
//!         "3249465a7753536b62545a6a684b0000",
//!         "84824e3160a7431fb5004d41eaca4e76",
//!         &VoidRequest {
//!             amount: Amount::from_cents(1000)?,
//!             on_behalf_of: "cfa96058daa74d279d17f4908e7f6578".to_owned(),
//!         },
//!     )
//!     .await?;
//! println!("{} left of {}", transaction.amount, transaction.original_amount);
//! # Ok(())
//! # }
//! ```
//!
//! # Amounts in responses
//!
//! Zoop takes integer cents in requests. Its responses are read here as integer cents too
//! ([`Cents`]), which is what the estorno sandbox answers. Zoop's production API has been seen
//! writing response amounts as decimal strings of reais (`"100.32"`); `Cents` refuses those
//! with a decode error instead of misreading them, so nothing is ever sent on a wrong amount.
//! Reading both forms needs a wire type estorno does not have yet (an integer is cents, a
//! decimal is reais); until it exists, `Cents` is the declaration that can never be wrong by
//! a factor of a hundred.

use estorno::{Amount, CancelResponse, Cents, OneOrMany, Rejection, Timestamp};
use serde::{Deserialize, Serialize};

/// Zoop, the card marketplace API: a marketplace takes card payments on behalf of its
/// sellers, and voids them in full or in part.
///
/// HTTP Basic with the API key as the user name and an empty password. Zoop has no separate
/// sandbox host: test keys work against the production URL. A unified cancellation needs the
/// provider fields `marketplace_id` (the marketplace the transaction belongs to) and
/// `on_behalf_of` (the seller who made the sale; Zoop wants it again on every void).
#[estorno::provider(
    name = "Zoop",
    slug = "zoop",
    production = "https://api.zoop.ws/v1",
    auth = basic_key,
    cancel(
        // Zoop needs the amount even to cancel in full: the status look-up's remaining amount.
        total = void(
            field("marketplace_id"),
            payment,
            VoidRequest {
                amount: remaining,
                on_behalf_of: field("on_behalf_of", len = 1..=64, chars = "A-Za-z0-9_-"),
            },
        ),
        partial = void(
            field("marketplace_id"),
            payment,
            VoidRequest { amount, on_behalf_of: field("on_behalf_of") },
        ),
        status = transaction(field("marketplace_id"), payment),
    ),
)]
pub trait Zoop {
    /// Voids (cancels) all or part of a card transaction.
    ///
    /// The whole remaining amount makes the transaction `canceled` and asks the card issuer
    /// for a refund. A smaller amount is a partial cancel, for captured credit transactions
    /// only, and may be repeated: `amount` drops, `original_amount` stays, and the status
    /// stays `succeeded` until nothing remains. Sales already settled need a release from
    /// Zoop first, without which the void fails (402).
    #[post("/marketplaces/{marketplace_id}/transactions/{transaction_id}/void")]
    #[ok(200 => Transaction)]
    #[err(400 | 401 | 402 | 404 | 408 | 500 => ZoopError)]
    #[reconcile(transaction)]
    fn void(
        // Zoop's ids are 32 hexadecimal digits; the rule is kept wider (letters, digits, `-`,
        // `_`) so test ids pass, while nothing that could change the path is ever sent.
        #[path(len = 1..=64, chars = "A-Za-z0-9_-")] marketplace_id: &str,
        #[path(len = 1..=64, chars = "A-Za-z0-9_-")] transaction_id: &str,
        #[json] body: &VoidRequest,
    ) -> Transaction;

    /// Looks a transaction up, with the history of its operations (each void included).
    #[get("/marketplaces/{marketplace_id}/transactions/{transaction_id}")]
    #[ok(200 => Transaction)]
    #[err(400 | 401 | 402 | 404 | 408 | 500 => ZoopError)]
    #[idempotent]
    fn transaction(
        #[path(len = 1..=64, chars = "A-Za-z0-9_-")] marketplace_id: &str,
        #[path(len = 1..=64, chars = "A-Za-z0-9_-")] transaction_id: &str,
    ) -> Transaction;
}

/// Body of a void: how much to cancel, and the seller the sale belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoidRequest {
    /// In cents, at least one; the whole remaining amount cancels the transaction in full.
    pub amount: Amount,
    /// The seller's id, the same as the transaction's `on_behalf_of`.
    pub on_behalf_of: String,
}

/// A card transaction, as both operations answer.
///
/// After a partial void `amount` is what remains and `original_amount` what was first
/// charged, so the refunded amount is their difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(
    outcome = status,
    remaining = amount,
    original = original_amount,
    reference = id,
    id = id
)]
pub struct Transaction {
    /// Zoop's id of the transaction.
    pub id: String,
    pub status: TransactionStatus,
    /// What remains of the sale after voids, in cents.
    pub amount: Cents,
    /// The amount first charged, in cents.
    pub original_amount: Cents,
    #[serde(default)]
    pub currency: Option<String>,
    /// `credit`, `debit`, `boleto`...; only captured credit sales can be voided in part.
    #[serde(default)]
    pub payment_type: Option<String>,
    /// The seller the sale belongs to.
    pub on_behalf_of: String,
    /// The marketplace's own reference for the sale, when it gave one.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// Whether the transaction was voided in full.
    #[serde(default)]
    pub voided: bool,
    #[serde(default)]
    pub refunded: bool,
    /// Whether the authorisation was captured (pre-authorised sales are not).
    #[serde(default)]
    pub captured: bool,
    /// ISO 8601 with offset, e.g. `2024-05-02T13:15:37+00:00`.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// Every operation on the transaction, oldest first: authorisation, captures, voids.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// One operation in a transaction's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: String,
    /// The transaction's id.
    #[serde(default)]
    pub transaction: Option<String>,
    /// The amount the operation moved, in cents.
    pub amount: Cents,
    /// `created`, `authorization`, `pre_authorization`, `capture`, `void`...
    pub operation_type: String,
    /// How the operation ended: `succeeded`, `failed`...
    pub status: String,
    /// The acquirer's response code (`00` approves).
    #[serde(default)]
    pub response_code: Option<String>,
    #[serde(default)]
    pub response_message: Option<String>,
    #[serde(default)]
    pub authorization_code: Option<String>,
    #[serde(default)]
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub authorization_nsu: Option<String>,
    /// Zoop writes these without an offset: `2018-08-27 14:23:50`.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

/// The state of a transaction.
#[estorno::status]
pub enum TransactionStatus {
    /// Paid and standing; after a partial void it stays `succeeded` with `amount` reduced,
    /// which the unified API reads as partially refunded.
    #[status("succeeded" => Active)]
    Succeeded,
    /// Authorised, not captured yet; it can only be voided in full.
    #[status("pre_authorized" => Active)]
    PreAuthorized,
    /// Voided in full: for a card sale the issuer credits the buyer's invoice, so the money
    /// went back; `amount` is zero by then.
    #[status("canceled" => Refunded)]
    Canceled,
    /// Refunded in full.
    #[status("refunded" => Refunded)]
    Refunded,
    /// The authorisation was undone by the acquirer; no money moved.
    #[status("reversed" => Voided)]
    Reversed,
    /// The payment was declined; there is nothing to cancel.
    #[status("failed" => Failed)]
    Failed,
    /// Still being processed; its fate is open, so look again later.
    #[status("pending" => Pending)]
    Pending,
    /// Created but not completed yet.
    #[status("new" => Pending)]
    New,
}

/// The error body of every declared error status: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = error.message)]
pub struct ZoopError {
    pub error: ErrorDetail,
}

/// What Zoop says went wrong, in the categories of its error table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The HTTP reason phrase, e.g. `Payment Required`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_code: Option<u16>,
    /// `invalid_request_error`, `card_error`, `processing_error`...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// What failed: `void_transaction_error`, `missing_required_param`, `invalid_parameter`,
    /// `authentication_failed`, `service_request_timeout`, `server_api_error`...
    #[serde(default)]
    pub category: Option<String>,
    pub message: String,
    /// Details, when Zoop gives them.
    #[serde(default)]
    pub reasons: OneOrMany<String>,
}
