//! Fault injection over real connections: latency, injected statuses, resets, and the
//! ambiguous "applied, then never answered" case, by rule, by payment, and by seeded plan.

use crate::common;

use std::time::{Duration, Instant};

use common::{base, checkout, checkout_token, client, send, yapay, zoop};
use estorno_sandbox::{
    ANY, EffectKind, Fault, FaultKind, FaultPlan, Sandbox, picpay_checkout as ppc, yapay as yp,
    zoop as zp,
};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn latency_delays_and_then_applies() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(zp::Transaction::succeeded("txn-slow", 1000));
    sandbox.inject(
        Fault::new(
            "zoop",
            "void",
            FaultKind::Latency(Duration::from_millis(300)),
        )
        .times(1),
    );
    let client = client();
    let url = format!(
        "{}/marketplaces/demo-marketplace/transactions/txn-slow/void",
        base(&sandbox, "zoop")
    );
    let void = || {
        zoop(&client, Method::POST, url.clone())
            .json(&json!({"amount": 100, "on_behalf_of": "demo-seller"}))
    };

    let started = Instant::now();
    assert_eq!(send(void()).await.0, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_eq!(send(void()).await.0, 200);
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "the rule was used up"
    );
    assert_eq!(sandbox.ledger().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_statuses_apply_nothing() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(ppc::Charge::paid("charge-503", 1000));
    let client = client();
    let token = checkout_token(&sandbox, &client).await;
    let url = format!(
        "{}/charge/charge-503/refund",
        base(&sandbox, "picpay-checkout")
    );
    let refund =
        || checkout(&client, Method::POST, url.clone(), &token).json(&json!({"amount": 1000}));

    sandbox.inject(Fault::new("picpay-checkout", "refund", FaultKind::Status(503)).times(1));
    let response = refund().send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("503 Service Unavailable")
    );
    assert!(sandbox.ledger().is_empty());
    assert_eq!(
        sandbox.payment("picpay-checkout", "charge-503"),
        Some(ppc::Charge::paid("charge-503", 1000).into())
    );

    // A 500 carries the provider's own documented body.
    sandbox.inject(Fault::new("picpay-checkout", "refund", FaultKind::Status(500)).times(1));
    assert_eq!(
        send(refund()).await,
        (
            500,
            json!({"message": "Internal Server Error", "success": false, "errors": null})
        )
    );
    assert!(sandbox.ledger().is_empty());
    assert_eq!(send(refund()).await.0, 200);
    assert_eq!(sandbox.ledger().len(), 1);
    assert_eq!(sandbox.request_count("picpay-checkout", "refund"), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_drops_the_connection_and_applies_nothing() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(yp::Transaction::captured(777, 5000));
    sandbox.inject(
        Fault::new("yapay", "cancel", FaultKind::Reset)
            .payment("777")
            .times(1),
    );
    let client = client();
    let url = format!("{}/transacao/1000000000000/777", base(&sandbox, "yapay"));

    let error = yapay(&client, Method::PUT, format!("{url}/cancelar"))
        .send()
        .await
        .unwrap_err();
    assert!(
        !error.is_timeout() && error.status().is_none(),
        "a transport error: {error:?}"
    );
    assert!(sandbox.ledger().is_empty());
    assert_eq!(
        send(yapay(&client, Method::GET, url.clone())).await.1["statusTransacao"],
        1
    );
    // The rule was for one request: the retry goes through.
    assert_eq!(
        send(yapay(&client, Method::PUT, format!("{url}/cancelar")))
            .await
            .1["statusTransacao"],
        13
    );
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_then_timeout_moves_the_money_and_never_answers() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(ppc::Charge::paid("charge-ambiguous", 2500));
    sandbox.inject(
        Fault::new("picpay-checkout", "refund", FaultKind::ApplyThenTimeout)
            .payment("charge-ambiguous"),
    );
    let client = client();
    let token = checkout_token(&sandbox, &client).await;
    let impatient = common::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let url = format!(
        "{}/charge/charge-ambiguous/refund",
        base(&sandbox, "picpay-checkout")
    );

    let started = Instant::now();
    let error = checkout(&impatient, Method::POST, url.clone(), &token)
        .json(&json!({"amount": 2500}))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The client saw nothing, yet the refund happened.
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (
            ledger[0].payment.as_str(),
            ledger[0].amount_cents,
            ledger[0].kind
        ),
        ("charge-ambiguous", 2500, EffectKind::Refund)
    );
    let (code, body) = send(checkout(
        &client,
        Method::GET,
        url.replace("/refund", ""),
        &token,
    ))
    .await;
    assert_eq!((code, &body["chargeStatus"]), (200, &json!("REFUNDED")));
    // Asking again (a naive retry) is refused: the money already went back.
    sandbox.clear_faults();
    let (code, _) =
        send(checkout(&client, Method::POST, url, &token).json(&json!({"amount": 2500}))).await;
    assert_eq!(code, 400);
    assert_eq!(sandbox.ledger().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn rules_match_by_payment_and_operation() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.inject(Fault::new("zoop", "status", FaultKind::Status(502)).payment("demo-txn-0002"));
    sandbox.inject(Fault::new(ANY, "query", FaultKind::Status(504)).payment("demo-txn-0003"));
    let client = client();
    let url = |id: &str| {
        format!(
            "{}/marketplaces/demo-marketplace/transactions/{id}",
            base(&sandbox, "zoop")
        )
    };
    let status = |id: &str| zoop(&client, Method::GET, url(id)).send();
    assert_eq!(status("demo-txn-0001").await.unwrap().status(), 200);
    assert_eq!(status("demo-txn-0002").await.unwrap().status(), 502);
    assert_eq!(
        status("demo-txn-0002").await.unwrap().status(),
        502,
        "no `times`: always"
    );
    assert_eq!(status("demo-txn-0003").await.unwrap().status(), 504);
    let void = zoop(
        &client,
        Method::POST,
        format!("{}/void", url("demo-txn-0002")),
    )
    .json(&json!({"amount": 1, "on_behalf_of": "demo-seller"}));
    assert_eq!(
        send(void).await.0,
        200,
        "the rule was for status queries only"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_plans_are_deterministic_per_seed() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let url = format!(
        "{}/marketplaces/demo-marketplace/transactions/demo-txn-0001",
        base(&sandbox, "zoop")
    );
    let plan = FaultPlan {
        seed: 42,
        rate: 0.4,
        kinds: vec![FaultKind::Status(503), FaultKind::Status(500)],
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        sandbox.set_fault_plan(Some(plan.clone()));
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(
                zoop(&client, Method::GET, url.clone())
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&200) && runs[0].contains(&503) && runs[0].contains(&500),
        "{:?}",
        runs[0]
    );
    sandbox.clear_faults();
    assert_eq!(
        zoop(&client, Method::GET, url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_over_the_control_api() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let control = format!("{}/__sandbox/faults", sandbox.url());
    let (code, body) = send(client.post(&control).json(&json!({
        "provider": "zoop", "operation": "void", "payment": "demo-txn-0001", "times": 1,
        "kind": "status", "status": 502
    })))
    .await;
    assert_eq!((code, body), (201, json!({"added": 1})));
    let (_, rules) = send(client.get(&control)).await;
    assert_eq!(rules[0]["kind"], "status");
    assert_eq!(
        send(client.post(&control).json(&json!({"kind": "teapot"})))
            .await
            .0,
        400
    );

    let url = format!(
        "{}/marketplaces/demo-marketplace/transactions/demo-txn-0001/void",
        base(&sandbox, "zoop")
    );
    let void = || {
        zoop(&client, Method::POST, url.clone())
            .json(&json!({"amount": 100, "on_behalf_of": "demo-seller"}))
    };
    assert_eq!(void().send().await.unwrap().status(), 502);
    assert_eq!(void().send().await.unwrap().status(), 200);

    let plan = json!({"seed": 1, "rate": 1.0, "kinds": [{"kind": "latency", "latency_ms": 1}, {"kind": "reset"}]});
    assert_eq!(
        send(
            client
                .post(format!("{}/__sandbox/fault-plan", sandbox.url()))
                .json(&plan)
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(client.delete(&control)).await,
        (200, json!({"cleared": true}))
    );
    assert_eq!(void().send().await.unwrap().status(), 200);
    assert_eq!(sandbox.ledger().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_about_another_payment_is_the_other_payments_look_up() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(zp::Transaction::succeeded("txn-asked", 1000));
    sandbox.add_payment(zp::Transaction::succeeded("txn-other", 2500));
    let client = client();
    let url = |id: &str, action: &str| {
        format!(
            "{}/marketplaces/demo-marketplace/transactions/{id}{action}",
            base(&sandbox, "zoop")
        )
    };
    sandbox.inject(Fault::new("zoop", ANY, FaultKind::AnswerAnotherPayment).times(2));

    let (status, body) = send(zoop(&client, Method::GET, url("txn-asked", ""))).await;
    assert_eq!((status, body["id"].as_str()), (200, Some("txn-other")));
    assert_eq!(body["amount"], 2500);
    // A void is applied to the payment asked, but answered with the other one.
    let (status, body) = send(
        zoop(&client, Method::POST, url("txn-asked", "/void"))
            .json(&json!({"amount": 1000, "on_behalf_of": "demo-seller"})),
    )
    .await;
    assert_eq!((status, body["id"].as_str()), (200, Some("txn-other")));
    assert_eq!(body["status"], "succeeded");
    let ledger = sandbox.ledger();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0].payment.as_str(), ledger[0].amount_cents),
        ("txn-asked", 1000)
    );
    // The rule is used up: answers are right again.
    let (_, body) = send(zoop(&client, Method::GET, url("txn-asked", ""))).await;
    assert_eq!(
        (body["id"].as_str(), body["status"].as_str()),
        (Some("txn-asked"), Some("canceled"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_echoed_request_repeats_its_credentials_and_applies_nothing() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(yp::Transaction::captured(777_001, 1000));
    sandbox.inject(Fault::new("yapay", "cancel", FaultKind::EchoRequest));
    let client = client();
    let url = format!(
        "{}/transacao/{}/777001/cancelar?valor=100",
        base(&sandbox, "yapay"),
        yp::DEMO_ESTABLISHMENT
    );

    let (status, body) = send(yapay(&client, Method::PUT, url)).await;

    assert_eq!(status, 400);
    let echoed = &body["request"];
    assert_eq!(echoed["method"], "PUT");
    assert_eq!(
        echoed["path"],
        format!(
            "/yapay/checkout/api/v3/transacao/{}/777001/cancelar",
            yp::DEMO_ESTABLISHMENT
        )
    );
    assert_eq!(echoed["query"], "valor=100");
    let authorization = echoed["headers"]["authorization"].as_str().unwrap();
    assert!(authorization.starts_with("Basic "), "{authorization}");
    assert!(sandbox.ledger().is_empty());
    assert_eq!(sandbox.request_count("yapay", "cancel"), 1);
}
