//! The e.Rede simulation: a token for the PV and key as Basic, then Bearer on `/erede/v2`; the
//! legacy Basic on `/erede/v1`; refunds answered `359` in cents until nothing is left (`355`),
//! and the transaction look-up listing each refund. Also the synthetic sandbox, shown on
//! e.Rede: any well-formed id made a payment on first use.

use crate::common;

use common::{base, client, send};
use estorno_sandbox::{EffectKind, Sandbox, credentials, rede};
use reqwest::Method;
use serde_json::{Value, json};

const TID: &str = "10012006291402541580";

async fn token(sandbox: &Sandbox, client: &reqwest::Client) -> String {
    let (status, body) = send(
        client
            .post(sandbox.token_url("rede").unwrap())
            .basic_auth(
                credentials::REDE_PV,
                Some(credentials::REDE_INTEGRATION_KEY),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials"),
    )
    .await;
    assert_eq!(
        (status, &body["token_type"]),
        (200, &json!("Bearer")),
        "{body}"
    );
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transaction_is_refunded_in_parts_then_whole_on_either_generation() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(rede::Transaction::approved(TID, 10_000));
    let client = client();
    let v2 = base(&sandbox, "rede");
    assert!(v2.ends_with("/rede/erede/v2"), "{v2}");
    let v1 = v2.replace("/erede/v2", "/erede/v1");
    let bearer = token(&sandbox, &client).await;
    let oauth = |method: Method, url: String| client.request(method, url).bearer_auth(&bearer);
    let legacy = |method: Method, url: String| {
        client.request(method, url).basic_auth(
            credentials::REDE_PV,
            Some(credentials::REDE_INTEGRATION_KEY),
        )
    };
    let refunds = |base: &str| format!("{base}/transactions/{TID}/refunds");

    let (status, body) =
        send(oauth(Method::POST, refunds(&v2)).json(&json!({"amount": 2500}))).await;
    assert_eq!(
        (status, &body["returnCode"], &body["tid"]),
        (201, &json!("359"), &json!(TID))
    );
    let (status, body) =
        send(legacy(Method::POST, refunds(&v1)).json(&json!({"amount": 9000}))).await;
    assert_eq!(
        (status, &body["returnCode"]),
        (400, &json!("357")),
        "beyond what remains"
    );
    let (status, body) =
        send(legacy(Method::POST, refunds(&v1)).json(&json!({"amount": 7500}))).await;
    assert_eq!((status, &body["returnCode"]), (201, &json!("359")));
    let (status, body) = send(oauth(Method::POST, refunds(&v2)).json(&json!({"amount": 1}))).await;
    assert_eq!(
        (status, &body["returnCode"], &body["returnMessage"]),
        (400, &json!("355"), &json!("Transaction already cancelled."))
    );
    let (status, body) =
        send(oauth(Method::POST, refunds(&v2)).json(&json!({"amount": "ten"}))).await;
    assert_eq!((status, &body["returnCode"]), (400, &json!("316")));

    let (status, body) = send(oauth(Method::GET, format!("{v2}/transactions/{TID}"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["authorization"]["status"], "Canceled");
    assert_eq!(body["authorization"]["amount"], 10_000);
    let amounts: Vec<&Value> = body["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|refund| &refund["amount"])
        .collect();
    assert_eq!(amounts, [&json!(2500), &json!(7500)]);
    assert!(
        body["refunds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|refund| refund["status"] == "Done")
    );
    let (_, listed) = send(legacy(Method::GET, refunds(&v1))).await;
    assert_eq!(listed["refunds"], body["refunds"]);

    let kinds: Vec<(EffectKind, i64)> = sandbox
        .ledger()
        .iter()
        .map(|entry| (entry.kind, entry.amount_cents))
        .collect();
    assert_eq!(
        kinds,
        [
            (EffectKind::PartialRefund, 2500),
            (EffectKind::Refund, 7500)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_generation_takes_only_its_own_credentials() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(rede::Transaction::approved(TID, 10_000));
    let client = client();
    let v2 = base(&sandbox, "rede");
    let v1 = v2.replace("/erede/v2", "/erede/v1");
    let bearer = token(&sandbox, &client).await;

    // The legacy Basic on the OAuth2 generation, and a token on the legacy one.
    let basic_on_v2 = client.get(format!("{v2}/transactions/{TID}")).basic_auth(
        credentials::REDE_PV,
        Some(credentials::REDE_INTEGRATION_KEY),
    );
    let (status, body) = send(basic_on_v2).await;
    assert_eq!((status, &body["returnCode"]), (401, &json!("401")));
    let bearer_on_v1 = client
        .get(format!("{v1}/transactions/{TID}"))
        .bearer_auth(&bearer);
    assert_eq!(send(bearer_on_v1).await.0, 401);

    // A wrong key gets no token, in OAuth2's own words.
    let (status, body) = send(
        client
            .post(sandbox.token_url("rede").unwrap())
            .basic_auth(credentials::REDE_PV, Some("wrong"))
            .body("grant_type=client_credentials"),
    )
    .await;
    assert_eq!((status, &body["error"]), (401, &json!("invalid_client")));

    let (status, body) = send(
        client
            .get(format!("{v2}/transactions/99"))
            .bearer_auth(&bearer),
    )
    .await;
    assert_eq!((status, &body["returnCode"]), (404, &json!("353")));
    assert!(sandbox.ledger().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_authorisation_is_cancelled_whole_only_and_a_denied_one_not_at_all() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(rede::Transaction::approved("1", 5_000).with_status("Pending"));
    sandbox.add_payment(rede::Transaction::approved("2", 5_000).with_status("Denied"));
    let client = client();
    let v1 = base(&sandbox, "rede").replace("/erede/v2", "/erede/v1");
    let refund = |tid: &str, amount: i64| {
        client
            .post(format!("{v1}/transactions/{tid}/refunds"))
            .basic_auth(
                credentials::REDE_PV,
                Some(credentials::REDE_INTEGRATION_KEY),
            )
            .json(&json!({ "amount": amount }))
    };
    assert_eq!(send(refund("1", 1_000)).await.1["returnCode"], "351");
    assert_eq!(send(refund("1", 5_000)).await.1["returnCode"], "359");
    assert_eq!(send(refund("2", 5_000)).await.1["returnCode"], "351");
    let kinds: Vec<EffectKind> = sandbox.ledger().iter().map(|entry| entry.kind).collect();
    assert_eq!(kinds, [EffectKind::Void]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_synthetic_sandbox_makes_any_well_formed_id_a_payment_once_and_for_good() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    let client = client();
    let v1 = base(&sandbox, "rede").replace("/erede/v2", "/erede/v1");
    let look_up = |tid: &str| {
        client.get(format!("{v1}/transactions/{tid}")).basic_auth(
            credentials::REDE_PV,
            Some(credentials::REDE_INTEGRATION_KEY),
        )
    };
    assert_eq!(
        send(look_up("20000000000000000001")).await.0,
        404,
        "off by default"
    );

    sandbox.synthesize_unknown(true);
    let (status, first) = send(look_up("20000000000000000001")).await;
    assert_eq!(
        (status, &first["authorization"]["status"]),
        (200, &json!("Approved"))
    );
    let amount = first["authorization"]["amount"].as_i64().unwrap();
    assert!((1_000..=100_000).contains(&amount), "{amount}");
    // Refunded once, it stays refunded: the payment was made on first use and is kept.
    let refund = client
        .post(format!("{v1}/transactions/20000000000000000001/refunds"))
        .basic_auth(
            credentials::REDE_PV,
            Some(credentials::REDE_INTEGRATION_KEY),
        )
        .json(&json!({ "amount": amount }));
    assert_eq!(send(refund).await.1["returnCode"], "359");
    let (_, now) = send(look_up("20000000000000000001")).await;
    assert_eq!(now["authorization"]["status"], "Canceled");

    // The id alone decides the amount: another sandbox makes the same payment.
    let other = Sandbox::start_empty().await.unwrap();
    other.synthesize_unknown(true);
    let url = other
        .base_url("rede")
        .unwrap()
        .replace("/erede/v2", "/erede/v1");
    let (_, again) = send(
        client
            .get(format!("{url}/transactions/20000000000000000001"))
            .basic_auth(
                credentials::REDE_PV,
                Some(credentials::REDE_INTEGRATION_KEY),
            ),
    )
    .await;
    assert_eq!(again["authorization"]["amount"], amount);

    // An id the provider could not have issued stays unknown (Yapay's are numbers).
    let yapay = format!(
        "{}/transacao/1000000000000/not-a-number",
        base(&sandbox, "yapay")
    );
    let response = client
        .get(yapay)
        .basic_auth(credentials::YAPAY_USER, Some(credentials::YAPAY_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["erro"]["mensagem"],
        json!("Transação não encontrada."),
        "{body}"
    );
}
