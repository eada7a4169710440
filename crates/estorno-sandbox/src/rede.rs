//! e.Rede, as documented in `ACQUIRERS.md` §2 (Rede's PHP SDK, its services and models, and
//! the OAuth2 generation's SDK).
//!
//! Both generations, under `/rede`, on the paths they have after `api.userede.com.br`:
//! - `POST /redelabs/oauth2/token`, `Authorization: Basic base64(PV:key)`, form body
//!   `grant_type=client_credentials` → `{access_token, token_type: "Bearer", expires_in,
//!   scope}`;
//! - `/erede/v2/...` takes that Bearer token, `/erede/v1/...` the legacy Basic `PV:key` header;
//!   each answers 401 `{"returnCode":"401","returnMessage":"Unauthorized"}` to anything else.
//!
//! Under either: `POST /transactions/{tid}/refunds` with `{"amount": cents}` → 201 with
//! `{"returnCode":"359", "returnMessage", "refundId", "tid", "nsu", "refundDateTime",
//! "cancelId"}`; `GET /transactions/{tid}` → `{requestDateTime, authorization{tid, amount,
//! status, ...}, refunds[{refundId, refundDateTime, status, amount}]}`; `GET
//! /transactions/{tid}/refunds` → `{refunds[...]}`. Errors are the same envelope at a status ≥
//! 400; `355` "Transaction already cancelled." is documented. Chosen here where Rede's codes
//! are not confirmed: 404 `353` for an unknown transaction, 400 `357` for a refund beyond what
//! remains, 400 `351` for a transaction whose state takes no refund, 400 `316` for a missing
//! or malformed amount. An approved sale refunds in parts until nothing is left (then it reads
//! `Canceled`); a pending authorisation is cancelled whole only.

use std::time::Duration;

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Partial, Refusal, Rules};
use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider, oauth_error, token_reply};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits, stable_uuid};

pub(crate) const SLUG: &str = "rede";

/// Tokens live 24 minutes, as the OAuth2 generation's SDK examples show.
const TOKEN_TTL: Duration = Duration::from_secs(1_440);

/// An e.Rede transaction, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// `tid`: the transaction's id, 20 digits.
    pub tid: String,
    /// `authorization.amount`, in cents.
    pub amount_cents: i64,
    /// What its refunds returned so far, in cents.
    #[serde(default)]
    pub refunded_cents: i64,
    /// `authorization.status`: `Approved`, `Pending`, `Denied` or `Canceled`.
    #[serde(default = "default_status")]
    pub status: String,
}

fn default_status() -> String {
    "Approved".to_owned()
}

impl Transaction {
    /// An approved (captured) sale.
    pub fn approved(tid: impl Into<String>, amount_cents: i64) -> Self {
        Transaction {
            tid: tid.into(),
            amount_cents,
            refunded_cents: 0,
            status: default_status(),
        }
    }

    /// The same transaction in another status.
    #[must_use]
    pub fn with_status(mut self, status: &str) -> Self {
        self.status = status.to_owned();
        self
    }

    /// What a refund can still return, and whether a part of it is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

/// The transaction's account in the shared ledger.
pub(crate) fn account(transaction: Transaction, created_at: i64) -> Account {
    let mut account = Account::new(
        Provider::Rede,
        transaction.tid,
        transaction.amount_cents,
        transaction.status,
        "credit",
        created_at,
    );
    account.refunded = transaction.refunded_cents;
    account
}

/// The account as the transaction [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn transaction(account: &Account) -> Transaction {
    Transaction {
        tid: account.id.clone(),
        amount_cents: account.amount,
        refunded_cents: account.refunded,
        status: account.status.clone(),
    }
}

/// The token endpoint, then the same operations under each generation's base path.
macro_rules! routes {
    ($($base:literal),+) => {
        &[
            Route {
                method: Method::POST,
                path: "/redelabs/oauth2/token",
                operation: "token",
            },
            $(
                Route {
                    method: Method::POST,
                    path: concat!($base, "/transactions/{payment}/refunds"),
                    operation: "refund",
                },
                Route {
                    method: Method::GET,
                    path: concat!($base, "/transactions/{payment}/refunds"),
                    operation: "refunds",
                },
                Route {
                    method: Method::GET,
                    path: concat!($base, "/transactions/{payment}"),
                    operation: "status",
                },
            )+
        ]
    };
}

pub(crate) const ROUTES: &[Route] = routes!("/erede/v2", "/erede/v1");

/// An approved sale refunds in parts until nothing is left; a pending authorisation whole.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "Approved",
            partial: Partial::Always,
            whole: ("Canceled", EffectKind::Refund),
            part: (None, EffectKind::PartialRefund),
        },
        Accepts {
            status: "Pending",
            partial: Partial::Never,
            whole: ("Canceled", EffectKind::Void),
            part: (None, EffectKind::Void),
        },
    ],
    deferred: None,
};

fn envelope(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        Obj::new()
            .val("returnCode", code)
            .val("returnMessage", message)
            .done(),
    )
}

