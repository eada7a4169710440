//! Cielo's API E-commerce 3.0: void all or part of a card sale, and look a sale up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::HeaderPair;
//! use estorno::{Cancel, CancelRequest};
//! use estorno_cielo::Client;
//!
//! let client = Client::builder()
//!     .credentials(HeaderPair::new("MerchantId-GUID", "MerchantKey-40-characters"))
//!     .sandbox()
//!     .build()?;
//! let sale = CancelRequest::total("019efd18-c69a-4107-b5d7-e86564460cc4");
//! let voided = Cancel::cancel(&client, &sale).await?;
//! println!("{}", voided.outcome);
//! # Ok(())
//! # }
//! ```

use estorno::{CancelResponse, Cents, Rejection};
use serde::{Deserialize, Serialize};

/// Cielo's API E-commerce 3.0: card sales, voided in full or in part.
///
/// Every call carries the store's `MerchantId` and `MerchantKey` headers. Writes go to
/// `api…`, reads to `apiquery…` (each with a sandbox form). A void answers 200 whatever its
/// outcome: its `ReturnCode` decides, and a code not listed here is an unknown outcome, never
/// a success or a refusal. A bad `MerchantId` or `MerchantKey` is a 401 with no body. The void
/// keyed by `MerchantOrderId` hits the newest sale of that order, so it is on the typed client
/// only, never in the unified cancellation.
#[estorno::provider(
    name = "Cielo",
    slug = "cielo",
    production = "https://api.cieloecommerce.cielo.com.br",
    sandbox = "https://apisandbox.cieloecommerce.cielo.com.br",
    host(
        name = "query",
        production = "https://apiquery.cieloecommerce.cielo.com.br",
        sandbox = "https://apiquerysandbox.cieloecommerce.cielo.com.br",
    ),
    auth = headers("MerchantId", "MerchantKey"),
    header("Content-Type" = "application/json"),
    cancel(
        total = void(payment, None),
        partial = void(payment, Some(amount.cents())),
        status = sale(payment),
    ),
)]
pub trait Cielo {
    /// Voids a sale by its `PaymentId`: in full without `amount`, else that many cents.
    #[put("/1/sales/{PaymentId}/void")]
    #[ok(200 if "ReturnCode" = "0" | "9" => VoidResponse)]
    // A pending request already exists; a void or a dispute already exists.
    #[err(200 if "ReturnCode" = "10" | "17" | "42" => VoidResult, landed)]
    // A processing failure: retry.
    #[err(200 if "ReturnCode" = "57" | "99" => VoidResult, retry)]
    // Not found, period expired, status does not allow it, beyond the sale, insufficient
    // balance.
    #[err(200 if "ReturnCode" = "3" | "40" | "41" | "51" | "52" | "55" | "56" => VoidResult)]
    #[err(400 => CieloErrors)]
    #[err(401)]
    #[err(404)]
    #[err(500..=599)]
    #[reconcile(sale)]
    fn void(
        #[path(rename = "PaymentId", len = 36, chars = "0-9a-fA-F-")] payment_id: &str,
        #[query(min = 1)] amount: Option<Cents>,
    ) -> VoidResponse;

    /// Voids the newest sale of an order, by the merchant's `MerchantOrderId`. Not used by
    /// the unified cancellation: an order may hold several sales.
    #[put("/1/sales/OrderId/{MerchantOrderId}/void")]
    #[ok(200 if "ReturnCode" = "0" | "9" => VoidResponse)]
    #[err(200 if "ReturnCode" = "10" | "17" | "42" => VoidResult, landed)]
    #[err(200 if "ReturnCode" = "57" | "99" => VoidResult, retry)]
    #[err(200 if "ReturnCode" = "3" | "40" | "41" | "51" | "52" | "55" | "56" => VoidResult)]
    #[err(400 => CieloErrors)]
    #[err(401)]
    #[err(404)]
    #[err(500..=599)]
    fn void_by_order(
        #[path(rename = "MerchantOrderId", len = 1..=50, chars = "A-Za-z0-9_-")]
        merchant_order_id: &str,
        #[query(min = 1)] amount: Option<Cents>,
    ) -> VoidResponse;

