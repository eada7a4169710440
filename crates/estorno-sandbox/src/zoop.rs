//! Zoop's card marketplace API, as documented in seed 004 and Zoop's error-code reference.
//!
//! Paths, under `/zoop/v1`:
//! - `POST /marketplaces/{marketplace_id}/transactions/{transaction_id}/void`, JSON
//!   `{amount, on_behalf_of}` (cents; the seller the sale belongs to).
//! - `GET /marketplaces/{marketplace_id}/transactions/{transaction_id}`.
//!
//! A void of the whole remaining amount makes the transaction `canceled` (`voided: true`).
//! A smaller amount is a partial cancel, for captured credit transactions only: `amount` drops,
//! `original_amount` stays, the status stays `succeeded` until `amount` reaches zero, and each
//! void appends to `history`. Both answer the transaction.
//!
//! Errors use `{"error": {status, status_code, type, category, message}}` with the types,
//! categories and messages of Zoop's error table: there, `void_transaction_error` is the
//! *category* of a 402 whose *type* is `invalid_request_error`. Chosen here where Zoop is silent:
//! a void for a different seller (`on_behalf_of`) is 400 `invalid_parameter`; an unknown
//! transaction or marketplace is 404 `endpoint_not_found` (the table's only 404); amounts in
//! responses are integer cents, like the request's.

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::book::{Accepts, Account, Book, Movement, Partial, Rules};
use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits, stable_hash};

pub(crate) const SLUG: &str = "zoop";

/// The marketplace every seeded transaction belongs to.
pub const DEMO_MARKETPLACE: &str = "demo-marketplace";
/// The seller (`on_behalf_of`) of every seeded transaction.
pub const DEMO_SELLER: &str = "demo-seller";

/// A Zoop transaction, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The transaction id.
    pub id: String,
    #[serde(default = "default_marketplace")]
    pub marketplace_id: String,
    /// The seller the sale belongs to; a void must name the same one.
    #[serde(default = "default_seller")]
    pub on_behalf_of: String,
    /// `original_amount`, in cents.
    pub amount_cents: i64,
    /// How much was already voided, in cents (`amount` = original − voided).
    #[serde(default)]
    pub voided_cents: i64,
    /// `succeeded`, `pre_authorized`, `canceled`, `failed`, `reversed`, `refunded`, `pending`...
    #[serde(default = "default_status")]
    pub status: String,
    /// `credit`, `debit` or `boleto`; partial voids need `credit`.
    #[serde(default = "default_payment_type")]
    pub payment_type: String,
}

fn default_marketplace() -> String {
    String::from(DEMO_MARKETPLACE)
}
fn default_seller() -> String {
    String::from(DEMO_SELLER)
}
fn default_status() -> String {
    String::from("succeeded")
}
fn default_payment_type() -> String {
    String::from("credit")
}

impl Transaction {
    /// A captured credit sale in the demo marketplace, for the demo seller.
    pub fn succeeded(id: impl Into<String>, amount_cents: i64) -> Self {
        Transaction {
            id: id.into(),
            marketplace_id: default_marketplace(),
            on_behalf_of: default_seller(),
            amount_cents,
            voided_cents: 0,
            status: default_status(),
            payment_type: default_payment_type(),
        }
    }

    /// The same transaction in another status.
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// The same transaction paid another way (`debit`, `boleto`).
    #[must_use]
    pub fn with_payment_type(mut self, payment_type: impl Into<String>) -> Self {
        self.payment_type = payment_type.into();
        self
    }

    /// The same transaction in another marketplace, for another seller.
    #[must_use]
    pub fn in_marketplace(
        mut self,
        marketplace_id: impl Into<String>,
        on_behalf_of: impl Into<String>,
    ) -> Self {
        self.marketplace_id = marketplace_id.into();
        self.on_behalf_of = on_behalf_of.into();
        self
    }

    /// What can still be voided, and whether a partial amount is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

/// The transaction's account in the shared ledger.
pub(crate) fn account(tx: Transaction, created_at: i64) -> Account {
    let mut account = Account::new(
        Provider::Zoop,
        tx.id,
        tx.amount_cents,
        tx.status,
        tx.payment_type,
        created_at,
    )
    .with_attr(MARKETPLACE, tx.marketplace_id)
    .with_attr(SELLER, tx.on_behalf_of);
    if tx.voided_cents > 0 {
        // Voided before the sandbox knew it: an hour after the sale.
        account.refunded = tx.voided_cents;
        account.movements.push(Movement {
            amount: tx.voided_cents,
            kind: EffectKind::PartialVoid,
            at: created_at + 3600,
        });
        account.updated_at = created_at + 3600;
    }
    account
}

/// The account as the transaction [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn transaction(account: &Account) -> Transaction {
    Transaction {
        id: account.id.clone(),
        marketplace_id: account.attr(MARKETPLACE).to_owned(),
        on_behalf_of: account.attr(SELLER).to_owned(),
        amount_cents: account.amount,
        voided_cents: account.refunded,
        status: account.status.clone(),
        payment_type: account.method.clone(),
    }
}