/// The sandbox's answer to an injected server error, in Rede's envelope.
pub(crate) fn internal_error() -> Reply {
    envelope(500, "500", "Internal error. Try again later.")
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    envelope(404, "404", "Resource not found.")
}

/// Runs a routed call: the token endpoint, or a transaction's refund or look-ups.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if call.operation == "token" {
        return token(request, cx);
    }
    if !authorised(request, cx) {
        return envelope(401, "401", "Unauthorized");
    }
    let Some(account) = book.get_mut(Provider::Rede, call.get("payment")) else {
        return envelope(404, "353", "Transaction not found.");
    };
    match call.operation {
        "status" => Reply::json(200, transaction_body(account)),
        "refunds" => Reply::json(200, Obj::new().raw("refunds", &refunds(account)).done()),
        "refund" => refund(account, request, cx),
        _ => unknown_path(),
    }
}

/// The PV and key as Basic: the token request's, and every legacy call's.
fn pv_key(request: &Request) -> bool {
    request.basic_auth().is_some_and(|(pv, key)| {
        pv == credentials::REDE_PV && key == credentials::REDE_INTEGRATION_KEY
    })
}

/// The OAuth2 generation takes its Bearer token, the legacy one its Basic header.
fn authorised(request: &Request, cx: &Ctx<'_>) -> bool {
    if request.path.contains("/erede/v1/") {
        pv_key(request)
    } else {
        request
            .bearer()
            .is_some_and(|token| cx.tokens.is_valid(Provider::Rede, token))
    }
}

fn token(request: &Request, cx: &mut Ctx<'_>) -> Reply {
    if !pv_key(request) {
        return oauth_error(401, "invalid_client", "Client authentication failed");
    }
    let grant = form_urlencoded::parse(&request.body)
        .find(|(name, _)| name == "grant_type")
        .map(|(_, value)| value.into_owned());
    if grant.as_deref() != Some("client_credentials") {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        );
    }
    token_reply(cx, Provider::Rede, TOKEN_TTL, "erede")
}

fn refund(account: &mut Account, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let amount = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|body| body.get("amount").and_then(Value::as_i64));
    let Some(cents) = amount.filter(|cents| *cents > 0) else {
        return envelope(400, "316", "Amount: Invalid parameter format.");
    };
    match account.cancel(Some(cents), &RULES, "refund", cx.ledger, cx.now) {
        Ok(_) => {
            let index = account.movements.len();
            let body = Obj::new()
                .val("returnCode", "359")
                .val("returnMessage", "Refund successful.")
                .val("refundId", &refund_id(account, index))
                .val("tid", &account.id)
                .val("nsu", &stable_digits(&account.id, 71, 9))
                .val("refundDateTime", &clock::iso_utc_millis(cx.now))
                .val(
                    "cancelId",
                    &stable_digits(&format!("{}#{index}", account.id), 72, 7),
                )
                .done();
            Reply::json(201, body)
        }
        Err(Refusal::NothingLeft) => envelope(400, "355", "Transaction already cancelled."),
        Err(Refusal::BeyondRemaining) => envelope(
            400,
            "357",
            "Sum of amount refunds greater than the transaction amount.",
        ),
        Err(Refusal::State | Refusal::Partial | Refusal::Amount) => {
            envelope(400, "351", "Forbidden.")
        }
    }
}

/// The `refundId` of the `index`-th refund (1-based), stable across runs.
fn refund_id(account: &Account, index: usize) -> String {
    stable_uuid(&format!("{}#{index}", account.id), 73)
}

/// Every refund made: a refund the payment was given with when added, then each movement.
fn refunds(account: &Account) -> String {
    let moved: i64 = account
        .movements
        .iter()
        .map(|movement| movement.amount)
        .sum();
    let prior = (account.refunded - moved).max(0);
    let refund = |id: String, at: i64, amount: i64| {
        Obj::new()
            .val("refundId", &id)
            .val("refundDateTime", &clock::iso_utc_millis(at))
            .val("status", "Done")
            .val("amount", &amount)
            .done()
    };
    let first = (prior > 0).then(|| refund(refund_id(account, 0), account.created_at, prior));
    let made = account
        .movements
        .iter()
        .enumerate()
        .map(|(index, movement)| {
            refund(refund_id(account, index + 1), movement.at, movement.amount)
        });
    array(first.into_iter().chain(made))
}

fn transaction_body(account: &Account) -> String {
    let authorization = Obj::new()
        .val("tid", &account.id)
        .val("amount", &account.amount)
        .val("status", &account.status)
        .val("returnCode", "00")
        .val("returnMessage", "Success.")
        .val(
            "reference",
            &format!("pedido{}", stable_digits(&account.id, 74, 6)),
        )
        .val("nsu", &stable_digits(&account.id, 71, 9))
        .val("authorizationCode", &stable_digits(&account.id, 75, 6))
        .val("kind", &account.method)
        .val("dateTime", &clock::iso_utc_millis(account.created_at))
        .done();
    Obj::new()
        .val(
            "requestDateTime",
            &clock::iso_utc_millis(account.updated_at),
        )
        .raw("authorization", &authorization)
        .raw("refunds", &refunds(account))
        .done()
}
