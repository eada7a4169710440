//! Mercado Pago's payments API, as documented in `ACQUIRERS.md` §5 (the refund and
//! cancellation references, the devsite guides and the Node SDK).
//!
//! Paths, under `/mercado-pago`:
//! - `POST /v1/payments/{id}/refunds`, body empty or `{}` for all of what remains,
//!   `{"amount": 10.5}` (a JSON number of reais) for a part → 201 with the refund
//!   `{id, payment_id, amount, status: "approved", ...}`. The payment stays `approved` with
//!   `status_detail: "partially_refunded"` until nothing is left, then it is `refunded`.
//! - `PUT /v1/payments/{id}`, body `{"status":"cancelled"}` (the only value accepted), allowed
//!   from `pending`, `in_process` and `authorized` → 200 with the payment, now `cancelled`.
//! - `GET /v1/payments/{id}` → the payment.
//!
//! Every call needs `Authorization: Bearer` with the sandbox's access token (401 otherwise).
//! `POST` and `PUT` need `X-Idempotency-Key` (400, cause 4292, without it); a request that
//! repeats a key gets the first answer to that key again, and nothing happens twice.
//!
//! Errors use the documented `{message, error, status, cause: [{code, description, data}]}`.
//! Documented: 2063 (the action is not valid in the payment's state), 2016 (invalid status for
//! the update), 4040 (the amount must be positive), 4041 (the amount must be a number), 4292
//! (no idempotency key). Chosen here where Mercado Pago is silent: more than remains is 400
//! with cause 2085; an unknown payment is 404 with cause 2000 ("payment not found", documented
//! among the 404-group codes).

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Partial, Rules};
use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::money::{ReaisError, parse_reais, reais_number};
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_hash};

pub(crate) const SLUG: &str = "mercado-pago";

/// A Mercado Pago payment, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The payment's numeric id.
    pub id: u64,
    /// `transaction_amount`, in cents.
    pub amount_cents: i64,
    /// `transaction_amount_refunded`, in cents.
    #[serde(default)]
    pub refunded_cents: i64,
    /// `pending`, `approved`, `authorized`, `in_process`, `in_mediation`, `rejected`,
    /// `cancelled`, `refunded` or `charged_back`.
    #[serde(default = "default_status")]
    pub status: String,
    /// `payment_method_id`: `pix`, `visa`, `master`, `bolbradesco`...
    #[serde(default = "default_method")]
    pub payment_method_id: String,
}

fn default_status() -> String {
    String::from("approved")
}
fn default_method() -> String {
    String::from("pix")
}

impl Payment {
    /// An approved Pix payment.
    pub fn approved(id: u64, amount_cents: i64) -> Self {
        Payment {
            id,
            amount_cents,
            refunded_cents: 0,
            status: default_status(),
            payment_method_id: default_method(),
        }
    }

    /// The same payment in another status.
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// What a refund can still return, and whether a part of it is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&REFUNDS)
    }
}

/// The payment's account in the shared ledger.
pub(crate) fn account(payment: Payment, created_at: i64) -> Account {
    let mut account = Account::new(
        Provider::MercadoPago,
        payment.id.to_string(),
        payment.amount_cents,
        payment.status,
        payment.payment_method_id,
        created_at,
    );
    account.refunded = payment.refunded_cents;
    account
}

/// The account as the payment [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn payment(account: &Account) -> Payment {
    Payment {
        id: account.id.parse().unwrap_or(0),
        amount_cents: account.amount,
        refunded_cents: account.refunded,
        status: account.status.clone(),
        payment_method_id: account.method.clone(),
    }
}

pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/v1/payments/{payment}/refunds",
        operation: "refund",
    },
    Route {
        method: Method::PUT,
        path: "/v1/payments/{payment}",
        operation: "cancel",
    },
    Route {
        method: Method::GET,
        path: "/v1/payments/{payment}",
        operation: "status",
    },
];

/// Refunds: an approved payment, in parts until nothing is left.
const REFUNDS: Rules = Rules {
    accepts: &[Accepts {
        status: "approved",
        partial: Partial::Always,
        whole: ("refunded", EffectKind::Refund),
        part: (None, EffectKind::PartialRefund),
    }],
    deferred: None,
};

