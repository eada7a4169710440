//! PicPay E-commerce (legacy public API), as documented in `checkout-legacy.json` (cancellations,
//! status) and `ecommerce.json` (the newer refunds endpoint).
//!
//! Paths, under `/picpay-ecommerce/ecommerce/public`:
//! - `POST /payments/{referenceId}/cancellations`, body `{authorizationId?}` or empty:
//!   `paid`/`completed` → `refunded` (needs the order's `authorizationId`), `authorized` →
//!   `refunded` (the authorisation is released), `created` → `expired`; 200
//!   `{referenceId, cancellationId}`.
//! - `POST /payments/{referenceId}/refunds`, body `{authorizationId, amount?}` with `amount` in
//!   decimal reais: partial refunds repeat until the paid amount is used up, then `refunded`;
//!   201 `{id, referenceId, summary: {authorized, paid, refunded}}`.
//! - `GET /payments/{referenceId}/status` → `{referenceId, status, authorizationId?, summary}`.
//!
//! Errors use the documented shapes: 401 `{message}`, 422 `{message, errors: [{field, message}]}`
//! with the OpenAPI's own Portuguese messages where it gives them. Not documented, chosen here:
//! an unknown `referenceId` answers 404 `{message}` (the API lists no code for it), and a body
//! that is not JSON answers 422 like any other validation failure.

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::book::{Accepts, Account, Book, Partial, Rules};
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::money::{ReaisError, parse_reais, reais_number};
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_hash};

pub(crate) const SLUG: &str = "picpay-ecommerce";

/// A PicPay E-commerce order, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The merchant's `referenceId`.
    pub reference_id: String,
    /// The `authorizationId` PicPay issued when the order was paid or authorised.
    #[serde(default)]
    pub authorization_id: Option<String>,
    /// The order's value, in cents.
    pub amount_cents: i64,
    /// `created`, `expired`, `analysis`, `paid`, `completed`, `refunded`, `chargeback` or
    /// `authorized`.
    #[serde(default = "default_status")]
    pub status: String,
    /// How much was already refunded, in cents.
    #[serde(default)]
    pub refunded_cents: i64,
}

fn default_status() -> String {
    String::from("paid")
}

impl Order {
    /// A paid order.
    pub fn paid(
        reference_id: impl Into<String>,
        authorization_id: impl Into<String>,
        amount_cents: i64,
    ) -> Self {
        Order {
            reference_id: reference_id.into(),
            authorization_id: Some(authorization_id.into()),
            amount_cents,
            status: default_status(),
            refunded_cents: 0,
        }
    }

    /// An order waiting to be paid.
    pub fn created(reference_id: impl Into<String>, amount_cents: i64) -> Self {
        Order {
            reference_id: reference_id.into(),
            authorization_id: None,
            amount_cents,
            status: String::from("created"),
            refunded_cents: 0,
        }
    }

    /// The same order in another status.
    #[must_use]
    pub fn with_status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// The same order with part of it already refunded.
    #[must_use]
    pub fn with_refunded_cents(mut self, refunded_cents: i64) -> Self {
        self.refunded_cents = refunded_cents;
        self
    }

    /// What can still be refunded, and whether a partial amount is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone()).refundable(&RULES)
    }
}

/// Whether money was captured for an order in this status (drives `summary.paid`).
fn captured(status: &str) -> bool {
    matches!(
        status,
        "paid" | "completed" | "analysis" | "refunded" | "chargeback"
    )
}

const AUTHORIZATION: &str = "authorization_id";
/// Whether money was ever captured: an authorised order that is voided becomes `refunded`
/// without ever having been paid, and its summary must keep saying `paid: 0`.
const CAPTURED: &str = "captured";

/// The order's account in the shared ledger.
pub(crate) fn account(order: Order) -> Account {
    let captured = captured(&order.status);
    let mut account = Account::new(
        Provider::PicPayEcommerce,
        order.reference_id,
        order.amount_cents,
        order.status,
        "",
        0,
    )
    .with_attr(CAPTURED, captured.to_string());
    if let Some(authorization) = order.authorization_id {
        account = account.with_attr(AUTHORIZATION, authorization);
    }
    account.refunded = order.refunded_cents;
    account
}

/// The account as the order [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn order(account: &Account) -> Order {
    Order {
        reference_id: account.id.clone(),
        authorization_id: account.attrs.get(AUTHORIZATION).cloned(),
        amount_cents: account.amount,
        status: account.status.clone(),
        refunded_cents: account.refunded,
    }
}

