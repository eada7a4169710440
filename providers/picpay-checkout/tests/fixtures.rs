//! PicPay Checkout against httpmock: the seed's examples decode exactly, requests are exactly
//! what PicPay documents, the OAuth2 token flow behaves, and bad ids never leave the process.

use std::time::Duration;

use estorno::auth::ClientCredentials;
use estorno::picpay_checkout::{
    ApiError, Charge, ChargeStatus, Client, FieldError, PaymentType, Pix, RefundRequest,
    Transaction, TransactionStatus,
};
use estorno::{Amount, Cents, Error, OneOrMany, Outcome};
use httpmock::Mock;
use httpmock::prelude::*;

const CHARGE_ID: &str = "8086bfd7-6241-4f76-81d8-70460533ce74";
const TOKEN_REQUEST: &str = r#"{"grant_type":"client_credentials","client_id":"client-id","client_secret":"client-secret"}"#;

fn fixture(name: &str) -> String {
    estorno_tests::fixture("picpay-checkout", name)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(ClientCredentials::new("client-id", "client-secret"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

/// The token endpoint, answering `token` with the given lifetime.
fn token_mock<'a>(server: &'a MockServer, token: &str, expires_in: u64) -> Mock<'a> {
    let body = format!(
        r#"{{"access_token":"{token}","expires_in":{expires_in},"token_type":"Bearer","scope":"openid"}}"#
    );
    server.mock(|when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .header("content-type", "application/json")
            .body(TOKEN_REQUEST);
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn refund_body(cents: u64) -> RefundRequest {
    RefundRequest {
        amount: Amount::from_cents(cents).expect("positive amount"),
    }
}

fn seed_charge() -> Charge {
    Charge {
        merchant_charge_id: CHARGE_ID.to_owned(),
        id: "ed50d469-ae7d-4a3d-a946-6e399cb981bb".to_owned(),
        charge_status: ChargeStatus::Refunded,
        amount: Cents::new(0),
        original_amount: Cents::new(1000),
        refunded_amount: Cents::new(1000),
        transactions: vec![Transaction {
            payment_type: PaymentType::Credit,
            amount: Cents::new(0),
            original_amount: Cents::new(1000),
            refunded_amount: Cents::new(1000),
            transaction_status: TransactionStatus::Refunded,
            created_at: "2023-11-08T10:42:36-03:00".to_owned(),
            updated_at: "2023-11-08T10:42:36-03:00".to_owned(),
            transaction_id: "1100000000000000000".to_owned(),
            soft_descriptor: Some("teste softDescriptor".to_owned()),
            error_message: None,
            pix: Some(Pix {
                qr_code: "00020101021226940014COM.PICPAY.P2B0172......".to_owned(),
                qr_code_base64: "data:image/png;base64......".to_owned(),
                end_to_end_id: Some("E00416911112501234429olrr6BQh8vW".to_owned()),
            }),
        }],
    }
}

#[tokio::test]
async fn refund_sends_the_documented_request_and_decodes_the_seed_example() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "token-1", 300);
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"))
            .header("authorization", "Bearer token-1")
            .header("content-type", "application/json")
            .header("caller-origin", "vtex")
            .body(r#"{"amount":1000}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("refund-200.json"));
    });

    let charge = client(&server)
        .refund(CHARGE_ID, Some("vtex"), &refund_body(1000))
        .await
        .expect("the seed's 200 decodes");

    assert_eq!(charge, seed_charge());
    assert_eq!(charge.charge_status.outcome(), Outcome::Refunded);
    token.assert_calls(1);
    refund.assert_calls(1);
}

#[tokio::test]
async fn caller_origin_is_left_out_when_not_given() {
    let server = MockServer::start_async().await;
    token_mock(&server, "token-1", 300);
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"))
            .header_missing("caller-origin")
            .body(r#"{"amount":250}"#);
        then.status(200).body(fixture("refund-200.json"));
    });

    client(&server)
        .refund(CHARGE_ID, None, &refund_body(250))
        .await
        .expect("refund succeeds");
    refund.assert_calls(1);
}

