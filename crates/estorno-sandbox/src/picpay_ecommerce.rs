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

use std::collections::BTreeMap;

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::money::{ReaisError, parse_reais, reais_number};
use crate::provider::{Ctx, Routed};
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
        match self.status.as_str() {
            "paid" | "completed" => ((self.amount_cents - self.refunded_cents).max(0), true),
            "authorized" => (self.amount_cents - self.refunded_cents, false),
            _ => (0, false),
        }
    }
}

/// Whether money was captured for an order in this status (drives `summary.paid`).
fn captured(status: &str) -> bool {
    matches!(
        status,
        "paid" | "completed" | "analysis" | "refunded" | "chargeback"
    )
}

pub(crate) enum Call {
    Cancel(String),
    Refund(String),
    Status(String),
}

impl Call {
    pub(crate) fn operation(&self) -> &'static str {
        match self {
            Call::Cancel(_) => "cancel",
            Call::Refund(_) => "refund",
            Call::Status(_) => "status",
        }
    }

    pub(crate) fn payment(&self) -> &str {
        match self {
            Call::Cancel(id) | Call::Refund(id) | Call::Status(id) => id,
        }
    }
}

/// Routes the segments after `/picpay-ecommerce`.
pub(crate) fn route(method: &Method, segments: &[String]) -> Routed<Call> {
    let [a, b, c, id, action] = segments else {
        return Routed::NotFound;
    };
    if (a.as_str(), b.as_str(), c.as_str()) != ("ecommerce", "public", "payments") {
        return Routed::NotFound;
    }
    let id = id.clone();
    match (action.as_str(), method) {
        ("cancellations", &Method::POST) => Routed::Call(Call::Cancel(id)),
        ("refunds", &Method::POST) => Routed::Call(Call::Refund(id)),
        ("status", &Method::GET) => Routed::Call(Call::Status(id)),
        ("cancellations", _) => Routed::WrongMethod("cancel"),
        ("refunds", _) => Routed::WrongMethod("refund"),
        ("status", _) => Routed::WrongMethod("status"),
        _ => Routed::NotFound,
    }
}

#[derive(Clone)]
struct Record {
    order: Order,
    /// Whether money was ever captured: an authorised order that is voided becomes `refunded`
    /// without ever having been paid, and its summary must keep saying `paid: 0`.
    captured: bool,
}

#[derive(Clone, Default)]
pub(crate) struct Store {
    orders: BTreeMap<String, Record>,
}

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

impl Store {
    pub(crate) fn insert(&mut self, order: Order) {
        let captured = captured(&order.status);
        self.orders
            .insert(order.reference_id.clone(), Record { order, captured });
    }

