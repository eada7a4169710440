//! PicPay Checkout ("Pagamento Online", the charge API), as documented in seed 002.
//!
//! Paths, under `/picpay-checkout/api/v1`:
//! - `POST /oauth2/token`, JSON `{grant_type, client_id, client_secret}` →
//!   `{access_token, expires_in: 300, token_type: "Bearer"}` (also served at
//!   `/picpay-checkout/oauth2/token`, since PROVIDERS.md leaves the token path unconfirmed).
//! - `POST /charge/{merchantChargeId}/refund`, JSON `{amount}` in cents: `PAID` → `PARTIAL` →
//!   ... → `REFUNDED` as the amount is used up; `PRE_AUTHORIZED` → `CANCELED` (whole amount).
//! - `GET /charge/{merchantChargeId}` → the same charge body.
//!
//! Errors use the documented `{message, success: false, errors}` with the seed's messages: 401
//! "Authorization token not found." for unknown or expired tokens, 400 "REFUND execution is
//! unauthorized..." for over-refunds and charges that cannot be refunded, 415 for a body that
//! is not declared JSON. Not documented, chosen here: an unknown `merchantChargeId` answers 404
//! `{message: "Charge not found", success: false, errors: null}` (a status outside the
//! documented list that a client must still handle); field validation answers 400 with the
//! seed's "Request object is invalid or incorrectly formatted" and the field in `errors`
//! (`{message, field}` as in the seed's schema example); wrong client credentials at the token
//! endpoint answer 401 `{message: "Invalid client credentials.", success: false, errors: null}`.

use std::time::Duration;

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Partial, Rules};
use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits, stable_hash, stable_uuid};

pub(crate) const SLUG: &str = "picpay-checkout";

/// Tokens live five minutes, as PicPay documents.
pub const TOKEN_TTL: Duration = Duration::from_secs(300);

/// A PicPay Checkout charge, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// 6 to 36 characters of `[A-Za-z0-9-]`.
    pub merchant_charge_id: String,
    /// `originalAmount`, in cents.
    pub amount_cents: i64,
    /// `refundedAmount`, in cents.
    #[serde(default)]
    pub refunded_cents: i64,
    /// `chargeStatus`: `PAID`, `PRE_AUTHORIZED`, `PARTIAL`, `REFUNDED`, `CANCELED`, `DENIED`,
    /// `ERROR` or `CHARGEBACK`.
    #[serde(default = "default_status")]
    pub charge_status: String,
    /// `CREDIT`, `PIX` or `WALLET`.
    #[serde(default = "default_payment_type")]
    pub payment_type: String,
}

fn default_status() -> String {
    String::from("PAID")
}
fn default_payment_type() -> String {
    String::from("CREDIT")
}

impl Charge {
    /// A paid credit-card charge.
    pub fn paid(merchant_charge_id: impl Into<String>, amount_cents: i64) -> Self {
        Charge {
            merchant_charge_id: merchant_charge_id.into(),
            amount_cents,
            refunded_cents: 0,
            charge_status: default_status(),
            payment_type: default_payment_type(),
        }
    }

    /// The same charge in another `chargeStatus`.
    #[must_use]
    pub fn with_status(mut self, charge_status: impl Into<String>) -> Self {
        self.charge_status = charge_status.into();
        self
    }

    /// The same charge paid another way (`PIX`, `WALLET`).
    #[must_use]
    pub fn with_payment_type(mut self, payment_type: impl Into<String>) -> Self {
        self.payment_type = payment_type.into();
        self
    }

    /// The same charge with part of it already refunded (status `PARTIAL`).
    #[must_use]
    pub fn with_refunded_cents(mut self, refunded_cents: i64) -> Self {
        self.refunded_cents = refunded_cents;
        self
    }

    /// What can still be refunded, and whether a partial amount is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

/// The charge's account in the shared ledger.
pub(crate) fn account(charge: Charge, created_at: i64) -> Account {
    let mut account = Account::new(
        Provider::PicPayCheckout,
        charge.merchant_charge_id,
        charge.amount_cents,
        charge.charge_status,
        charge.payment_type,
        created_at,
    );
    account.refunded = charge.refunded_cents;
    account
}

/// The account as the charge [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn charge(account: &Account) -> Charge {
    Charge {
        merchant_charge_id: account.id.clone(),
        amount_cents: account.amount,
        refunded_cents: account.refunded,
        charge_status: account.status.clone(),
        payment_type: account.method.clone(),
    }
}

