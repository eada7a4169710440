//! PicPay E-commerce (legacy public API): cancel or refund all or part of an order.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! PicPay publishes no sandbox: merchants test in production and refund at once. Point
//! `.base_url(..)` at a simulator to test without money.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::{Amount, auth::HeaderToken};
//! use estorno_picpay_ecommerce::{Client, RefundRequest};
//!
//! let client = Client::builder()
//!     .credentials(HeaderToken::new("x-picpay-token value"))
//!     .build()?;
//! let refund = client
//!     .refund("102030", &RefundRequest {
//!         authorization_id: "555008cef7f321d00ef236333".to_owned(),
//!         amount: Some(Amount::from_cents(5005)?.reais()),
//!     })
//!     .await?;
//! println!("{:?} refunded so far", refund.summary.refunded);
//! # Ok(())
//! # }
//! ```

use estorno::{CancelResponse, Reais, Rejection};
use serde::{Deserialize, Serialize};

/// PicPay E-commerce, the order API behind PicPay's legacy online checkout (PicPay wallet).
///
/// Every call carries the store's static `x-picpay-token`; PicPay signs its callbacks with the
/// other token, `x-seller-token`, which this client never sends. An order is named by the
/// merchant's own `referenceId`; refunding a paid order also needs the `authorizationId`
/// PicPay sent in the payment notification (and in the status look-up).
///
/// In the unified API a total cancellation uses the cancellations endpoint, with the
/// optional provider field `authorizationId` (required by PicPay once the order is paid,
/// left out for an unpaid order, which then expires), and a partial one uses the refunds
/// endpoint, with the required field `authorizationId` and the amount in decimal reais.
#[estorno::provider(
    name = "PicPay E-commerce",
    slug = "picpay-ecommerce",
    production = "https://appws.picpay.com/ecommerce/public",
    auth = header("x-picpay-token"),
    cancel(
        total = cancel(
            payment,
            CancellationRequest {
                authorization_id: optional_field(
                    "authorizationId",
                    len = 1..=64,
                    chars = "A-Za-z0-9_-",
                ),
            },
        ),
        partial = refund(
            payment,
            RefundRequest {
                authorization_id: field("authorizationId"),
                amount: Some(amount.reais()),
            },
        ),
        status = status(payment),
    ),
)]
pub trait PicPayEcommerce {
    /// Cancels an order in full: a paid order is refunded (status `refunded`), an unpaid one
    /// can no longer be paid (status `expired`).
    ///
    /// A paid order needs its `authorizationId` in the body; for an unpaid one send
    /// `CancellationRequest::default()`, written `{}`. Refunding needs balance in the store's
    /// PicPay account (and in the buyer's, when cashback was paid); card refunds take days to
    /// show on the buyer's statement. The answer carries ids only: look the order up to learn
    /// its new status.
    #[post("/payments/{referenceId}/cancellations")]
    #[ok(200 => CancellationResponse)]
    #[err(401 => Unauthorized)]
    #[err(422 => Unprocessable)]
    #[err(500 => InternalError)]
    #[reconcile(status)]
    fn cancel(
        #[path(rename = "referenceId", len = 1..=100, chars = "!-~")] reference_id: &str,
        #[json] body: &CancellationRequest,
    ) -> CancellationResponse;

    /// Refunds all or part of a paid order (the newer refunds endpoint), or releases an
    /// authorisation awaiting capture (in full only).
    ///
    /// Leave `amount` out to refund everything that remains. Partial refunds repeat until
    /// the paid amount is used up; PicPay answers 422 for an amount over what was paid, a
    /// negative amount, or an order already refunded in full.
    #[post("/payments/{referenceId}/refunds")]
    #[ok(201 => RefundResponse)]
    #[err(401 => Unauthorized)]
    #[err(422 => Unprocessable)]
    #[err(500 => InternalError)]
    #[reconcile(status)]
    fn refund(
        #[path(rename = "referenceId", len = 1..=100, chars = "!-~")] reference_id: &str,
        #[json] body: &RefundRequest,
    ) -> RefundResponse;

    /// Looks an order up: its status, its `authorizationId` once paid, and (in the newer
    /// API) what was authorised, paid and refunded.
    #[get("/payments/{referenceId}/status")]
    #[ok(200 => StatusResponse)]
    #[err(401 => Unauthorized)]
    #[err(500 => InternalError)]
    #[idempotent]
    fn status(
        #[path(rename = "referenceId", len = 1..=100, chars = "!-~")] reference_id: &str,
    ) -> StatusResponse;
}

/// Body of a cancellation.
///
/// Always sent as a JSON object: `{}` without an `authorizationId`. The seed document sends
/// an empty body for unpaid orders, but PicPay's OpenAPI marks the body as required, and `{}`
/// is valid for both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancellationRequest {
    /// The id PicPay sent in the "paid" notification; required once the order is paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
}

