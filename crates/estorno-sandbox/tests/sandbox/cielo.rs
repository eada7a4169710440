//! The Cielo simulation: voids on the transactions host answered 200 with the `ReturnCode`
//! that decides them, the sale on the query host, and a 401 with no body for wrong merchant
//! credentials.

use crate::common;

use common::{base, client, send};
use estorno_sandbox::{EffectKind, Sandbox, cielo, credentials};
use reqwest::Method;
use serde_json::json;

const SALE: &str = "11111111-2222-4333-8444-555555555555";

#[tokio::test(flavor = "multi_thread")]
async fn a_sale_is_voided_in_parts_then_whole_and_read_on_its_own_host() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(cielo::Sale::confirmed(SALE, 10_000));
    let client = client();
    let void = format!("{}/1/sales/{SALE}/void", base(&sandbox, "cielo"));
    let query = format!(
        "{}/1/sales/{SALE}",
        sandbox.host_url("cielo", "query").unwrap()
    );
    let call = |method: Method, url: String| {
        client
            .request(method, url)
            .header("MerchantId", credentials::CIELO_MERCHANT_ID)
            .header("MerchantKey", credentials::CIELO_MERCHANT_KEY)
    };

    let (status, body) = send(call(Method::PUT, format!("{void}?amount=2500"))).await;
    assert_eq!(
        (status, &body["ReturnCode"], &body["Status"]),
        (200, &json!("0"), &json!(2))
    );
    let (status, body) = send(call(Method::PUT, format!("{void}?amount=9000"))).await;
    assert_eq!((status, &body["ReturnCode"]), (200, &json!("51")));
    let (status, body) = send(call(Method::PUT, void.clone())).await;
    assert_eq!(
        (status, &body["ReturnCode"], &body["Status"]),
        (200, &json!("9"), &json!(10))
    );
    let (_, body) = send(call(Method::PUT, void.clone())).await;
    assert_eq!(body["ReturnCode"], "17", "already voided");
    let (status, body) = send(call(Method::PUT, format!("{void}?amount=ten"))).await;
    assert_eq!((status, body.is_array()), (400, true));

    let (status, body) = send(call(Method::GET, query.clone())).await;
    assert_eq!(
        (
            status,
            &body["Payment"]["Status"],
            &body["Payment"]["VoidedAmount"]
        ),
        (200, &json!(10), &json!(10_000))
    );
    // Reads are not served on the transactions host.
    let wrong_host = call(Method::GET, void.trim_end_matches("/void").to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_host.status(), 404);
    let unknown = client
        .get(query)
        .header("MerchantId", credentials::CIELO_MERCHANT_ID)
        .header("MerchantKey", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    assert!(unknown.text().await.unwrap().is_empty(), "no body");

    let kinds: Vec<(i64, EffectKind)> = sandbox
        .ledger()
        .iter()
        .map(|entry| (entry.amount_cents, entry.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (2_500, EffectKind::PartialRefund),
            (7_500, EffectKind::Refund)
        ]
    );
}