#[tokio::test]
async fn charge_lookup_is_a_get_with_no_body() {
    let server = MockServer::start_async().await;
    token_mock(&server, "token-1", 300);
    let lookup = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/charge/{CHARGE_ID}"))
            .header("authorization", "Bearer token-1")
            .header_missing("content-type")
            .is_true(|request| request.body().is_empty());
        then.status(200).body(fixture("refund-200.json"));
    });

    let charge = client(&server).charge(CHARGE_ID).await.expect("lookup");
    assert_eq!(charge, seed_charge());
    lookup.assert_calls(1);
}

/// Serves `fixture` with `status` for a refund and returns the decoded typed error.
async fn refund_error(status: u16, fixture_name: &str) -> (u16, ApiError) {
    let server = MockServer::start_async().await;
    token_mock(&server, "token-1", 300);
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"));
        then.status(status)
            .header("content-type", "application/json")
            .body(fixture(fixture_name));
    });
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body(1000))
        .await
        .expect_err("declared error status");
    match error {
        Error::Api { status, body, .. } => (status, body),
        other => panic!("expected a typed API error, got {other:?}"),
    }
}

#[tokio::test]
async fn seed_400_decodes_into_the_typed_error() {
    let (status, body) = refund_error(400, "error-400.json").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        ApiError {
            message: "REFUND execution is unauthorized. Check if there is amount available for refund or if it has already been refunded".to_owned(),
            success: false,
            business_code: None,
            errors: OneOrMany::default(),
        }
    );
}

#[tokio::test]
async fn schema_400_keeps_business_code_and_field_errors() {
    let (_, body) = refund_error(400, "error-400-schema.json").await;
    assert_eq!(body.business_code.as_deref(), Some("string"));
    assert_eq!(
        body.errors.as_slice(),
        [FieldError {
            message: "must be a well-formed UUID string".to_owned(),
            field: Some("merchantChargeId".to_owned()),
        }]
    );
}

#[tokio::test]
async fn seed_401_with_an_errors_object_decodes_into_the_typed_error() {
    let (status, body) = refund_error(401, "error-401.json").await;
    assert_eq!(status, 401);
    assert_eq!(body.message, "Authorization token not found.");
    assert_eq!(
        body.errors.as_slice(),
        [FieldError {
            message: "Authorization token not found".to_owned(),
            field: Some("Authorization Token".to_owned()),
        }]
    );
}

#[tokio::test]
async fn seed_415_decodes_into_the_typed_error() {
    let (status, body) = refund_error(415, "error-415.json").await;
    assert_eq!(status, 415);
    assert_eq!(
        body.message,
        "Request object is invalid or incorrectly formatted"
    );
    assert!(!body.success);
}

#[tokio::test]
async fn seed_500_decodes_into_the_typed_error() {
    let (status, body) = refund_error(500, "error-500.json").await;
    assert_eq!(status, 500);
    assert_eq!(body.message, "Internal Server Error");
}

#[tokio::test]
async fn an_unknown_charge_status_decodes_to_unknown_and_is_ambiguous() {
    let server = MockServer::start_async().await;
    token_mock(&server, "token-1", 300);
    let body = fixture("refund-200.json").replace(
        r#""chargeStatus": "REFUNDED""#,
        r#""chargeStatus": "REFUND_SCHEDULED""#,
    );
    server.mock(|when, then| {
        when.method(GET).path(format!("/charge/{CHARGE_ID}"));
        then.status(200).body(body);
    });
    let charge = client(&server).charge(CHARGE_ID).await.expect("decodes");
    assert_eq!(
        charge.charge_status,
        ChargeStatus::Unknown("REFUND_SCHEDULED".to_owned())
    );
    assert_eq!(charge.charge_status.outcome(), Outcome::Ambiguous);
}

#[tokio::test]
async fn the_token_is_cached_across_calls() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "token-1", 300);
    let lookup = server.mock(|when, then| {
        when.method(GET).header("authorization", "Bearer token-1");
        then.status(200).body(fixture("refund-200.json"));
    });
    let client = client(&server);
    for _ in 0..3 {
        client.charge(CHARGE_ID).await.expect("lookup");
    }
    token.assert_calls(1);
    lookup.assert_calls(3);
}

