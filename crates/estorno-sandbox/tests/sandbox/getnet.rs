//! The Getnet simulation: a token with Basic and `scope=oob`; the void on the payment's own
//! day only; cancel requests keyed by the merchant's `cancel_custom_key`, looked up by it, a
//! key used again answered as the first time with nothing done twice.

use crate::common;

use common::{base, client, send};
use estorno_sandbox::{EffectKind, Sandbox, credentials, getnet};
use reqwest::Method;
use serde_json::json;

const TODAY: &str = "11111111-2222-4333-8444-555555555555";
/// A seeded payment made in 2024 (n = 10).
const LONG_AGO: &str = "0e7e0000-0000-4000-8000-000000000010";

async fn token(sandbox: &Sandbox, client: &reqwest::Client) -> String {
    let (status, body) = send(
        client
            .post(sandbox.token_url("getnet").unwrap())
            .basic_auth(
                credentials::GETNET_CLIENT_ID,
                Some(credentials::GETNET_CLIENT_SECRET),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body("scope=oob&grant_type=client_credentials"),
    )
    .await;
    assert_eq!((status, &body["scope"]), (200, &json!("oob")), "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_void_is_for_the_payments_own_day_and_cancel_requests_for_any() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_payment(getnet::Payment::confirmed(TODAY, 10_000));
    let client = client();
    let url = base(&sandbox, "getnet");
    let bearer = token(&sandbox, &client).await;
    let call = |method: Method, path: String| {
        client
            .request(method, format!("{url}{path}"))
            .bearer_auth(&bearer)
    };

    let (status, body) = send(call(
        Method::POST,
        format!("/v1/payments/credit/{LONG_AGO}/cancel"),
    ))
    .await;
    assert_eq!(
        (status, &body["details"][0]["error_code"]),
        (400, &json!("PAYMENTS-012"))
    );
    let (status, body) = send(call(
        Method::POST,
        format!("/v1/payments/credit/{TODAY}/cancel"),
    ))
    .await;
    assert_eq!(
        (status, &body["status"], &body["amount"]),
        (200, &json!("CANCELED"), &json!(10_000))
    );
    let (status, body) = send(call(
        Method::POST,
        format!("/v1/payments/credit/{TODAY}/cancel"),
    ))
    .await;
    assert_eq!(
        (status, &body["details"][0]["error_code"]),
        (400, &json!("PAYMENTS-011"))
    );

    let request = |key: &str, cents: i64| {
        call(Method::POST, "/v1/payments/cancel/request".into()).json(&json!({
            "payment_id": LONG_AGO, "cancel_amount": cents, "cancel_custom_key": key
        }))
    };
    let (status, first) = send(request("k-1", 500)).await;
    assert_eq!((status, &first["status"]), (200, &json!("ACCEPTED")));
    // The same key again: the same answer, nothing done twice.
    let (_, again) = send(request("k-1", 500)).await;
    assert_eq!(again, first);
    let (status, found) = send(call(
        Method::GET,
        "/v1/payments/cancel/request?cancel_custom_key=k-1".into(),
    ))
    .await;
    assert_eq!((status, &found), (200, &first));
    let (status, body) = send(call(
        Method::GET,
        "/v1/payments/cancel/request?cancel_custom_key=never".into(),
    ))
    .await;
    assert_eq!(
        (status, &body["details"][0]["error_code"]),
        (404, &json!("PAYMENTS-404"))
    );
    let remaining = sandbox
        .payments()
        .into_iter()
        .find(|payment| payment.payment_id == LONG_AGO)
        .unwrap()
        .refundable_cents;
    let (status, body) = send(request("k-2", remaining + 1)).await;
    assert_eq!(
        (status, &body["details"][0]["error_code"]),
        (400, &json!("PAYMENTS-013"))
    );

    let kinds: Vec<(String, EffectKind, i64)> = sandbox
        .ledger()
        .into_iter()
        .map(|entry| (entry.payment, entry.kind, entry.amount_cents))
        .collect();
    assert_eq!(
        kinds,
        [
            (TODAY.to_owned(), EffectKind::Refund, 10_000),
            (LONG_AGO.to_owned(), EffectKind::PartialRefund, 500),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_documented_token_request_gets_a_token() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    let client = client();
    let token_url = sandbox.token_url("getnet").unwrap();
    let without_scope = client
        .post(&token_url)
        .basic_auth(
            credentials::GETNET_CLIENT_ID,
            Some(credentials::GETNET_CLIENT_SECRET),
        )
        .body("grant_type=client_credentials");
    assert_eq!(send(without_scope).await.0, 400);
    let wrong_secret = client
        .post(&token_url)
        .basic_auth(credentials::GETNET_CLIENT_ID, Some("nope"))
        .body("scope=oob&grant_type=client_credentials");
    let (status, body) = send(wrong_secret).await;
    assert_eq!((status, &body["error"]), (401, &json!("invalid_client")));
    let url = base(&sandbox, "getnet");
    let anonymous = client.post(format!("{url}/v1/payments/credit/{TODAY}/cancel"));
    assert_eq!(send(anonymous).await.0, 401);
}
