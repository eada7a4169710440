//! e.Rede (Rede, of Itaú): refund all or part of a card transaction, and look a transaction and
//! its refunds up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::ClientCredentials;
//! use estorno::{Cancel, CancelRequest};
//! use estorno_rede::Client;
//!
//! // The affiliation number (PV) and its integration key, for either scheme.
//! let client = Client::builder()
//!     .credentials(ClientCredentials::new("1234567", "integration-key"))
//!     .build()?;
//! let refund = Cancel::cancel(&client, &CancelRequest::total("10012006291402541580")).await?;
//! println!("{}", refund.outcome);
//! # Ok(())
//! # }
//! ```

use estorno::{CancelResponse, Cents, Personal, Rejection};
use serde::{Deserialize, Serialize};

/// e.Rede, the card e-commerce API of Rede (Itaú).
///
/// Two generations with the same credentials, the affiliation number ("filiação", PV) as the
/// client id and the integration key as the secret. By default the OAuth2 one (mandatory from
/// January 2026): a token from `POST /oauth2/token` on Rede's own auth host, with the PV and
/// key as Basic, then Bearer on `/erede/v2`. With `ESTORNO_REDE_AUTH=legacy`, the Basic
/// `PV:key` header on every call to `/erede/v1`.
///
/// A refund answers its result in `returnCode`: `359` is a refund made, whatever the 2xx; an
/// error (≥ 400) has the same envelope, and `355` ("already cancelled") means an earlier
/// refund landed. The refund names its amount in cents, so a total refunds what the look-up
/// says remains.
#[estorno::provider(
    name = "e.Rede",
    slug = "rede",
    production = "https://api.userede.com.br/erede/v2",
    sandbox = "https://sandbox-erede.useredecloud.com.br/v2",
    auth = oauth2_client_credentials(
        token_url = "https://api.userede.com.br/redelabs/oauth2/token",
        sandbox_token_url = "https://rl7-sandbox-api.useredecloud.com.br/oauth2/token",
        request = form,
        client_auth = basic,
    ),
    auth(
        name = "legacy",
        production = "https://api.userede.com.br/erede/v1",
        sandbox = "https://api.userede.com.br/desenvolvedores/v1",
    ) = basic,
    cancel(
        total = refund(payment, &RefundRequest { amount: remaining.cents() }),
        partial = refund(payment, &RefundRequest { amount: amount.cents() }),
        status = transaction(payment),
    ),
)]
pub trait Rede {
    /// Refunds all or part of a transaction: `{"amount": cents}`.
    ///
    /// `returnCode` `359` is the refund made; another code inside a 2xx is an answer nobody
    /// documented, so its outcome is unknown.
    #[post("/transactions/{tid}/refunds")]
    #[ok(200..=202 if "returnCode" = "359" => Refund)]
    // "Transaction already cancelled": after an uncertain first send, it landed.
    #[err(400..=499 if "returnCode" = "355" => ApiError, landed)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[reconcile(transaction)]
    fn refund(
        #[path(len = 1..=32, chars = "A-Za-z0-9")] tid: &str,
        #[json] body: &RefundRequest,
    ) -> Refund;

    /// Looks a transaction up: its authorisation, capture and refunds.
    #[get("/transactions/{tid}")]
    #[ok(200 => Transaction)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[idempotent]
    fn transaction(#[path(len = 1..=32, chars = "A-Za-z0-9")] tid: &str) -> Transaction;

    /// Lists a transaction's refunds.
    #[get("/transactions/{tid}/refunds")]
    #[ok(200 => Refunds)]
    #[err(400..=499 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[idempotent]
    fn refunds(#[path(len = 1..=32, chars = "A-Za-z0-9")] tid: &str) -> Refunds;
}

/// Body of a refund: the amount in cents (Rede's SDK sends `(int)(reais * 100)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    pub amount: Cents,
}

/// A refund made, as the refund call answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(outcome = return_code, reference = refund_id)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    pub return_code: RefundResult,
    #[serde(default)]
    pub return_message: Option<String>,
    #[serde(default)]
    pub refund_id: Option<String>,
    #[serde(default)]
    pub tid: Option<String>,
    #[serde(default)]
    pub nsu: Option<String>,
    #[serde(default)]
    pub refund_date_time: Option<String>,
    #[serde(default)]
    pub cancel_id: Option<String>,
}

/// A refund's `returnCode` inside a 2xx.
#[estorno::status]
pub enum RefundResult {
    /// "Transação cancelada com sucesso": all of what was asked went back.
    #[status("359" => Refunded, partial = PartiallyRefunded)]
    Refunded,
}

/// A transaction, as the look-up answers it (the SDK's `Transaction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(
    outcome = authorization.status,
    paid = authorization.amount,
    refunded = refunds[].amount if status,
    reference = authorization.tid,
    id = authorization.tid,
)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    #[serde(default)]
    pub request_date_time: Option<String>,
    pub authorization: Authorization,
    #[serde(default)]
    pub capture: Option<Capture>,
    #[serde(default)]
    pub refunds: Vec<RefundSummary>,
}

/// The authorisation of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorization {
    pub tid: String,
    /// What was authorised, in cents.
    pub amount: Cents,
    pub status: TransactionStatus,
    #[serde(default)]
    pub return_code: Option<String>,
    #[serde(default)]
    pub return_message: Option<String>,
    /// The merchant's order reference.
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub nsu: Option<String>,
    #[serde(default)]
    pub authorization_code: Option<String>,
    /// `credit` or `debit`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub installments: Option<u32>,
    #[serde(default)]
    pub date_time: Option<String>,
    #[serde(default)]
    pub card_holder_name: Option<Personal<String>>,
    #[serde(default)]
    pub card_bin: Option<Personal<String>>,
    #[serde(default)]
    pub last4: Option<Personal<String>>,
}

/// The capture of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capture {
    #[serde(default)]
    pub date_time: Option<String>,
    #[serde(default)]
    pub nsu: Option<String>,
    #[serde(default)]
    pub amount: Option<Cents>,
}

/// One refund of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundSummary {
    #[serde(default)]
    pub refund_id: Option<String>,
    #[serde(default)]
    pub refund_date_time: Option<String>,
    #[serde(default)]
    pub cancel_id: Option<String>,
    pub amount: Cents,
    pub status: RefundStatus,
}

/// The refunds of a transaction, as their look-up answers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refunds {
    #[serde(default)]
    pub refunds: Vec<RefundSummary>,
}

/// The state of a transaction's authorisation. The values are the ones Rede's integrations
/// read; one not listed here reads as unknown and is flagged for review.
#[estorno::status]
pub enum TransactionStatus {
    /// Authorised (and captured, where it was): standing.
    #[status("Approved" => Active)]
    Approved,
    /// Waiting for a decision.
    #[status("Pending" => Active)]
    Pending,
    /// Refused when paid: nothing to give back.
    #[status("Denied" => Failed)]
    Denied,
    /// Cancelled in full.
    #[status("Canceled" => Refunded)]
    Canceled,
}

/// The state of one refund.
#[estorno::status]
pub enum RefundStatus {
    /// Made.
    #[status("Done" => Refunded, partial = PartiallyRefunded)]
    Done,
    /// Accepted, still being processed.
    #[status("Processing" => Pending)]
    Processing,
    /// Refused.
    #[status("Denied" => Rejected)]
    Denied,
}

/// The envelope of every answer: `{"returnCode","returnMessage"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = return_message, code = return_code)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub return_code: String,
    #[serde(default)]
    pub return_message: String,
}
