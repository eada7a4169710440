//! Mercado Pago's documented examples against httpmock: the exact refund and cancellation
//! requests (path, headers, idempotency key, body bytes) and what each documented answer
//! decodes to, through the typed client and the unified cancellation.

use std::time::Duration;

use estorno::auth::BearerToken;
use estorno::mercado_pago::{
    ApiError, CancelPaymentRequest, CancelStatus, Client, PaymentStatus, Refund, RefundRequest,
    RefundStatus,
};
use estorno::{Cancel, CancelError, CancelRequest, Cents, Outcome, Reais, RetryPolicy};
use httpmock::prelude::*;

const PAYMENT: &str = "1234567890";
const TOKEN: &str = "TEST-canary-access-token";

fn fixture(name: &str) -> String {
    estorno_tests::fixture("mercado-pago", name)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(BearerToken::new(TOKEN))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(
            RetryPolicy::new()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("valid client configuration")
}

/// A payment as the look-up answers it: `transaction_amount` R$ 25,00, `refunded` so far.
fn payment(status: &str, refunded: &str) -> String {
    format!(
        r#"{{"id":{PAYMENT},"status":"{status}","status_detail":"accredited","transaction_amount":25.0,"transaction_amount_refunded":{refunded},"currency_id":"BRL","payment_method_id":"pix","date_created":"2026-05-25T14:00:00.000-03:00","date_approved":"2026-05-25T14:00:05.000-03:00","date_last_updated":"2026-05-25T14:00:05.000-03:00"}}"#
    )
}

fn look_up<'a>(server: &'a MockServer, status: &str, refunded: &str) -> httpmock::Mock<'a> {
    let body = payment(status, refunded);
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/v1/payments/{PAYMENT}"))
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn is_uuid(key: &str) -> bool {
    key.len() == 36 && key.chars().filter(|c| *c == '-').count() == 4
}

#[test]
fn the_documented_refund_decodes_exactly() {
    let refund: Refund = serde_json::from_str(&fixture("refund-201.json")).expect("refund");
    assert_eq!(refund.id, 9_876_543_210);
    assert_eq!(refund.payment_id, 1_234_567_890);
    assert_eq!(refund.amount, Reais::from_cents(2500));
    assert_eq!(refund.status, RefundStatus::Approved);
    assert_eq!(refund.refund_mode.as_deref(), Some("standard"));
    assert_eq!(
        refund.date_created.as_deref(),
        Some("2026-05-25T14:10:00.000-03:00")
    );
    let error: ApiError = serde_json::from_str(&fixture("error-400.json")).expect("error");
    assert_eq!(error.error.as_deref(), Some("bad_request"));
    let cause = &error.cause.as_ref().expect("cause")[0];
    assert_eq!(cause.code.as_str(), "2063");
}

#[tokio::test]
async fn a_total_refund_sends_an_empty_body_with_its_key_and_reads_refunded() {
    let server = MockServer::start();
    look_up(&server, "approved", "0");
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("x-render-in-process-refunds", "true")
            .header("content-type", "application/json")
            .header_exists("x-idempotency-key")
            .body("{}");
        then.status(201)
            .header("content-type", "application/json")
            .body(fixture("refund-201.json"));
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(PAYMENT))
        .await
        .expect("refunded");

    refund.assert();
    assert_eq!(result.outcome, Outcome::Refunded);
    assert_eq!(result.requested, Some(Cents::new(2500)));
    assert_eq!(result.reference.as_deref(), Some("9876543210"));
    let key = result.idempotency_key().expect("the key it was sent with");
    assert!(is_uuid(key), "{key}");
}

#[tokio::test]
async fn a_partial_refund_sends_reais_and_reads_partially_refunded() {
    let server = MockServer::start();
    look_up(&server, "approved", "0");
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"))
            .header("x-idempotency-key", "5b8e3c2a-0d4f-4e6a-9b1c-7f2d8e4a6c10")
            .body(r#"{"amount":10.50}"#);
        then.status(201)
            .header("content-type", "application/json")
            .body(r#"{"id":9876543211,"payment_id":1234567890,"amount":10.5,"status":"approved"}"#);
    });
    let request = CancelRequest::partial(PAYMENT, estorno::Amount::from_cents(1050).unwrap())
        .with_idempotency_key("5b8e3c2a-0d4f-4e6a-9b1c-7f2d8e4a6c10");

    let result = Cancel::cancel(&client(&server), &request)
        .await
        .expect("refunded in part");

    refund.assert();
    assert_eq!(result.outcome, Outcome::PartiallyRefunded);
    assert_eq!(result.requested, Some(Cents::new(1050)));
}

#[tokio::test]
async fn a_pix_refund_in_contingency_is_pending_not_refused() {
    let server = MockServer::start();
    look_up(&server, "approved", "0");
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"));
        then.status(201)
            .header("content-type", "application/json")
            .body(
                r#"{"id":9876543212,"payment_id":1234567890,"amount":25.0,"status":"in_process"}"#,
            );
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(PAYMENT))
        .await
        .expect("an outcome");

    assert_eq!(result.outcome, Outcome::Pending);
    assert!(result.needs_reconcile());
}

#[tokio::test]
async fn a_refusal_carries_its_code_and_message() {
    let server = MockServer::start();
    look_up(&server, "approved", "0");
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"));
        then.status(400)
            .header("content-type", "application/json")
            .body(fixture("error-400.json"));
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(PAYMENT))
        .await
        .expect("an outcome");

    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(result.reason.as_deref(), Some("bad_request: …"));
}