#[tokio::test]
async fn an_expired_token_is_fetched_again_before_the_call() {
    let server = MockServer::start_async().await;
    // A one-second token expires during the pause below; PicPay's real 300-second tokens are
    // refreshed the same way, shortly before they expire.
    let first = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .body(r#"{"access_token":"token-1","expires_in":1,"token_type":"Bearer"}"#)
            .up_to_n_times(1);
    });
    let second = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .body(r#"{"access_token":"token-2","expires_in":300,"token_type":"Bearer"}"#);
    });
    let with_first = server.mock(|when, then| {
        when.method(GET).header("authorization", "Bearer token-1");
        then.status(200).body(fixture("refund-200.json"));
    });
    let with_second = server.mock(|when, then| {
        when.method(GET).header("authorization", "Bearer token-2");
        then.status(200).body(fixture("refund-200.json"));
    });
    let client = client(&server);
    client.charge(CHARGE_ID).await.expect("first lookup");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.charge(CHARGE_ID).await.expect("second lookup");
    client
        .charge(CHARGE_ID)
        .await
        .expect("third lookup reuses the new token");

    first.assert_calls(1);
    second.assert_calls(1);
    assert_eq!(with_first.calls() + with_second.calls(), 3);
    with_second.assert_calls(2);
}

#[tokio::test]
async fn a_401_fetches_a_new_token_and_resends_once() {
    let server = MockServer::start_async().await;
    let first = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .body(r#"{"access_token":"revoked","expires_in":300,"token_type":"Bearer"}"#)
            .up_to_n_times(1);
    });
    let second = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .body(r#"{"access_token":"fresh","expires_in":300,"token_type":"Bearer"}"#);
    });
    let rejected = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"))
            .header("authorization", "Bearer revoked");
        then.status(401).body(fixture("error-401.json"));
    });
    let accepted = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"))
            .header("authorization", "Bearer fresh")
            .body(r#"{"amount":1000}"#);
        then.status(200).body(fixture("refund-200.json"));
    });

    let charge = client(&server)
        .refund(CHARGE_ID, None, &refund_body(1000))
        .await
        .expect("succeeds with the new token");
    assert_eq!(charge.refunded_amount, Cents::new(1000));
    first.assert_calls(1);
    second.assert_calls(1);
    rejected.assert_calls(1);
    accepted.assert_calls(1);
}

#[tokio::test]
async fn a_second_401_is_returned_not_retried_forever() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "revoked", 300);
    let rejected = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"));
        then.status(401).body(fixture("error-401.json"));
    });
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body(1000))
        .await
        .expect_err("still unauthorised");
    match error {
        Error::Api {
            status: 401, body, ..
        } => {
            assert_eq!(body.message, "Authorization token not found.")
        }
        other => panic!("expected the typed 401, got {other:?}"),
    }
    token.assert_calls(2);
    rejected.assert_calls(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_calls_share_one_token_request() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .delay(Duration::from_millis(200))
            .body(r#"{"access_token":"shared","expires_in":300,"token_type":"Bearer"}"#);
    });
    let lookup = server.mock(|when, then| {
        when.method(GET).header("authorization", "Bearer shared");
        then.status(200).body(fixture("refund-200.json"));
    });
    let client = client(&server);
    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.charge(CHARGE_ID).await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.expect("task").expect("lookup");
    }
    token.assert_calls(1);
    lookup.assert_calls(20);
}

