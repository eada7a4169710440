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

use std::collections::BTreeMap;

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Routed};
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
        let remaining = (self.amount_cents - self.voided_cents).max(0);
        match self.status.as_str() {
            "succeeded" => (remaining, self.payment_type == "credit"),
            "pre_authorized" => (remaining, false),
            _ => (0, false),
        }
    }
}

pub(crate) enum Call {
    Void {
        marketplace: String,
        transaction: String,
    },
    Status {
        marketplace: String,
        transaction: String,
    },
}

impl Call {
    pub(crate) fn operation(&self) -> &'static str {
        match self {
            Call::Void { .. } => "void",
            Call::Status { .. } => "status",
        }
    }

    pub(crate) fn payment(&self) -> &str {
        match self {
            Call::Void { transaction, .. } | Call::Status { transaction, .. } => transaction,
        }
    }
}

/// Routes the segments after `/zoop`.
pub(crate) fn route(method: &Method, segments: &[String]) -> Routed<Call> {
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (segments.as_slice(), method) {
        (
            [
                "v1",
                "marketplaces",
                marketplace,
                "transactions",
                transaction,
                "void",
            ],
            &Method::POST,
        ) => Routed::Call(Call::Void {
            marketplace: (*marketplace).to_owned(),
            transaction: (*transaction).to_owned(),
        }),
        (["v1", "marketplaces", _, "transactions", _, "void"], _) => Routed::WrongMethod("void"),
        (
            [
                "v1",
                "marketplaces",
                marketplace,
                "transactions",
                transaction,
            ],
            &Method::GET,
        ) => Routed::Call(Call::Status {
            marketplace: (*marketplace).to_owned(),
            transaction: (*transaction).to_owned(),
        }),
        (["v1", "marketplaces", _, "transactions", _], _) => Routed::WrongMethod("status"),
        _ => Routed::NotFound,
    }
}

#[derive(Clone)]
struct HistoryEntry {
    amount: i64,
    operation_type: &'static str,
    status: &'static str,
    response_code: Option<&'static str>,
    created_at: i64,
}

#[derive(Clone)]
struct Record {
    tx: Transaction,
    history: Vec<HistoryEntry>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Clone, Default)]
pub(crate) struct Store {
    transactions: BTreeMap<String, Record>,
}

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

impl Store {
    pub(crate) fn insert(&mut self, tx: Transaction, created_at: i64) {
        let first_operation = if tx.status == "pre_authorized" {
            "pre_authorization"
        } else {
            "authorization"
        };
        let failed = tx.status == "failed";
        let mut history = vec![HistoryEntry {
            amount: tx.amount_cents,
            operation_type: first_operation,
            status: if failed { "failed" } else { "succeeded" },
            response_code: Some(if failed { "51" } else { "00" }),
            created_at,
        }];
        if tx.voided_cents > 0 {
            history.push(HistoryEntry {
                amount: tx.voided_cents,
                operation_type: "void",
                status: "succeeded",
                response_code: Some("00"),
                created_at: created_at + 3600,
            });
        }
        let updated_at = history.last().map_or(created_at, |entry| entry.created_at);
        self.transactions.insert(
            tx.id.clone(),
            Record {
                tx,
                history,
                created_at,
                updated_at,
            },
        );
    }

