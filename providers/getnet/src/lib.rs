//! Getnet (Santander): void a card payment the day it was made, or ask for its cancellation
//! from the next day on, in full or in part, and look that request up by the merchant's key.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::ClientCredentials;
//! use estorno::{Amount, Cancel, CancelRequest};
//! use estorno_getnet::Client;
//!
//! let client = Client::builder()
//!     .credentials(ClientCredentials::new("client-id", "client-secret"))
//!     .sandbox()
//!     .build()?;
//! let payment = "e5bd4ef8-8b5e-4f0d-a4b8-0c0e1e0a1b2c";
//! // A part, from the day after the payment on: a cancel request, keyed by the merchant.
//! let request = CancelRequest::partial(payment, Amount::from_cents(1_000)?);
//! let asked = Cancel::cancel(&client, &request).await?;
//! println!("{} with key {:?}", asked.outcome, asked.idempotency_key());
//! # Ok(())
//! # }
//! ```

use estorno::{CancelResponse, Cents, OneOrMany, Rejection};
use serde::{Deserialize, Serialize};

/// Getnet's digital payments API (Santander).
///
/// OAuth2: a token from `/auth/oauth/v2/token` with the client id and secret as Basic and
/// `scope=oob`, then Bearer on every call. Getnet documents no look-up of a payment, so
/// nothing is read before sending and the answers alone decide: a total cancellation is the
/// same-day void (`/v1/payments/credit/{payment_id}/cancel`, no body); a partial one, or any
/// cancellation from the day after the payment on, is a cancel request
/// (`/v1/payments/cancel/request`) that carries the merchant's `cancel_custom_key`, by which
/// it is looked up again; `ACCEPTED` is the cancellation made, `DENIED` a refusal. A full
/// cancellation after the payment's day is a partial one of the whole amount. Some
/// integrations also send the merchant's `seller_id` header, which Getnet's documentation
/// does not confirm as required: it is the optional field `seller_id`, sent where given.
#[estorno::provider(
    name = "Getnet",
    slug = "getnet",
    production = "https://api.getnet.com.br",
    sandbox = "https://api-homologacao.getnet.com.br",
    auth = oauth2_client_credentials(
        token_url = "/auth/oauth/v2/token",
        request = form,
        client_auth = basic,
        scope = "oob",
    ),
    cancel(
        total = void_credit(
            payment,
            optional_field("seller_id", len = 36, chars = "0-9a-fA-F-").as_deref(),
        ),
        partial = cancel_request(
            &CancelRequestBody { payment_id: payment.to_owned(), cancel_amount: amount.cents() },
            idempotency_key,
            optional_field("seller_id").as_deref(),
        ),
        reconcile = cancel_request_by_key(idempotency_key, None),
    ),
)]
pub trait Getnet {
    /// Voids a credit payment the day it was made, in full: no body.
    #[post("/v1/payments/credit/{payment_id}/cancel")]
    #[ok(200 => CanceledPayment)]
    #[err(400 | 402 | 404 | 409 | 422 => ApiError)]
    #[err(401 | 403 => ApiError)]
    #[err(500..=599 => ApiError)]
    fn void_credit(
        #[path(len = 36, chars = "0-9a-fA-F-")] payment_id: &str,
        #[header("seller_id", len = 36, chars = "0-9a-fA-F-")] seller_id: Option<&str>,
    ) -> CanceledPayment;

    /// Asks for the cancellation of all or part of a payment, from the day after it on.
    /// `cancel_custom_key` is the merchant's: the request is looked up by it.
    #[post("/v1/payments/cancel/request")]
    #[ok(200 | 201 => CancelRequested)]
    #[err(400 | 402 | 404 | 409 | 422 => ApiError)]
    #[err(401 | 403 => ApiError)]
    #[err(500..=599 => ApiError)]
    fn cancel_request(
        #[json] body: &CancelRequestBody,
        #[json_field("cancel_custom_key", len = 1..=36, chars = "A-Za-z0-9-")]
        #[idempotency_key(unverified)]
        cancel_custom_key: &str,
        #[header("seller_id", len = 36, chars = "0-9a-fA-F-")] seller_id: Option<&str>,
    ) -> CancelRequested;

    /// Looks a cancel request up by the merchant's key.
    #[get("/v1/payments/cancel/request")]
    #[ok(200 => CancelRequested)]
    #[err(400 | 404 => ApiError)]
    #[err(401 | 403 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[idempotent]
    fn cancel_request_by_key(
        #[query(len = 1..=36, chars = "A-Za-z0-9-")] cancel_custom_key: &str,
        #[header("seller_id", len = 36, chars = "0-9a-fA-F-")] seller_id: Option<&str>,
    ) -> CancelRequested;
}

/// A cancel request's body, beside the merchant's `cancel_custom_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelRequestBody {
    pub payment_id: String,
    /// In cents.
    pub cancel_amount: Cents,
}

/// A payment as the void answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(outcome = status, paid = amount, reference = payment_id, id = payment_id)]
pub struct CanceledPayment {
    pub payment_id: String,
    #[serde(default)]
    pub seller_id: Option<String>,
    /// In cents.
    pub amount: Cents,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    pub status: PaymentStatus,
    #[serde(default)]
    pub credit_cancel: Option<CreditCancel>,
}

/// When and how a void was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditCancel {
    #[serde(default)]
    pub canceled_at: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// The state of a payment.
#[estorno::status]
pub enum PaymentStatus {
    /// Voided the same day.
    #[status("CANCELED" => Voided)]
    Canceled,
    /// Paid and standing.
    #[status("APPROVED" => Active)]
    Approved,
    /// Authorised, not captured.
    #[status("AUTHORIZED" => Active)]
    Authorized,
    /// Captured.
    #[status("CONFIRMED" => Active)]
    Confirmed,
}

/// A cancel request, as asking for it and looking it up answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(outcome = status, reference = cancel_request_id, id = payment_id)]
pub struct CancelRequested {
    #[serde(default)]
    pub seller_id: Option<String>,
    pub payment_id: String,
    #[serde(default)]
    pub cancel_request_at: Option<String>,
    pub cancel_request_id: String,
    #[serde(default)]
    pub cancel_custom_key: Option<String>,
    pub status: CancelRequestStatus,
}

/// The state of a cancel request.
#[estorno::status]
pub enum CancelRequestStatus {
    /// Accepted: Getnet returns the amount asked (its integrations read this as done).
    #[status("ACCEPTED" => Refunded, partial = PartiallyRefunded)]
    Accepted,
    /// Refused.
    #[status("DENIED" => Rejected)]
    Denied,
}

/// The error body: `{"status_code","name","message","details"}`, `details` an array or an
/// object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = details[].description, code = details[].error_code)]
pub struct ApiError {
    #[serde(default)]
    pub status_code: Option<u16>,
    /// `InvalidParameter`, `ValidationError`, `PaymentNotFound`, `CreditServiceError`...
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub details: Option<OneOrMany<Detail>>,
}

/// One reason in an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    /// `DENIED`...
    #[serde(default)]
    pub status: Option<String>,
    /// `GENERIC-400`, `PAYMENTS-400`, `PAYMENTS-003`...
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub description_detail: Option<String>,
}
