//! Each provider's documented behaviour over HTTP: authentication, state machines with their
//! exact response bodies, and the documented rejections.

use crate::common;

use common::{
    base, checkout, checkout_token, client, keys, liquido, liquido_token, picpay_ecommerce, send,
    yapay, zoop,
};
use estorno_sandbox::{
    EffectKind, Sandbox, liquido as lq, picpay_checkout as ppc, picpay_ecommerce as ppe,
    yapay as yp, zoop as zp,
};
use reqwest::Method;
use serde_json::{Value, json};

const PPE_VALIDATION: &str = "Algumas propriedades não passaram no teste de validação.";

fn ppe_error(field: &str, message: &str) -> Value {
    json!({"message": PPE_VALIDATION, "errors": [{"field": field, "message": message}]})
}

fn kinds(sandbox: &Sandbox) -> Vec<(String, i64, EffectKind)> {
    sandbox
        .ledger()
        .into_iter()
        .map(|entry| (entry.payment, entry.amount_cents, entry.kind))
        .collect()
}

// ---------------------------------------------------------------- PicPay E-commerce

#[tokio::test(flavor = "multi_thread")]
async fn picpay_ecommerce_rejects_a_wrong_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let url = format!(
        "{}/payments/demo-order-0001/status",
        base(&sandbox, "picpay-ecommerce")
    );
    let expected = json!({"message": "O Token informado é inválido"});
    assert_eq!(send(client.get(&url)).await, (401, expected.clone()));
    assert_eq!(
        send(client.get(&url).header("x-picpay-token", "nope")).await,
        (401, expected)
    );
    let (status, body) = send(picpay_ecommerce(&client, Method::GET, url)).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "paid");
}

