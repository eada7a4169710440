//! What tracing records: one span per call with its attempts, and never a secret.
//!
//! One test in its own binary with a global subscriber: thread-local subscribers race with
//! tracing's per-callsite interest cache when other tests run in parallel.

extern crate estorno_runtime as estorno;

#[macro_use]
mod common;

use std::time::Duration;

use estorno::auth::{BearerToken, ClientCredentials};
use estorno::spec::{AuthScheme, ClientAuth, OAuth2Spec, TokenRequestEncoding};
use estorno::{Cents, Error, RetryPolicy};
use httpmock::prelude::*;

use common::{CapturedLogs, RefundRequest, charge_json, closed_port};

test_provider!(BearerPay, BearerToken, AuthScheme::Bearer);
test_provider!(
    OAuthPay,
    ClientCredentials,
    AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
        token_url: "/oauth2/token",
        sandbox_token_url: None,
        request: TokenRequestEncoding::Json,
        api_key_header: None,
        client_auth: ClientAuth::Body,
        scope: None,
    })
);

const CANARY_SECRET: &str = "canary-secret-5f1e";
const CANARY_TOKEN: &str = "canary-token-9b2c";
const CANARY_CPF: &str = "98765432100";

#[tokio::test]
async fn calls_are_traced_with_attempts_and_without_secrets() {
    let logs = CapturedLogs::default();
    tracing::subscriber::set_global_default(logs.subscriber()).expect("first subscriber");

    // A refused connection is retried per policy: three attempts, two retries.
    let refused = BearerPay::builder()
        .credentials(BearerToken::new(CANARY_TOKEN))
        .base_url(format!("http://127.0.0.1:{}/v1", closed_port()))
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .base_delay(Duration::from_millis(5)),
        )
        .build()
        .expect("client builds");
    let error = refused
        .refund(
            "charge-0001",
            None,
            &RefundRequest {
                amount: Cents::new(1500),
            },
        )
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Transport { sent: false, .. }));
    let text = logs.text();
    assert_eq!(text.matches("estorno.retry").count(), 2, "{text}");
    assert_eq!(text.matches("estorno.done").count(), 1, "{text}");
    assert!(
        text.contains(r#"estorno.call{provider="Test Pay" operation="refund" method="POST" attempt=3 latency_ms="#),
        "{text}"
    );

    // An OAuth2 call: the token request and the API call leave no secret behind.
    let api = MockServer::start_async().await;
    let tokens = MockServer::start_async().await;
    tokens
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(200).json_body(serde_json::json!({
                "access_token": CANARY_TOKEN,
                "expires_in": 3600,
                "token_type": "Bearer",
            }));
        })
        .await;
    api.mock_async(|when, then| {
        when.path("/v1/charge/charge-0001");
        then.status(200).json_body(charge_json("charge-0001"));
    })
    .await;
    api.mock_async(|when, then| {
        when.path("/v1/charge/charge-0002");
        then.status(502)
            .body(format!(r#"{{"message":"upstream","cpf":"{CANARY_CPF}"}}"#));
    })
    .await;
    let client = OAuthPay::builder()
        .credentials(ClientCredentials::new("client-1", CANARY_SECRET))
        .base_url(api.url("/v1"))
        .token_url(tokens.url("/oauth2/token"))
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    assert!(client.charge("charge-0001").await.is_ok());
    let failed = client.charge("charge-0002").await.expect_err("502");
    assert_eq!(failed.status(), Some(502));
    let shown = format!("{failed:?} {failed}");
    assert!(!shown.contains(CANARY_CPF), "{shown}");

    let text = logs.text();
    assert!(
        text.contains(r#"estorno.call{provider="Test Pay" operation="charge" method="GET" attempt=1 status=200 latency_ms="#),
        "{text}"
    );
    assert!(text.contains("estorno.token"), "{text}");
    for canary in [CANARY_SECRET, CANARY_TOKEN, CANARY_CPF] {
        assert!(!text.contains(canary), "{canary} leaked into logs:\n{text}");
    }
}
