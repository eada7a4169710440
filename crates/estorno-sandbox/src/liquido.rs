//! Liquido BRL pay-ins, as documented in seed 003 and Liquido's PHP SDK.
//!
//! Paths: the API under `/liquido` (`POST /v1/payments/charges/cancel/{idempotencyKey}`, no body;
//! `GET /v1/payments/charges/{idempotencyKey}`), and the token endpoint on a separate prefix,
//! `/liquido-auth/oauth2/token`, because the real one lives on another host. The token request
//! is form-encoded (`grant_type=client_credentials&client_id=..&client_secret=..`) and answers
//! `{access_token, expires_in: 3600, token_type: "Bearer"}`; every API call needs that bearer
//! token and the `x-api-key`.
//!
//! A cancel moves `IN_PROGRESS` (and `AUTHORIZED`, the card-payment state the cancel docs name)
//! to `CANCELLED` and answers the seed's body with
//! `transferStatusCode: 200` and `transferErrorMsg: null`. Liquido documents only HTTP classes
//! for failures, so the sandbox chooses:
//! - a payment in any other status: HTTP 200 with the payment unchanged,
//!   `transferStatusCode: 400` and a `transferErrorMsg` naming the status;
//! - an unknown key: 404 `{transferStatusCode: 404, transferErrorMsg, idempotencyKey}`;
//! - a missing or unknown bearer token: 401 `{"message":"Unauthorized"}`; a wrong `x-api-key`:
//!   403 `{"message":"Forbidden"}` (what the AWS API Gateway in front of Liquido's API answers);
//! - token endpoint: 401 `{"error":"invalid_client"}` for wrong credentials, 400
//!   `{"error":"unsupported_grant_type"}` / `{"error":"invalid_request"}` (RFC 6749 §5.2).

use std::time::Duration;

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Partial, Rules};
use crate::clock;
use crate::credentials;
use crate::json::Obj;
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits, stable_hash};

pub(crate) const SLUG: &str = "liquido";

/// Tokens live an hour, as Liquido's token endpoint says.
pub const TOKEN_TTL: Duration = Duration::from_secs(3600);

/// A Liquido pay-in, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// The payment's own `idempotencyKey` (its id in every call).
    pub idempotency_key: String,
    /// `amount`, in cents.
    pub amount_cents: i64,
    /// `transferStatus`: `INITIAL_STATUS`, `IN_PROGRESS`, `SETTLED`, `FAILED`, `CANCELLED`,
    /// `EXPIRED`, `REFUNDING`, `REFUNDED`, `CHARGED_BACK` (or `AUTHORIZED` for a card payment).
    #[serde(default = "default_status")]
    pub transfer_status: String,
    /// `paymentMethod`, e.g. `PIX_STATIC_QR` or `PIX_DYNAMIC_QR`.
    #[serde(default = "default_method")]
    pub payment_method: String,
    /// Write `finalAmount` as a string (the seed's table types it so; its example uses a number).
    #[serde(default)]
    pub final_amount_as_string: bool,
}

fn default_status() -> String {
    String::from("IN_PROGRESS")
}
fn default_method() -> String {
    String::from("PIX_STATIC_QR")
}

impl Charge {
    /// A Pix payment waiting to be paid (`IN_PROGRESS`), the state a cancel applies to.
    pub fn in_progress(idempotency_key: impl Into<String>, amount_cents: i64) -> Self {
        Charge {
            idempotency_key: idempotency_key.into(),
            amount_cents,
            transfer_status: default_status(),
            payment_method: default_method(),
            final_amount_as_string: false,
        }
    }

    /// The same payment in another `transferStatus`.
    #[must_use]
    pub fn with_status(mut self, transfer_status: impl Into<String>) -> Self {
        self.transfer_status = transfer_status.into();
        self
    }

