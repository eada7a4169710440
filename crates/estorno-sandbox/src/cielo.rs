//! Cielo's API E-commerce 3.0, as documented in `ACQUIRERS.md` §1 (Cielo's "Cancelando uma
//! venda", its return codes and HTTP statuses).
//!
//! Two hosts, as in reality: transactions under `/cielo`, queries under `/cielo-query`.
//! - `PUT /1/sales/{PaymentId}/void[?amount=cents]` (transactions) → 200 whatever the outcome;
//!   `ReturnCode` says it: `9` a full void (`Status` 10), `0` a part (`Status` stays 2), `17`
//!   a void already exists, `41` the status does not allow it, `51` beyond the sale, `3` no
//!   such sale.
//! - `GET /1/sales/{PaymentId}` (queries) → the sale `{MerchantOrderId, Payment{PaymentId,
//!   Amount, VoidedAmount, Status, Tid, ReturnCode, ReturnMessage}}`; 404 with no body for an
//!   unknown sale.
//!
//! Every call needs the sandbox's `MerchantId` and `MerchantKey` headers: otherwise 401 with
//! no body, as Cielo answers. A malformed `amount` is 400 with the documented top-level array
//! (`[{"Code":..., "Message":...}]`). Chosen here where Cielo is silent: an authorised sale is
//! voided whole only (`41` for a part), and the query's `VoidedAmount` is what went back so
//! far.

use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::book::{Accepts, Account, Book, Partial, Refusal, Rules};
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits};

pub(crate) const SLUG: &str = "cielo";

/// The query host's prefix: in reality a host of its own (`apiquery…`).
pub(crate) const QUERY_PREFIX: &str = "cielo-query";

/// A Cielo sale, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// `PaymentId`: a GUID.
    pub payment_id: String,
    /// `Amount`, in cents.
    pub amount_cents: i64,
    /// `VoidedAmount`, in cents.
    #[serde(default)]
    pub voided_cents: i64,
    /// `Status`: 1 authorised, 2 confirmed, 3 denied, 10 voided, 11 refunded, 12 pending...
    #[serde(default = "default_status")]
    pub status: u8,
}

fn default_status() -> u8 {
    2
}

impl Sale {
    /// A captured (confirmed) sale.
    pub fn confirmed(payment_id: impl Into<String>, amount_cents: i64) -> Self {
        Sale {
            payment_id: payment_id.into(),
            amount_cents,
            voided_cents: 0,
            status: default_status(),
        }
    }

    /// The same sale in another status.
    #[must_use]
    pub fn with_status(mut self, status: u8) -> Self {
        self.status = status;
        self
    }

    /// What a void can still return, and whether a part of it is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

/// The sale's account in the shared ledger.
pub(crate) fn account(sale: Sale, created_at: i64) -> Account {
    let mut account = Account::new(
        Provider::Cielo,
        sale.payment_id,
        sale.amount_cents,
        sale.status.to_string(),
        "CreditCard",
        created_at,
    );
    account.refunded = sale.voided_cents;
    account
}

/// The account as the sale [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn sale(account: &Account) -> Sale {
    Sale {
        payment_id: account.id.clone(),
        amount_cents: account.amount,
        voided_cents: account.refunded,
        status: account.status.parse().unwrap_or(0),
    }
}

pub(crate) const ROUTES: &[Route] = &[Route {
    method: Method::PUT,
    path: "/1/sales/{payment}/void",
    operation: "void",
}];

pub(crate) const QUERY_ROUTES: &[Route] = &[Route {
    method: Method::GET,
    path: "/1/sales/{payment}",
    operation: "status",
}];

/// A confirmed sale voids in parts until nothing is left; an authorisation whole.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "2",
            partial: Partial::Always,
            whole: ("10", EffectKind::Refund),
            part: (None, EffectKind::PartialRefund),
        },
        Accepts {
            status: "1",
            partial: Partial::Never,
            whole: ("10", EffectKind::Void),
            part: (None, EffectKind::Void),
        },
    ],
    deferred: None,
};