/// The token endpoint answers on both paths, since PROVIDERS.md leaves it unconfirmed.
pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/api/v1/oauth2/token",
        operation: "token",
    },
    Route {
        method: Method::POST,
        path: "/oauth2/token",
        operation: "token",
    },
    Route {
        method: Method::POST,
        path: "/api/v1/charge/{payment}/refund",
        operation: "refund",
    },
    Route {
        method: Method::GET,
        path: "/api/v1/charge/{payment}",
        operation: "status",
    },
];

/// A paid charge refunds in parts until nothing is left; a pre-authorisation is released
/// whole, since nothing was captured to refund in part.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "PAID",
            partial: Partial::Always,
            whole: ("REFUNDED", EffectKind::Refund),
            part: (Some("PARTIAL"), EffectKind::PartialRefund),
        },
        Accepts {
            status: "PARTIAL",
            partial: Partial::Always,
            whole: ("REFUNDED", EffectKind::Refund),
            part: (Some("PARTIAL"), EffectKind::PartialRefund),
        },
        Accepts {
            status: "PRE_AUTHORIZED",
            partial: Partial::Never,
            whole: ("CANCELED", EffectKind::Void),
            part: (None, EffectKind::Void),
        },
    ],
    deferred: None,
};

/// The seed's 400 message for over-refunds, refunded charges and charges that cannot refund.
pub const REFUND_UNAUTHORIZED: &str = "REFUND execution is unauthorized. Check if there is amount available for refund or if it has already been refunded";
const MALFORMED: &str = "Request object is invalid or incorrectly formatted";

fn failure(status: u16, message: &str, errors: &str) -> Reply {
    Reply::json(
        status,
        Obj::new()
            .val("message", message)
            .val("success", &false)
            .raw("errors", errors)
            .done(),
    )
}

fn field_error(message: &str, field: &str) -> Reply {
    let error = Obj::new()
        .val("message", message)
        .val("field", field)
        .done();
    failure(400, MALFORMED, &array([error]))
}

/// The seed's 401 body; note `errors` is an object here, not an array.
fn token_not_found() -> Reply {
    let errors = Obj::new()
        .val("message", "Authorization token not found")
        .val("field", "Authorization Token")
        .done();
    failure(401, "Authorization token not found.", &errors)
}

/// The seed's 500 body, for injected server errors.
pub(crate) fn internal_error() -> Reply {
    failure(500, "Internal Server Error", "null")
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    failure(404, "Not Found", "null")
}

/// The documented constraint on `merchantChargeId`: 6–36 characters of `[a-zA-Z0-9-]`.
fn valid_charge_id(id: &str) -> Result<(), Reply> {
    if !(6..=36).contains(&id.chars().count()) {
        return Err(field_error(
            "size must be between 6 and 36",
            "merchantChargeId",
        ));
    }
    if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(field_error(
            "must match \"^([a-zA-Z0-9-]+$)$\"",
            "merchantChargeId",
        ));
    }
    Ok(())
}

/// Runs a routed call: the token endpoint, or a charge's refund or look-up.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if call.operation == "token" {
        return token(request, cx);
    }
    let id = call.get("payment");
    if !request
        .bearer()
        .is_some_and(|token| cx.tokens.is_valid(Provider::PicPayCheckout, token))
    {
        return token_not_found();
    }
    if let Err(reply) = valid_charge_id(id) {
        return reply;
    }
    let refund = call.operation == "refund";
    if refund && !request.is_json() {
        return failure(415, MALFORMED, "null");
    }
    let amount = if refund {
        match refund_amount(request) {
            Ok(amount) => Some(amount),
            Err(reply) => return reply,
        }
    } else {
        None
    };
    let Some(account) = book.get_mut(Provider::PicPayCheckout, id) else {
        return failure(404, "Charge not found", "null");
    };
    if let Some(amount) = amount
        && account
            .cancel(Some(amount), &RULES, "refund", cx.ledger, cx.now)
            .is_err()
    {
        return failure(400, REFUND_UNAUTHORIZED, "null");
    }
    Reply::json(200, charge_body(account))
}

