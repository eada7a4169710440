//! Liquido (BRL pay-ins): cancel a Pix / PicPay / boleto payment that is still in progress.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::ClientCredentialsWithApiKey;
//! use estorno_liquido::Client;
//!
//! let client = Client::builder()
//!     .credentials(ClientCredentialsWithApiKey::new("client-id", "client-secret", "api-key"))
//!     .sandbox()
//!     .build()?;
//! let payment = client.cancel("20220602-001").await?;
//! println!("{} is now {}", payment.idempotency_key, payment.transfer_status);
//! # Ok(())
//! # }
//! ```

use estorno::{Cents, Personal, Rejection, Timestamp};
use serde::{Deserialize, Serialize};

/// Liquido, a payments platform taking Pix, PicPay, boleto and card pay-ins in reais.
///
/// Every call carries an OAuth2 bearer token and the merchant's `x-api-key`. Tokens come
/// from a client-credentials request, form-encoded, to an auth host separate from the API
/// host; they live an hour, and the client caches them, refreshes them before they expire
/// and fetches a new one once when a call gets a 401.
///
/// A payment is named by the `idempotencyKey` the merchant gave it when creating it. Only
/// whole payments that nobody has paid yet can be cancelled; giving money back after a
/// payment settled is a refund, a different call with its own new key.
#[estorno::provider(
    name = "Liquido",
    slug = "liquido",
    production = "https://api.liquido.com",
    sandbox = "https://api-qa.liquido.com",
    auth = oauth2_client_credentials(
        token_url = "https://authsg.liquido.com/oauth2/token",
        sandbox_token_url = "https://auth-dev.liquido.com/oauth2/token",
        request = form,
        api_key_header = "x-api-key",
    ),
    // No `partial`: the cancel call takes no amount and always cancels the whole payment.
    cancel(total = cancel(payment), status = payment(payment)),
)]
pub trait Liquido {
    /// Cancels a payment that is still in progress (Pix, AME and PicPay today; AUTHORIZED
    /// card payments too).
    ///
    /// Liquido answers a refused cancellation with HTTP 200 and the reason in
    /// `transferErrorMsg`; that answer is returned as [`TransferError`], never as a payment.
    #[post("/v1/payments/charges/cancel/{idempotencyKey}")]
    #[ok(200 => Payment)]
    // A refused cancellation keeps the success status, and Liquido documents only status
    // classes for the rest: any 4xx that carries its error field is read the same way, and
    // anything else stays an unexpected status with its (redacted) body.
    #[err(200 | 400..=499 if "transferErrorMsg" => TransferError)]
    #[reconcile(payment)]
    // The documented request headers name JSON although the call has no body; Liquido's own
    // SDK sends the same header on every call.
    #[header("content-type" = "application/json")]
    fn cancel(
        #[path(rename = "idempotencyKey", len = 1..=100, chars = "A-Za-z0-9_.:-")]
        idempotency_key: &str,
    ) -> Payment;

    /// Looks a payment up by its idempotency key.
    #[get("/v1/payments/charges/{idempotencyKey}")]
    #[ok(200 => Payment)]
    // A 200 here is the payment whatever it says: a failed payment may well carry an error
    // message, and the look-up must still report its status.
    #[err(400..=499 if "transferErrorMsg" => TransferError)]
    #[idempotent]
    fn payment(
        #[path(rename = "idempotencyKey", len = 1..=100, chars = "A-Za-z0-9_.:-")]
        idempotency_key: &str,
    ) -> Payment;
}

/// A payment, as both the cancellation and the look-up answer.
///
/// Only the identifying fields, the amount and the status are required; the rest is read
/// when present, because a cancellation's answer must never fail over a missing detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, estorno::CancelResponse)]
#[serde(rename_all = "camelCase")]
#[cancel(outcome = transfer_status, reference = idempotency_key, id = idempotency_key)]
pub struct Payment {
    /// 200 when the cancellation succeeded.
    #[serde(default)]
    pub transfer_status_code: Option<i64>,
    /// Why a cancellation failed; `null` on success.
    #[serde(default)]
    pub transfer_error_msg: Option<String>,
    /// The merchant's key of the payment, its id in every call.
    pub idempotency_key: String,
    /// The key of the payment record cancelled; today always equal to `idempotency_key`.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// How the payer pays, e.g. `PIX_STATIC_QR`.
    pub payment_method: String,
    /// The amount asked of the payer, in cents.
    pub amount: Cents,
    /// `BRL`.
    pub currency: String,
    /// `BR`.
    pub country: String,
    /// The amount charged after any currency conversion, in cents. Liquido's table types it
    /// as a string while its example sends a number; both are read.
    #[serde(default)]
    pub final_amount: Option<Cents>,
    #[serde(default)]
    pub final_currency: Option<String>,
    /// Written like `2022-06-02 11:45:44 GMT+08:00`.
    #[serde(default)]
    pub create_time: Option<Timestamp>,
    #[serde(default)]
    pub scheduled_time: Option<Timestamp>,
    /// When the payment settled, failed or was cancelled; `null` while it is in progress.
    #[serde(default)]
    pub final_status_time: Option<Timestamp>,
    #[serde(default)]
    pub payer: Option<Payer>,
    pub transfer_status: TransferStatus,
    #[serde(default)]
    pub description: Option<String>,
    /// Where Liquido posts notifications about this payment.
    #[serde(default)]
    pub callback_url: Option<String>,
    #[serde(default)]
    pub transfer_details: Option<TransferDetails>,
}