#[tokio::test]
async fn invalid_charge_ids_are_rejected_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "token-1", 300);
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body(fixture("refund-200.json"));
    });
    let client = client(&server);
    let too_long = "a".repeat(37);
    for bad_id in ["abcde", too_long.as_str(), "../x", "", "charge id!", ".."] {
        let error = client
            .refund(bad_id, None, &refund_body(1000))
            .await
            .expect_err("invalid id");
        match &error {
            Error::InvalidRequest { field, .. } => assert_eq!(*field, "merchant_charge_id"),
            other => panic!("{bad_id:?}: expected InvalidRequest, got {other:?}"),
        }
        assert!(
            error.to_string().contains("merchant_charge_id"),
            "{bad_id:?}: the message names the field: {error}"
        );
    }
    let error = client.charge("short").await.expect_err("invalid id");
    assert!(matches!(error, Error::InvalidRequest { .. }));
    token.assert_calls(0);
    any.assert_calls(0);
}

#[test]
fn a_zero_amount_cannot_be_built() {
    let error = Amount::from_cents(0).expect_err("zero is not an amount");
    assert!(error.to_string().contains("at least 1"), "{error}");
}

#[test]
fn the_spec_describes_the_provider() {
    use estorno::spec::{AuthScheme, Method, TokenRequestEncoding};
    let spec = &estorno::picpay_checkout::SPEC;
    assert_eq!(spec.name, "PicPay Checkout");
    assert_eq!(spec.slug, "picpay-checkout");
    assert_eq!(
        spec.sandbox,
        Some("https://checkout-api-sandbox.picpay.com/api/v1")
    );
    assert!(matches!(
        spec.auth,
        AuthScheme::OAuth2ClientCredentials(oauth) if oauth.token_url == "/oauth2/token"
            && oauth.request == TokenRequestEncoding::Json
    ));
    let refund = spec.endpoint("refund").expect("refund");
    assert_eq!(refund.method, Method::Post);
    assert_eq!(refund.path, "/charge/{merchantChargeId}/refund");
    assert_eq!(refund.reconcile, Some("charge"));
    assert!(!refund.idempotent);
    assert!(spec.endpoint("charge").expect("charge").idempotent);
}

mod unified {
    //! The unified cancellation API over PicPay Checkout.

    use super::*;
    use estorno::{Cancel, CancelError, CancelRequest};

    /// A charge body in the seed's shape with the given state and amounts.
    fn charge_body(status: &str, remaining: u64, refunded: u64) -> String {
        let mut charge: serde_json::Value =
            serde_json::from_str(&fixture("refund-200.json")).expect("fixture is JSON");
        charge["chargeStatus"] = status.into();
        charge["amount"] = remaining.into();
        charge["refundedAmount"] = refunded.into();
        charge.to_string()
    }