/// Reads `{amount}`: an integer number of cents, at least 1.
fn refund_amount(request: &Request) -> Result<i64, Reply> {
    let body: Value =
        serde_json::from_slice(&request.body).map_err(|_| failure(400, MALFORMED, "null"))?;
    let Value::Object(fields) = body else {
        return Err(failure(400, MALFORMED, "null"));
    };
    match fields.get("amount") {
        None | Some(Value::Null) => Err(field_error("must not be null", "amount")),
        Some(Value::Number(number)) => match number.as_i64() {
            Some(amount) if amount >= 1 => Ok(amount),
            Some(_) => Err(field_error("must be greater than or equal to 1", "amount")),
            None if number.as_f64().is_some_and(|value| value < 1.0) => {
                Err(field_error("must be greater than or equal to 1", "amount"))
            }
            None => Err(failure(400, MALFORMED, "null")),
        },
        Some(_) => Err(failure(400, MALFORMED, "null")),
    }
}

fn token(request: &Request, cx: &mut Ctx<'_>) -> Reply {
    #[derive(Deserialize)]
    struct TokenRequest {
        grant_type: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
    }
    if !request.is_json() {
        return failure(415, MALFORMED, "null");
    }
    let Ok(body) = serde_json::from_slice::<TokenRequest>(&request.body) else {
        return failure(400, MALFORMED, "null");
    };
    if body.grant_type.as_deref() != Some("client_credentials") {
        return field_error("must be client_credentials", "grant_type");
    }
    if body.client_id.as_deref() != Some(credentials::PICPAY_CHECKOUT_CLIENT_ID)
        || body.client_secret.as_deref() != Some(credentials::PICPAY_CHECKOUT_CLIENT_SECRET)
    {
        return failure(401, "Invalid client credentials.", "null");
    }
    let token = cx.tokens.issue(Provider::PicPayCheckout, TOKEN_TTL);
    Reply::json(
        200,
        Obj::new()
            .val("access_token", &token)
            .val("expires_in", &TOKEN_TTL.as_secs())
            .val("token_type", "Bearer")
            .done(),
    )
    .with_header("cache-control", "no-store")
}

fn transaction_status(charge_status: &str) -> &str {
    match charge_status {
        "PARTIAL" => "PARTIALLY_REFUNDED",
        other => other,
    }
}

/// The seed's charge body.
fn charge_body(account: &Account) -> String {
    let id = &account.id;
    let amount = account.remaining();
    let transaction = Obj::new()
        .val("paymentType", &account.method)
        .val("amount", &amount)
        .val("originalAmount", &account.amount)
        .val("refundedAmount", &account.refunded)
        .val("transactionStatus", transaction_status(&account.status))
        .val(
            "createdAt",
            &clock::iso_offset(account.created_at, clock::BRT),
        )
        .val(
            "updatedAt",
            &clock::iso_offset(account.updated_at, clock::BRT),
        )
        .val("transactionId", &format!("11{}", stable_digits(id, 21, 17)));
    let transaction = match account.method.as_str() {
        "CREDIT" => transaction
            .val("softDescriptor", "ESTORNO SANDBOX")
            .val("errorMessage", &Value::Null),
        "PIX" => {
            let pix = Obj::new()
                .val(
                    "qrCode",
                    &format!("00020101021226940014COM.PICPAY.P2B0172{:016x}5204000053039865802BR", stable_hash(id, 22)),
                )
                .val("qrCodeBase64", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
                // ISPB, then yyyyMMddHHmm, then 11 characters: 32 in all, like the seed's.
                .val(
                    "endToEndId",
                    &format!(
                        "E00416911{}{:011x}",
                        clock::plain_datetime(account.created_at, 0)
                            .chars()
                            .filter(char::is_ascii_digit)
                            .take(12)
                            .collect::<String>(),
                        stable_hash(id, 23) & 0xfff_ffff_ffff
                    ),
                )
                .done();
            transaction
                .val("errorMessage", &Value::Null)
                .raw("pix", &pix)
        }
        _ => transaction.val("errorMessage", &Value::Null),
    };
    Obj::new()
        .val("merchantChargeId", id)
        .val("id", &stable_uuid(id, 20))
        .val("chargeStatus", &account.status)
        .val("amount", &amount)
        .val("originalAmount", &account.amount)
        .val("refundedAmount", &account.refunded)
        .raw("transactions", &array([transaction.done()]))
        .done()
}
