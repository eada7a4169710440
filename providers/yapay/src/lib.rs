//! Yapay Gateway: cancel all or part of a card transaction, and look a transaction up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below, including how long after a sale
//! each acquirer still accepts its cancellation (`SPEC.cancel.windows`).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::BasicAuth;
//! use estorno_yapay::Client;
//!
//! let client = Client::builder()
//!     .credentials(BasicAuth::new("store-login", "store-password"))
//!     .sandbox()
//!     .build()?;
//! // Establishment code first, then the transaction number; `None` cancels it in full.
//! let transaction = client.cancel("1000000000000", "1234", None).await?;
//! println!("transaction now {}", transaction.status_transacao);
//! # Ok(())
//! # }
//! ```
//!
//! The seed document shows the older `/checkout/api/v2` path; the client defaults to the
//! current v3 and reaches v2 with `.base_url("https://sandbox.gateway.yapay.com.br/checkout/api/v2")`.

use estorno::{CancelResponse, Cents, Identifier, Rejection, Timestamp};
use serde::{Deserialize, Serialize};

/// Yapay Gateway, the card gateway (formerly SuperPay) in front of Cielo, Rede, GetNet,
/// Stone, Bin and other acquirers.
///
/// Every call authenticates with HTTP Basic: the store's login and password. A transaction
/// is named by two numbers, the establishment code (13 digits, given by Yapay) and the
/// transaction number; unified cancellations take the transaction number as the payment and
/// the establishment code as the `codigoEstabelecimento` field.
///
/// Each acquirer accepts cancellations only for a while after the sale. The windows below are
/// the seed document's table, keyed by the `codigoFormaPagamento` ranges of Yapay's payment
/// method table and counted from `dataAprovacaoOperadora`; the unified API refuses, before
/// sending, a cancellation more than a day past its window. Newer documentation differs: Cielo
/// allows 15 business days when only authorised; Rede varies by merchant segment, up to
/// R$ 5.000; GetNet allows 365 days when captured and 7 days when only authorised; Bin counts
/// from the capture, which Yapay does not report (the approval date stands in). Elavon's
/// 24 hours has no `codigoFormaPagamento` range in Yapay's documentation, so it is not
/// declared.
#[estorno::provider(
    name = "Yapay Gateway",
    slug = "yapay",
    production = "https://gateway.yapay.com.br/checkout/api/v3",
    sandbox = "https://sandbox.gateway.yapay.com.br/checkout/api/v3",
    auth = basic,
    cancel(
        total = cancel(field("codigoEstabelecimento"), payment, None),
        partial = cancel(field("codigoEstabelecimento"), payment, Some(amount.cents())),
        status = transaction(field("codigoEstabelecimento"), payment),
        window(acquirer = "Cielo", methods = 168..=180, days = 300),
        window(acquirer = "Rede", methods = 184..=199, days = 1),
        window(acquirer = "GetNet", methods = 270..=277, days = 1),
        window(acquirer = "Stone", methods = 350..=354, days = 180),
        window(acquirer = "Bin", methods = 380..=386, days = 90),
    ),
)]
pub trait Yapay {
    /// Cancels a pre-authorised or captured transaction, in full or, with `valor`, in part.
    ///
    /// A partial cancellation (`valor` in cents) is for captured transactions on Yapay's
    /// corporate plan. A cancellation asked after the day of the sale may answer status 40
    /// (awaiting cancellation) until the acquirer completes it. Each acquirer accepts
    /// cancellations only for a while after the order: see the provider's windows.
    #[put("/transacao/{codigoEstabelecimento}/{numeroTransacao}/cancelar")]
    // The documentation sends this header although the request has no body.
    #[header("content-type" = "application/json")]
    #[ok(200 => Transaction)]
    // Yapay documents the error body but not the HTTP status that carries it: it is read
    // inside a 200 when `erro` is present, and from any 4xx or 5xx.
    #[err(200 if "erro" => ApiError)]
    #[err(400..=599 => ApiError)]
    #[reconcile(transaction)]
    fn cancel(
        #[path(rename = "codigoEstabelecimento", len = 13, chars = "0-9")]
        codigo_estabelecimento: &str,
        #[path(rename = "numeroTransacao", len = 1..=19, chars = "0-9")] numero_transacao: &str,
        #[query(rename = "valor", min = 1)] valor: Option<Cents>,
    ) -> Transaction;

    /// Looks a transaction up: its current status and amounts, in the same shape as a
    /// cancellation's answer.
    #[get("/transacao/{codigoEstabelecimento}/{numeroTransacao}")]
    #[ok(200 => Transaction)]
    #[err(200 if "erro" => ApiError)]
    #[err(400..=599 => ApiError)]
    #[idempotent]
    fn transaction(
        #[path(rename = "codigoEstabelecimento", len = 13, chars = "0-9")]
        codigo_estabelecimento: &str,
        #[path(rename = "numeroTransacao", len = 1..=19, chars = "0-9")] numero_transacao: &str,
    ) -> Transaction;
}