    fn status_mock<'a>(server: &'a MockServer, body: String, times: Option<usize>) -> Mock<'a> {
        server.mock(|when, then| {
            when.method(GET).path(format!("/charge/{CHARGE_ID}"));
            let then = then.status(200).body(body);
            if let Some(times) = times {
                then.up_to_n_times(times);
            }
        })
    }

    #[tokio::test]
    async fn total_cancel_refunds_what_remains() {
        let server = MockServer::start_async().await;
        token_mock(&server, "token-1", 300);
        status_mock(&server, charge_body("PAID", 1000, 0), None);
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"))
                .body(r#"{"amount":1000}"#);
            then.status(200).body(fixture("refund-200.json"));
        });

        let cancellation = client(&server)
            .cancel(&CancelRequest::total(CHARGE_ID))
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert_eq!(cancellation.refunded, Some(Cents::new(1000)));
        assert_eq!(cancellation.remaining, Some(Cents::new(0)));
        assert_eq!(cancellation.requested, Some(Cents::new(1000)));
        assert_eq!(
            cancellation.reference.as_deref(),
            Some("ed50d469-ae7d-4a3d-a946-6e399cb981bb")
        );
        assert_eq!(cancellation.review, None);
        assert_eq!(cancellation.raw::<Charge>(), Some(&seed_charge()));
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn partial_cancel_sends_the_amount_asked() {
        let server = MockServer::start_async().await;
        token_mock(&server, "token-1", 300);
        status_mock(&server, charge_body("PAID", 1000, 0), None);
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"))
                .body(r#"{"amount":300}"#);
            then.status(200).body(charge_body("PARTIAL", 700, 300));
        });
        let request = CancelRequest::partial(CHARGE_ID, Amount::from_cents(300).unwrap());
        let cancellation = client(&server).cancel(&request).await.expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::PartiallyRefunded);
        assert_eq!(cancellation.refunded, Some(Cents::new(300)));
        assert_eq!(cancellation.remaining, Some(Cents::new(700)));
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn an_already_refunded_charge_is_answered_without_sending() {
        let server = MockServer::start_async().await;
        token_mock(&server, "token-1", 300);
        status_mock(&server, charge_body("REFUNDED", 0, 1000), None);
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"));
            then.status(200).body(fixture("refund-200.json"));
        });
        let cancellation = client(&server)
            .cancel(&CancelRequest::total(CHARGE_ID))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert!(cancellation.already_done);
        refund.assert_calls(0);
    }

    #[tokio::test]
    async fn more_than_remains_is_rejected_before_sending() {
        let server = MockServer::start_async().await;
        token_mock(&server, "token-1", 300);
        status_mock(&server, charge_body("PARTIAL", 200, 800), None);
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"));
            then.status(200).body(fixture("refund-200.json"));
        });
        let request = CancelRequest::partial(CHARGE_ID, Amount::from_cents(500).unwrap());
        let cancellation = client(&server).cancel(&request).await.expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("R$ 5,00 is more than the R$ 2,00 that remains; nothing was sent")
        );
        refund.assert_calls(0);
    }

    #[tokio::test]
    async fn a_provider_refusal_is_a_rejection_with_its_reason() {
        let server = MockServer::start_async().await;
        token_mock(&server, "token-1", 300);
        status_mock(&server, charge_body("PAID", 1000, 0), None);
        server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"));
            then.status(400).body(fixture("error-400.json"));
        });
        let cancellation = client(&server)
            .cancel(&CancelRequest::total(CHARGE_ID))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some(
                "REFUND execution is unauthorized. Check if there is amount available for refund or if it has already been refunded"
            )
        );
    }

    #[tokio::test]
    async fn a_timeout_after_sending_is_ambiguous_until_reconciled() {
        let server = MockServer::start_async().await;
        token_mock(&server, "token-1", 300);
        let before = status_mock(&server, charge_body("PAID", 1000, 0), Some(1));
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"));
            then.status(200)
                .delay(Duration::from_millis(1500))
                .body(fixture("refund-200.json"));
        });
        let client = Client::builder()
            .credentials(ClientCredentials::new("client-id", "client-secret"))
            .base_url(server.base_url())
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();

        let cancellation = client
            .cancel(&CancelRequest::total(CHARGE_ID))
            .await
            .expect("an unknown outcome is not an error");
        assert_eq!(cancellation.outcome, Outcome::Ambiguous);
        assert!(cancellation.needs_reconcile());
        assert_eq!(
            cancellation.request().baseline_refunded(),
            Some(Cents::ZERO)
        );
        refund.assert_calls(1);
        before.assert_calls(1);

        // The provider did apply it: the status now says so.
        status_mock(&server, charge_body("REFUNDED", 0, 1000), None);
        let reconciled = client
            .reconcile(cancellation.request())
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Refunded);
        assert_eq!(reconciled.refunded, Some(Cents::new(1000)));
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn reconciling_a_refund_that_never_happened_says_the_charge_stands() {
        let server = MockServer::start_async().await;
        token_mock(&server, "token-1", 300);
        status_mock(&server, charge_body("PAID", 1000, 0), None);
        let request = CancelRequest::total(CHARGE_ID).with_baseline_refunded(Cents::ZERO);
        let reconciled = client(&server)
            .reconcile(&request)
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Active);
    }

    #[tokio::test]
    async fn an_invalid_charge_id_is_an_error_naming_the_field() {
        let server = MockServer::start_async().await;
        let any = server.mock(|when, then| {
            when.any_request();
            then.status(200);
        });
        let error = client(&server)
            .cancel(&CancelRequest::total("../x"))
            .await
            .expect_err("invalid id");
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
            "{error:?}"
        );
        any.assert_calls(0);
    }
}