/// Who pays. Every value that identifies the person is [`Personal`], so a payment printed
/// with `{:?}` (in a log, an error report or a journal) shows none of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payer {
    /// Full name.
    #[serde(default)]
    pub name: Option<Personal<String>>,
    /// CPF or CNPJ.
    #[serde(default)]
    pub document: Option<Document>,
    #[serde(default)]
    pub email: Option<Personal<String>>,
    /// Mobile phone number.
    #[serde(default)]
    pub phone: Option<Personal<String>>,
    /// The whole address is personal: street, number and CEP together locate a person.
    #[serde(default)]
    pub billing_address: Option<Personal<BillingAddress>>,
}

/// The payer's identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// The CPF or CNPJ number.
    pub document_id: Personal<String>,
    /// `CPF` or `CNPJ`: which kind of number it is, which says nothing about the person.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The payer's billing address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingAddress {
    /// CEP.
    #[serde(default)]
    pub zip_code: Option<String>,
    /// Abbreviated, e.g. `SP`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub complement: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

/// How the payment is made, by payment method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferDetails {
    #[serde(default)]
    pub pix: Option<PixDetails>,
}

/// The Pix QR code the payer scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PixDetails {
    /// The Pix "copia e cola" text behind the QR code.
    pub qr_code: String,
    #[serde(default)]
    pub qr_code_type: Option<QrCodeType>,
    #[serde(default)]
    pub expiration_time: Option<Timestamp>,
}

/// Whether a Pix QR code is static or dynamic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QrCodeType {
    Static,
    Dynamic,
    /// A kind this spec does not know yet.
    #[serde(other)]
    Other,
}

/// The state of a payment (`transferStatus`).
#[estorno::status]
pub enum TransferStatus {
    /// Created, not yet offered to the payer.
    #[status("INITIAL_STATUS" => Active)]
    InitialStatus,
    /// Waiting for the payer: the state a cancellation applies to.
    #[status("IN_PROGRESS" => Active)]
    InProgress,
    /// A card payment authorised and not captured; the cancellation applies to it too.
    #[status("AUTHORIZED" => Active)]
    Authorized,
    /// Paid. Giving the money back is a refund, which the cancel call refuses.
    #[status("SETTLED" => Active)]
    Settled,
    /// The payment never went through.
    #[status("FAILED" => Failed)]
    Failed,
    /// Cancelled before anyone paid: the spelling Liquido sends.
    #[status("CANCELLED" => Voided)]
    Cancelled,
    /// The spelling of Liquido's prose ("should be CANCELED if success"); read as the same
    /// state so a response written that way is not taken for an unknown one.
    #[status("CANCELED" => Voided)]
    Canceled,
    /// Nobody paid before the payment expired.
    #[status("EXPIRED" => Voided)]
    Expired,
    /// A refund is under way.
    #[status("REFUNDING" => Pending)]
    Refunding,
    #[status("REFUNDED" => Refunded)]
    Refunded,
    #[status("CHARGED_BACK" => Chargeback)]
    ChargedBack,
}

/// A refused cancellation: Liquido's answer carrying `transferErrorMsg`, usually with HTTP
/// 200. The payer's data in the same answer is deliberately not read, so it can never end
/// up in an error report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[serde(rename_all = "camelCase")]
#[rejection(reason = transfer_error_msg)]
pub struct TransferError {
    /// Liquido's status code for the failure (not 200).
    #[serde(default)]
    pub transfer_status_code: Option<i64>,
    /// Liquido's words.
    pub transfer_error_msg: String,
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// The payment's state, unchanged by the refused cancellation.
    #[serde(default)]
    pub transfer_status: Option<TransferStatus>,
}