/// Cancellations: a payment nobody was charged for yet, whole. An authorisation's hold is
/// released (a void); a pending or in-process payment simply closes.
const CANCELLATIONS: Rules = Rules {
    accepts: &[
        Accepts {
            status: "authorized",
            partial: Partial::Never,
            whole: ("cancelled", EffectKind::Void),
            part: (None, EffectKind::Void),
        },
        Accepts {
            status: "pending",
            partial: Partial::Never,
            whole: ("cancelled", EffectKind::Cancel),
            part: (None, EffectKind::Cancel),
        },
        Accepts {
            status: "in_process",
            partial: Partial::Never,
            whole: ("cancelled", EffectKind::Cancel),
            part: (None, EffectKind::Cancel),
        },
    ],
    deferred: None,
};

fn error(status: u16, error: &str, code: u32, message: &str) -> Reply {
    let cause = Obj::new()
        .val("code", &code)
        .val("description", message)
        .val("data", &Value::Null)
        .done();
    Reply::json(
        status,
        Obj::new()
            .val("message", message)
            .val("error", error)
            .val("status", &status)
            .raw("cause", &array([cause]))
            .done(),
    )
}

/// The documented error body for an injected server error.
pub(crate) fn internal_error() -> Reply {
    Reply::json(
        500,
        Obj::new()
            .val("message", "internal_error")
            .val("error", "internal_error")
            .val("status", &500)
            .raw("cause", "[]")
            .done(),
    )
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    Reply::json(
        404,
        Obj::new()
            .val("message", "resource not found")
            .val("error", "not_found")
            .val("status", &404)
            .raw("cause", "[]")
            .done(),
    )
}

/// Runs a routed call: the key first (a repeated key gets its first answer), then the call.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if request.bearer() != Some(credentials::MERCADO_PAGO_ACCESS_TOKEN) {
        return Reply::json(
            401,
            Obj::new()
                .val("message", "invalid access token")
                .val("error", "unauthorized")
                .val("status", &401)
                .raw("cause", "[]")
                .done(),
        );
    }
    if call.operation == "status" {
        return match book
            .get_mut(Provider::MercadoPago, call.get("payment"))
            .map(|account| &*account)
        {
            Some(account) => Reply::json(200, payment_body(account)),
            None => not_found(),
        };
    }
    let Some(key) = request
        .header("x-idempotency-key")
        .filter(|key| !key.trim().is_empty())
    else {
        return error(
            400,
            "bad_request",
            4292,
            "Header X-Idempotency-Key can't be null",
        );
    };
    // Keys belong to the seller's account, across payments and operations.
    let key = key.to_owned();
    if let Some(first) = book.remembered(Provider::MercadoPago, &key) {
        return first.clone();
    }
    let Some(account) = book.get_mut(Provider::MercadoPago, call.get("payment")) else {
        return not_found();
    };
    let reply = match call.operation {
        "refund" => refund(account, request, cx),
        _ => cancel(account, request, cx),
    };
    // Only an answer that did something is kept: a refused request may be fixed and sent
    // again with the same key.
    if (200..300).contains(&reply.status) {
        book.remember(Provider::MercadoPago, &key, &reply);
    }
    reply
}

fn not_found() -> Reply {
    error(404, "not_found", 2000, "Payment not found")
}

