//! Requests on the wire, validation before sending, and the classification of everything a
//! server can answer: typed errors, odd bodies, oversized bodies, timeouts, refused
//! connections and retries.

use crate::common;

use std::time::Duration;

use estorno::auth::BearerToken;
use estorno::spec::AuthScheme;
use estorno::{Cents, Error, RetryPolicy};
use httpmock::prelude::*;

use common::{ApiError, RefundRequest, charge, charge_json, closed_port};

test_provider!(TestPay, BearerToken, AuthScheme::Bearer);

const CHARGE_ID: &str = "charge-0001";
const REFUND_PATH: &str = "/v1/charge/charge-0001/refund";

/// Quick retries so the suite stays fast.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(3)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

fn client(server: &MockServer) -> TestPay {
    TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .base_url(server.url("/v1"))
        .retry(fast_retries())
        .build()
        .expect("client builds")
}

fn refund_body() -> RefundRequest {
    RefundRequest {
        amount: Cents::new(1500),
    }
}

#[tokio::test]
async fn refund_puts_path_headers_and_json_body_on_the_wire() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(REFUND_PATH)
                .header("authorization", "Bearer tok-1")
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header("caller-origin", "backoffice")
                .header("x-provider-version", "2")
                .header("x-operation", "refund")
                .header("user-agent", concat!("estorno/", env!("CARGO_PKG_VERSION")))
                .body(r#"{"amount":1500}"#);
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let refunded = client(&server)
        .refund(CHARGE_ID, Some("backoffice"), &refund_body())
        .await;
    assert_eq!(refunded.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn declared_error_status_decodes_into_the_typed_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(REFUND_PATH);
            then.status(400)
                .json_body(serde_json::json!({ "message": "amount exceeds the charge" }));
        })
        .await;
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("declared error");
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error.api_body(),
        Some(&ApiError {
            message: "amount exceeds the charge".to_owned()
        })
    );
    assert!(!error.outcome_unknown());
    assert!(!error.is_retryable());
    assert_eq!(error.to_string(), "provider answered 400 with an error");
}

