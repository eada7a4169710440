//! Getnet's documented requests against httpmock: the token with Basic and `scope=oob`, the
//! same-day void with no body, the cancel request with the merchant's `cancel_custom_key` in
//! its JSON body, its look-up by that key, the error envelope with `details` an array or an
//! object, and a 402 decline. Getnet documents no look-up of a payment: nothing is read before
//! sending. This file runs as the `getnet` module of the workspace's `providers` test binary.

use std::time::Duration;

use estorno::auth::ClientCredentials;
use estorno::getnet::{CanceledPayment, Client, PaymentStatus};
use estorno::spec::ResendProof;
use estorno::{Amount, Cancel, CancelError, CancelRequest, Outcome, Provider, RetryPolicy};
use httpmock::prelude::*;

const PAYMENT: &str = "abcdef84-e5c2-4a5d-9a5e-5b0f8c2e1a01";
const KEY: &str = "5f0c7a1e-2b3d-4c5e-8f9a-0b1c2d3e4f50";
/// `base64("getnet-client:getnet-secret")`.
const CLIENT_BASIC: &str = "Basic Z2V0bmV0LWNsaWVudDpnZXRuZXQtc2VjcmV0";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(ClientCredentials::new("getnet-client", "getnet-secret"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::none())
        .build()
        .expect("valid client configuration")
}

fn token(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/auth/oauth/v2/token")
            .header("authorization", CLIENT_BASIC)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("scope=oob&grant_type=client_credentials");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"access_token":"gn-at-1","token_type":"Bearer","expires_in":3600,"scope":"oob"}"#);
    })
}

/// Anything that would be a look-up of the payment: Getnet has none, so none is made.
fn no_payment_look_up(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(GET).path_includes(PAYMENT);
        then.status(500);
    })
}

fn body(name: &str) -> String {
    estorno_tests::fixture("getnet", name)
}

#[test]
fn the_documented_void_decodes() {
    let answer: CanceledPayment = serde_json::from_str(&body("void-200.json")).unwrap();
    assert_eq!(answer.status, PaymentStatus::Canceled);
    assert_eq!(answer.amount.get(), 100);
    assert_eq!(
        answer.credit_cancel.unwrap().message.as_deref(),
        Some("Credit transaction cancelled sucessfully")
    );
}

#[tokio::test]
async fn a_total_is_the_same_day_void_with_no_body_and_nothing_looked_up() {
    let server = MockServer::start();
    let token = token(&server);
    let look_up = no_payment_look_up(&server);
    let answer = body("void-200.json");
    let void = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/credit/{PAYMENT}/cancel"))
            .header("authorization", "Bearer gn-at-1")
            .body("");
        then.status(200)
            .header("content-type", "application/json")
            .body(answer);
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(PAYMENT))
        .await
        .expect("voided");

    token.assert();
    void.assert();
    look_up.assert_calls(0);
    assert_eq!(result.outcome, Outcome::Voided);
    assert_eq!(result.reference.as_deref(), Some(PAYMENT));
}

#[tokio::test]
async fn a_partial_is_a_cancel_request_with_the_merchants_key_in_its_body() {
    let server = MockServer::start();
    token(&server);
    no_payment_look_up(&server);
    let answer = body("cancel-request-200.json");
    let requested = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/payments/cancel/request")
            .header("authorization", "Bearer gn-at-1")
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"cancel_custom_key":"{KEY}","payment_id":"{PAYMENT}","cancel_amount":1000}}"#
            ));
        then.status(200)
            .header("content-type", "application/json")
            .body(answer);
    });

    let request = CancelRequest::partial(PAYMENT, Amount::from_cents(1_000).unwrap())
        .with_idempotency_key(KEY);
    let result = Cancel::cancel(&client(&server), &request)
        .await
        .expect("accepted");

    requested.assert();
    assert_eq!(result.outcome, Outcome::PartiallyRefunded);
    assert_eq!(result.reference.as_deref(), Some("123468385637229683"));
    assert_eq!(result.idempotency_key(), Some(KEY));
}

