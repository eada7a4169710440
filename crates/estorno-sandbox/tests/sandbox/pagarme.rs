//! The Pagar.me simulation: a charge cancelled in parts by `DELETE` with an amount, then in
//! full without a body, and the refusals after that.

use crate::common;

use common::{base, client, send};
use estorno_sandbox::{EffectKind, Sandbox, credentials, pagarme as pg};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_charge_is_cancelled_in_parts_then_whole() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(pg::Charge::paid("ch_sandbox_1", 1_000));
    let client = client();
    let url = format!("{}/charges/ch_sandbox_1", base(&sandbox, "pagarme"));
    let call = |method: Method| {
        client
            .request(method, url.clone())
            .basic_auth(credentials::PAGARME_SECRET_KEY, Some(""))
    };

    let (status, body) = send(call(Method::DELETE).json(&json!({"amount": 300}))).await;
    assert_eq!(
        (status, &body["status"], &body["canceled_amount"]),
        (200, &json!("paid"), &json!(300))
    );
    assert_eq!(body["last_transaction"]["status"], "partial_void");
    let (status, body) = send(call(Method::DELETE).json(&json!({"amount": 800}))).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            422,
            Some("The amount is greater than the amount available to cancel.")
        )
    );
    let (status, body) = send(call(Method::DELETE)).await;
    assert_eq!(
        (status, &body["status"], &body["canceled_amount"]),
        (200, &json!("canceled"), &json!(1000))
    );
    let (status, _) = send(call(Method::DELETE)).await;
    assert_eq!(status, 422);
    let (status, body) = send(call(Method::GET)).await;
    assert_eq!((status, &body["status"]), (200, &json!("canceled")));
    let (status, _) = send(
        client
            .get(url.clone())
            .basic_auth("sk_test_wrong", Some("")),
    )
    .await;
    assert_eq!(status, 401);

    let kinds: Vec<(i64, EffectKind)> = sandbox
        .ledger()
        .iter()
        .map(|entry| (entry.amount_cents, entry.kind))
        .collect();
    assert_eq!(
        kinds,
        [(300, EffectKind::PartialRefund), (700, EffectKind::Refund)]
    );
}