/// A void's business result, inside a 200.
fn result(code: &str, message: &str, status: &str) -> Reply {
    Reply::json(
        200,
        Obj::new()
            .val("Status", &status.parse::<u8>().unwrap_or(0))
            .val("ReturnCode", code)
            .val("ReturnMessage", message)
            .done(),
    )
}

fn errors(status: u16, code: i64, message: &str) -> Reply {
    let error = Obj::new().val("Code", &code).val("Message", message).done();
    Reply::json(status, array([error]))
}

/// The sandbox's answer to an injected server error: Cielo documents none, so none is read.
pub(crate) fn internal_error() -> Reply {
    errors(500, 500, "Internal Server Error")
}

/// Answer for unknown paths: 404, as Cielo's "resource not found".
pub(crate) fn unknown_path() -> Reply {
    Reply::json(404, String::new())
}

/// Runs a routed call on either host.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    let authorised = request.header("MerchantId") == Some(credentials::CIELO_MERCHANT_ID)
        && request.header("MerchantKey") == Some(credentials::CIELO_MERCHANT_KEY);
    if !authorised {
        return Reply::json(401, String::new());
    }
    let found = book.get_mut(Provider::Cielo, call.get("payment"));
    if call.operation == "status" {
        return match found {
            Some(account) => Reply::json(200, sale_body(account)),
            None => Reply::json(404, String::new()),
        };
    }
    let Some(account) = found else {
        return result("3", "Transaction not found", "0");
    };
    let amount = match request.query_param("amount") {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(cents) if cents > 0 => Some(cents),
            _ => return errors(400, 126, "Amount must be a positive integer in cents"),
        },
    };
    let status = account.status.clone();
    match account.cancel(amount, &RULES, "void", cx.ledger, cx.now) {
        Ok(_) if account.remaining() == 0 => Reply::json(200, void_body(account, "9")),
        Ok(_) => Reply::json(200, void_body(account, "0")),
        Err(Refusal::NothingLeft) => result("17", "Void already exists", &status),
        Err(Refusal::BeyondRemaining) => result("51", "Amount exceeds the sale", &status),
        Err(Refusal::State | Refusal::Partial | Refusal::Amount) => {
            result("41", "Status does not allow void", &status)
        }
    }
}

fn tid(account: &Account) -> String {
    stable_digits(&account.id, 91, 13)
}

fn void_body(account: &Account, code: &str) -> String {
    let link = Obj::new()
        .val("Method", "GET")
        .val("Rel", "self")
        .val(
            "Href",
            &format!(
                "https://apiquerysandbox.cieloecommerce.cielo.com.br/1/sales/{}",
                account.id
            ),
        )
        .done();
    let mut body = Obj::new()
        .val("Status", &account.status.parse::<u8>().unwrap_or(0))
        .val("Tid", &tid(account))
        .val("ProofOfSale", &stable_digits(&account.id, 92, 7))
        .val("AuthorizationCode", &stable_digits(&account.id, 93, 6))
        .val("ReturnCode", code)
        .val("ReturnMessage", "Operation Successful");
    if code == "0" {
        body = body
            .val("ReasonCode", &0)
            .val("ReasonMessage", "Successful")
            .val("ProviderReturnCode", "0")
            .val("ProviderReturnMessage", "Operation Successful");
    }
    body.raw("Links", &array([link])).done()
}

fn sale_body(account: &Account) -> String {
    let payment = Obj::new()
        .val("PaymentId", &account.id)
        .val("Type", "CreditCard")
        .val("Amount", &account.amount)
        .val("VoidedAmount", &account.refunded)
        .val("Status", &account.status.parse::<u8>().unwrap_or(0))
        .val("Tid", &tid(account))
        .val("ReturnCode", "6")
        .val("ReturnMessage", "Operation Successful")
        .done();
    Obj::new()
        .val(
            "MerchantOrderId",
            &format!("ORDER{}", stable_digits(&account.id, 94, 8)),
        )
        .raw("Payment", &payment)
        .done()
}