const MARKETPLACE: &str = "marketplace";
const SELLER: &str = "seller";

pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/v1/marketplaces/{marketplace}/transactions/{payment}/void",
        operation: "void",
    },
    Route {
        method: Method::GET,
        path: "/v1/marketplaces/{marketplace}/transactions/{payment}",
        operation: "status",
    },
];

/// A whole void cancels a captured sale or an authorisation; a partial one, captured credit
/// sales only ("disponível apenas para transações de crédito capturadas"), and the sale keeps
/// `succeeded` until nothing is left.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "succeeded",
            partial: Partial::Method("credit"),
            whole: ("canceled", EffectKind::Void),
            part: (None, EffectKind::PartialVoid),
        },
        Accepts {
            status: "pre_authorized",
            partial: Partial::Never,
            whole: ("canceled", EffectKind::Void),
            part: (None, EffectKind::PartialVoid),
        },
    ],
    deferred: None,
};

fn error(status_code: u16, status: &str, kind: &str, category: &str, message: &str) -> Reply {
    let inner = Obj::new()
        .val("status", status)
        .val("status_code", &status_code)
        .val("type", kind)
        .val("category", category)
        .val("message", message)
        .done();
    Reply::json(status_code, Obj::new().raw("error", &inner).done())
}

fn void_failed() -> Reply {
    error(
        402,
        "Payment Required",
        "invalid_request_error",
        "void_transaction_error",
        "The void request failed. Transaction could not be voided.",
    )
}

fn missing_param() -> Reply {
    error(
        400,
        "Bad Request",
        "invalid_request_error",
        "missing_required_param",
        "Missing required parameter(s). Please verify request parameters.",
    )
}

fn invalid_param() -> Reply {
    error(
        400,
        "Bad Request",
        "invalid_request_error",
        "invalid_parameter",
        "Invalid parameter(s). Your parameter value is incorrect. Please verify request parameters.",
    )
}

/// Zoop's documented 404, for unknown ids and unknown paths alike.
pub(crate) fn unknown_path() -> Reply {
    error(
        404,
        "Not Found",
        "invalid_request_error",
        "endpoint_not_found",
        "The requested URL was not found on the server",
    )
}

/// Zoop's documented 500, for injected server errors.
pub(crate) fn internal_error() -> Reply {
    error(
        500,
        "Internal Server Error",
        "processing_error",
        "server_api_error",
        "Ocorreu um erro de processamento na Zoop. Se você receber esta mensagem, entre em contato com api@pagzoop.com",
    )
}

/// Runs a routed call against the transaction's account.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    // The API key is the user name and the password is empty, as Zoop documents.
    let authorised = request
        .basic_auth()
        .is_some_and(|(user, password)| user == credentials::ZOOP_API_KEY && password.is_empty());
    if !authorised {
        return error(
            401,
            "Unauthorized",
            "invalid_request_error",
            "authentication_failed",
            "The API Key provided has expired or has been deleted.",
        );
    }
    let Some(account) = book
        .get_mut(Provider::Zoop, call.get("payment"))
        .filter(|account| account.attr(MARKETPLACE) == call.get(MARKETPLACE))
    else {
        return unknown_path();
    };
    if call.operation == "void"
        && let Err(reply) = void(account, request, cx)
    {
        return reply;
    }
    Reply::json(200, transaction_body(account))
}

fn void(account: &mut Account, request: &Request, cx: &mut Ctx<'_>) -> Result<(), Reply> {
    let fields: Map<String, Value> = match serde_json::from_slice(&request.body) {
        Ok(Value::Object(fields)) => fields,
        Ok(_) | Err(_) if request.body_is_blank() => return Err(missing_param()),
        Ok(_) | Err(_) => return Err(invalid_param()),
    };
    let (Some(amount), Some(seller)) = (fields.get("amount"), fields.get("on_behalf_of")) else {
        return Err(missing_param());
    };
    let (Some(amount), Some(seller)) = (amount.as_i64(), seller.as_str()) else {
        return Err(invalid_param());
    };
    if amount < 1 || seller != account.attr(SELLER) {
        return Err(invalid_param());
    }
    account
        .cancel(Some(amount), &RULES, "void", cx.ledger, cx.now)
        .map(drop)
        .map_err(|_| void_failed())
}

/// A 32-hex-digit id, the shape of Zoop's own ids, derived from the transaction id.
fn zoop_id(transaction_id: &str, salt: u64) -> String {
    format!(
        "{:016x}{:016x}",
        stable_hash(transaction_id, salt),
        stable_hash(transaction_id, salt.wrapping_add(1000))
    )
}