/// Under `/picpay-ecommerce`.
pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/ecommerce/public/payments/{payment}/cancellations",
        operation: "cancel",
    },
    Route {
        method: Method::POST,
        path: "/ecommerce/public/payments/{payment}/refunds",
        operation: "refund",
    },
    Route {
        method: Method::GET,
        path: "/ecommerce/public/payments/{payment}/status",
        operation: "status",
    },
];

/// A paid order refunds in parts and stays paid ("continuam sendo considerados pagos") until
/// nothing is left; an authorisation awaiting capture is released whole ("sempre do valor
/// total"). An unpaid order is closed instead, which moves no money (see [`handle`]).
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "paid",
            partial: Partial::Always,
            whole: ("refunded", EffectKind::Refund),
            part: (None, EffectKind::PartialRefund),
        },
        Accepts {
            status: "completed",
            partial: Partial::Always,
            whole: ("refunded", EffectKind::Refund),
            part: (None, EffectKind::PartialRefund),
        },
        Accepts {
            status: "authorized",
            partial: Partial::Never,
            whole: ("refunded", EffectKind::Void),
            part: (None, EffectKind::Void),
        },
    ],
    deferred: None,
};

#[derive(Deserialize, Default)]
struct CancelBody {
    #[serde(rename = "authorizationId", default)]
    authorization_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct RefundBody<'a> {
    #[serde(rename = "authorizationId", default)]
    authorization_id: Option<String>,
    #[serde(borrow, default)]
    amount: Option<&'a RawValue>,
}

/// The OpenAPI's message for every validation failure; the detail goes in `errors`.
const VALIDATION: &str = "Algumas propriedades não passaram no teste de validação.";
const OVER_AMOUNT: &str = "O valor do cancelamento, é maior que o valor total do pagamento.";
const NEGATIVE: &str = "O valor do cancelamento é menor que 0.";
const FULLY_REFUNDED: &str = "O pagamento já foi totalmente cancelado.";

fn unprocessable(field: &str, message: &str) -> Reply {
    let error = Obj::new()
        .val("field", field)
        .val("message", message)
        .done();
    Reply::json(
        422,
        Obj::new()
            .val("message", VALIDATION)
            .raw("errors", &array([error]))
            .done(),
    )
}

fn unauthorized() -> Reply {
    Reply::json(
        401,
        Obj::new()
            .val("message", "O Token informado é inválido")
            .done(),
    )
}

fn not_found(reference_id: &str) -> Reply {
    Reply::json(
        404,
        Obj::new()
            .val("message", &format!("Pedido {reference_id} não encontrado."))
            .done(),
    )
}

/// The 500 body the OpenAPI documents, for injected server errors.
pub(crate) fn internal_error() -> Reply {
    Reply::json(
        500,
        Obj::new()
            .val(
                "message",
                "Problema geral, verifique se a transação foi criada ou cancele a mesma.",
            )
            .done(),
    )
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    Reply::json(404, Obj::new().val("message", "Not Found").done())
}

/// A 24-hex-digit id, the shape PicPay uses for `cancellationId`.
fn object_id(reference_id: &str, seq: u64) -> String {
    let seed = format!("{reference_id}#{seq}");
    format!(
        "{:08x}{:016x}",
        stable_hash(&seed, 1) >> 32,
        stable_hash(&seed, 2)
    )
}

/// Runs a routed call against the order's account.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if request.header("x-picpay-token") != Some(credentials::PICPAY_ECOMMERCE_TOKEN) {
        return unauthorized();
    }
    let id = call.get("payment");
    let Some(account) = book.get_mut(Provider::PicPayEcommerce, id) else {
        return not_found(id);
    };
    match call.operation {
        "cancel" => cancel(account, request, cx),
        "refund" => refund(account, request, cx),
        _ => Reply::json(200, status_body(account)),
    }
}

/// The body as JSON of type `T`; blank is `T::default()` (the seed sends an empty body for
/// unpaid orders, the OpenAPI `{}`: both are fine).
fn body<'a, T: Deserialize<'a> + Default>(request: &'a Request) -> Result<T, Reply> {
    if request.body_is_blank() {
        return Ok(T::default());
    }
    serde_json::from_slice(&request.body)
        .map_err(|_| unprocessable("body", "O corpo da requisição não é um JSON válido."))
}

/// An order nobody paid yet is closed for good; there is nothing to give back.
fn expire(account: &mut Account, operation: &str, cx: &mut Ctx<'_>) {
    account.status = String::from("expired");
    cx.ledger
        .record(SLUG, operation, &account.id, 0, EffectKind::Expire);
}

