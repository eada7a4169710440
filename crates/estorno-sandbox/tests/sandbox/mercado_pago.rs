//! The Mercado Pago simulation: refunds in parts, the payment's state after each, the
//! cancellation of an unpaid payment, and idempotency keys (required, and a repeated key
//! answered with its first answer, nothing done twice).

use crate::common;

use common::{base, client, send};
use estorno_sandbox::{EffectKind, Sandbox, credentials, mercado_pago as mp};
use reqwest::Method;
use serde_json::json;

fn call(client: &reqwest::Client, method: Method, url: String) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .bearer_auth(credentials::MERCADO_PAGO_ACCESS_TOKEN)
}

#[tokio::test(flavor = "multi_thread")]
async fn refunds_take_parts_and_a_repeated_key_gets_the_first_answer() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(mp::Payment::approved(1_111, 2_500));
    let client = client();
    let root = base(&sandbox, "mercado-pago");
    let refund = |key: &str, body: serde_json::Value| {
        call(
            &client,
            Method::POST,
            format!("{root}/v1/payments/1111/refunds"),
        )
        .header("X-Idempotency-Key", key)
        .json(&body)
    };

    let (status, first) = send(refund("key-1", json!({"amount": 10.5}))).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (first["amount"].as_f64(), first["status"].as_str()),
        (Some(10.5), Some("approved"))
    );
    assert_eq!(first["payment_id"], 1111);
    // The same key again, whatever the body: the first answer, and no second refund.
    let (status, again) = send(refund("key-1", json!({"amount": 10.5}))).await;
    assert_eq!((status, &again), (201, &first));
    let (_, payment) = send(call(
        &client,
        Method::GET,
        format!("{root}/v1/payments/1111"),
    ))
    .await;
    assert_eq!(payment["status"], "approved");
    assert_eq!(payment["status_detail"], "partially_refunded");
    assert_eq!(payment["transaction_amount_refunded"].as_f64(), Some(10.5));

    // The rest, with a new key; then nothing is left.
    let (status, rest) = send(refund("key-2", json!({}))).await;
    assert_eq!((status, rest["amount"].as_f64()), (201, Some(14.5)));
    let (status, refused) = send(refund("key-3", json!({}))).await;
    assert_eq!((status, &refused["cause"][0]["code"]), (400, &json!(2063)));
    let (_, payment) = send(call(
        &client,
        Method::GET,
        format!("{root}/v1/payments/1111"),
    ))
    .await;
    assert_eq!(payment["status"], "refunded");

    let ledger = sandbox.ledger();
    let kinds: Vec<(i64, EffectKind)> = ledger
        .iter()
        .map(|entry| (entry.amount_cents, entry.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (1_050, EffectKind::PartialRefund),
            (1_450, EffectKind::Refund)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_required_and_cancellations_close_unpaid_payments() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(mp::Payment::approved(2_222, 900).with_status("pending"));
    let client = client();
    let root = base(&sandbox, "mercado-pago");

    let (status, body) = send(
        call(
            &client,
            Method::POST,
            format!("{root}/v1/payments/2222/refunds"),
        )
        .json(&json!({})),
    )
    .await;
    assert_eq!((status, &body["cause"][0]["code"]), (400, &json!(4292)));
    // A pending payment cannot be refunded, only cancelled.
    let (status, body) = send(
        call(
            &client,
            Method::POST,
            format!("{root}/v1/payments/2222/refunds"),
        )
        .header("X-Idempotency-Key", "k-refund")
        .json(&json!({})),
    )
    .await;
    assert_eq!((status, &body["cause"][0]["code"]), (400, &json!(2063)));
    let (status, body) = send(
        call(&client, Method::PUT, format!("{root}/v1/payments/2222"))
            .header("X-Idempotency-Key", "k-cancel")
            .json(&json!({"status": "cancelled"})),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("cancelled")));
    let (status, body) = send(
        call(&client, Method::PUT, format!("{root}/v1/payments/2222"))
            .header("X-Idempotency-Key", "k-other")
            .json(&json!({"status": "approved"})),
    )
    .await;
    assert_eq!((status, &body["cause"][0]["code"]), (400, &json!(2016)));
    let (status, _) = send(
        client
            .get(format!("{root}/v1/payments/2222"))
            .bearer_auth("TEST-wrong"),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = send(call(&client, Method::GET, format!("{root}/v1/payments/9"))).await;
    assert_eq!((status, &body["cause"][0]["code"]), (404, &json!(2000)));
    assert_eq!(sandbox.ledger().len(), 1);
}