/// PicPay's answer to a cancellation: ids only, no status.
///
/// It states no outcome, so the unified API asks the status operation afterwards and keeps
/// `cancellationId` as the cancellation's reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[serde(rename_all = "camelCase")]
#[cancel(reference = cancellation_id, id = reference_id)]
pub struct CancellationResponse {
    /// The merchant's `referenceId` of the order.
    pub reference_id: String,
    /// PicPay's id of this cancellation.
    pub cancellation_id: String,
}

/// Body of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    /// The id PicPay sent in the "paid" notification; always required here.
    pub authorization_id: String,
    /// How much to refund, in decimal reais (`50.05`); `None` refunds everything that
    /// remains. Build it from an `estorno::Amount` (`amount.reais()`) so it is at least a
    /// cent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Reais>,
}

/// PicPay's answer to a refund: the refund's id and the order's amounts after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[serde(rename_all = "camelCase")]
#[cancel(
    paid = summary.paid,
    refunded = summary.refunded,
    reference = id,
    id = reference_id
)]
pub struct RefundResponse {
    /// PicPay's id of this refund.
    pub id: String,
    /// The merchant's `referenceId` of the order.
    pub reference_id: String,
    /// The order's amounts after this refund; PicPay's OpenAPI does not promise it, so a
    /// response without it reads as an empty summary.
    #[serde(default)]
    pub summary: Summary,
}

/// An order's amounts, in decimal reais, as the newer API reports them.
///
/// Each is optional: the legacy API sends no summary at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// What the buyer authorised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized: Option<Reais>,
    /// What was paid (captured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Reais>,
    /// Everything refunded (cancelled) so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded: Option<Reais>,
}

/// An order's state, as the status look-up answers.
///
/// For the unified API what remains is `summary.authorized - summary.refunded`, not `paid`:
/// an order authorised and awaiting capture has paid nothing yet, but its authorisation can
/// still be cancelled (in full). For an order captured in full the two are the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[serde(rename_all = "camelCase")]
#[cancel(
    outcome = status,
    paid = summary.authorized,
    refunded = summary.refunded,
    reference = authorization_id,
    id = reference_id
)]
pub struct StatusResponse {
    /// The merchant's `referenceId` of the order.
    pub reference_id: String,
    pub status: OrderStatus,
    /// PicPay's id of the payment, once the order is paid or authorised: the
    /// `authorizationId` cancellations and refunds need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
    /// The order's amounts (newer API only; empty when PicPay sends none).
    #[serde(default)]
    pub summary: Summary,
}

/// The state of an order.
///
/// `analysis` is a payment under anti-fraud review: the money was paid and nothing has been
/// cancelled, so it is `Active` (cancellable), not `Pending`, which would claim that a
/// cancellation is under way.
#[estorno::status]
pub enum OrderStatus {
    /// Created and awaiting payment: nothing to refund yet, but a cancellation stops it from
    /// being paid (it then expires).
    #[status("created" => Active)]
    Created,
    /// Never paid before its deadline, or cancelled while unpaid.
    #[status("expired" => Voided)]
    Expired,
    /// Paid and under anti-fraud review.
    #[status("analysis" => Active)]
    Analysis,
    /// Authorised, awaiting capture (newer API).
    #[status("authorized" => Active)]
    Authorized,
    /// Paid (captured). Stays `paid` after a partial refund.
    #[status("paid" => Active)]
    Paid,
    /// Paid, and the money is available to the store.
    #[status("completed" => Active)]
    Completed,
    /// Paid and given back in full.
    #[status("refunded" => Refunded)]
    Refunded,
    /// Paid and disputed by the buyer.
    #[status("chargeback" => Chargeback)]
    Chargeback,
}

/// The 401 body: the token is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = message)]
pub struct Unauthorized {
    /// E.g. "O Token informado é inválido".
    pub message: String,
}

/// The 422 body: the request failed validation, or the order cannot be cancelled or refunded
/// as asked (over the paid amount, negative, already refunded in full).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = message)]
pub struct Unprocessable {
    /// A general message ("Algumas propriedades não passaram no teste de validação."); the
    /// detail is in `errors`.
    pub message: String,
    /// What failed, field by field (optional in PicPay's OpenAPI).
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

/// One field-level error inside [`Unprocessable`].
///
/// PicPay's OpenAPI requires neither part; a 422 must still decode when one is missing, or
/// the refusal would read as an unknown outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field at fault, e.g. `amount` or `authorizationId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What happened, in Portuguese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The 500 body. PicPay's message is optional; after a 500 the order may or may not have
/// changed, so look it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = message)]
pub struct InternalError {
    /// E.g. "Problema geral, verifique se a transação foi criada ou cancele a mesma."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