    pub(crate) fn transactions(&self) -> impl Iterator<Item = &Transaction> {
        self.transactions.values().map(|record| &record.tx)
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Transaction> {
        self.transactions.get(id).map(|record| &record.tx)
    }

    pub(crate) fn handle(&mut self, call: &Call, request: &Request, cx: &mut Ctx<'_>) -> Reply {
        // The API key is the user name and the password is empty, as Zoop documents.
        let authorised = request.basic_auth().is_some_and(|(user, password)| {
            user == credentials::ZOOP_API_KEY && password.is_empty()
        });
        if !authorised {
            return error(
                401,
                "Unauthorized",
                "invalid_request_error",
                "authentication_failed",
                "The API Key provided has expired or has been deleted.",
            );
        }
        let (marketplace, id) = match call {
            Call::Void {
                marketplace,
                transaction,
            }
            | Call::Status {
                marketplace,
                transaction,
            } => (marketplace, transaction),
        };
        let Some(record) = self
            .transactions
            .get_mut(id)
            .filter(|record| &record.tx.marketplace_id == marketplace)
        else {
            return unknown_path();
        };
        if let Call::Void { .. } = call
            && let Err(reply) = void(record, request, cx)
        {
            return reply;
        }
        Reply::json(200, transaction_body(record))
    }
}

fn void(record: &mut Record, request: &Request, cx: &mut Ctx<'_>) -> Result<(), Reply> {
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
    if amount < 1 || seller != record.tx.on_behalf_of {
        return Err(invalid_param());
    }
    let tx = &mut record.tx;
    let remaining = tx.amount_cents - tx.voided_cents;
    let partial = amount < remaining;
    let allowed = match tx.status.as_str() {
        "succeeded" => amount <= remaining && (!partial || tx.payment_type == "credit"),
        // Partial cancel is "disponível apenas para transações de crédito capturadas".
        "pre_authorized" => amount == remaining,
        _ => false,
    };
    if !allowed {
        return Err(void_failed());
    }
    tx.voided_cents += amount;
    if tx.voided_cents == tx.amount_cents {
        tx.status = String::from("canceled");
    }
    record.history.push(HistoryEntry {
        amount,
        operation_type: "void",
        status: "succeeded",
        response_code: Some("00"),
        created_at: cx.now,
    });
    record.updated_at = cx.now;
    let kind = if partial {
        EffectKind::PartialVoid
    } else {
        EffectKind::Void
    };
    cx.ledger.record(SLUG, "void", &record.tx.id, amount, kind);
    Ok(())
}

/// A 32-hex-digit id, the shape of Zoop's own ids, derived from the transaction id.
fn zoop_id(transaction_id: &str, salt: u64) -> String {
    format!(
        "{:016x}{:016x}",
        stable_hash(transaction_id, salt),
        stable_hash(transaction_id, salt.wrapping_add(1000))
    )
}

fn transaction_body(record: &Record) -> String {
    let tx = &record.tx;
    let id = &tx.id;
    let voided = tx.status == "canceled" && tx.voided_cents > 0;
    let captured = !matches!(
        tx.status.as_str(),
        "pre_authorized" | "failed" | "pending" | "new"
    ) && record
        .history
        .first()
        .is_none_or(|first| first.operation_type != "pre_authorization");
    let history = record.history.iter().enumerate().map(|(index, entry)| {
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
        .val("status", &tx.status)
        .val("confirmed", "1")
        .val("original_amount", &tx.amount_cents)
        .val("currency", "BRL")
        .val("description", "Venda estorno sandbox")
        .val("payment_type", &tx.payment_type)
        .val("transaction_number", &stable_digits(id, 46, 12))
        .val("gateway_authorizer", "cielo")
        .val("app_transaction_uid", &Value::Null)
        .val("refunds", &Value::Null)
        .val("rewards", &Value::Null)
        .val("discounts", &Value::Null)
        .val("pre_authorization", &Value::Null)
        .val("sales_receipt", &zoop_id(id, 49))
        .val("on_behalf_of", &tx.on_behalf_of)
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
            &clock::iso_offset(record.created_at + 30 * 86_400, 0),
        )
        .val("created_at", &clock::iso_offset(record.created_at, 0))
        .val("updated_at", &clock::iso_offset(record.updated_at, 0))
        .val(
            "uri",
            &format!("/v1/marketplaces/{}/transactions/{id}", tx.marketplace_id),
        )
        .val("amount", &(tx.amount_cents - tx.voided_cents))
        .raw("history", &array(history))
        .done()
}