#[tokio::test]
async fn a_key_is_made_for_a_partial_that_carries_none_and_kept_in_the_result() {
    let server = MockServer::start();
    token(&server);
    let answer = body("cancel-request-200.json");
    let requested = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/payments/cancel/request")
            .body_includes(r#""cancel_custom_key":""#)
            .body_includes(r#""cancel_amount":250"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(answer);
    });
    let request = CancelRequest::partial(PAYMENT, Amount::from_cents(250).unwrap());
    let result = Cancel::cancel(&client(&server), &request).await.unwrap();
    requested.assert();
    let key = result.idempotency_key().expect("a key was made");
    assert_eq!(key.len(), 36, "{key}");
    assert!(uuid_like(key), "{key}");
}

fn uuid_like(key: &str) -> bool {
    key.bytes().enumerate().all(|(index, byte)| match index {
        8 | 13 | 18 | 23 => byte == b'-',
        _ => byte.is_ascii_hexdigit(),
    })
}

#[tokio::test]
async fn refusals_read_their_details_as_an_array_or_an_object() {
    let cases = [
        (
            400,
            body("error-400.json"),
            "GENERIC-400: payment_id is invalid",
        ),
        (
            402,
            r#"{"status_code":402,"name":"CreditServiceError","message":"Payment Required","details":{"status":"DENIED","error_code":"PAYMENTS-003","description":"Transação negada","description_detail":"Cancelamento não permitido"}}"#.to_owned(),
            "PAYMENTS-003: Transação negada",
        ),
    ];
    for (status, error, reason) in cases {
        let server = MockServer::start();
        token(&server);
        server.mock(|when, then| {
            when.method(POST)
                .path(format!("/v1/payments/credit/{PAYMENT}/cancel"));
            then.status(status)
                .header("content-type", "application/json")
                .body(error);
        });
        let result = Cancel::cancel(&client(&server), &CancelRequest::total(PAYMENT))
            .await
            .expect("an outcome");
        assert_eq!(result.outcome, Outcome::Rejected, "{status}");
        assert_eq!(result.reason.as_deref(), Some(reason), "{status}");
    }
}

#[tokio::test]
async fn a_denied_cancel_request_is_a_refusal() {
    let server = MockServer::start();
    token(&server);
    server.mock(|when, then| {
        when.method(POST).path("/v1/payments/cancel/request");
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"payment_id":"{PAYMENT}","cancel_request_id":"9","cancel_custom_key":"{KEY}","status":"DENIED"}}"#
            ));
    });
    let request = CancelRequest::partial(PAYMENT, Amount::from_cents(1_000).unwrap())
        .with_idempotency_key(KEY);
    let result = Cancel::cancel(&client(&server), &request).await.unwrap();
    assert_eq!(result.outcome, Outcome::Rejected);
}

#[tokio::test]
async fn an_unknown_cancel_request_is_found_again_by_its_key() {
    let server = MockServer::start();
    token(&server);
    let mut lost = server.mock(|when, then| {
        when.method(POST).path("/v1/payments/cancel/request");
        then.status(503);
    });
    let request = CancelRequest::partial(PAYMENT, Amount::from_cents(1_000).unwrap())
        .with_idempotency_key(KEY);
    let client = client(&server);
    let sent = Cancel::cancel(&client, &request).await.unwrap();
    assert_eq!(sent.outcome, Outcome::Ambiguous);
    lost.delete();

    let answer = body("cancel-request-200.json");
    let by_key = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/payments/cancel/request")
            .query_param("cancel_custom_key", KEY)
            .header("authorization", "Bearer gn-at-1");
        then.status(200)
            .header("content-type", "application/json")
            .body(answer);
    });
    let now = Cancel::reconcile(&client, sent.request()).await.unwrap();
    by_key.assert();
    assert_eq!(now.outcome, Outcome::PartiallyRefunded);
    assert_eq!(now.reference.as_deref(), Some("123468385637229683"));
}

