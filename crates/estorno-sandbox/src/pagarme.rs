//! Pagar.me API v5 (Stone's online API), as documented in `ACQUIRERS.md` §4 (the Python SDK's
//! `cancel_charge`, its request and response models, and the error reference).
//!
//! Paths, under `/pagarme/core/v5`:
//! - `DELETE /charges/{charge_id}`, no body for the whole charge or `{"amount": cents}` for a
//!   part → 200 with the charge. A paid charge keeps `paid` while a part is cancelled
//!   (`canceled_amount` grows) and is `canceled` once nothing is left; a pending one (a boleto
//!   nobody paid) is cancelled whole.
//! - `GET /charges/{charge_id}` → the charge.
//!
//! Every call needs HTTP Basic with the secret key as the user and an empty password.
//! Errors are `{"message": ...}` as documented. Chosen here where Pagar.me is silent: 401
//! "Authorization has been denied for this request.", 404 "Charge not found.", and 422 for a
//! charge that cannot be cancelled or an amount beyond what remains. The SDK's optional
//! `idempotency-key` header is accepted and, as nothing documents what Pagar.me does with
//! it, ignored: a repeated request is a new one.

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Partial, Refusal, Rules};
use crate::clock;
use crate::credentials;
use crate::json::Obj;
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits};

pub(crate) const SLUG: &str = "pagarme";

/// A Pagar.me charge, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// `ch_…`.
    pub id: String,
    /// `amount`, in cents.
    pub amount_cents: i64,
    /// `canceled_amount`, in cents.
    #[serde(default)]
    pub canceled_cents: i64,
    /// `pending`, `paid`, `canceled`, `processing`, `failed`, `overpaid`, `underpaid` or
    /// `chargedback`.
    #[serde(default = "default_status")]
    pub status: String,
    /// `credit_card`, `pix`, `boleto`...
    #[serde(default = "default_method")]
    pub payment_method: String,
}

fn default_status() -> String {
    String::from("paid")
}
fn default_method() -> String {
    String::from("credit_card")
}

impl Charge {
    /// A paid card charge.
    pub fn paid(id: impl Into<String>, amount_cents: i64) -> Self {
        Charge {
            id: id.into(),
            amount_cents,
            canceled_cents: 0,
            status: default_status(),
            payment_method: default_method(),
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
        Provider::Pagarme,
        charge.id,
        charge.amount_cents,
        charge.status,
        charge.payment_method,
        created_at,
    );
    account.refunded = charge.canceled_cents;
    account
}

/// The account as the charge [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn charge(account: &Account) -> Charge {
    Charge {
        id: account.id.clone(),
        amount_cents: account.amount,
        canceled_cents: account.refunded,
        status: account.status.clone(),
        payment_method: account.method.clone(),
    }
}

pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::DELETE,
        path: "/core/v5/charges/{payment}",
        operation: "cancel",
    },
    Route {
        method: Method::GET,
        path: "/core/v5/charges/{payment}",
        operation: "status",
    },
];

/// A paid charge cancels in parts until nothing is left; a pending one only whole.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "paid",
            partial: Partial::Always,
            whole: ("canceled", EffectKind::Refund),
            part: (None, EffectKind::PartialRefund),
        },
        Accepts {
            status: "pending",
            partial: Partial::Never,
            whole: ("canceled", EffectKind::Cancel),
            part: (None, EffectKind::Cancel),
        },
    ],
    deferred: None,
};

fn message(status: u16, text: &str) -> Reply {
    Reply::json(status, Obj::new().val("message", text).done())
}

/// The documented body for an injected server error.
pub(crate) fn internal_error() -> Reply {
    message(500, "Internal server error.")
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    message(
        404,
        "No HTTP resource was found that matches the request URI.",
    )
}

/// Runs a routed call against the charge's account.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    let authorised = request.basic_auth().is_some_and(|(user, password)| {
        user == credentials::PAGARME_SECRET_KEY && password.is_empty()
    });
    if !authorised {
        return message(401, "Authorization has been denied for this request.");
    }
    let Some(account) = book.get_mut(Provider::Pagarme, call.get("payment")) else {
        return message(404, "Charge not found.");
    };
    if call.operation == "cancel" {
        let amount = match cancel_amount(request) {
            Ok(amount) => amount,
            Err(reply) => return reply,
        };
        match account.cancel(amount, &RULES, "cancel", cx.ledger, cx.now) {
            Ok(_) => {}
            Err(Refusal::BeyondRemaining) => {
                return message(
                    422,
                    "The amount is greater than the amount available to cancel.",
                );
            }
            Err(_) => return message(422, "The charge can not be canceled."),
        }
    }
    Reply::json(200, charge_body(account))
}

/// Reads the optional body: none, `{}`, or `{"amount": cents}` (a positive integer).
fn cancel_amount(request: &Request) -> Result<Option<i64>, Reply> {
    if request.body_is_blank() {
        return Ok(None);
    }
    let invalid = || {
        let errors = Obj::new()
            .raw(
                "amount",
                r#"["The field amount must be a positive integer."]"#,
            )
            .done();
        Reply::json(
            422,
            Obj::new()
                .val("message", "The request is invalid.")
                .raw("errors", &errors)
                .done(),
        )
    };
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(invalid());
    };
    match fields.get("amount") {
        None | Some(Value::Null) => Ok(None),
        Some(amount) => match amount.as_i64() {
            Some(cents) if cents > 0 => Ok(Some(cents)),
            _ => Err(invalid()),
        },
    }
}

fn charge_body(account: &Account) -> String {
    let canceled = account.status == "canceled";
    let transaction_status = match (account.status.as_str(), account.refunded > 0) {
        ("canceled", _) if account.method == "credit_card" => "voided",
        ("canceled", _) => "refunded",
        ("paid", true) if account.method == "credit_card" => "partial_void",
        ("paid", true) => "partial_refunded",
        ("paid", false) => "captured",
        (other, _) => other,
    };
    let last_transaction = Obj::new()
        .val(
            "id",
            &format!("tran_{}", stable_digits(&account.id, 61, 16)),
        )
        .val("status", transaction_status)
        .val("success", &true)
        .val("amount", &account.amount)
        .done();
    let paid = !matches!(account.created_status.as_str(), "pending" | "failed");
    Obj::new()
        .val("id", &account.id)
        .val(
            "code",
            &format!("ORDER-{}", stable_digits(&account.id, 62, 8)),
        )
        .val("gateway_id", &stable_digits(&account.id, 63, 10))
        .val("amount", &account.amount)
        .val("status", &account.status)
        .val("currency", "BRL")
        .val("payment_method", &account.method)
        .val("created_at", &clock::iso_offset(account.created_at, 0))
        .val("updated_at", &clock::iso_offset(account.updated_at, 0))
        .val(
            "canceled_at",
            &canceled.then(|| clock::iso_offset(account.updated_at, 0)),
        )
        .val("canceled_amount", &account.refunded)
        .val("paid_amount", &if paid { account.amount } else { 0 })
        .raw("last_transaction", &last_transaction)
        .raw("metadata", "{}")
        .done()
}