    /// Looks a sale up, on the query host.
    #[get("/1/sales/{PaymentId}")]
    #[host("query")]
    #[ok(200 => Sale)]
    #[err(400 => CieloErrors)]
    #[err(401)]
    #[err(404)]
    #[err(500..=599)]
    #[idempotent]
    fn sale(#[path(rename = "PaymentId", len = 36, chars = "0-9a-fA-F-")] payment_id: &str)
    -> Sale;
}

/// The answer to an approved void: `ReturnCode` `9` for a full void, `0` for a part (the
/// sale then stays `Status` 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(outcome = ReturnCode, reference = Tid)]
#[allow(non_snake_case)]
pub struct VoidResponse {
    pub Status: u8,
    #[serde(default)]
    pub Tid: Option<String>,
    #[serde(default)]
    pub ProofOfSale: Option<String>,
    #[serde(default)]
    pub AuthorizationCode: Option<String>,
    pub ReturnCode: VoidApproval,
    #[serde(default)]
    pub ReturnMessage: Option<String>,
    #[serde(default)]
    pub ReasonCode: Option<i64>,
    #[serde(default)]
    pub ReasonMessage: Option<String>,
    #[serde(default)]
    pub ProviderReturnCode: Option<String>,
    #[serde(default)]
    pub ProviderReturnMessage: Option<String>,
}

/// An approved void's `ReturnCode`.
#[estorno::status]
pub enum VoidApproval {
    /// Void approved, for a part of the sale.
    #[status("0" => PartiallyRefunded)]
    PartApproved,
    /// Full void approved.
    #[status("9" => Voided)]
    FullApproved,
}

/// A void's business result that is not an approval: the code and Cielo's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = ReturnMessage, code = ReturnCode)]
#[allow(non_snake_case)]
pub struct VoidResult {
    pub ReturnCode: String,
    #[serde(default)]
    pub ReturnMessage: String,
}

/// A 400: a top-level array of `{Code, Message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = 0[].Message, code = 0[].Code)]
pub struct CieloErrors(pub Vec<CieloError>);

/// One reason of a 400.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub struct CieloError {
    pub Code: i64,
    pub Message: String,
}

/// A sale, as the query host answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(
    outcome = Payment.Status,
    paid = Payment.Amount,
    refunded = Payment.VoidedAmount,
    reference = Payment.Tid,
    id = Payment.PaymentId,
)]
#[allow(non_snake_case)]
pub struct Sale {
    #[serde(default)]
    pub MerchantOrderId: Option<String>,
    pub Payment: SalePayment,
}

/// The sale's payment. `VoidedAmount` is read where Cielo sends it; without it, a second
/// partial void of a sale already partly voided cannot be told apart and is left for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub struct SalePayment {
    pub PaymentId: String,
    /// In cents.
    pub Amount: Cents,
    #[serde(default)]
    pub VoidedAmount: Option<Cents>,
    pub Status: SaleStatus,
    #[serde(default)]
    pub Tid: Option<String>,
    #[serde(default)]
    pub ReturnCode: Option<String>,
    #[serde(default)]
    pub ReturnMessage: Option<String>,
}

/// A sale's `Status`.
#[estorno::status]
pub enum SaleStatus {
    /// Not finished.
    #[status(0 => Pending)]
    NotFinished,
    /// Authorised, not captured.
    #[status(1 => Active)]
    Authorized,
    /// Captured; after a partial void it keeps this status.
    #[status(2 => Active)]
    PaymentConfirmed,
    /// Denied.
    #[status(3 => Failed)]
    Denied,
    /// Voided.
    #[status(10 => Voided)]
    Voided,
    /// Refunded.
    #[status(11 => Refunded)]
    Refunded,
    /// Pending.
    #[status(12 => Pending)]
    Pending,
    /// Aborted.
    #[status(13 => Failed)]
    Aborted,
    /// Scheduled (a recurring sale).
    #[status(20 => Pending)]
    Scheduled,
}
