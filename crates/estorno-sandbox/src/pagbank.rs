//! PagBank's Orders API (PagSeguro), as documented in `ACQUIRERS.md` §6 (the developer guide
//! "devolvendo uma cobrança paga", the status-code list, and a community post).
//!
//! Paths, under `/pagbank`:
//! - `POST /charges/{charge_id}/cancel`, body `{"amount":{"value":cents}}` (required in
//!   practice: without it PagBank answers `40002 invalid_parameter`) → 201 with the charge. A
//!   paid charge keeps `PAID` while a part is refunded (`amount.summary.refunded` grows) and is
//!   `CANCELED` once nothing is left; an authorisation is voided whole.
//! - `GET /charges/{charge_id}` → the charge.
//!
//! Every call needs `Authorization: Bearer` with the sandbox's token. Errors use the
//! documented `{"error_messages":[{code, description, parameter_name}]}`: 40001 for a missing
//! parameter, 40002 for an invalid one. Chosen here where PagBank is silent: the status of a
//! successful cancellation (201), 401 `UNAUTHORIZED` for a wrong token, 404 `40404` for an
//! unknown charge, 40002 on `amount.value` for more than remains or a part of an authorisation,
//! and 409 `40901` for a charge that cannot be cancelled. The `x-idempotency-key` header is
//! accepted and, unconfirmed as it is, not honoured.

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Partial, Refusal, Rules};
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits};

pub(crate) const SLUG: &str = "pagbank";

/// A PagBank charge, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// `CHAR_…`.
    pub id: String,
    /// `amount.value`, in cents.
    pub amount_cents: i64,
    /// `amount.summary.refunded`, in cents.
    #[serde(default)]
    pub refunded_cents: i64,
    /// `AUTHORIZED`, `PAID`, `IN_ANALYSIS`, `DECLINED`, `CANCELED` or `WAITING`.
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    String::from("PAID")
}

impl Charge {
    /// A paid charge.
    pub fn paid(id: impl Into<String>, amount_cents: i64) -> Self {
        Charge {
            id: id.into(),
            amount_cents,
            refunded_cents: 0,
            status: default_status(),
        }
    }

    /// The same charge in another status.
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// What a cancellation can still return, and whether a part of it is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

/// The charge's account in the shared ledger.
pub(crate) fn account(charge: Charge, created_at: i64) -> Account {
    let mut account = Account::new(
        Provider::PagBank,
        charge.id,
        charge.amount_cents,
        charge.status,
        "CREDIT_CARD",
        created_at,
    );
    account.refunded = charge.refunded_cents;
    account
}

/// The account as the charge [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn charge(account: &Account) -> Charge {
    Charge {
        id: account.id.clone(),
        amount_cents: account.amount,
        refunded_cents: account.refunded,
        status: account.status.clone(),
    }
}

pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/charges/{payment}/cancel",
        operation: "cancel",
    },
    Route {
        method: Method::GET,
        path: "/charges/{payment}",
        operation: "status",
    },
];

/// A paid charge refunds in parts until nothing is left; an authorisation is voided whole.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "PAID",
            partial: Partial::Always,
            whole: ("CANCELED", EffectKind::Refund),
            part: (None, EffectKind::PartialRefund),
        },
        Accepts {
            status: "AUTHORIZED",
            partial: Partial::Never,
            whole: ("CANCELED", EffectKind::Void),
            part: (None, EffectKind::Void),
        },
    ],
    deferred: None,
};

fn error(status: u16, code: &str, description: &str, parameter: Option<&str>) -> Reply {
    let message = Obj::new()
        .val("code", code)
        .val("description", description)
        .opt("parameter_name", parameter)
        .done();
    Reply::json(
        status,
        Obj::new().raw("error_messages", &array([message])).done(),
    )
}

/// An error body for an injected server error.
pub(crate) fn internal_error() -> Reply {
    error(500, "50000", "internal_error", None)
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    error(404, "40400", "resource not found", None)
}

/// Runs a routed call against the charge's account.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if request.bearer() != Some(credentials::PAGBANK_TOKEN) {
        return error(
            401,
            "UNAUTHORIZED",
            "Invalid credential. Review AUTHORIZATION header",
            None,
        );
    }
    let Some(account) = book.get_mut(Provider::PagBank, call.get("payment")) else {
        return error(404, "40404", "charge not found", None);
    };
    if call.operation == "status" {
        return Reply::json(200, charge_body(account));
    }
    let amount = match requested(request) {
        Ok(amount) => amount,
        Err(reply) => return reply,
    };
    match account.cancel(Some(amount), &RULES, "cancel", cx.ledger, cx.now) {
        Ok(_) => Reply::json(201, charge_body(account)),
        Err(Refusal::BeyondRemaining | Refusal::Partial | Refusal::Amount) => {
            error(400, "40002", "invalid_parameter", Some("amount.value"))
        }
        Err(Refusal::State | Refusal::NothingLeft) => error(
            409,
            "40901",
            "the charge cannot be canceled in its status",
            None,
        ),
    }
}

/// `amount.value`: present, a positive whole number of cents.
fn requested(request: &Request) -> Result<i64, Reply> {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    match body.pointer("/amount/value") {
        None | Some(Value::Null) => Err(error(
            400,
            "40002",
            "invalid_parameter",
            Some("amount.value"),
        )),
        Some(value) => match value.as_i64() {
            Some(cents) if cents > 0 => Ok(cents),
            _ => Err(error(
                400,
                "40002",
                "invalid_parameter",
                Some("amount.value"),
            )),
        },
    }
}

fn charge_body(account: &Account) -> String {
    let paid = if matches!(account.created_status.as_str(), "PAID") {
        account.amount
    } else {
        0
    };
    let summary = Obj::new()
        .val("total", &account.amount)
        .val("paid", &paid)
        .val("refunded", &account.refunded)
        .done();
    let amount = Obj::new()
        .val("value", &account.amount)
        .val("currency", "BRL")
        .raw("summary", &summary)
        .done();
    let response = Obj::new()
        .val("code", "20000")
        .val("message", "SUCESSO")
        .val("reference", &stable_digits(&account.id, 71, 12))
        .done();
    let link = Obj::new()
        .val("rel", "CHARGE.CANCEL")
        .val("href", &format!("/charges/{}/cancel", account.id))
        .val("media", "application/json")
        .val("type", "POST")
        .done();
    Obj::new()
        .val("id", &account.id)
        .val(
            "reference_id",
            &format!("ORDER-{}", stable_digits(&account.id, 72, 6)),
        )
        .val("status", &account.status)
        .raw("amount", &amount)
        .raw("payment_response", &response)
        .raw("links", &array([link]))
        .done()
}