fn refund(account: &mut Account, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let amount = match refund_amount(request) {
        Ok(amount) => amount,
        Err(reply) => return reply,
    };
    if !REFUNDS
        .accepts
        .iter()
        .any(|accepts| accepts.status == account.status)
    {
        return error(
            400,
            "bad_request",
            2063,
            "The action requested is not valid for the current payment state",
        );
    }
    if amount.is_some_and(|amount| amount > account.remaining()) {
        return error(
            400,
            "bad_request",
            2085,
            "The amount exceeds the refundable balance of the payment",
        );
    }
    let seq = cx.ledger.next_seq();
    match account.cancel(amount, &REFUNDS, "refund", cx.ledger, cx.now) {
        Ok(movement) => {
            let body = Obj::new()
                .val("id", &refund_id(&account.id, seq))
                .val("payment_id", &account.id.parse::<u64>().unwrap_or_default())
                .val("amount", &reais_number(movement.amount))
                .raw("metadata", "{}")
                .val("date_created", &clock::iso_offset(movement.at, clock::BRT))
                .val("unique_sequence_number", &Value::Null)
                .val("refund_mode", "standard")
                .val("adjustment_amount", &0)
                .val("status", "approved")
                .val("reason", &Value::Null)
                .raw("labels", "[]")
                .val("amount_refunded_to_payer", &reais_number(movement.amount))
                .done();
            Reply::json(201, body)
        }
        Err(_) => error(
            400,
            "bad_request",
            2063,
            "The action requested is not valid for the current payment state",
        ),
    }
}

/// Reads the refund body: nothing (or `{}`) for all of what remains, or `amount` in reais.
fn refund_amount(request: &Request) -> Result<Option<i64>, Reply> {
    if request.body_is_blank() {
        return Ok(None);
    }
    let invalid = || error(400, "bad_request", 4041, "amount must be numeric");
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(invalid());
    };
    let Some(amount) = fields.get("amount") else {
        return Ok(None);
    };
    let Value::Number(number) = amount else {
        return Err(invalid());
    };
    match parse_reais(&number.to_string()) {
        Ok(cents) if cents > 0 => Ok(Some(cents)),
        Ok(_) | Err(ReaisError::Negative) => {
            Err(error(400, "bad_request", 4040, "amount must be positive"))
        }
        Err(_) => Err(invalid()),
    }
}

fn cancel(account: &mut Account, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let status = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|body| {
            body.get("status")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    match status.as_deref() {
        None => return error(400, "bad_request", 4017, "status can't be null"),
        Some("cancelled") => {}
        Some(_) => {
            return error(400, "bad_request", 2016, "Invalid status for update");
        }
    }
    match account.cancel(None, &CANCELLATIONS, "cancel", cx.ledger, cx.now) {
        Ok(_) => Reply::json(200, payment_body(account)),
        Err(_) => error(
            400,
            "bad_request",
            2018,
            "The action requested is not valid for the current payment state",
        ),
    }
}

/// A refund's numeric id, fixed by the payment and the ledger's sequence.
fn refund_id(payment: &str, seq: u64) -> u64 {
    9_000_000_000 + stable_hash(&format!("{payment}#{seq}"), 51) % 999_999_999
}

fn payment_body(account: &Account) -> String {
    let status_detail = match account.status.as_str() {
        "approved" if account.refunded > 0 => "partially_refunded",
        "approved" => "accredited",
        "refunded" => "refunded",
        "cancelled" => "by_collector",
        "pending" => "pending_waiting_transfer",
        "in_process" => "pending_review_manual",
        "authorized" => "pending_capture",
        other => other,
    };
    let approved = !matches!(
        account.status.as_str(),
        "pending" | "in_process" | "authorized" | "rejected"
    ) && account.created_status != "pending";
    let refunds = account.movements.iter().map(|movement| {
        Obj::new()
            .val("amount", &reais_number(movement.amount))
            .val("status", "approved")
            .val("date_created", &clock::iso_offset(movement.at, clock::BRT))
            .done()
    });
    Obj::new()
        .val("id", &account.id.parse::<u64>().unwrap_or_default())
        .val("status", &account.status)
        .val("status_detail", status_detail)
        .val("transaction_amount", &reais_number(account.amount))
        .val(
            "transaction_amount_refunded",
            &reais_number(account.refunded),
        )
        .val("currency_id", "BRL")
        .val("payment_method_id", &account.method)
        .val(
            "date_created",
            &clock::iso_offset(account.created_at, clock::BRT),
        )
        .val(
            "date_approved",
            &approved.then(|| clock::iso_offset(account.created_at + 5, clock::BRT)),
        )
        .val(
            "date_last_updated",
            &clock::iso_offset(account.updated_at, clock::BRT),
        )
        .raw("refunds", &array(refunds))
        .done()
}