#[tokio::test]
async fn html_502_page_is_an_unexpected_status_with_a_redacted_sample() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.path(REFUND_PATH);
            then.status(502).header("content-type", "text/html").body(
                "<html><body><h1>502 Bad Gateway</h1><p>payer 123.456.789-09 ana@exemplo.com</p></body></html>",
            );
        })
        .await;
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("502");
    match &error {
        Error::UnexpectedStatus {
            status,
            sample,
            headers,
            ..
        } => {
            assert_eq!(*status, 502);
            assert_eq!(
                sample,
                "<html><body><h1>502 Bad Gateway</h1><p>payer ***.***.***-** ***@***</p></body></html>"
            );
            assert_eq!(
                headers.get("content-type").map(|value| value.as_bytes()),
                Some(&b"text/html"[..])
            );
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "provider answered 502 with an unexpected body"
    );
    // A refund answered 5xx may have gone through: not retried, outcome unknown.
    assert!(error.outcome_unknown());
    assert!(!error.is_retryable());
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn declared_error_status_with_another_body_is_a_decode_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(REFUND_PATH);
            then.status(400).body("<html>Bad Request</html>");
        })
        .await;
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("undecodable error body");
    match &error {
        Error::Decode {
            status,
            sample,
            reason,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(sample, "<html>Bad Request</html>");
            assert_eq!(reason, "the body is HTML or XML, not JSON");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(error.status(), Some(400));
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn unreadable_success_body_leaves_the_refund_outcome_unknown() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path(REFUND_PATH);
            then.status(200)
                .body(r#"{"merchantChargeId":"charge-0001","status":"REFUNDED"}"#);
        })
        .await;
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("missing amount");
    match &error {
        Error::Decode { status, reason, .. } => {
            assert_eq!(*status, 200);
            assert_eq!(reason, "missing field `amount` at line 1 column 54");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    // The provider said yes but we cannot read what it did: reconcile, do not retry.
    assert!(error.outcome_unknown());
}

#[tokio::test]
async fn empty_success_body_is_a_decode_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001");
            then.status(200);
        })
        .await;
    let error = client(&server)
        .charge(CHARGE_ID)
        .await
        .expect_err("empty body");
    match &error {
        Error::Decode {
            status,
            sample,
            reason,
            ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(sample, "");
            assert_eq!(reason, "empty body where JSON was expected");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    // An idempotent lookup is never an unknown outcome.
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn body_over_the_limit_is_refused_with_its_status() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001");
            then.status(200).body(vec![b'a'; 2 * 1024 * 1024]);
        })
        .await;
    let error = client(&server)
        .charge(CHARGE_ID)
        .await
        .expect_err("too large");
    match &error {
        Error::ResponseTooLarge { status, limit, .. } => {
            assert_eq!(*status, 200);
            assert_eq!(*limit, 1024 * 1024);
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
    assert_eq!(error.status(), Some(200));
    assert_eq!(
        error.to_string(),
        "provider answered 200 with a body over the 1048576-byte limit"
    );
}

#[tokio::test]
async fn configured_body_limit_applies() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001");
            then.status(500).body(vec![b'{'; 2000]);
        })
        .await;
    let client = TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .base_url(server.url("/v1"))
        .retry(RetryPolicy::none())
        .max_response_bytes(1000)
        .build()
        .expect("client builds");
    let error = client.charge(CHARGE_ID).await.expect_err("too large");
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                status: 500,
                limit: 1000,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn slow_refund_times_out_as_an_unknown_outcome_and_is_not_retried() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.path(REFUND_PATH);
            then.status(200)
                .json_body(charge_json(CHARGE_ID))
                .delay(Duration::from_millis(600));
        })
        .await;
    let client = TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .base_url(server.url("/v1"))
        .timeout(Duration::from_millis(200))
        .retry(fast_retries())
        .build()
        .expect("client builds");
    let error = client
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("timeout");
    assert!(
        matches!(error, Error::Timeout { sent: true, .. }),
        "{error:?}"
    );
    assert!(error.is_timeout());
    assert!(error.outcome_unknown());
    assert!(!error.is_retryable());
    assert_eq!(error.to_string(), "request timed out after it was sent");
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn slow_idempotent_lookup_is_retried_up_to_the_limit() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001");
            then.status(200)
                .json_body(charge_json(CHARGE_ID))
                .delay(Duration::from_millis(600));
        })
        .await;
    let client = TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .base_url(server.url("/v1"))
        .timeout(Duration::from_millis(200))
        .retry(fast_retries())
        .build()
        .expect("client builds");
    let error = client.charge(CHARGE_ID).await.expect_err("timeout");
    assert!(
        matches!(error, Error::Timeout { sent: true, .. }),
        "{error:?}"
    );
    assert!(!error.outcome_unknown());
    assert!(error.is_retryable());
    assert_eq!(api.calls_async().await, 3);
}

#[tokio::test]
async fn refused_connection_is_a_transport_error_before_sending() {
    let client = TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .base_url(format!("http://127.0.0.1:{}/v1", closed_port()))
        .retry(fast_retries())
        .build()
        .expect("client builds");
    // Even a refund may be retried: a refused connection proves nothing was sent. The
    // number of attempts is checked through tracing in tests/logs.rs.
    let error = client
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("refused");
    assert!(
        matches!(error, Error::Transport { sent: false, .. }),
        "{error:?}"
    );
    assert!(!error.outcome_unknown());
    assert!(error.is_retryable());
    assert_eq!(error.to_string(), "could not connect to the provider");
}

#[tokio::test]
async fn transient_status_on_an_idempotent_lookup_is_retried_after_retry_after() {
    let server = MockServer::start_async().await;
    let unavailable = server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001");
            then.status(503).header("retry-after", "0").up_to_n_times(2);
        })
        .await;
    let available = server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    assert_eq!(
        client(&server).charge(CHARGE_ID).await.ok(),
        Some(charge(CHARGE_ID))
    );
    assert_eq!(unavailable.calls_async().await, 2);
    assert_eq!(available.calls_async().await, 1);
}

#[tokio::test]
async fn transient_status_on_a_refund_is_not_retried() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.path(REFUND_PATH);
            then.status(500)
                .json_body(serde_json::json!({ "message": "internal error" }));
        })
        .await;
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("500");
    assert_eq!(error.status(), Some(500));
    assert!(error.api_body().is_some());
    assert!(error.outcome_unknown());
    assert!(!error.is_retryable());
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let server = MockServer::start_async().await;
    let moved = server
        .mock_async(|when, then| {
            when.path(REFUND_PATH);
            then.status(307).header("location", "/v1/elsewhere");
        })
        .await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/v1/elsewhere");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let error = client(&server)
        .refund(CHARGE_ID, None, &refund_body())
        .await
        .expect_err("307");
    assert_eq!(error.status(), Some(307));
    assert!(matches!(error, Error::UnexpectedStatus { .. }), "{error:?}");
    assert_eq!(moved.calls_async().await, 1);
    assert_eq!(elsewhere.calls_async().await, 0);
}