#[tokio::test]
async fn a_refund_failing_after_it_was_sent_is_retried_with_the_same_key_then_unknown() {
    let server = MockServer::start();
    look_up(&server, "approved", "10.0");
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"))
            .header("x-idempotency-key", "0e7c1b5a-3f2d-4a8b-9c6e-1d4f7a2b5c80");
        then.status(500)
            .header("content-type", "application/json")
            .body(
                r#"{"message":"internal_error","error":"internal_error","status":500,"cause":[]}"#,
            );
    });
    let request =
        CancelRequest::total(PAYMENT).with_idempotency_key("0e7c1b5a-3f2d-4a8b-9c6e-1d4f7a2b5c80");

    let result = Cancel::cancel(&client(&server), &request)
        .await
        .expect("an outcome");

    // Mercado Pago answers a repeated key with the first answer, so the client tries again:
    // every attempt with the same key. When they run out, the refund may have landed.
    assert_eq!(refund.calls(), 3);
    assert_eq!(result.outcome, Outcome::Ambiguous);
    assert_eq!(result.requested, Some(Cents::new(1500)));
}

#[tokio::test]
async fn bad_ids_and_keys_are_refused_before_sending() {
    let server = MockServer::start();
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(500);
    });
    let client = client(&server);
    for id in ["12a4", "", "1/2", "123456789012345678901"] {
        let error = Cancel::cancel(&client, &CancelRequest::total(id))
            .await
            .expect_err(id);
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
            "{id}: {error:?}"
        );
    }
    let error = Cancel::cancel(
        &client,
        &CancelRequest::total(PAYMENT).with_idempotency_key("key\r\nX-Evil: 1"),
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "idempotency_key"),
        "{error:?}"
    );
    assert_eq!(anything.calls(), 0);
}

#[tokio::test]
async fn an_unpaid_payment_is_cancelled_with_the_documented_put() {
    let server = MockServer::start();
    let cancel = server.mock(|when, then| {
        when.method(PUT)
            .path(format!("/v1/payments/{PAYMENT}"))
            .header("x-idempotency-key", "c0ffee00-1234-4abc-8def-0123456789ab")
            .body(r#"{"status":"cancelled"}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(payment("cancelled", "0"));
    });

    let answered = client(&server)
        .cancel_payment(
            PAYMENT,
            "c0ffee00-1234-4abc-8def-0123456789ab",
            &CancelPaymentRequest {
                status: CancelStatus::Cancelled,
            },
        )
        .await
        .expect("cancelled");

    cancel.assert();
    assert_eq!(answered.status, PaymentStatus::Cancelled);
    assert_eq!(answered.transaction_amount, Reais::from_cents(2500));
}

#[tokio::test]
async fn the_look_up_reads_a_partly_refunded_payment() {
    let server = MockServer::start();
    look_up(&server, "approved", "10.5");

    let looked_up = Cancel::status(&client(&server), &CancelRequest::total(PAYMENT))
        .await
        .expect("looked up");

    assert_eq!(looked_up.outcome, Outcome::PartiallyRefunded);
    assert_eq!(looked_up.refunded, Some(Cents::new(1050)));
    assert_eq!(looked_up.remaining, Some(Cents::new(1450)));
    let body = RefundRequest { amount: None };
    assert_eq!(serde_json::to_string(&body).unwrap(), "{}");
}

#[tokio::test]
async fn a_total_of_an_unpaid_payment_cancels_it_instead_of_refunding() {
    let server = MockServer::start();
    look_up(&server, "pending", "0");
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"));
        then.status(400)
            .header("content-type", "application/json")
            .body(fixture("error-400.json"));
    });
    let cancel = server.mock(|when, then| {
        when.method(PUT)
            .path(format!("/v1/payments/{PAYMENT}"))
            .header_exists("x-idempotency-key")
            .body(r#"{"status":"cancelled"}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(payment("cancelled", "0"));
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(PAYMENT))
        .await
        .expect("cancelled");

    cancel.assert();
    assert_eq!(refund.calls(), 0);
    assert_eq!(result.outcome, Outcome::Voided);
    assert_eq!(result.status.as_deref(), Some("cancelled"));
    assert!(result.idempotency_key().is_some());
}

#[tokio::test]
async fn an_approved_refund_is_completed_with_the_amounts_the_look_up_reports() {
    let server = MockServer::start();
    let mut before = look_up(&server, "approved", "0");
    let client = client(&server);
    let looked_up = Cancel::status(&client, &CancelRequest::total(PAYMENT))
        .await
        .expect("looked up");
    before.delete();
    // Once refunded, the look-up reports what went back; the refund's own answer does not.
    look_up(&server, "refunded", "25.0");
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"));
        then.status(201)
            .header("content-type", "application/json")
            .body(fixture("refund-201.json"));
    });

    let result = client
        .cancel_from(&CancelRequest::total(PAYMENT), looked_up)
        .await
        .expect("refunded");

    assert_eq!(result.outcome, Outcome::Refunded);
    assert_eq!(result.refunded, Some(Cents::new(2500)));
    assert_eq!(result.remaining, Some(Cents::ZERO));
    assert_eq!(
        result.reference.as_deref(),
        Some("9876543210"),
        "the refund's own id"
    );
}