    /// What a cancel would release (only whole payments can be cancelled).
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

const FINAL_AMOUNT_AS_STRING: &str = "final_amount_as_string";

/// The pay-in's account in the shared ledger.
pub(crate) fn account(charge: Charge, created_at: i64) -> Account {
    let account = Account::new(
        Provider::Liquido,
        charge.idempotency_key,
        charge.amount_cents,
        charge.transfer_status,
        charge.payment_method,
        created_at,
    );
    if charge.final_amount_as_string {
        account.with_attr(FINAL_AMOUNT_AS_STRING, "true")
    } else {
        account
    }
}

/// The account as the pay-in [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn charge(account: &Account) -> Charge {
    Charge {
        idempotency_key: account.id.clone(),
        amount_cents: account.amount,
        transfer_status: account.status.clone(),
        payment_method: account.method.clone(),
        final_amount_as_string: account.attr(FINAL_AMOUNT_AS_STRING) == "true",
    }
}

/// The API, under `/liquido`.
pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/v1/payments/charges/cancel/{payment}",
        operation: "cancel",
    },
    Route {
        method: Method::GET,
        path: "/v1/payments/charges/{payment}",
        operation: "status",
    },
];

/// The token endpoint, under `/liquido-auth`: the real one lives on another host.
pub(crate) const AUTH_ROUTES: &[Route] = &[Route {
    method: Method::POST,
    path: "/oauth2/token",
    operation: "token",
}];

/// Liquido cancels payments nobody has paid yet, and only whole: `IN_PROGRESS` Pix / PicPay /
/// boleto payments and `AUTHORIZED` card payments.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "IN_PROGRESS",
            partial: Partial::Never,
            whole: ("CANCELLED", EffectKind::Cancel),
            part: (None, EffectKind::PartialCancel),
        },
        Accepts {
            status: "AUTHORIZED",
            partial: Partial::Never,
            whole: ("CANCELLED", EffectKind::Cancel),
            part: (None, EffectKind::PartialCancel),
        },
    ],
    deferred: None,
};

fn message(status: u16, text: &str) -> Reply {
    Reply::json(status, Obj::new().val("message", text).done())
}

fn oauth_error(status: u16, code: &str) -> Reply {
    Reply::json(status, Obj::new().val("error", code).done())
}

/// An API Gateway-style 500, for injected server errors.
pub(crate) fn internal_error() -> Reply {
    message(500, "Internal server error")
}

/// Answer for unknown paths under the prefixes.
pub(crate) fn unknown_path() -> Reply {
    message(404, "Not Found")
}

/// Statuses that have reached an end, so they carry a `finalStatusTime`.
fn is_final(status: &str) -> bool {
    !matches!(
        status,
        "INITIAL_STATUS" | "IN_PROGRESS" | "AUTHORIZED" | "REFUNDING"
    )
}

/// When a payment that reached an end got there: its cancellation, or shortly after it was
/// created for one inserted in a final status.
fn final_status_at(account: &Account) -> Option<i64> {
    if !is_final(&account.status) {
        return None;
    }
    Some(
        account
            .movements
            .last()
            .map_or(account.created_at + 98, |movement| movement.at),
    )
}

/// Runs a routed call: the token endpoint, or a payment's cancel or look-up.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if call.operation == "token" {
        return token(request, cx);
    }
    let key = call.get("payment");
    if !request
        .bearer()
        .is_some_and(|token| cx.tokens.is_valid(Provider::Liquido, token))
    {
        return message(401, "Unauthorized");
    }
    if request.header("x-api-key") != Some(credentials::LIQUIDO_API_KEY) {
        return message(403, "Forbidden");
    }
    let Some(account) = book.get_mut(Provider::Liquido, key) else {
        let body = Obj::new()
            .val("transferStatusCode", &404)
            .val(
                "transferErrorMsg",
                &format!("Payment not found for idempotencyKey {key}"),
            )
            .val("idempotencyKey", key)
            .done();
        return Reply::json(404, body);
    };
    if call.operation == "cancel"
        && account
            .cancel(None, &RULES, "cancel", cx.ledger, cx.now)
            .is_err()
    {
        let error = format!(
            "Payment {key} cannot be cancelled: transferStatus is {}, only IN_PROGRESS or AUTHORIZED payments can be cancelled",
            account.status
        );
        return Reply::json(200, payment_body(account, 400, Some(&error)));
    }
    Reply::json(200, payment_body(account, 200, None))
}