#[tokio::test(flavor = "multi_thread")]
async fn picpay_ecommerce_cancels_paid_to_refunded_and_created_to_expired() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(ppe::Order::paid("order-1", "auth-1", 12_345));
    sandbox.add_payment(ppe::Order::created("order-2", 5_000));
    let client = client();
    let root = base(&sandbox, "picpay-ecommerce");
    let cancel = |id: &str| {
        picpay_ecommerce(
            &client,
            Method::POST,
            format!("{root}/payments/{id}/cancellations"),
        )
    };
    let status =
        |id: &str| picpay_ecommerce(&client, Method::GET, format!("{root}/payments/{id}/status"));

    // A paid order needs its authorizationId.
    assert_eq!(
        send(cancel("order-1").json(&json!({}))).await,
        (
            422,
            ppe_error("authorizationId", "O campo authorizationId é obrigatório.")
        )
    );
    assert_eq!(
        send(cancel("order-1").json(&json!({"authorizationId": "auth-9"}))).await,
        (
            422,
            ppe_error(
                "authorizationId",
                "O authorizationId informado não corresponde a este pedido."
            )
        )
    );
    let (code, body) = send(cancel("order-1").json(&json!({"authorizationId": "auth-1"}))).await;
    assert_eq!(code, 200);
    assert_eq!(keys(&body), ["cancellationId", "referenceId"]);
    assert_eq!(body["referenceId"], "order-1");
    let cancellation_id = body["cancellationId"].as_str().unwrap();
    assert!(cancellation_id.len() == 24 && cancellation_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        send(status("order-1")).await,
        (
            200,
            json!({"referenceId": "order-1", "status": "refunded", "authorizationId": "auth-1",
                   "summary": {"authorized": 123.45, "paid": 123.45, "refunded": 123.45}})
        )
    );
    // Already refunded.
    assert_eq!(
        send(cancel("order-1").json(&json!({"authorizationId": "auth-1"}))).await,
        (
            422,
            ppe_error("referenceId", "O pagamento já foi totalmente cancelado.")
        )
    );

    // An unpaid order: the seed sends an empty body.
    let (code, body) = send(cancel("order-2")).await;
    assert_eq!((code, &body["referenceId"]), (200, &json!("order-2")));
    assert_eq!(
        send(status("order-2")).await,
        (
            200,
            json!({"referenceId": "order-2", "status": "expired",
                     "summary": {"authorized": 0, "paid": 0, "refunded": 0}})
        )
    );
    assert_eq!(
        send(cancel("order-2").json(&json!({}))).await,
        (
            422,
            ppe_error(
                "referenceId",
                "O pedido está expirado e não pode ser cancelado."
            )
        )
    );
    assert_eq!(
        kinds(&sandbox),
        [
            (String::from("order-1"), 12_345, EffectKind::Refund),
            (String::from("order-2"), 0, EffectKind::Expire)
        ]
    );
    // Unknown reference (not documented: 404 with the documented `{message}` shape).
    assert_eq!(
        send(status("nope")).await,
        (404, json!({"message": "Pedido nope não encontrado."}))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn picpay_ecommerce_partial_refunds_in_exact_reais_until_used_up() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(ppe::Order::paid("order-3", "auth-3", 1_000));
    let client = client();
    let url = format!(
        "{}/payments/order-3/refunds",
        base(&sandbox, "picpay-ecommerce")
    );
    let refund = |body: Value| picpay_ecommerce(&client, Method::POST, url.clone()).json(&body);

    // 0.1 + 0.2 is exactly 0.30 here: the amount is parsed from the JSON text, not an f64.
    let (code, body) = send(refund(json!({"authorizationId": "auth-3", "amount": 0.1}))).await;
    assert_eq!(code, 201);
    assert_eq!(keys(&body), ["id", "referenceId", "summary"]);
    assert_eq!(body["referenceId"], "order-3");
    assert_eq!(
        body["summary"],
        json!({"authorized": 10, "paid": 10, "refunded": 0.1})
    );
    let (code, body) = send(refund(json!({"authorizationId": "auth-3", "amount": 0.2}))).await;
    assert_eq!((code, &body["summary"]["refunded"]), (201, &json!(0.3)));

    let over = ppe_error(
        "amount",
        "O valor do cancelamento, é maior que o valor total do pagamento.",
    );
    assert_eq!(
        send(refund(json!({"authorizationId": "auth-3", "amount": 9.71}))).await,
        (422, over)
    );
    assert_eq!(
        send(refund(json!({"authorizationId": "auth-3", "amount": -1}))).await,
        (
            422,
            ppe_error("amount", "O valor do cancelamento é menor que 0.")
        )
    );
    assert_eq!(
        send(refund(
            json!({"authorizationId": "auth-3", "amount": 1.005})
        ))
        .await
        .0,
        422,
        "fractions of a cent are refused"
    );
    assert_eq!(
        send(refund(json!({"amount": 1}))).await.0,
        422,
        "authorizationId is required"
    );

    // Omitting amount refunds what is left.
    let (code, body) = send(refund(json!({"authorizationId": "auth-3"}))).await;
    assert_eq!(
        (code, &body["summary"]),
        (201, &json!({"authorized": 10, "paid": 10, "refunded": 10}))
    );
    assert_eq!(
        send(refund(json!({"authorizationId": "auth-3", "amount": 0.01}))).await,
        (
            422,
            ppe_error("amount", "O pagamento já foi totalmente cancelado.")
        )
    );
    let status_url = format!(
        "{}/payments/order-3/status",
        base(&sandbox, "picpay-ecommerce")
    );
    let (_, body) = send(picpay_ecommerce(&client, Method::GET, status_url)).await;
    assert_eq!(body["status"], "refunded");
    let order = String::from("order-3");
    assert_eq!(
        kinds(&sandbox),
        [
            (order.clone(), 10, EffectKind::PartialRefund),
            (order.clone(), 20, EffectKind::PartialRefund),
            (order, 970, EffectKind::Refund)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn picpay_ecommerce_refuses_garbage_and_wrong_states() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let root = base(&sandbox, "picpay-ecommerce");
    let garbage = picpay_ecommerce(
        &client,
        Method::POST,
        format!("{root}/payments/demo-order-0001/refunds"),
    )
    .header("content-type", "application/json")
    .body("{\"authorizationId\": ");
    assert_eq!(
        send(garbage).await,
        (
            422,
            ppe_error("body", "O corpo da requisição não é um JSON válido.")
        )
    );
    // demo-order-0018 is in anti-fraud analysis, demo-order-0019 has a chargeback.
    let (code, body) = send(
        picpay_ecommerce(
            &client,
            Method::POST,
            format!("{root}/payments/demo-order-0019/cancellations"),
        )
        .json(&json!({"authorizationId": "demo-auth-0019"})),
    )
    .await;
    assert_eq!(
        (code, &body["errors"][0]["message"]),
        (
            422,
            &json!("O pedido não pode ser cancelado no status chargeback.")
        )
    );
    assert!(sandbox.ledger().is_empty());
}

// ---------------------------------------------------------------- Yapay

const YAPAY_KEYS: [&str; 16] = [
    "autorizacao",
    "cartoesUtilizados",
    "codigoEstabelecimento",
    "codigoFormaPagamento",
    "codigoTransacaoOperadora",
    "dataAprovacaoOperadora",
    "mensagemVenda",
    "nsu",
    "numeroComprovanteVenda",
    "numeroTransacao",
    "parcelas",
    "statusTransacao",
    "taxaEmbarque",
    "urlPagamento",
    "valor",
    "valorDesconto",
];

fn yapay_error(codigo: &str, mensagem: &str) -> Value {
    json!({"erro": {"codigo": codigo, "mensagem": mensagem}, "statusTransacao": 0,
           "codigoEstabelecimento": "1000000000000"})
}

#[tokio::test(flavor = "multi_thread")]
async fn yapay_rejects_wrong_credentials() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let url = format!("{}/transacao/1000000000000/100001", base(&sandbox, "yapay"));
    let expected = yapay_error("10", "Usuário ou senha inválidos.");
    assert_eq!(send(client.get(&url)).await, (401, expected.clone()));
    assert_eq!(
        send(client.get(&url).basic_auth("sandbox-user", Some("wrong"))).await,
        (401, expected)
    );
    assert_eq!(send(yapay(&client, Method::GET, url)).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn yapay_cancels_totally_and_partially_on_d0() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(yp::Transaction::captured(1234, 2000));
    sandbox.add_payment(yp::Transaction::captured(1235, 1000));
    sandbox.add_payment(yp::Transaction::captured(1236, 1500).with_status(2));
    let client = client();
    let root = base(&sandbox, "yapay");
    let cancel = |number: u64, query: &str| {
        yapay(
            &client,
            Method::PUT,
            format!("{root}/transacao/1000000000000/{number}/cancelar{query}"),
        )
    };

    let (code, body) = send(cancel(1234, "")).await;
    assert_eq!(code, 200);
    assert_eq!(keys(&body), YAPAY_KEYS);
    assert_eq!(body["numeroTransacao"], 1234);
    assert_eq!(body["codigoEstabelecimento"], "1000000000000");
    assert_eq!(body["statusTransacao"], 13);
    assert_eq!(body["valor"], 2000);
    assert_eq!(body["codigoFormaPagamento"], 170);
    assert_eq!(body["mensagemVenda"], "Operation Success");
    assert_eq!(body["cartoesUtilizados"], json!(["000000*******0001"]));
    let date = body["dataAprovacaoOperadora"].as_str().unwrap();
    assert!(
        date.len() == 19 && date.as_bytes()[4] == b'-',
        "even numbers use the long form: {date}"
    );
    assert_eq!(
        send(cancel(1234, "")).await,
        (400, yapay_error("31", "Transação já cancelada."))
    );

    // Partial cancels on a captured transaction: 27 until the value is used up, then 13.
    let (code, body) = send(cancel(1235, "?valor=300")).await;
    assert_eq!((code, &body["statusTransacao"]), (200, &json!(27)));
    assert_eq!(
        send(cancel(1235, "?valor=800")).await,
        (
            400,
            yapay_error(
                "41",
                "Valor de cancelamento maior que o saldo da transação."
            )
        )
    );
    assert_eq!(
        send(cancel(1235, "?valor=abc")).await,
        (400, yapay_error("40", "Valor de cancelamento inválido."))
    );
    let (code, body) = send(cancel(1235, "?valor=700")).await;
    assert_eq!((code, &body["statusTransacao"]), (200, &json!(13)));
    let date = body["dataAprovacaoOperadora"].as_str().unwrap();
    assert!(
        date.len() == 10 && date.as_bytes()[2] == b'/',
        "odd numbers use dd/mm/yyyy: {date}"
    );

    // An authorised (not captured) transaction is cancelled whole only.
    assert_eq!(
        send(cancel(1236, "?valor=100")).await,
        (
            400,
            yapay_error(
                "42",
                "Cancelamento parcial disponível apenas para transações capturadas."
            )
        )
    );
    let (code, body) = send(cancel(1236, "")).await;
    assert_eq!((code, &body["statusTransacao"]), (200, &json!(13)));

    assert_eq!(
        kinds(&sandbox),
        [
            (String::from("1234"), 2000, EffectKind::Cancel),
            (String::from("1235"), 300, EffectKind::PartialCancel),
            (String::from("1235"), 700, EffectKind::Cancel),
            (String::from("1236"), 1500, EffectKind::Cancel),
        ]
    );
    assert_eq!(
        send(yapay(
            &client,
            Method::GET,
            format!("{root}/transacao/1000000000000/999")
        ))
        .await,
        (404, yapay_error("20", "Transação não encontrada."))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn yapay_d1_cancel_waits_at_40_then_completes() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(yp::Transaction::captured(4000, 990).d_plus_one());
    let client = client();
    // The seed's v2 path reaches the same transactions.
    let root = base(&sandbox, "yapay").replace("/v3", "/v2");
    let url = format!("{root}/transacao/1000000000000/4000");
    let (code, body) = send(yapay(&client, Method::PUT, format!("{url}/cancelar"))).await;
    assert_eq!((code, &body["statusTransacao"]), (200, &json!(40)));
    assert_eq!(
        send(yapay(&client, Method::PUT, format!("{url}/cancelar"))).await,
        (
            400,
            yapay_error("33", "Cancelamento já solicitado, aguardando a adquirente.")
        )
    );
    for _ in 0..yp::QUERIES_BEFORE_SETTLEMENT {
        assert_eq!(
            send(yapay(&client, Method::GET, url.clone())).await.1["statusTransacao"],
            40
        );
    }
    assert_eq!(
        send(yapay(&client, Method::GET, url.clone())).await.1["statusTransacao"],
        13
    );
    assert_eq!(
        kinds(&sandbox),
        [(String::from("4000"), 990, EffectKind::CancelRequested)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn yapay_refuses_refunded_and_unpaid_and_writes_both_establishment_forms() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let root = base(&sandbox, "yapay");
    let url = |n: u64| format!("{root}/transacao/1000000000000/{n}");
    // 100017 is n = 17 (refunded, 14); 100018 is n = 18 (not paid, 3).
    assert_eq!(
        send(yapay(
            &client,
            Method::PUT,
            format!("{}/cancelar", url(100_017))
        ))
        .await,
        (400, yapay_error("32", "Transação já estornada."))
    );
    assert_eq!(
        send(yapay(
            &client,
            Method::PUT,
            format!("{}/cancelar", url(100_018))
        ))
        .await,
        (
            400,
            yapay_error("30", "Transação com status 3 não pode ser cancelada.")
        )
    );
    assert_eq!(
        send(yapay(&client, Method::GET, url(100_001))).await.1["codigoEstabelecimento"],
        "1000000000000"
    );
    assert_eq!(
        send(yapay(&client, Method::GET, url(100_002))).await.1["codigoEstabelecimento"],
        1_000_000_000_000_u64
    );
    assert!(sandbox.ledger().is_empty());
}

// ---------------------------------------------------------------- PicPay Checkout

const CHECKOUT_401: &str = r#"{"message":"Authorization token not found.","success":false,"errors":{"message":"Authorization token not found","field":"Authorization Token"}}"#;

fn checkout_error(message: &str) -> Value {
    json!({"message": message, "success": false, "errors": null})
}

#[tokio::test(flavor = "multi_thread")]
async fn picpay_checkout_issues_tokens_and_rejects_unknown_ones() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let token_url = sandbox.token_url("picpay-checkout").unwrap();
    assert!(token_url.ends_with("/picpay-checkout/api/v1/oauth2/token"));
    let (code, body) = send(client.post(&token_url).json(&json!({
        "grant_type": "client_credentials", "client_id": "sandbox-client-id", "client_secret": "wrong"
    })))
    .await;
    assert_eq!(
        (code, body),
        (401, checkout_error("Invalid client credentials."))
    );
    let (code, body) = send(client.post(&token_url).json(&json!({
        "grant_type": "client_credentials", "client_id": "sandbox-client-id",
        "client_secret": "sandbox-client-secret"
    })))
    .await;
    assert_eq!(code, 200);
    assert_eq!(keys(&body), ["access_token", "expires_in", "token_type"]);
    assert_eq!(
        (&body["expires_in"], &body["token_type"]),
        (&json!(300), &json!("Bearer"))
    );
    let token = body["access_token"].as_str().unwrap();

    let url = format!(
        "{}/charge/demo-charge-0001",
        base(&sandbox, "picpay-checkout")
    );
    let expected: Value = serde_json::from_str(CHECKOUT_401).unwrap();
    assert_eq!(send(client.get(&url)).await, (401, expected.clone()));
    assert_eq!(
        send(checkout(&client, Method::GET, url.clone(), "made-up")).await,
        (401, expected.clone())
    );
    // A Liquido token is no PicPay token.
    let liquido_token = liquido_token(&sandbox, &client).await;
    assert_eq!(
        send(checkout(&client, Method::GET, url.clone(), &liquido_token))
            .await
            .0,
        401
    );
    assert_eq!(
        send(checkout(&client, Method::GET, url.clone(), token))
            .await
            .0,
        200
    );
    sandbox.expire_tokens();
    assert_eq!(
        send(checkout(&client, Method::GET, url, token)).await,
        (401, expected)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn picpay_checkout_partial_refunds_until_refunded() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(ppc::Charge::paid("charge-0001", 1000));
    let client = client();
    let token = checkout_token(&sandbox, &client).await;
    let url = format!(
        "{}/charge/charge-0001/refund",
        base(&sandbox, "picpay-checkout")
    );
    let refund = |amount: i64| {
        checkout(&client, Method::POST, url.clone(), &token).json(&json!({"amount": amount}))
    };

    let (code, body) = send(refund(300)).await;
    assert_eq!(code, 200);
    assert_eq!(
        keys(&body),
        [
            "amount",
            "chargeStatus",
            "id",
            "merchantChargeId",
            "originalAmount",
            "refundedAmount",
            "transactions"
        ]
    );
    assert_eq!(
        (
            &body["merchantChargeId"],
            &body["chargeStatus"],
            &body["amount"],
            &body["originalAmount"],
            &body["refundedAmount"]
        ),
        (
            &json!("charge-0001"),
            &json!("PARTIAL"),
            &json!(700),
            &json!(1000),
            &json!(300)
        )
    );
    let transaction = &body["transactions"][0];
    assert_eq!(
        keys(transaction),
        [
            "amount",
            "createdAt",
            "errorMessage",
            "originalAmount",
            "paymentType",
            "refundedAmount",
            "softDescriptor",
            "transactionId",
            "transactionStatus",
            "updatedAt"
        ]
    );
    assert_eq!(
        (
            &transaction["paymentType"],
            &transaction["transactionStatus"],
            &transaction["amount"],
            &transaction["refundedAmount"]
        ),
        (
            &json!("CREDIT"),
            &json!("PARTIALLY_REFUNDED"),
            &json!(700),
            &json!(300)
        )
    );
    assert!(
        transaction["updatedAt"]
            .as_str()
            .unwrap()
            .ends_with("-03:00")
    );

    let unauthorized = checkout_error(ppc::REFUND_UNAUTHORIZED);
    assert_eq!(send(refund(701)).await, (400, unauthorized.clone()));
    let (code, body) = send(refund(700)).await;
    assert_eq!(
        (
            code,
            &body["chargeStatus"],
            &body["amount"],
            &body["refundedAmount"]
        ),
        (200, &json!("REFUNDED"), &json!(0), &json!(1000))
    );
    assert_eq!(body["transactions"][0]["transactionStatus"], "REFUNDED");
    assert_eq!(send(refund(1)).await, (400, unauthorized));

    let charge = String::from("charge-0001");
    assert_eq!(
        kinds(&sandbox),
        [
            (charge.clone(), 300, EffectKind::PartialRefund),
            (charge, 700, EffectKind::Refund)
        ]
    );
    // The status endpoint answers the same body.
    let (code, status) = send(checkout(
        &client,
        Method::GET,
        url.replace("/refund", ""),
        &token,
    ))
    .await;
    assert_eq!((code, &status["chargeStatus"]), (200, &json!("REFUNDED")));
}

#[tokio::test(flavor = "multi_thread")]
async fn picpay_checkout_cancels_pre_authorisations_and_validates_input() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(ppc::Charge::paid("pre-auth-01", 5000).with_status("PRE_AUTHORIZED"));
    sandbox.add_payment(ppc::Charge::paid("pix-charge-01", 2500).with_payment_type("PIX"));
    let client = client();
    let token = checkout_token(&sandbox, &client).await;
    let root = base(&sandbox, "picpay-checkout");
    let refund = |id: &str| {
        checkout(
            &client,
            Method::POST,
            format!("{root}/charge/{id}/refund"),
            &token,
        )
    };

    assert_eq!(
        send(refund("pre-auth-01").json(&json!({"amount": 100}))).await,
        (400, checkout_error(ppc::REFUND_UNAUTHORIZED)),
        "a pre-authorisation is released whole"
    );
    let (code, body) = send(refund("pre-auth-01").json(&json!({"amount": 5000}))).await;
    assert_eq!(
        (
            code,
            &body["chargeStatus"],
            &body["transactions"][0]["transactionStatus"]
        ),
        (200, &json!("CANCELED"), &json!("CANCELED"))
    );

    let field = |message: &str, field: &str| {
        json!({"message": "Request object is invalid or incorrectly formatted", "success": false,
               "errors": [{"message": message, "field": field}]})
    };
    assert_eq!(
        send(refund("pix-charge-01").json(&json!({"amount": 0}))).await,
        (400, field("must be greater than or equal to 1", "amount"))
    );
    assert_eq!(
        send(refund("pix-charge-01").json(&json!({}))).await,
        (400, field("must not be null", "amount"))
    );
    assert_eq!(
        send(refund("abc").json(&json!({"amount": 1}))).await,
        (
            400,
            field("size must be between 6 and 36", "merchantChargeId")
        )
    );
    assert_eq!(
        send(refund("bad_charge_id").json(&json!({"amount": 1}))).await,
        (
            400,
            field("must match \"^([a-zA-Z0-9-]+$)$\"", "merchantChargeId")
        )
    );
    let malformed = checkout_error("Request object is invalid or incorrectly formatted");
    assert_eq!(
        send(
            refund("pix-charge-01")
                .header("content-type", "application/json")
                .body("{amount:")
        )
        .await,
        (400, malformed.clone())
    );
    assert_eq!(
        send(refund("pix-charge-01").body("amount=1")).await,
        (415, malformed)
    );
    assert_eq!(
        send(refund("no-such-charge").json(&json!({"amount": 1}))).await,
        (404, checkout_error("Charge not found"))
    );
    // Pix charges carry the pix object of the seed.
    let (code, body) = send(refund("pix-charge-01").json(&json!({"amount": 2500}))).await;
    assert_eq!((code, &body["chargeStatus"]), (200, &json!("REFUNDED")));
    assert_eq!(
        keys(&body["transactions"][0]["pix"]),
        ["endToEndId", "qrCode", "qrCodeBase64"]
    );
    assert_eq!(sandbox.ledger().len(), 2);
}

// ---------------------------------------------------------------- Liquido

const LIQUIDO_KEYS: [&str; 18] = [
    "amount",
    "callbackUrl",
    "country",
    "createTime",
    "currency",
    "description",
    "finalAmount",
    "finalCurrency",
    "finalStatusTime",
    "idempotencyKey",
    "payer",
    "paymentMethod",
    "referenceId",
    "scheduledTime",
    "transferDetails",
    "transferErrorMsg",
    "transferStatus",
    "transferStatusCode",
];

fn is_liquido_time(value: &Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    text.len() == 29 && text.ends_with(" GMT+08:00") && text.as_bytes()[10] == b' '
}

#[tokio::test(flavor = "multi_thread")]
async fn liquido_needs_its_token_and_api_key() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let token_url = sandbox.token_url("liquido").unwrap();
    assert!(
        token_url.ends_with("/liquido-auth/oauth2/token"),
        "a different host in reality"
    );
    let form = |body: &'static str| {
        client
            .post(&token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    assert_eq!(
        send(form(
            "grant_type=client_credentials&client_id=sandbox-liquido-client-id&client_secret=x"
        ))
        .await,
        (401, json!({"error": "invalid_client"}))
    );
    assert_eq!(
        send(form("grant_type=password")).await,
        (400, json!({"error": "unsupported_grant_type"}))
    );
    let token = liquido_token(&sandbox, &client).await;
    let (_, body) = send(form(
        "grant_type=client_credentials&client_id=sandbox-liquido-client-id&client_secret=sandbox-liquido-client-secret",
    ))
    .await;
    assert_eq!(
        (&body["expires_in"], &body["token_type"]),
        (&json!(3600), &json!("Bearer"))
    );

    let url = format!(
        "{}/v1/payments/charges/demo-pix-0001",
        base(&sandbox, "liquido")
    );
    assert_eq!(
        send(
            client
                .get(&url)
                .header("x-api-key", "sandbox-liquido-api-key")
        )
        .await,
        (401, json!({"message": "Unauthorized"}))
    );
    assert_eq!(
        send(client.get(&url).bearer_auth(&token)).await,
        (403, json!({"message": "Forbidden"}))
    );
    assert_eq!(
        send(
            client
                .get(&url)
                .bearer_auth(&token)
                .header("x-api-key", "wrong")
        )
        .await,
        (403, json!({"message": "Forbidden"}))
    );
    assert_eq!(
        send(liquido(&client, Method::GET, url, &token)).await.0,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn liquido_cancels_in_progress_and_refuses_the_rest() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let token = liquido_token(&sandbox, &client).await;
    let root = base(&sandbox, "liquido");
    let cancel = |key: &str| {
        liquido(
            &client,
            Method::POST,
            format!("{root}/v1/payments/charges/cancel/{key}"),
            &token,
        )
    };

    let before = send(liquido(
        &client,
        Method::GET,
        format!("{root}/v1/payments/charges/demo-pix-0001"),
        &token,
    ))
    .await
    .1;
    assert_eq!(
        (&before["transferStatus"], &before["finalStatusTime"]),
        (&json!("IN_PROGRESS"), &Value::Null)
    );

    let (code, body) = send(cancel("demo-pix-0001")).await;
    assert_eq!(code, 200);
    assert_eq!(keys(&body), LIQUIDO_KEYS);
    assert_eq!(
        (
            &body["transferStatusCode"],
            &body["transferErrorMsg"],
            &body["transferStatus"]
        ),
        (&json!(200), &Value::Null, &json!("CANCELLED"))
    );
    assert_eq!(
        (&body["idempotencyKey"], &body["referenceId"]),
        (&json!("demo-pix-0001"), &json!("demo-pix-0001"))
    );
    assert_eq!(
        (&body["currency"], &body["country"], &body["finalCurrency"]),
        (&json!("BRL"), &json!("BR"), &json!("BRL"))
    );
    assert!(
        is_liquido_time(&body["createTime"]) && is_liquido_time(&body["finalStatusTime"]),
        "{body}"
    );
    assert_eq!(
        keys(&body["payer"]),
        ["billingAddress", "document", "email", "name", "phone"]
    );
    assert_eq!(body["payer"]["document"]["type"], "CPF");
    assert_eq!(
        keys(&body["transferDetails"]["pix"]),
        ["expirationTime", "qrCode", "qrCodeType"]
    );
    // n = 1 is odd: finalAmount is a number; n = 2 writes it as a string.
    assert_eq!(body["finalAmount"], body["amount"]);
    let second = send(liquido(
        &client,
        Method::GET,
        format!("{root}/v1/payments/charges/demo-pix-0002"),
        &token,
    ))
    .await
    .1;
    assert_eq!(
        second["finalAmount"],
        json!(second["amount"].as_i64().unwrap().to_string())
    );

    // Again: still CANCELLED, answered with a failure code in the body.
    let (code, body) = send(cancel("demo-pix-0001")).await;
    assert_eq!(
        (code, &body["transferStatusCode"], &body["transferStatus"]),
        (200, &json!(400), &json!("CANCELLED"))
    );
    assert!(
        body["transferErrorMsg"]
            .as_str()
            .unwrap()
            .contains("only IN_PROGRESS")
    );
    // demo-pix-0015 is SETTLED.
    let (code, body) = send(cancel("demo-pix-0015")).await;
    assert_eq!(
        (code, &body["transferStatusCode"], &body["transferStatus"]),
        (200, &json!(400), &json!("SETTLED"))
    );
    assert_eq!(
        send(cancel("nope")).await,
        (
            404,
            json!({"transferStatusCode": 404, "transferErrorMsg": "Payment not found for idempotencyKey nope",
                     "idempotencyKey": "nope"})
        )
    );
    assert_eq!(sandbox.ledger().len(), 1);
    assert_eq!(sandbox.ledger()[0].kind, EffectKind::Cancel);
    assert_eq!(
        sandbox.ledger()[0].amount_cents,
        before["amount"].as_i64().unwrap()
    );

    sandbox.add_payment(lq::Charge::in_progress("custom-key", 4321));
    assert_eq!(
        send(cancel("custom-key")).await.1["transferStatus"],
        "CANCELLED"
    );
}

// ---------------------------------------------------------------- Zoop

fn zoop_error(status_code: u16, status: &str, kind: &str, category: &str, message: &str) -> Value {
    json!({"error": {"status": status, "status_code": status_code, "type": kind, "category": category, "message": message}})
}

fn void_failed() -> Value {
    zoop_error(
        402,
        "Payment Required",
        "invalid_request_error",
        "void_transaction_error",
        "The void request failed. Transaction could not be voided.",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn zoop_needs_the_key_with_an_empty_password() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client();
    let url = format!(
        "{}/marketplaces/demo-marketplace/transactions/demo-txn-0001",
        base(&sandbox, "zoop")
    );
    let expected = zoop_error(
        401,
        "Unauthorized",
        "invalid_request_error",
        "authentication_failed",
        "The API Key provided has expired or has been deleted.",
    );
    assert_eq!(send(client.get(&url)).await, (401, expected.clone()));
    assert_eq!(
        send(client.get(&url).basic_auth("zpk_test_other", Some(""))).await,
        (401, expected.clone())
    );
    assert_eq!(
        send(
            client
                .get(&url)
                .basic_auth("zpk_test_sandbox", Some("secret"))
        )
        .await,
        (401, expected)
    );
    assert_eq!(send(zoop(&client, Method::GET, url)).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn zoop_partial_voids_until_canceled() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(zp::Transaction::succeeded("txn-1", 1000));
    let client = client();
    let url = format!(
        "{}/marketplaces/demo-marketplace/transactions/txn-1/void",
        base(&sandbox, "zoop")
    );
    let void = |amount: i64| {
        zoop(&client, Method::POST, url.clone())
            .json(&json!({"amount": amount, "on_behalf_of": "demo-seller"}))
    };

    let (code, body) = send(void(300)).await;
    assert_eq!(code, 200);
    assert_eq!(
        (
            &body["status"],
            &body["amount"],
            &body["original_amount"],
            &body["voided"],
            &body["captured"]
        ),
        (
            &json!("succeeded"),
            &json!(700),
            &json!(1000),
            &json!(false),
            &json!(true)
        )
    );
    assert_eq!(
        (
            &body["resource"],
            &body["on_behalf_of"],
            &body["payment_type"]
        ),
        (
            &json!("transaction"),
            &json!("demo-seller"),
            &json!("credit")
        )
    );
    let history = body["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (
            &history[1]["operation_type"],
            &history[1]["status"],
            &history[1]["amount"],
            &history[1]["response_code"]
        ),
        (
            &json!("void"),
            &json!("succeeded"),
            &json!(300),
            &json!("00")
        )
    );

    assert_eq!(send(void(701)).await, (402, void_failed()));
    let (code, body) = send(void(700)).await;
    assert_eq!(
        (
            code,
            &body["status"],
            &body["amount"],
            &body["original_amount"],
            &body["voided"]
        ),
        (
            200,
            &json!("canceled"),
            &json!(0),
            &json!(1000),
            &json!(true)
        )
    );
    assert_eq!(body["history"].as_array().unwrap().len(), 3);
    assert_eq!(
        send(void(1)).await,
        (402, void_failed()),
        "already canceled"
    );
    let txn = String::from("txn-1");
    assert_eq!(
        kinds(&sandbox),
        [
            (txn.clone(), 300, EffectKind::PartialVoid),
            (txn, 700, EffectKind::Void)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn zoop_validates_voids() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(zp::Transaction::succeeded("pre-1", 800).with_status("pre_authorized"));
    sandbox.add_payment(zp::Transaction::succeeded("debit-1", 800).with_payment_type("debit"));
    sandbox
        .add_payment(zp::Transaction::succeeded("other-1", 800).in_marketplace("mp-2", "seller-2"));
    let client = client();
    let root = base(&sandbox, "zoop");
    let void = |marketplace: &str, id: &str, body: Value| {
        zoop(
            &client,
            Method::POST,
            format!("{root}/marketplaces/{marketplace}/transactions/{id}/void"),
        )
        .json(&body)
    };
    let missing = zoop_error(
        400,
        "Bad Request",
        "invalid_request_error",
        "missing_required_param",
        "Missing required parameter(s). Please verify request parameters.",
    );
    let invalid = zoop_error(
        400,
        "Bad Request",
        "invalid_request_error",
        "invalid_parameter",
        "Invalid parameter(s). Your parameter value is incorrect. Please verify request parameters.",
    );
    assert_eq!(
        send(void("demo-marketplace", "pre-1", json!({"amount": 800}))).await,
        (400, missing.clone())
    );
    assert_eq!(
        send(void(
            "demo-marketplace",
            "pre-1",
            json!({"on_behalf_of": "demo-seller"})
        ))
        .await,
        (400, missing)
    );
    assert_eq!(
        send(void(
            "demo-marketplace",
            "pre-1",
            json!({"amount": 800, "on_behalf_of": "someone-else"})
        ))
        .await,
        (400, invalid.clone())
    );
    assert_eq!(
        send(void(
            "demo-marketplace",
            "pre-1",
            json!({"amount": 0, "on_behalf_of": "demo-seller"})
        ))
        .await,
        (400, invalid)
    );
    // Partial cancels are for captured credit sales only.
    assert_eq!(
        send(void(
            "demo-marketplace",
            "pre-1",
            json!({"amount": 100, "on_behalf_of": "demo-seller"})
        ))
        .await,
        (402, void_failed())
    );
    assert_eq!(
        send(void(
            "demo-marketplace",
            "debit-1",
            json!({"amount": 100, "on_behalf_of": "demo-seller"})
        ))
        .await,
        (402, void_failed())
    );
    let (code, body) = send(void(
        "demo-marketplace",
        "pre-1",
        json!({"amount": 800, "on_behalf_of": "demo-seller"}),
    ))
    .await;
    assert_eq!(
        (code, &body["status"], &body["voided"], &body["captured"]),
        (200, &json!("canceled"), &json!(true), &json!(false))
    );
    // The transaction exists, but in another marketplace.
    let not_found = zoop_error(
        404,
        "Not Found",
        "invalid_request_error",
        "endpoint_not_found",
        "The requested URL was not found on the server",
    );
    assert_eq!(
        send(void(
            "demo-marketplace",
            "other-1",
            json!({"amount": 1, "on_behalf_of": "seller-2"})
        ))
        .await,
        (404, not_found)
    );
    let (code, body) = send(void(
        "mp-2",
        "other-1",
        json!({"amount": 800, "on_behalf_of": "seller-2"}),
    ))
    .await;
    assert_eq!(
        (code, &body["uri"]),
        (200, &json!("/v1/marketplaces/mp-2/transactions/other-1"))
    );
    assert_eq!(kinds(&sandbox).len(), 2);
}
