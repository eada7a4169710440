//! The audit and control surface: the ledger after a sequence of calls, request counts, the
//! `/__sandbox/` API, atomic effects under concurrency, robustness against garbage, the demo
//! seed, and shutdown.

use crate::common;

use std::io::{Read, Write};
use std::time::Duration;

use common::{
    base, checkout, checkout_token, client, liquido, liquido_token, picpay_ecommerce, send, yapay,
    zoop,
};
use estorno_sandbox::{
    DEMO_PER_PROVIDER, DemoPayment, EffectKind, Fault, FaultKind, LedgerEntry, Payment,
    RequestCount, Sandbox, demo_payments, picpay_checkout as ppc, zoop as zp,
};
use reqwest::Method;
use serde_json::{Value, json};

#[test]
fn the_sandbox_can_be_shared_between_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Sandbox>();
}

#[tokio::test(flavor = "multi_thread")]
async fn ledger_and_request_counts_after_a_sequence() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let checkout_token = checkout_token(&sandbox, &client).await;
    let liquido_token = liquido_token(&sandbox, &client).await;

    // One effect per provider, one rejected request, one unauthenticated request.
    let ppe = format!(
        "{}/payments/demo-order-0001/cancellations",
        base(&sandbox, "picpay-ecommerce")
    );
    assert_eq!(
        send(
            picpay_ecommerce(&client, Method::POST, ppe)
                .json(&json!({"authorizationId": "demo-auth-0001"}))
        )
        .await
        .0,
        200
    );
    let yp = format!(
        "{}/transacao/1000000000000/100001/cancelar?valor=100",
        base(&sandbox, "yapay")
    );
    assert_eq!(send(yapay(&client, Method::PUT, yp)).await.0, 200);
    let ppc_url = format!(
        "{}/charge/demo-charge-0001/refund",
        base(&sandbox, "picpay-checkout")
    );
    assert_eq!(
        send(
            checkout(&client, Method::POST, ppc_url.clone(), &checkout_token)
                .json(&json!({"amount": 1}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(
            checkout(&client, Method::POST, ppc_url, &checkout_token)
                .json(&json!({"amount": 99_999_999}))
        )
        .await
        .0,
        400
    );
    let lq = format!(
        "{}/v1/payments/charges/cancel/demo-pix-0001",
        base(&sandbox, "liquido")
    );
    assert_eq!(
        send(liquido(&client, Method::POST, lq, &liquido_token))
            .await
            .0,
        200
    );
    let zp_url = format!(
        "{}/marketplaces/demo-marketplace/transactions/demo-txn-0001/void",
        base(&sandbox, "zoop")
    );
    assert_eq!(
        send(
            zoop(&client, Method::POST, zp_url.clone())
                .json(&json!({"amount": 50, "on_behalf_of": "demo-seller"}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        send(
            client
                .post(zp_url)
                .json(&json!({"amount": 50, "on_behalf_of": "demo-seller"}))
        )
        .await
        .0,
        401
    );

    let ledger = sandbox.ledger();
    let summary: Vec<(u64, &str, &str, &str, EffectKind)> = ledger
        .iter()
        .map(|e| {
            (
                e.seq,
                e.provider.as_str(),
                e.operation.as_str(),
                e.payment.as_str(),
                e.kind,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                1,
                "picpay-ecommerce",
                "cancel",
                "demo-order-0001",
                EffectKind::Refund
            ),
            (2, "yapay", "cancel", "100001", EffectKind::PartialCancel),
            (
                3,
                "picpay-checkout",
                "refund",
                "demo-charge-0001",
                EffectKind::PartialRefund
            ),
            (4, "liquido", "cancel", "demo-pix-0001", EffectKind::Cancel),
            (5, "zoop", "void", "demo-txn-0001", EffectKind::PartialVoid),
        ]
    );
    let demo = demo_payments();
    assert_eq!(ledger[0].amount_cents, demo[0].amount_cents);
    assert_eq!(
        [
            ledger[1].amount_cents,
            ledger[2].amount_cents,
            ledger[4].amount_cents
        ],
        [100, 1, 50]
    );
    assert!(
        ledger
            .iter()
            .all(|entry| entry.at.ends_with('Z') && entry.at.len() == 24),
        "{ledger:?}"
    );

    // The same ledger over HTTP, for tests that run the sandbox in another process.
    let (code, body) = send(client.get(format!("{}/__sandbox/ledger", sandbox.url()))).await;
    assert_eq!(code, 200);
    assert_eq!(
        serde_json::from_value::<Vec<LedgerEntry>>(body.clone()).unwrap(),
        ledger
    );
    assert_eq!(body[4]["kind"], "partial_void");

    assert_eq!(sandbox.request_count("picpay-checkout", "refund"), 2);
    assert_eq!(sandbox.request_count("picpay-checkout", "token"), 1);
    assert_eq!(
        sandbox.request_count("zoop", "void"),
        2,
        "the 401 counts as a request, not an effect"
    );
    assert_eq!(
        sandbox.request_count("yapay", "status"),
        0,
        "nothing was sent"
    );
    let (_, body) = send(client.get(format!("{}/__sandbox/requests", sandbox.url()))).await;
    let counts: Vec<RequestCount> = serde_json::from_value(body).unwrap();
    assert_eq!(counts, sandbox.requests());
    assert_eq!(counts.iter().map(|count| count.count).sum::<u64>(), 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn control_api_health_payments_and_tokens() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    let client = client();
    let control = |path: &str| format!("{}/__sandbox/{path}", sandbox.url());

    let (code, health) = send(client.get(control("health"))).await;
    assert_eq!((code, &health["status"]), (200, &json!("ok")));
    let providers = health["providers"].as_array().unwrap();
    assert_eq!(providers.len(), estorno_sandbox::Provider::ALL.len());
    for provider in providers {
        let slug = provider["slug"].as_str().unwrap();
        assert_eq!(provider["base_url"], json!(sandbox.base_url(slug).unwrap()));
        assert_eq!(
            provider.get("token_url").and_then(Value::as_str),
            sandbox.token_url(slug).as_deref()
        );
    }
    assert_eq!(
        sandbox.base_url("zoop").unwrap(),
        format!("{}/zoop/v1", sandbox.url())
    );
    assert_eq!(sandbox.base_url("nope"), None);

    // Insert payments over HTTP, one and several at once.
    let (code, added) = send(client.post(control("payments")).json(&json!({
        "provider": "zoop", "id": "http-txn-1", "amount_cents": 1500
    })))
    .await;
    assert_eq!(code, 201);
    assert_eq!(added[0]["refundable_cents"], 1500);
    let (code, _) = send(client.post(control("payments")).json(&json!([
        {"provider": "picpay-checkout", "merchant_charge_id": "http-charge-1", "amount_cents": 700},
        {"provider": "yapay", "numero_transacao": 55, "valor_cents": 900, "d_plus_one": true},
        {"provider": "picpay-ecommerce", "reference_id": "http-order", "authorization_id": "a-1", "amount_cents": 10},
        {"provider": "liquido", "idempotency_key": "http-pix", "amount_cents": 10, "transfer_status": "SETTLED"}
    ])))
    .await;
    assert_eq!(code, 201);
    assert_eq!(
        send(
            client
                .post(control("payments"))
                .json(&json!({"provider": "paypal"}))
        )
        .await
        .0,
        400
    );
    let (_, all) = send(client.get(control("payments"))).await;
    let all: Vec<DemoPayment> = serde_json::from_value(all).unwrap();
    assert_eq!(all, sandbox.payments());
    assert_eq!(all.len(), 5);

    let void = zoop(
        &client,
        Method::POST,
        format!(
            "{}/marketplaces/demo-marketplace/transactions/http-txn-1/void",
            base(&sandbox, "zoop")
        ),
    )
    .json(&json!({"amount": 500, "on_behalf_of": "demo-seller"}));
    assert_eq!(send(void).await.0, 200);
    let (code, now) = send(client.get(control("payments/zoop/http-txn-1"))).await;
    assert_eq!(
        (code, &now["refundable_cents"], &now["state"]),
        (200, &json!(1000), &json!("succeeded"))
    );
    assert_eq!(
        send(client.get(control("payments/yapay/55"))).await.1["establishment"],
        "1000000000000"
    );
    assert_eq!(
        send(client.get(control("payments/zoop/missing"))).await.0,
        404
    );

    // Expiring tokens over HTTP.
    let token = checkout_token(&sandbox, &client).await;
    let charge = format!("{}/charge/http-charge-1", base(&sandbox, "picpay-checkout"));
    assert_eq!(
        send(checkout(&client, Method::GET, charge.clone(), &token))
            .await
            .0,
        200
    );
    assert_eq!(send(client.post(control("tokens/expire"))).await.0, 200);
    assert_eq!(
        send(checkout(&client, Method::GET, charge, &token)).await.0,
        401
    );
    assert_eq!(send(client.get(control("nothing-here"))).await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_partial_refunds_never_exceed_the_amount() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(ppc::Charge::paid("race-charge", 1000));
    sandbox.add_payment(zp::Transaction::succeeded("race-txn", 1000));
    let client = client();
    let token = checkout_token(&sandbox, &client).await;
    let refund_url = format!(
        "{}/charge/race-charge/refund",
        base(&sandbox, "picpay-checkout")
    );
    let void_url = format!(
        "{}/marketplaces/demo-marketplace/transactions/race-txn/void",
        base(&sandbox, "zoop")
    );

    let mut tasks = Vec::new();
    for _ in 0..20 {
        let refund = checkout(&client, Method::POST, refund_url.clone(), &token)
            .json(&json!({"amount": 150}));
        let void = zoop(&client, Method::POST, void_url.clone())
            .json(&json!({"amount": 150, "on_behalf_of": "demo-seller"}));
        tasks.push(tokio::spawn(async move { send(refund).await.0 }));
        tasks.push(tokio::spawn(async move { send(void).await.0 }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    // 150 × 6 = 900 fits in 1000; a seventh would not, for each of the two payments.
    assert_eq!(
        statuses.iter().filter(|status| **status == 200).count(),
        12,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|status| **status == 400).count(), 14);
    assert_eq!(statuses.iter().filter(|status| **status == 402).count(), 14);
    for payment in ["race-charge", "race-txn"] {
        let total: i64 = sandbox
            .ledger()
            .iter()
            .filter(|e| e.payment == payment)
            .map(|e| e.amount_cents)
            .sum();
        assert_eq!(total, 900, "{payment}");
    }
    assert_eq!(
        sandbox.payment("picpay-checkout", "race-charge"),
        Some(Payment::from(
            ppc::Charge::paid("race-charge", 1000)
                .with_status("PARTIAL")
                .with_refunded_cents(900)
        ))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_gets_answers_not_panics() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let token = checkout_token(&sandbox, &client).await;
    let garbage = [
        String::from("{"),
        String::from("[1,2"),
        String::from("\u{0}\u{1}\u{2}"),
        String::from("{\"amount\": \"NaN\", \"authorizationId\": 7, \"on_behalf_of\": []}"),
        String::from("{\"amount\": 1e999}"),
        "[".repeat(10_000),
    ];
    let ppe_root = base(&sandbox, "picpay-ecommerce");
    let ppc_root = base(&sandbox, "picpay-checkout");
    let zoop_root = base(&sandbox, "zoop");
    let requests = |body: &String| {
        vec![
            picpay_ecommerce(
                &client,
                Method::POST,
                format!("{ppe_root}/payments/demo-order-0002/refunds"),
            ),
            picpay_ecommerce(
                &client,
                Method::POST,
                format!("{ppe_root}/payments/demo-order-0002/cancellations"),
            ),
            checkout(
                &client,
                Method::POST,
                format!("{ppc_root}/charge/demo-charge-0002/refund"),
                &token,
            ),
            zoop(
                &client,
                Method::POST,
                format!(
                    "{zoop_root}/marketplaces/demo-marketplace/transactions/demo-txn-0002/void"
                ),
            ),
            client.post(sandbox.token_url("picpay-checkout").unwrap()),
            client.post(sandbox.token_url("liquido").unwrap()),
            client.post(format!("{}/__sandbox/payments", sandbox.url())),
            client.post(format!("{}/__sandbox/faults", sandbox.url())),
            client.post(format!("{}/__sandbox/fault-plan", sandbox.url())),
        ]
        .into_iter()
        .map(|request| {
            request
                .header("content-type", "application/json")
                .body(body.clone())
        })
        .collect::<Vec<_>>()
    };
    for body in &garbage {
        for request in requests(body) {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let url = response.url().clone();
            let text = response.text().await.unwrap();
            assert!([400, 422].contains(&status), "{url}: {status} {text}");
            assert!(
                serde_json::from_str::<Value>(&text).is_ok(),
                "{url}: {text}"
            );
        }
    }
    let (code, body) = send(
        zoop(
            &client,
            Method::POST,
            format!("{zoop_root}/marketplaces/demo-marketplace/transactions/demo-txn-0002/void"),
        )
        .header("content-type", "application/json")
        .body("{"),
    )
    .await;
    assert_eq!(
        (code, &body["error"]["category"]),
        (400, &json!("invalid_parameter"))
    );

    // Oversized bodies, odd paths and methods.
    let huge = vec![b'x'; 1024 * 1024 + 1];
    let response = checkout(
        &client,
        Method::POST,
        format!("{ppc_root}/charge/demo-charge-0002/refund"),
        &token,
    )
    .body(huge)
    .send()
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    for path in [
        "/",
        "/nope",
        "/zoop",
        "/zoop/v1/%FF%FE",
        "/yapay/checkout/api/v9/transacao/1/2",
        "/liquido-auth/x",
    ] {
        let status = client
            .get(format!("{}{path}", sandbox.url()))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 404, "{path}");
    }
    let wrong_method = client.delete(format!(
        "{}/charge/demo-charge-0001/refund",
        base(&sandbox, "picpay-checkout")
    ));
    assert_eq!(wrong_method.send().await.unwrap().status().as_u16(), 405);
    assert!(sandbox.ledger().is_empty(), "{:?}", sandbox.ledger());
    // Still serving.
    assert_eq!(
        client
            .get(format!("{}/__sandbox/health", sandbox.url()))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_seed_is_described_and_usable() {
    let sandbox = Sandbox::start().await.unwrap();
    let demo = demo_payments();
    assert_eq!(
        demo.len(),
        estorno_sandbox::Provider::ALL.len() * DEMO_PER_PROVIDER
    );
    let mut current = sandbox.payments();
    let mut expected = demo.clone();
    let key = |p: &DemoPayment| (p.provider.clone(), p.payment_id.clone());
    current.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(current, expected);

    // Refund the first refundable and the first refused demo payment of every provider, using
    // only what `DemoPayment` says about them.
    let client = client();
    let checkout_token = checkout_token(&sandbox, &client).await;
    let liquido_token = liquido_token(&sandbox, &client).await;
    for slug in [
        "picpay-ecommerce",
        "yapay",
        "picpay-checkout",
        "liquido",
        "zoop",
    ] {
        let mine: Vec<&DemoPayment> = demo.iter().filter(|p| p.provider == slug).collect();
        let refundable = mine.iter().find(|p| p.refundable_cents > 0).unwrap();
        let refused = mine
            .iter()
            .find(|p| p.refundable_cents == 0 && p.state != "created")
            .unwrap();
        for (payment, ok) in [(refundable, true), (refused, false)] {
            let root = base(&sandbox, slug);
            let id = &payment.payment_id;
            let amount = payment.refundable_cents.max(1);
            let request = match slug {
                "picpay-ecommerce" => picpay_ecommerce(
                    &client,
                    Method::POST,
                    format!("{root}/payments/{id}/cancellations"),
                )
                .json(&json!({"authorizationId": payment.authorization_id})),
                "yapay" => yapay(
                    &client,
                    Method::PUT,
                    format!(
                        "{root}/transacao/{}/{id}/cancelar",
                        payment.establishment.as_deref().unwrap()
                    ),
                ),
                "picpay-checkout" => checkout(
                    &client,
                    Method::POST,
                    format!("{root}/charge/{id}/refund"),
                    &checkout_token,
                )
                .json(&json!({"amount": amount})),
                "liquido" => liquido(
                    &client,
                    Method::POST,
                    format!("{root}/v1/payments/charges/cancel/{id}"),
                    &liquido_token,
                ),
                _ => zoop(
                    &client,
                    Method::POST,
                    format!(
                        "{root}/marketplaces/{}/transactions/{id}/void",
                        payment.marketplace_id.as_deref().unwrap()
                    ),
                )
                .json(&json!({"amount": amount, "on_behalf_of": payment.on_behalf_of})),
            };
            let (code, body) = send(request).await;
            let applied = sandbox.ledger().iter().any(|entry| &entry.payment == id);
            assert_eq!(
                applied, ok,
                "{slug} {id} ({}): {code} {body}",
                payment.state
            );
            if slug != "liquido" {
                assert_eq!(code == 200, ok, "{slug} {id}: {code} {body}");
            }
        }
    }
    assert_eq!(sandbox.ledger().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_is_a_tcp_reset_and_held_connections_end_with_the_client() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.inject(Fault::new("zoop", "status", FaultKind::Reset));
    let addr = sandbox.addr();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let request = "GET /zoop/v1/marketplaces/demo-marketplace/transactions/demo-txn-0001 HTTP/1.1\r\n\
                       Host: sandbox\r\nAuthorization: Basic enBrX3Rlc3Rfc2FuZGJveDo=\r\n\r\n";
        stream.write_all(request.as_bytes()).unwrap();
        let mut buffer = [0u8; 64];
        stream.read(&mut buffer).map_err(|error| error.kind())
    })
    .await
    .unwrap();
    assert_eq!(outcome, Err(std::io::ErrorKind::ConnectionReset));

    // A held request ends when the client gives up, so shutdown does not wait 30 seconds.
    sandbox.clear_faults();
    sandbox.inject(Fault::new("zoop", "status", FaultKind::ApplyThenTimeout));
    let impatient = common::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let url = format!(
        "{}/marketplaces/demo-marketplace/transactions/demo-txn-0001",
        base(&sandbox, "zoop")
    );
    assert!(
        zoop(&impatient, Method::GET, url)
            .send()
            .await
            .unwrap_err()
            .is_timeout()
    );
    let started = std::time::Instant::now();
    let url = sandbox.url();
    sandbox.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        client()
            .get(format!("{url}/__sandbox/health"))
            .send()
            .await
            .is_err(),
        "stopped"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_forever_serves_a_seeded_sandbox_on_the_given_port() {
    // Find a free port, then hand it to `serve_forever` as the command line would.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let server = tokio::spawn(estorno_sandbox::serve_forever(addr));
    let client = client();
    let url = format!("http://{addr}/__sandbox/payments/zoop/demo-txn-0001");
    let mut answer = None;
    for _ in 0..50 {
        if let Ok(response) = client.get(&url).send().await {
            answer = Some(common::json(response).await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, body) = answer.expect("serve_forever never answered");
    assert_eq!(
        (code, &body["marketplace_id"]),
        (200, &json!("demo-marketplace"))
    );
    assert!(!server.is_finished(), "still serving");
    server.abort();
}
