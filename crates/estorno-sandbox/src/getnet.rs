//! Getnet's digital payments API, as documented in `ACQUIRERS.md` §3 (ActiveMerchant's Getnet
//! gateway, its tests, and the public SDK snippets).
//!
//! Paths, under `/getnet`:
//! - `POST /auth/oauth/v2/token`, `Authorization: Basic base64(client_id:client_secret)`, form
//!   body `scope=oob&grant_type=client_credentials` → `{access_token, token_type: "Bearer",
//!   expires_in: 3600, scope: "oob"}`;
//! - `POST /v1/payments/credit/{payment_id}/cancel`, no body → the payment `{payment_id,
//!   seller_id, amount, currency, order_id, status: "CANCELED", credit_cancel{canceled_at,
//!   message}}`: the same-day void, whole;
//! - `POST /v1/payments/cancel/request` with `{payment_id, cancel_amount, cancel_custom_key}`
//!   → `{seller_id, payment_id, cancel_request_at, cancel_request_id, cancel_custom_key,
//!   status: "ACCEPTED"}`: a cancellation of all or part, from the day after the payment;
//! - `GET /v1/payments/cancel/request?cancel_custom_key=…` → that request again.
//!
//! Every API call needs the token's Bearer (401 otherwise). Errors are the documented envelope
//! `{status_code, name, message, details[{status, error_code, description,
//! description_detail}]}`. Chosen here where Getnet is silent: a void on a later day than the
//! payment's is 400 `PAYMENTS-012` (and a cancel request on the payment's own day works too);
//! a void of a payment already cancelled 400 `PAYMENTS-011`; a cancel request beyond what
//! remains 400 `PAYMENTS-013`; a bad amount 400 `GENERIC-400`; an unknown payment 404
//! `PaymentNotFound`; an unknown key's look-up 404 `PAYMENTS-404`. A `cancel_custom_key` used
//! before answers its first request again and does nothing twice. "The payment's day" is the
//! UTC date it was added on.

use std::time::Duration;

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Partial, Refusal, Rules};
use crate::clock;
use crate::credentials;
use crate::json::Obj;
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider, oauth_error, token_reply};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits, stable_uuid};

pub(crate) const SLUG: &str = "getnet";

/// Tokens live an hour, as the documentation's example says.
const TOKEN_TTL: Duration = Duration::from_secs(3_600);

/// A Getnet card payment, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// `payment_id`: a UUID.
    pub payment_id: String,
    /// `amount`, in cents.
    pub amount_cents: i64,
    /// What went back so far, in cents.
    #[serde(default)]
    pub refunded_cents: i64,
    /// `APPROVED`, `CONFIRMED`, `AUTHORIZED` or `CANCELED`.
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    "CONFIRMED".to_owned()
}

impl Payment {
    /// A captured credit payment.
    pub fn confirmed(payment_id: impl Into<String>, amount_cents: i64) -> Self {
        Payment {
            payment_id: payment_id.into(),
            amount_cents,
            refunded_cents: 0,
            status: default_status(),
        }
    }

    /// The same payment in another status.
    #[must_use]
    pub fn with_status(mut self, status: &str) -> Self {
        self.status = status.to_owned();
        self
    }

    /// What a cancel request can still return, and whether a part of it is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

/// The payment's account in the shared ledger.
pub(crate) fn account(payment: Payment, created_at: i64) -> Account {
    let mut account = Account::new(
        Provider::Getnet,
        payment.payment_id,
        payment.amount_cents,
        payment.status,
        "credit",
        created_at,
    );
    account.refunded = payment.refunded_cents;
    account
}

/// The account as the payment [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn payment(account: &Account) -> Payment {
    Payment {
        payment_id: account.id.clone(),
        amount_cents: account.amount,
        refunded_cents: account.refunded,
        status: account.status.clone(),
    }
}

pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/auth/oauth/v2/token",
        operation: "token",
    },
    Route {
        method: Method::POST,
        path: "/v1/payments/credit/{payment}/cancel",
        operation: "void",
    },
    Route {
        method: Method::POST,
        path: "/v1/payments/cancel/request",
        operation: "cancel_request",
    },
    Route {
        method: Method::GET,
        path: "/v1/payments/cancel/request",
        operation: "cancel_request_status",
    },
];

/// A captured or approved payment is voided whole, or cancelled by request in parts until
/// nothing is left; an authorisation is voided whole only.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "CONFIRMED",
            partial: Partial::Always,
            whole: ("CANCELED", EffectKind::Refund),
            part: (None, EffectKind::PartialRefund),
        },
        Accepts {
            status: "APPROVED",
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

fn error(status: u16, name: &str, code: &str, description: &str) -> Reply {
    let detail = Obj::new()
        .val("status", "DENIED")
        .val("error_code", code)
        .val("description", description)
        .val("description_detail", description)
        .done();
    Reply::json(
        status,
        Obj::new()
            .val("status_code", &status)
            .val("name", name)
            .val(
                "message",
                if status < 500 {
                    "Bad Request"
                } else {
                    "Internal Server Error"
                },
            )
            .raw("details", &crate::json::array([detail]))
            .done(),
    )
}

/// The documented envelope of an injected server error.
pub(crate) fn internal_error() -> Reply {
    error(
        500,
        "InternalServerError",
        "GENERIC-500",
        "Internal server error",
    )
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    error(404, "NotFound", "GENERIC-404", "Resource not found")
}

/// Runs a routed call: the token endpoint, the void, the cancel request or its look-up.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if call.operation == "token" {
        return token(request, cx);
    }
    let authorised = request
        .bearer()
        .is_some_and(|token| cx.tokens.is_valid(Provider::Getnet, token));
    if !authorised {
        return error(
            401,
            "Unauthorized",
            "GENERIC-401",
            "Invalid or expired token",
        );
    }
    match call.operation {
        "void" => void(book, call.get("payment"), cx),
        "cancel_request" => cancel_request(book, request, cx),
        "cancel_request_status" => match request
            .query_param("cancel_custom_key")
            .and_then(|key| book.remembered(Provider::Getnet, &key).cloned())
        {
            Some(first) => first,
            None => error(404, "NotFound", "PAYMENTS-404", "Cancel request not found"),
        },
        _ => unknown_path(),
    }
}

