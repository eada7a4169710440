//! Pagar.me's documented requests against httpmock: a `DELETE` of the charge with no body for
//! a total cancellation and `{"amount"}` for a part, HTTP Basic with the secret key and an
//! empty password, and what the documented answers decode to.

use std::time::Duration;

use estorno::auth::ApiKey;
use estorno::pagarme::{ApiError, Client};
use estorno::{Amount, Cancel, CancelError, CancelRequest, Cents, Outcome, RetryPolicy};
use httpmock::prelude::*;

const CHARGE: &str = "ch_8YQ0mKOHzHPNhGbD";
const KEY: &str = "sk_test_canary";
/// `Basic base64("sk_test_canary:")`: the key as the user, an empty password.
const BASIC: &str = "Basic c2tfdGVzdF9jYW5hcnk6";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(ApiKey::new(KEY))
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

/// A charge of R$ 10,00 with `canceled` cents cancelled, in `status`.
fn charge(status: &str, canceled: u64) -> String {
    format!(
        r#"{{"id":"{CHARGE}","code":"ORDER-1","gateway_id":"1234","amount":1000,"status":"{status}","currency":"BRL","payment_method":"credit_card","created_at":"2026-05-25T17:00:00Z","updated_at":"2026-05-25T17:05:00Z","canceled_amount":{canceled},"paid_amount":1000,"last_transaction":{{"status":"captured","success":true}}}}"#
    )
}

fn look_up<'a>(server: &'a MockServer, status: &str, canceled: u64) -> httpmock::Mock<'a> {
    let body = charge(status, canceled);
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/charges/{CHARGE}"))
            .header("authorization", BASIC)
            .header("accept", "application/json");
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

#[test]
fn the_documented_error_decodes() {
    let error: ApiError =
        serde_json::from_str(&estorno_tests::fixture("pagarme", "error-404.json")).unwrap();
    assert_eq!(error.message, "Customer not found.");
}

#[tokio::test]
async fn a_total_cancellation_is_a_delete_without_a_body() {
    let server = MockServer::start();
    look_up(&server, "paid", 0);
    let cancel = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("/charges/{CHARGE}"))
            .header("authorization", BASIC)
            .header_exists("idempotency-key")
            .body("");
        then.status(200)
            .header("content-type", "application/json")
            .body(charge("canceled", 1000));
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(CHARGE))
        .await
        .expect("cancelled");

    cancel.assert();
    assert_eq!(result.outcome, Outcome::Refunded);
    assert_eq!(result.refunded, Some(Cents::new(1000)));
    assert_eq!(result.status.as_deref(), Some("canceled"));
}

#[tokio::test]
async fn a_partial_cancellation_sends_its_amount_in_cents() {
    let server = MockServer::start();
    look_up(&server, "paid", 0);
    let cancel = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("/charges/{CHARGE}"))
            .header("content-type", "application/json")
            .body(r#"{"amount":300}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(charge("paid", 300));
    });

    let result = Cancel::cancel(
        &client(&server),
        &CancelRequest::partial(CHARGE, Amount::from_cents(300).unwrap()),
    )
    .await
    .expect("cancelled in part");

    cancel.assert();
    assert_eq!(result.outcome, Outcome::PartiallyRefunded);
    assert_eq!(result.remaining, Some(Cents::new(700)));
}

#[tokio::test]
async fn an_unconfirmed_key_is_sent_but_a_failure_after_sending_is_not_retried() {
    let server = MockServer::start();
    look_up(&server, "paid", 0);
    let cancel = server.mock(|when, then| {
        when.method(DELETE).path(format!("/charges/{CHARGE}"));
        then.status(500)
            .header("content-type", "application/json")
            .body(r#"{"message":"Internal server error."}"#);
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(CHARGE))
        .await
        .expect("an outcome");

    assert_eq!(cancel.calls(), 1);
    assert_eq!(result.outcome, Outcome::Ambiguous);
    assert_eq!(
        estorno::pagarme::SPEC.cancel.as_ref().unwrap().resend,
        estorno::spec::ResendProof::Unproven
    );
}

#[tokio::test]
async fn a_refusal_reads_its_message_and_bad_ids_never_leave() {
    let server = MockServer::start();
    look_up(&server, "paid", 0);
    server.mock(|when, then| {
        when.method(DELETE).path(format!("/charges/{CHARGE}"));
        then.status(422)
            .header("content-type", "application/json")
            .body(r#"{"message":"The charge can not be canceled.","errors":{}}"#);
    });
    let client = client(&server);

    let result = Cancel::cancel(&client, &CancelRequest::total(CHARGE))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(
        result.reason.as_deref(),
        Some("The charge can not be canceled.")
    );

    let error = Cancel::cancel(&client, &CancelRequest::total("ch-1/../x"))
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
        "{error:?}"
    );
}