    pub(crate) fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values().map(|record| &record.order)
    }

    pub(crate) fn get(&self, reference_id: &str) -> Option<&Order> {
        self.orders.get(reference_id).map(|record| &record.order)
    }

    pub(crate) fn handle(&mut self, call: &Call, request: &Request, cx: &mut Ctx<'_>) -> Reply {
        if request.header("x-picpay-token") != Some(credentials::PICPAY_ECOMMERCE_TOKEN) {
            return unauthorized();
        }
        match call {
            Call::Status(id) => match self.orders.get(id) {
                Some(record) => Reply::json(200, status_body(record)),
                None => not_found(id),
            },
            Call::Cancel(id) => self.cancel(id, request, cx),
            Call::Refund(id) => self.refund(id, request, cx),
        }
    }

    fn cancel(&mut self, id: &str, request: &Request, cx: &mut Ctx<'_>) -> Reply {
        let Some(record) = self.orders.get_mut(id) else {
            return not_found(id);
        };
        // The seed sends an empty body for unpaid orders, the OpenAPI `{}`: both are fine.
        let body: CancelBody = if request.body_is_blank() {
            CancelBody::default()
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(body) => body,
                Err(_) => {
                    return unprocessable("body", "O corpo da requisição não é um JSON válido.");
                }
            }
        };
        let order = &mut record.order;
        let cancellation_id = object_id(id, cx.ledger.next_seq());
        match order.status.as_str() {
            "created" => {
                order.status = String::from("expired");
                cx.ledger.record(SLUG, "cancel", id, 0, EffectKind::Expire);
            }
            "paid" | "completed" | "authorized" => {
                if let Some(reply) = check_authorization(order, body.authorization_id.as_deref()) {
                    return reply;
                }
                let remaining = order.amount_cents - order.refunded_cents;
                if remaining <= 0 {
                    return unprocessable("referenceId", FULLY_REFUNDED);
                }
                let kind = if order.status == "authorized" {
                    EffectKind::Void
                } else {
                    EffectKind::Refund
                };
                order.refunded_cents = order.amount_cents;
                order.status = String::from("refunded");
                cx.ledger.record(SLUG, "cancel", id, remaining, kind);
            }
            other => return wrong_state(other, "referenceId"),
        }
        let body = Obj::new()
            .val("referenceId", id)
            .val("cancellationId", &cancellation_id)
            .done();
        Reply::json(200, body)
    }

    fn refund(&mut self, id: &str, request: &Request, cx: &mut Ctx<'_>) -> Reply {
        let Some(record) = self.orders.get_mut(id) else {
            return not_found(id);
        };
        let body: RefundBody<'_> = if request.body_is_blank() {
            RefundBody::default()
        } else {
            match serde_json::from_slice(&request.body) {
                Ok(body) => body,
                Err(_) => {
                    return unprocessable("body", "O corpo da requisição não é um JSON válido.");
                }
            }
        };
        let refund_id = object_id(id, cx.ledger.next_seq());
        let order = &mut record.order;
        match order.status.as_str() {
            // An order nobody paid yet is closed for good; there is nothing to give back.
            "created" => {
                order.status = String::from("expired");
                cx.ledger.record(SLUG, "refund", id, 0, EffectKind::Expire);
            }
            "paid" | "completed" | "authorized" => {
                if let Some(reply) = check_authorization(order, body.authorization_id.as_deref()) {
                    return reply;
                }
                let remaining = order.amount_cents - order.refunded_cents;
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
                        return unprocessable(
                            "amount",
                            "O valor do cancelamento deve ser um número.",
                        );
                    }
                };
                if amount == 0 {
                    return unprocessable(
                        "amount",
                        "O valor do cancelamento deve ser maior que 0.",
                    );
                }
                if amount > remaining {
                    return unprocessable("amount", OVER_AMOUNT);
                }
                let authorized_only = order.status == "authorized";
                // "Sempre do valor total": an authorisation awaiting capture is released whole.
                if authorized_only && amount != remaining {
                    return unprocessable(
                        "amount",
                        "Pedidos autorizados e aguardando captura só podem ser cancelados pelo valor total.",
                    );
                }
                order.refunded_cents += amount;
                let kind = if authorized_only {
                    EffectKind::Void
                } else if amount == remaining {
                    EffectKind::Refund
                } else {
                    EffectKind::PartialRefund
                };
                // Partially refunded orders "continuam sendo considerados pagos".
                if order.refunded_cents == order.amount_cents {
                    order.status = String::from("refunded");
                }
                cx.ledger.record(SLUG, "refund", id, amount, kind);
            }
            "refunded" => return unprocessable("amount", FULLY_REFUNDED),
            other => return wrong_state(other, "referenceId"),
        }
        let body = Obj::new()
            .val("id", &refund_id)
            .val("referenceId", id)
            .raw("summary", &summary(record))
            .done();
        Reply::json(201, body)
    }
}

/// A paid or authorised order can only be refunded with its own `authorizationId`.
fn check_authorization(order: &Order, given: Option<&str>) -> Option<Reply> {
    match given {
        None | Some("") => Some(unprocessable(
            "authorizationId",
            "O campo authorizationId é obrigatório.",
        )),
        Some(given) if Some(given) != order.authorization_id.as_deref() => Some(unprocessable(
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

fn summary(record: &Record) -> String {
    let order = &record.order;
    let authorized =
        if record.captured || order.status == "authorized" || order.status == "refunded" {
            order.amount_cents
        } else {
            0
        };
    let paid = if record.captured {
        order.amount_cents
    } else {
        0
    };
    Obj::new()
        .val("authorized", &reais_number(authorized))
        .val("paid", &reais_number(paid))
        .val("refunded", &reais_number(order.refunded_cents))
        .done()
}

fn status_body(record: &Record) -> String {
    let order = &record.order;
    Obj::new()
        .val("referenceId", &order.reference_id)
        .val("status", &order.status)
        .opt("authorizationId", order.authorization_id.as_deref())
        .raw("summary", &summary(record))
        .done()
}