fn token(request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let client = request.basic_auth().is_some_and(|(id, secret)| {
        id == credentials::GETNET_CLIENT_ID && secret == credentials::GETNET_CLIENT_SECRET
    });
    if !client {
        return oauth_error(401, "invalid_client", "Client authentication failed");
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&request.body)
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let value = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if value("grant_type") != Some("client_credentials") || value("scope") != Some("oob") {
        return oauth_error(
            400,
            "invalid_request",
            "grant_type and scope=oob are required",
        );
    }
    token_reply(cx, Provider::Getnet, TOKEN_TTL, "oob")
}

/// Whether `now` is still the payment's own (UTC) day.
fn same_day(account: &Account, now: i64) -> bool {
    account.created_at.div_euclid(86_400) == now.div_euclid(86_400)
}

fn seller(account: &Account) -> String {
    stable_uuid(&format!("seller:{}", account.id), 61)
}

fn void(book: &mut Book, payment: &str, cx: &mut Ctx<'_>) -> Reply {
    let Some(account) = book.get_mut(Provider::Getnet, payment) else {
        return error(404, "PaymentNotFound", "PAYMENTS-404", "Payment not found");
    };
    if account.status == "CANCELED" || account.remaining() == 0 {
        return error(
            400,
            "ValidationError",
            "PAYMENTS-011",
            "Transação já cancelada",
        );
    }
    if !same_day(account, cx.now) {
        return error(
            400,
            "ValidationError",
            "PAYMENTS-012",
            "Cancelamento fora do prazo: use a solicitação de cancelamento",
        );
    }
    match account.cancel(None, &RULES, "void", cx.ledger, cx.now) {
        Ok(_) => {
            let cancel = Obj::new()
                .val("canceled_at", &clock::iso_utc_millis(cx.now))
                .val("message", "Credit transaction cancelled sucessfully")
                .done();
            let body = Obj::new()
                .val("payment_id", &account.id)
                .val("seller_id", &seller(account))
                .val("amount", &account.amount)
                .val("currency", "BRL")
                .val("order_id", &stable_digits(&account.id, 62, 6))
                .val("status", "CANCELED")
                .raw("credit_cancel", &cancel)
                .done();
            Reply::json(200, body)
        }
        Err(_) => error(
            400,
            "ValidationError",
            "PAYMENTS-011",
            "Transação já cancelada",
        ),
    }
}

fn cancel_request(book: &mut Book, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let body: Option<Value> = serde_json::from_slice(&request.body).ok();
    let text = |name: &str| {
        body.as_ref()
            .and_then(|body| body.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (Some(payment), Some(key)) = (text("payment_id"), text("cancel_custom_key")) else {
        return error(
            400,
            "InvalidParameter",
            "GENERIC-400",
            "payment_id and cancel_custom_key are required",
        );
    };
    // A key seen before: its first answer, and nothing done twice.
    if let Some(first) = book.remembered(Provider::Getnet, &key) {
        return first.clone();
    }
    let amount = body
        .as_ref()
        .and_then(|body| body.get("cancel_amount"))
        .and_then(Value::as_i64)
        .filter(|cents| *cents > 0);
    let Some(cents) = amount else {
        return error(
            400,
            "InvalidParameter",
            "GENERIC-400",
            "cancel_amount is invalid",
        );
    };
    let Some(account) = book.get_mut(Provider::Getnet, &payment) else {
        return error(404, "PaymentNotFound", "PAYMENTS-404", "Payment not found");
    };
    match account.cancel(Some(cents), &RULES, "cancel_request", cx.ledger, cx.now) {
        Ok(_) => {}
        Err(Refusal::BeyondRemaining | Refusal::NothingLeft) => {
            return error(
                400,
                "ValidationError",
                "PAYMENTS-013",
                "cancel_amount greater than the amount available",
            );
        }
        Err(Refusal::State | Refusal::Partial | Refusal::Amount) => {
            return error(
                400,
                "ValidationError",
                "PAYMENTS-014",
                "Payment does not allow this cancellation",
            );
        }
    }
    let reply = Reply::json(
        200,
        Obj::new()
            .val("seller_id", &seller(account))
            .val("payment_id", &account.id)
            .val("cancel_request_at", &clock::iso_utc_millis(cx.now))
            .val(
                "cancel_request_id",
                &stable_digits(&format!("{}#{key}", account.id), 63, 18),
            )
            .val("cancel_custom_key", &key)
            .val("status", "ACCEPTED")
            .done(),
    );
    book.remember(Provider::Getnet, &key, &reply);
    reply
}