/// A transaction, as both operations answer.
///
/// Yapay states no refunded or remaining amount (`valor` is the transaction's value, before
/// and after a cancellation), so a cancellation reads only from `statusTransacao`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[serde(rename_all = "camelCase")]
#[cancel(
    outcome = status_transacao,
    amount = valor,
    reference = numero_transacao,
    id = numero_transacao,
    method = codigo_forma_pagamento,
    dated = data_aprovacao_operadora
)]
pub struct Transaction {
    /// Yapay's number for the transaction, up to 19 digits.
    pub numero_transacao: u64,
    /// The establishment (store) code, 13 digits; sent as a string or as a number.
    pub codigo_estabelecimento: Identifier,
    /// The payment method and acquirer (170 is Visa through Cielo API 3.0); it picks the
    /// acquirer's cancellation window.
    #[serde(default)]
    pub codigo_forma_pagamento: Option<u16>,
    /// The transaction's value in cents.
    pub valor: Cents,
    #[serde(default)]
    pub valor_desconto: Option<Cents>,
    /// Boarding fee (airline sales), in cents.
    #[serde(default)]
    pub taxa_embarque: Option<Cents>,
    /// Number of instalments.
    #[serde(default)]
    pub parcelas: Option<u8>,
    pub status_transacao: TransactionStatus,
    /// The acquirer's authorisation code.
    #[serde(default)]
    pub autorizacao: Option<Identifier>,
    /// The transaction's id at the acquirer.
    #[serde(default)]
    pub codigo_transacao_operadora: Option<Identifier>,
    /// When the acquirer approved it: `24/05/2017` or `2018-01-03 13:02:53`, both occur.
    #[serde(default)]
    pub data_aprovacao_operadora: Option<Timestamp>,
    /// The sale receipt number.
    #[serde(default)]
    pub numero_comprovante_venda: Option<String>,
    #[serde(default)]
    pub nsu: Option<Identifier>,
    /// The acquirer's message, e.g. `Operation Success`.
    #[serde(default)]
    pub mensagem_venda: Option<String>,
    /// Where the buyer is sent, for redirect payments.
    #[serde(default)]
    pub url_pagamento: Option<String>,
    /// The cards used, as Yapay masks them (`000000*******0001`: first six, last four).
    #[serde(default)]
    pub cartoes_utilizados: Vec<String>,
}

/// `statusTransacao`: the state of a transaction.
///
/// Cancellation (13) is how Yapay ends both an authorised and a captured transaction, and a
/// captured one is money going back to the payer, so 13 reads as refunded, like its partial
/// counterpart 27. A refund the acquirer refused or failed (24, 25) leaves the payment as it
/// was: the cancellation was rejected, and asking again is allowed.
#[estorno::status]
pub enum TransactionStatus {
    /// Paid and captured.
    #[status(1 => Active)]
    PaidAndCaptured,
    /// Paid (authorised), not captured yet.
    #[status(2 => Active)]
    PaidNotCaptured,
    /// Not paid: the acquirer refused it.
    #[status(3 => Failed)]
    NotPaid,
    /// The payment is still being processed.
    #[status(5 => Active)]
    InProgress,
    /// Awaiting payment (e.g. a boleto not yet paid).
    #[status(8 => Active)]
    AwaitingPayment,
    /// The acquirer failed to process it.
    #[status(9 => Failed)]
    AcquirerFailure,
    /// Cancelled in full.
    #[status(13 => Refunded)]
    Cancelled,
    /// Refunded in full.
    #[status(14 => Refunded)]
    Refunded,
    /// Held for fraud review.
    #[status(15 => Active)]
    FraudReview,
    /// Refused by the anti-fraud service.
    #[status(17 => Failed)]
    RefusedByAntiFraud,
    /// The anti-fraud service failed.
    #[status(18 => Failed)]
    AntiFraudFailure,
    /// A boleto paid for less than its value.
    #[status(21 => Active)]
    BoletoUnderpaid,
    /// A boleto paid for more than its value.
    #[status(22 => Active)]
    BoletoOverpaid,
    /// Part of the value was refunded.
    #[status(23 => PartiallyRefunded)]
    PartiallyRefunded,
    /// The acquirer did not authorise the refund; the payment stands.
    #[status(24 => Rejected)]
    RefundNotAuthorised,
    /// The refund failed; the payment stands.
    #[status(25 => Rejected)]
    RefundFailed,
    /// Part of the value was cancelled.
    #[status(27 => PartiallyRefunded)]
    PartiallyCancelled,
    /// Refused as a duplicate of another transaction.
    #[status(30 => Failed)]
    Duplicate,
    /// Refused because the order was already paid by another transaction.
    #[status(31 => Failed)]
    AlreadyPaid,
    /// A cancellation asked after the day of the sale, waiting for the acquirer to complete
    /// it.
    #[status(40 => Pending)]
    AwaitingCancellation,
    /// Held for manual review.
    #[status(49 => Active)]
    ManualReview,
    /// Refused in manual review.
    #[status(50 => Failed)]
    ManuallyRefused,
}

/// Yapay's error body, for every declared error: inside a 200 (when `erro` is present) and
/// with any 4xx or 5xx.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[serde(rename_all = "camelCase")]
#[rejection(reason = erro.mensagem, code = erro.codigo)]
pub struct ApiError {
    pub erro: ErrorDetail,
    /// `0` in error answers: no transaction status applies.
    #[serde(default)]
    pub status_transacao: Option<i64>,
    #[serde(default)]
    pub codigo_estabelecimento: Option<Identifier>,
}

/// The `erro` object of [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Yapay's error code, e.g. `"1"`.
    pub codigo: String,
    /// Yapay's message.
    pub mensagem: String,
}
