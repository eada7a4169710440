//! PagBank's documented requests against httpmock: the cancellation always names its amount
//! (`{"amount":{"value":cents}}`, what remains for a total one), the answer's summary tells
//! what was refunded, and `error_messages` explain a refusal.

use std::time::Duration;

use estorno::auth::BearerToken;
use estorno::pagbank::{ApiError, Client};
use estorno::{Amount, Cancel, CancelRequest, Cents, Outcome, Rejection};
use httpmock::prelude::*;

const CHARGE: &str = "CHAR_4D3C6D5E-1F2A";
const TOKEN: &str = "canary-pagbank-token";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(BearerToken::new(TOKEN))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

/// A charge of R$ 15,00 with `refunded` cents refunded, in `status`.
fn charge(status: &str, refunded: u64) -> String {
    format!(
        r#"{{"id":"{CHARGE}","reference_id":"ORDER-1","status":"{status}","amount":{{"value":1500,"currency":"BRL","summary":{{"total":1500,"paid":1500,"refunded":{refunded}}}}},"payment_response":{{"code":"20000","message":"SUCESSO","reference":"1234"}}}}"#
    )
}

fn look_up(server: &MockServer) {
    let body = charge("PAID", 0);
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/charges/{CHARGE}"))
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    });
}

#[test]
fn the_documented_error_explains_itself() {
    let error: ApiError =
        serde_json::from_str(&estorno_tests::fixture("pagbank", "error-400.json")).unwrap();
    assert_eq!(error.reason(), "40002: invalid_parameter");
    assert_eq!(
        error.error_messages[0].parameter_name.as_deref(),
        Some("amount.value")
    );
}

#[tokio::test]
async fn a_total_cancellation_names_what_remains() {
    let server = MockServer::start();
    look_up(&server);
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charges/{CHARGE}/cancel"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header_exists("x-idempotency-key")
            .body(r#"{"amount":{"value":1500}}"#);
        then.status(201)
            .header("content-type", "application/json")
            .body(charge("CANCELED", 1500));
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(CHARGE))
        .await
        .expect("cancelled");

    cancel.assert();
    assert_eq!(result.outcome, Outcome::Refunded);
    assert_eq!(result.refunded, Some(Cents::new(1500)));
}

#[tokio::test]
async fn a_partial_cancellation_reads_the_summary() {
    let server = MockServer::start();
    look_up(&server);
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charges/{CHARGE}/cancel"))
            .body(r#"{"amount":{"value":400}}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(charge("PAID", 400));
    });

    let result = Cancel::cancel(
        &client(&server),
        &CancelRequest::partial(CHARGE, Amount::from_cents(400).unwrap()),
    )
    .await
    .expect("cancelled in part");

    assert_eq!(result.outcome, Outcome::PartiallyRefunded);
    assert_eq!(result.remaining, Some(Cents::new(1100)));
}

#[tokio::test]
async fn a_refusal_carries_every_error_message() {
    let server = MockServer::start();
    look_up(&server);
    server.mock(|when, then| {
        when.method(POST).path(format!("/charges/{CHARGE}/cancel"));
        then.status(400)
            .header("content-type", "application/json")
            .body(r#"{"error_messages":[{"code":"40002","description":"invalid_parameter","parameter_name":"amount.value"},{"code":"40001","description":"required_parameter","parameter_name":"amount"}]}"#);
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(CHARGE))
        .await
        .expect("an outcome");

    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(
        result.reason.as_deref(),
        Some("40002: invalid_parameter; 40001: required_parameter")
    );
}