/// One line of a transaction's `history`.
struct HistoryEntry {
    amount: i64,
    operation_type: &'static str,
    status: &'static str,
    response_code: Option<&'static str>,
    created_at: i64,
}

fn transaction_body(account: &Account) -> String {
    let id = &account.id;
    let voided = account.status == "canceled" && account.refunded > 0;
    let captured = !matches!(
        account.status.as_str(),
        "pre_authorized" | "failed" | "pending" | "new"
    ) && account.created_status != "pre_authorized";
    // The sale (or authorisation) first, as created, then every void.
    let failed = account.created_status == "failed";
    let first = HistoryEntry {
        amount: account.amount,
        operation_type: if account.created_status == "pre_authorized" {
            "pre_authorization"
        } else {
            "authorization"
        },
        status: if failed { "failed" } else { "succeeded" },
        response_code: Some(if failed { "51" } else { "00" }),
        created_at: account.created_at,
    };
    let voids = account.movements.iter().map(|movement| HistoryEntry {
        amount: movement.amount,
        operation_type: "void",
        status: "succeeded",
        response_code: Some("00"),
        created_at: movement.at,
    });
    let entries: Vec<HistoryEntry> = std::iter::once(first).chain(voids).collect();
    let history = entries.iter().enumerate().map(|(index, entry)| {
        Obj::new()
            .val("id", &zoop_id(&format!("{id}#{index}"), 42))
            .val("transaction", id)
            .val("amount", &entry.amount)
            .val("operation_type", entry.operation_type)
            .val("status", entry.status)
            .val("response_code", &entry.response_code)
            .val(
                "response_message",
                if entry.status == "succeeded" {
                    "Transação aprovada"
                } else {
                    "Transação negada"
                },
            )
            .val("authorization_code", &stable_digits(id, 43, 6))
            .val("authorizer_id", &stable_digits(id, 44, 10))
            .val("authorization_nsu", &stable_digits(id, 45, 9))
            .val("gatewayResponseTime", "412")
            .val("authorizer", "cielo")
            .val("created_at", &clock::plain_datetime(entry.created_at, 0))
            .done()
    });
    let card = Obj::new()
        .val("id", &zoop_id(id, 48))
        .val("resource", "card")
        .val("description", &Value::Null)
        .val("card_brand", "Visa")
        .val("first4_digits", "4111")
        .val("last4_digits", "1111")
        .val("expiration_month", "12")
        .val("expiration_year", "2030")
        .val("holder_name", "CLIENTE SANDBOX")
        .val("is_active", &true)
        .val("is_valid", &true)
        .val("is_verified", &false)
        .done();
    let installment_plan = Obj::new()
        .val("mode", "interest_free")
        .val("number_installments", &1)
        .done();
    let point_of_sale = Obj::new()
        .val("entry_mode", "manually_keyed")
        .val("identification_number", &Value::Null)
        .done();
    Obj::new()
        .val("id", id)
        .val("resource", "transaction")
        .val("status", &account.status)
        .val("confirmed", "1")
        .val("original_amount", &account.amount)
        .val("currency", "BRL")
        .val("description", "Venda estorno sandbox")
        .val("payment_type", &account.method)
        .val("transaction_number", &stable_digits(id, 46, 12))
        .val("gateway_authorizer", "cielo")
        .val("app_transaction_uid", &Value::Null)
        .val("refunds", &Value::Null)
        .val("rewards", &Value::Null)
        .val("discounts", &Value::Null)
        .val("pre_authorization", &Value::Null)
        .val("sales_receipt", &zoop_id(id, 49))
        .val("on_behalf_of", account.attr(SELLER))
        .val("customer", &zoop_id(id, 47))
        .val("statement_descriptor", "ESTORNO SANDBOX")
        .raw("payment_method", &card)
        .val("source", &Value::Null)
        .raw("point_of_sale", &point_of_sale)
        .raw("installment_plan", &installment_plan)
        .val("refunded", &false)
        .val("voided", &voided)
        .val("captured", &captured)
        .val("location_latitude", &Value::Null)
        .val("location_longitude", &Value::Null)
        .val("individual", &Value::Null)
        .val("business", &Value::Null)
        .raw("metadata", "{}")
        .val(
            "expected_on",
            &clock::iso_offset(account.created_at + 30 * 86_400, 0),
        )
        .val("created_at", &clock::iso_offset(account.created_at, 0))
        .val("updated_at", &clock::iso_offset(account.updated_at, 0))
        .val(
            "uri",
            &format!(
                "/v1/marketplaces/{}/transactions/{id}",
                account.attr(MARKETPLACE)
            ),
        )
        .val("amount", &account.remaining())
        .raw("history", &array(history))
        .done()
}
