//! The `mock` feature: each generated client's typed httpmock helpers, used the way a
//! consumer tests its own code against a mocked provider.

use estorno::auth::{ApiKey, ClientCredentials};
use estorno::picpay_checkout::{self, ApiError, Charge, ChargeStatus, RefundRequest};
use estorno::{Amount, Cents, Error, OneOrMany};
use httpmock::MockServer;

/// Code under test: a shop refunding an order's charge in full.
async fn refund_order(
    client: &picpay_checkout::Client,
    charge: &str,
    cents: u64,
) -> Result<ChargeStatus, Error<ApiError>> {
    let body = RefundRequest {
        amount: Amount::from_cents(cents).expect("positive"),
    };
    Ok(client
        .refund(charge, Some("shop"), &body)
        .await?
        .charge_status)
}

fn charge(status: ChargeStatus, remaining: u64, refunded: u64) -> Charge {
    Charge {
        merchant_charge_id: "order-123456".to_owned(),
        id: "c-1".to_owned(),
        charge_status: status,
        amount: Cents::new(remaining),
        original_amount: Cents::new(remaining + refunded),
        refunded_amount: Cents::new(refunded),
        transactions: Vec::new(),
    }
}

fn checkout_client(server: &MockServer) -> picpay_checkout::Client {
    picpay_checkout::Client::builder()
        .credentials(ClientCredentials::new("id", "secret"))
        .base_url(server.base_url())
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_typed_success_mock_answers_the_generated_client() {
    let server = MockServer::start_async().await;
    let token = picpay_checkout::mock::token(&server);
    let refund = picpay_checkout::mock::refund(&server)
        .with_path(&["order-123456"])
        .ok(&charge(ChargeStatus::Refunded, 0, 1000));

    let status = refund_order(&checkout_client(&server), "order-123456", 1000).await;

    assert_eq!(status.expect("refunded"), ChargeStatus::Refunded);
    token.assert_calls(1);
    refund.assert_calls(1);
}

#[tokio::test]
async fn a_typed_error_mock_decodes_into_the_declared_error() {
    let server = MockServer::start_async().await;
    picpay_checkout::mock::token(&server);
    let refusal = ApiError {
        message: "REFUND execution is unauthorized".to_owned(),
        success: false,
        business_code: Some("INSUFFICIENT_AMOUNT".to_owned()),
        errors: OneOrMany::default(),
    };
    picpay_checkout::mock::refund(&server).err(400, &refusal);

    let error = refund_order(&checkout_client(&server), "order-123456", 1000)
        .await
        .expect_err("refused");
    match error {
        Error::Api {
            status: 400, body, ..
        } => assert_eq!(body, refusal),
        other => panic!("expected the typed 400, got {other:?}"),
    }
}

#[tokio::test]
async fn a_narrowed_path_does_not_answer_another_charge() {
    let server = MockServer::start_async().await;
    picpay_checkout::mock::token(&server);
    let other = picpay_checkout::mock::refund(&server)
        .with_path(&["another-charge"])
        .ok(&charge(ChargeStatus::Refunded, 0, 1000));

    let error = refund_order(&checkout_client(&server), "order-123456", 1000)
        .await
        .expect_err("no mock for this charge");
    assert_eq!(error.status(), Some(404), "{error:?}");
    other.assert_calls(0);
}

#[tokio::test]
async fn a_raw_mock_answers_an_html_error_page() {
    let server = MockServer::start_async().await;
    let key = ApiKey::new("zpk_test_key");
    let void = estorno::zoop::mock::void(&server).respond(502, "<html>Bad Gateway</html>");
    let client = estorno::zoop::Client::builder()
        .credentials(key)
        .base_url(server.base_url())
        .build()
        .expect("client");
    let body = estorno::zoop::VoidRequest {
        amount: Amount::from_cents(500).expect("positive"),
        on_behalf_of: "seller".to_owned(),
    };
    let error = client
        .void("marketplace", "transaction", &body)
        .await
        .expect_err("502");
    assert_eq!(error.status(), Some(502));
    assert!(
        error.outcome_unknown(),
        "a 502 after sending a void is unknown"
    );
    void.assert_calls(1);
}