fn token(request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    for (name, value) in form_urlencoded::parse(&request.body) {
        match name.as_ref() {
            "grant_type" => grant_type = Some(value.into_owned()),
            "client_id" => client_id = Some(value.into_owned()),
            "client_secret" => client_secret = Some(value.into_owned()),
            _ => {}
        }
    }
    match grant_type.as_deref() {
        None => return oauth_error(400, "invalid_request"),
        Some("client_credentials") => {}
        Some(_) => return oauth_error(400, "unsupported_grant_type"),
    }
    if client_id.as_deref() != Some(credentials::LIQUIDO_CLIENT_ID)
        || client_secret.as_deref() != Some(credentials::LIQUIDO_CLIENT_SECRET)
    {
        return oauth_error(401, "invalid_client");
    }
    let token = cx.tokens.issue(Provider::Liquido, TOKEN_TTL);
    Reply::json(
        200,
        Obj::new()
            .val("access_token", &token)
            .val("expires_in", &TOKEN_TTL.as_secs())
            .val("token_type", "Bearer")
            .done(),
    )
}

/// Fake payers: never real people, but shaped like the seed's (CPF, e-mail, phone, address).
const PAYERS: [(&str, &str, &str); 4] = [
    ("Thiago Gabriel", "thiago", "Jardim Gaivotas"),
    ("Mariana Costa", "mariana", "Vila Mariana"),
    ("Joao Pereira", "joao", "Moema"),
    ("Ana Beatriz Lima", "ana", "Pinheiros"),
];

/// The seed's payment body.
fn payment_body(account: &Account, transfer_status_code: u16, error: Option<&str>) -> String {
    let key = &account.id;
    let hash = stable_hash(key, 31);
    let (name, mail, district) = PAYERS[usize::try_from(hash % 4).unwrap_or(0)];
    let document = Obj::new()
        .val("documentId", &stable_digits(key, 32, 11))
        .val("type", "CPF")
        .done();
    let address = Obj::new()
        .val("zipCode", &stable_digits(key, 33, 8))
        .val("state", "SP")
        .val("city", "sao paulo")
        .val("district", district)
        .val("street", "Rua 9 de setembro")
        .val("number", &(hash % 900 + 10).to_string())
        .val("complement", "casa")
        .val("country", "BR")
        .done();
    let payer = Obj::new()
        .val("name", name)
        .raw("document", &document)
        .val("email", &format!("{mail}@example.com"))
        .val("phone", &format!("50{}", stable_digits(key, 34, 8)))
        .raw("billingAddress", &address)
        .done();
    let qr_type = if account.method.contains("DYNAMIC") {
        "DYNAMIC"
    } else {
        "STATIC"
    };
    let pix = Obj::new()
        .val(
            "qrCode",
            &format!(
                "00020101021226580014BR.GOV.BCB.PIX0136{}5204000053039865802BR5925Liquido Brl Pagamentos Di6014Belo Horizonte6304{:04X}",
                crate::wire::stable_uuid(key, 35),
                hash & 0xffff
            ),
        )
        .val("qrCodeType", qr_type)
        .val("expirationTime", &Value::Null)
        .done();
    let details = Obj::new().raw("pix", &pix).done();
    let body = Obj::new()
        .val("transferStatusCode", &transfer_status_code)
        .val("transferErrorMsg", &error)
        .val("idempotencyKey", key)
        .val("referenceId", key)
        .val("paymentMethod", &account.method)
        .val("amount", &account.amount)
        .val("currency", "BRL")
        .val("country", "BR");
    let body = if account.attr(FINAL_AMOUNT_AS_STRING) == "true" {
        body.val("finalAmount", &account.amount.to_string())
    } else {
        body.val("finalAmount", &account.amount)
    };
    body.val("finalCurrency", "BRL")
        .val("createTime", &clock::liquido(account.created_at))
        .val("scheduledTime", &clock::liquido(account.created_at + 2815))
        .val(
            "finalStatusTime",
            &final_status_at(account).map(clock::liquido),
        )
        .raw("payer", &payer)
        .val("transferStatus", &account.status)
        .val("description", "estorno sandbox")
        .val("callbackUrl", "http://api.client.com/notifications")
        .raw("transferDetails", &details)
        .done()
}