/// Sends a refund for `id` and returns the error's field and reason.
async fn refused_charge_id(client: &TestPay, id: &str) -> (&'static str, String) {
    match client.refund(id, None, &refund_body()).await {
        Err(Error::InvalidRequest { field, reason, .. }) => (field, reason),
        other => panic!("expected InvalidRequest for {id:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_path_parameters_are_refused_before_sending() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = client(&server);
    let cases = [
        (
            "abc",
            "path parameter `merchantChargeId` must have at least 6 characters, not 3",
        ),
        (
            "a123456789b123456789c123456789d1234567",
            "path parameter `merchantChargeId` must have at most 36 characters, not 38",
        ),
        (
            "charge_0001",
            "path parameter `merchantChargeId` may only contain A-Za-z0-9-; character 7 is not allowed",
        ),
        (
            "charge/0001",
            "path parameter `merchantChargeId` may only contain A-Za-z0-9-; character 7 is not allowed",
        ),
        ("", "path parameter `merchantChargeId` must not be empty"),
        (
            ".",
            "path parameter `merchantChargeId` must not be `.` or `..` or contain such a segment",
        ),
        (
            "..",
            "path parameter `merchantChargeId` must not be `.` or `..` or contain such a segment",
        ),
        (
            "../x",
            "path parameter `merchantChargeId` must not be `.` or `..` or contain such a segment",
        ),
    ];
    for (id, expected) in cases {
        let (field, reason) = refused_charge_id(&client, id).await;
        assert_eq!(field, "merchant_charge_id", "for {id:?}");
        assert_eq!(reason, expected, "for {id:?}");
    }
    let error = client
        .refund("", None, &refund_body())
        .await
        .expect_err("empty");
    assert_eq!(
        error.to_string(),
        "invalid `merchant_charge_id`: path parameter `merchantChargeId` must not be empty"
    );
    assert!(!error.is_retryable());
    assert!(!error.outcome_unknown());
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn free_form_path_values_stay_in_their_segment() {
    let server = MockServer::start_async().await;
    // Matching on the raw request target shows the exact bytes the server received.
    let encoded = server
        .mock_async(|when, then| {
            when.is_true(|request| {
                request.uri().path() == "/v1/lookup/a%2Fb%20c%3Fd%23e%25f"
                    && request.uri().query().is_none()
            });
            then.status(200).json_body(charge_json("a/b c?d#e%f"));
        })
        .await;
    let other = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(404);
        })
        .await;
    let found = client(&server).lookup("a/b c?d#e%f", None).await;
    assert_eq!(found.ok(), Some(charge("a/b c?d#e%f")));
    assert_eq!(encoded.calls_async().await, 1);
    assert_eq!(other.calls_async().await, 0);
}

#[tokio::test]
async fn query_parameters_are_encoded_and_checked() {
    let server = MockServer::start_async().await;
    let paged = server
        .mock_async(|when, then| {
            when.path("/v1/lookup/ref-1").query_param("page", "2");
            then.status(200).json_body(charge_json("ref-1"));
        })
        .await;
    let client = client(&server);
    assert_eq!(
        client.lookup("ref-1", Some(2)).await.ok(),
        Some(charge("ref-1"))
    );
    match client.lookup("ref-1", Some(0)).await {
        Err(Error::InvalidRequest { field, reason, .. }) => {
            assert_eq!(field, "page");
            assert_eq!(reason, "query parameter `page` must be at least 1");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert_eq!(paged.calls_async().await, 1);
}

#[tokio::test]
async fn header_values_with_line_breaks_are_refused_before_sending() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = client(&server);
    for origin in ["shop\r\nx-injected: 1", "shop\n", "shop\0"] {
        match client.refund(CHARGE_ID, Some(origin), &refund_body()).await {
            Err(Error::InvalidRequest { field, reason, .. }) => {
                assert_eq!(field, "caller_origin");
                assert_eq!(
                    reason,
                    "header `caller-origin` must not contain CR, LF or NUL"
                );
            }
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }
    assert_eq!(anything.calls_async().await, 0);
}