#[tokio::test]
async fn an_unknown_void_waits_for_an_operator_and_the_payment_cannot_be_looked_up() {
    let server = MockServer::start();
    token(&server);
    let look_up = no_payment_look_up(&server);
    let by_key = server.mock(|when, then| {
        when.method(GET).path("/v1/payments/cancel/request");
        then.status(500);
    });
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/credit/{PAYMENT}/cancel"));
        then.status(504);
    });
    let client = client(&server);
    let sent = Cancel::cancel(&client, &CancelRequest::total(PAYMENT))
        .await
        .unwrap();
    assert_eq!(sent.outcome, Outcome::Ambiguous);

    // A void carries no key, so there is no record to find by one; and no look-up of the
    // payment exists to prove anything.
    let expected = CancelError::Provider {
        provider: "Getnet",
        reason: String::from("Getnet documents no look-up of a payment"),
    };
    assert_eq!(
        Cancel::reconcile(&client, sent.request())
            .await
            .unwrap_err(),
        expected
    );
    assert_eq!(
        Cancel::status(&client, &CancelRequest::total(PAYMENT))
            .await
            .unwrap_err(),
        expected
    );
    look_up.assert_calls(0);
    by_key.assert_calls(0);
}

#[tokio::test]
async fn the_spec_says_what_proves_a_resend_and_that_nothing_is_looked_up() {
    let spec = <Client as Provider>::SPEC;
    let cancel = spec.cancel.as_ref().unwrap();
    assert!(!cancel.looks_up);
    assert!(cancel.reconcile_by_key);
    // The void carries no key, and the key is not confirmed as an idempotency key.
    assert_eq!(cancel.resend, ResendProof::Unproven);
    assert_eq!(spec.credentials, ["client_id", "client_secret"]);
}

#[tokio::test]
async fn bad_ids_and_keys_are_refused_before_anything_is_sent() {
    let server = MockServer::start();
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let client = client(&server);
    for payment in ["not-a-uuid", "abcdef84/e5c2-4a5d-9a5e-5b0f8c2e1a01", ""] {
        let error = Cancel::cancel(&client, &CancelRequest::total(payment))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
            "{payment}: {error:?}"
        );
    }
    let request = CancelRequest::partial(PAYMENT, Amount::from_cents(100).unwrap())
        .with_idempotency_key("key with spaces");
    let error = Cancel::cancel(&client, &request).await.unwrap_err();
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "idempotency_key"),
        "{error:?}"
    );
    anything.assert_calls(0);
}

#[tokio::test]
async fn an_oauth_refusal_is_an_authentication_error_with_its_reason() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST).path("/auth/oauth/v2/token");
        then.status(401)
            .header("content-type", "application/json")
            .body(
                r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            );
    });
    let void = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/credit/{PAYMENT}/cancel"));
        then.status(200);
    });
    let error = Cancel::cancel(&client(&server), &CancelRequest::total(PAYMENT))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CancelError::Auth { reason, .. }
            if reason.contains("invalid_client: Client authentication failed")),
        "{error:?}"
    );
    void.assert_calls(0);
}

#[tokio::test]
async fn the_seller_id_header_is_sent_only_where_given() {
    const SELLER: &str = "abcdefde-6d1c-4b6a-8c22-3f1e0a9b7c02";
    let server = MockServer::start();
    token(&server);
    let answer = body("void-200.json");
    let with_seller = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/credit/{PAYMENT}/cancel"))
            .header("seller_id", SELLER);
        then.status(200)
            .header("content-type", "application/json")
            .body(answer);
    });
    let request = CancelRequest::total(PAYMENT).field("seller_id", SELLER);
    let result = Cancel::cancel(&client(&server), &request).await.unwrap();
    assert_eq!(result.outcome, Outcome::Voided);
    with_seller.assert();

    let bad = CancelRequest::total(PAYMENT).field("seller_id", "not-a-seller");
    let error = Cancel::cancel(&client(&server), &bad).await.unwrap_err();
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "seller_id"),
        "{error:?}"
    );
    with_seller.assert_calls(1);
}