fn cancel(account: &mut Account, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let body: CancelBody = match body(request) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let cancellation_id = object_id(&account.id, cx.ledger.next_seq());
    match account.status.as_str() {
        "created" => expire(account, "cancel", cx),
        "paid" | "completed" | "authorized" => {
            if let Some(reply) = check_authorization(account, body.authorization_id.as_deref()) {
                return reply;
            }
            if account
                .cancel(None, &RULES, "cancel", cx.ledger, cx.now)
                .is_err()
            {
                return unprocessable("referenceId", FULLY_REFUNDED);
            }
        }
        other => return wrong_state(other, "referenceId"),
    }
    let body = Obj::new()
        .val("referenceId", &account.id)
        .val("cancellationId", &cancellation_id)
        .done();
    Reply::json(200, body)
}

fn refund(account: &mut Account, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let body: RefundBody<'_> = match body(request) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let refund_id = object_id(&account.id, cx.ledger.next_seq());
    match account.status.as_str() {
        "created" => expire(account, "refund", cx),
        "paid" | "completed" | "authorized" => {
            if let Some(reply) = check_authorization(account, body.authorization_id.as_deref()) {
                return reply;
            }
            let remaining = account.remaining();
            if remaining <= 0 {
                return unprocessable("amount", FULLY_REFUNDED);
            }
            let amount = match body.amount.map(|raw| parse_reais(raw.get())) {
                None => remaining,
                Some(Ok(cents)) => cents,
                Some(Err(ReaisError::Negative)) => return unprocessable("amount", NEGATIVE),
                Some(Err(ReaisError::TooLarge)) => return unprocessable("amount", OVER_AMOUNT),
                Some(Err(ReaisError::FractionOfCent)) => {
                    return unprocessable(
                        "amount",
                        "O valor do cancelamento deve ter no máximo duas casas decimais.",
                    );
                }
                Some(Err(ReaisError::NotANumber)) => {
                    return unprocessable("amount", "O valor do cancelamento deve ser um número.");
                }
            };
            if amount == 0 {
                return unprocessable("amount", "O valor do cancelamento deve ser maior que 0.");
            }
            if amount > remaining {
                return unprocessable("amount", OVER_AMOUNT);
            }
            if account
                .cancel(Some(amount), &RULES, "refund", cx.ledger, cx.now)
                .is_err()
            {
                return unprocessable(
                    "amount",
                    "Pedidos autorizados e aguardando captura só podem ser cancelados pelo valor total.",
                );
            }
        }
        "refunded" => return unprocessable("amount", FULLY_REFUNDED),
        other => return wrong_state(other, "referenceId"),
    }
    let body = Obj::new()
        .val("id", &refund_id)
        .val("referenceId", &account.id)
        .raw("summary", &summary(account))
        .done();
    Reply::json(201, body)
}

/// A paid or authorised order can only be refunded with its own `authorizationId`.
fn check_authorization(account: &Account, given: Option<&str>) -> Option<Reply> {
    match given {
        None | Some("") => Some(unprocessable(
            "authorizationId",
            "O campo authorizationId é obrigatório.",
        )),
        Some(given) if given != account.attr(AUTHORIZATION) => Some(unprocessable(
            "authorizationId",
            "O authorizationId informado não corresponde a este pedido.",
        )),
        Some(_) => None,
    }
}

fn wrong_state(status: &str, field: &str) -> Reply {
    let message = match status {
        "expired" => String::from("O pedido está expirado e não pode ser cancelado."),
        "refunded" => String::from(FULLY_REFUNDED),
        other => format!("O pedido não pode ser cancelado no status {other}."),
    };
    unprocessable(field, &message)
}

fn summary(account: &Account) -> String {
    let captured = account.attr(CAPTURED) == "true";
    let authorized = if captured || account.status == "authorized" || account.status == "refunded" {
        account.amount
    } else {
        0
    };
    let paid = if captured { account.amount } else { 0 };
    Obj::new()
        .val("authorized", &reais_number(authorized))
        .val("paid", &reais_number(paid))
        .val("refunded", &reais_number(account.refunded))
        .done()
}

fn status_body(account: &Account) -> String {
    Obj::new()
        .val("referenceId", &account.id)
        .val("status", &account.status)
        .opt(
            "authorizationId",
            account.attrs.get(AUTHORIZATION).map(String::as_str),
        )
        .raw("summary", &summary(account))
        .done()
}
