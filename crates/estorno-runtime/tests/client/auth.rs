//! Every auth scheme puts exactly the documented bytes on the wire, and OAuth2 tokens are
//! cached, refreshed, retried once on 401 and fetched single-flight.

use crate::common;

use std::time::Duration;

use estorno::Error;
use estorno::auth::{
    ApiKey, BasicAuth, BearerToken, BearerWithApiKey, ClientCredentials,
    ClientCredentialsWithApiKey, HeaderPair, HeaderToken,
};
use estorno::spec::{AuthScheme, ClientAuth, OAuth2Spec, TokenRequestEncoding};
use httpmock::Mock;
use httpmock::prelude::*;

use common::{ApiError, RefundRequest, charge, charge_json};

test_provider!(
    HeaderTokenPay,
    HeaderToken,
    AuthScheme::Header {
        name: "x-picpay-token"
    }
);
test_provider!(BearerPay, BearerToken, AuthScheme::Bearer);
test_provider!(BasicPay, BasicAuth, AuthScheme::Basic);
test_provider!(KeyAsUserPay, ApiKey, AuthScheme::BasicKeyAsUser);
test_provider!(
    BearerKeyPay,
    BearerWithApiKey,
    AuthScheme::BearerWithApiKey {
        api_key_header: "x-api-key"
    }
);
test_provider!(
    PairPay,
    HeaderPair,
    AuthScheme::HeaderPair {
        first: "MerchantId",
        second: "MerchantKey"
    }
);
test_provider!(
    OAuthJsonPay,
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
test_provider!(
    OAuthFormPay,
    ClientCredentials,
    AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
        token_url: "https://auth.testpay.example/token",
        sandbox_token_url: None,
        request: TokenRequestEncoding::Form,
        api_key_header: None,
        client_auth: ClientAuth::Body,
        scope: None,
    })
);
test_provider!(
    OAuthKeyPay,
    ClientCredentialsWithApiKey,
    AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
        token_url: "/oauth2/token",
        sandbox_token_url: None,
        request: TokenRequestEncoding::Json,
        api_key_header: Some("x-api-key"),
        client_auth: ClientAuth::Body,
        scope: None,
    })
);
test_provider!(
    OAuthBasicFormPay,
    ClientCredentials,
    AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
        token_url: "/auth/oauth/v2/token",
        sandbox_token_url: None,
        request: TokenRequestEncoding::Form,
        api_key_header: None,
        client_auth: ClientAuth::Basic,
        scope: Some("oob"),
    })
);
test_provider!(
    OAuthBasicJsonPay,
    ClientCredentials,
    AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
        token_url: "/oauth/token",
        sandbox_token_url: None,
        request: TokenRequestEncoding::Json,
        api_key_header: None,
        client_auth: ClientAuth::Basic,
        scope: None,
    })
);

const CHARGE_ID: &str = "charge-0001";
const CHARGE_PATH: &str = "/v1/charge/charge-0001";
const JSON_TOKEN_REQUEST: &str = r#"{"grant_type":"client_credentials","client_id":"client-1","client_secret":"canary-client-secret"}"#;

/// A token endpoint answer.
fn token_json(token: &str, expires_in: u64) -> serde_json::Value {
    serde_json::json!({ "access_token": token, "expires_in": expires_in, "token_type": "Bearer" })
}

/// The token endpoint issuing `token` to every request.
async fn token_endpoint<'a>(server: &'a MockServer, token: &str, expires_in: u64) -> Mock<'a> {
    let body = token_json(token, expires_in);
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(200).json_body(body);
        })
        .await
}

/// The token endpoint issuing `token` to the first request only; a mock declared after it
/// answers the next ones.
async fn first_token<'a>(server: &'a MockServer, token: &str, expires_in: u64) -> Mock<'a> {
    let body = token_json(token, expires_in);
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(200).json_body(body).up_to_n_times(1);
        })
        .await
}

fn oauth_client(api: &MockServer, tokens: &MockServer) -> OAuthJsonPay {
    OAuthJsonPay::builder()
        .credentials(ClientCredentials::new("client-1", "canary-client-secret"))
        .base_url(api.url("/v1"))
        .token_url(tokens.url("/oauth2/token"))
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn header_token_goes_in_its_own_header() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("x-picpay-token", "tok-header-1")
                .header_missing("authorization");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = HeaderTokenPay::builder()
        .credentials(HeaderToken::new("tok-header-1"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn bearer_token_goes_in_authorization() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Bearer tok-bearer-1");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = BearerPay::builder()
        .credentials(BearerToken::new("tok-bearer-1"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn basic_auth_encodes_user_and_password() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            // base64("merchant:p@ss:word")
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Basic bWVyY2hhbnQ6cEBzczp3b3Jk");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = BasicPay::builder()
        .credentials(BasicAuth::new("merchant", "p@ss:word"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn api_key_is_the_basic_user_with_an_empty_password() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            // base64("zpk_test_abc:"): the trailing colon of the empty password gives `Og==`.
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Basic enBrX3Rlc3RfYWJjOg==");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = KeyAsUserPay::builder()
        .credentials(ApiKey::new("zpk_test_abc"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn bearer_and_api_key_go_together() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Bearer tok-bearer-2")
                .header("x-api-key", "key-2");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = BearerKeyPay::builder()
        .credentials(BearerWithApiKey::new("tok-bearer-2", "key-2"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn header_pair_sends_both_headers() {
    let server = MockServer::start_async().await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("MerchantId", "merchant-7")
                .header("MerchantKey", "merchant-key-7")
                .header_missing("authorization");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = PairPay::builder()
        .credentials(HeaderPair::new("merchant-7", "merchant-key-7"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn oauth2_json_token_request_on_another_host() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    assert_ne!(api_server.port(), token_server.port());
    let token = token_server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth2/token")
                .header("content-type", "application/json")
                .body(JSON_TOKEN_REQUEST);
            then.status(200).json_body(token_json("tok-json-1", 3600));
        })
        .await;
    let api = api_server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Bearer tok-json-1");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = oauth_client(&api_server, &token_server);
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn oauth2_form_token_request_on_another_host() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    let token = token_server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    "grant_type=client_credentials&client_id=client-2&client_secret=s%26cret%3D1",
                );
            then.status(200).json_body(token_json("tok-form-1", 3600));
        })
        .await;
    let api = api_server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Bearer tok-form-1");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = OAuthFormPay::builder()
        .credentials(ClientCredentials::new("client-2", "s&cret=1"))
        .base_url(api_server.url("/v1"))
        .token_url(token_server.url("/token"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn relative_token_url_joins_the_base_path() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/oauth2/token");
            then.status(200).json_body(token_json("tok-rel-1", 3600));
        })
        .await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/charge/charge-0001")
                .header("authorization", "Bearer tok-rel-1");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    // No token_url override: the spec's `/oauth2/token` is appended to the base URL's path.
    let client = OAuthJsonPay::builder()
        .credentials(ClientCredentials::new("client-1", "canary-client-secret"))
        .base_url(server.url("/api/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn oauth2_api_key_goes_with_every_call() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/oauth2/token")
                .header_missing("x-api-key");
            then.status(200).json_body(token_json("tok-key-1", 3600));
        })
        .await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Bearer tok-key-1")
                .header("x-api-key", "api-key-1");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = OAuthKeyPay::builder()
        .credentials(ClientCredentialsWithApiKey::new(
            "client-1",
            "secret-1",
            "api-key-1",
        ))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    for _ in 0..2 {
        assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    }
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 2);
}

#[tokio::test]
async fn oauth2_token_is_cached_across_calls() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    let token = token_endpoint(&token_server, "tok-cached", 3600).await;
    let api = api_server
        .mock_async(|when, then| {
            when.path(CHARGE_PATH)
                .header("authorization", "Bearer tok-cached");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = oauth_client(&api_server, &token_server);
    // Clones share the cache.
    let clone = client.clone();
    assert!(client.charge(CHARGE_ID).await.is_ok());
    assert!(clone.charge(CHARGE_ID).await.is_ok());
    assert!(client.charge(CHARGE_ID).await.is_ok());
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 3);
}

#[tokio::test]
async fn oauth2_token_is_refreshed_before_it_expires() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    // A one-second token is refreshed 100 ms before expiry (a tenth of its lifetime).
    let first_token = first_token(&token_server, "tok-short-1", 1).await;
    let second_token = token_endpoint(&token_server, "tok-short-2", 3600).await;
    let with_first = api_server
        .mock_async(|when, then| {
            when.path(CHARGE_PATH)
                .header("authorization", "Bearer tok-short-1");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let with_second = api_server
        .mock_async(|when, then| {
            when.path(CHARGE_PATH)
                .header("authorization", "Bearer tok-short-2");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = oauth_client(&api_server, &token_server);
    assert!(client.charge(CHARGE_ID).await.is_ok());
    assert!(client.charge(CHARGE_ID).await.is_ok());
    tokio::time::sleep(Duration::from_millis(950)).await;
    assert!(client.charge(CHARGE_ID).await.is_ok());
    assert_eq!(first_token.calls_async().await, 1);
    assert_eq!(second_token.calls_async().await, 1);
    assert_eq!(with_first.calls_async().await, 2);
    assert_eq!(with_second.calls_async().await, 1);
}

#[tokio::test]
async fn oauth2_401_fetches_a_new_token_and_resends_once() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    let old_token = first_token(&token_server, "tok-revoked", 3600).await;
    let new_token = token_endpoint(&token_server, "tok-new", 3600).await;
    let refused = api_server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001/refund")
                .header("authorization", "Bearer tok-revoked");
            then.status(401)
                .json_body(serde_json::json!({ "message": "token revoked" }));
        })
        .await;
    let accepted = api_server
        .mock_async(|when, then| {
            when.path("/v1/charge/charge-0001/refund")
                .header("authorization", "Bearer tok-new")
                .body(r#"{"amount":1500}"#);
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = oauth_client(&api_server, &token_server);
    // A refund is not idempotent, but a 401 means the provider did nothing: resending once
    // with a fresh token is safe.
    let refunded = client
        .refund(
            CHARGE_ID,
            None,
            &RefundRequest {
                amount: estorno::Cents::new(1500),
            },
        )
        .await;
    assert_eq!(refunded.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(old_token.calls_async().await, 1);
    assert_eq!(new_token.calls_async().await, 1);
    assert_eq!(refused.calls_async().await, 1);
    assert_eq!(accepted.calls_async().await, 1);
}

#[tokio::test]
async fn oauth2_second_401_is_returned() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    let token = token_endpoint(&token_server, "tok-useless", 3600).await;
    let api = api_server
        .mock_async(|when, then| {
            when.path(CHARGE_PATH);
            then.status(401)
                .json_body(serde_json::json!({ "message": "invalid client" }));
        })
        .await;
    let client = oauth_client(&api_server, &token_server);
    let error = client.charge(CHARGE_ID).await.expect_err("401 twice");
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error.api_body(),
        Some(&ApiError {
            message: "invalid client".to_owned()
        })
    );
    assert!(!error.is_retryable());
    assert_eq!(token.calls_async().await, 2);
    assert_eq!(api.calls_async().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oauth2_concurrent_calls_share_one_token_request() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    let token = token_server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(200)
                .json_body(token_json("tok-shared", 3600))
                .delay(Duration::from_millis(200));
        })
        .await;
    let api = api_server
        .mock_async(|when, then| {
            when.path(CHARGE_PATH)
                .header("authorization", "Bearer tok-shared");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = oauth_client(&api_server, &token_server);
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.charge(CHARGE_ID).await })
        })
        .collect();
    for call in calls {
        let result = call.await.expect("task finished");
        assert_eq!(result.ok(), Some(charge(CHARGE_ID)));
    }
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 20);
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error_without_secrets() {
    let api_server = MockServer::start_async().await;
    let token_server = MockServer::start_async().await;
    let token = token_server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            // Some servers echo the request; the sample must not show the secret.
            then.status(401).json_body(serde_json::json!({
                "error": "invalid_client",
                "client_secret": "canary-client-secret",
            }));
        })
        .await;
    let api = api_server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let client = oauth_client(&api_server, &token_server);
    let error = client.charge(CHARGE_ID).await.expect_err("no token");
    match &error {
        Error::Auth {
            status,
            reason,
            sample,
            ..
        } => {
            assert_eq!(*status, Some(401));
            // The OAuth error code says why.
            assert_eq!(reason, "token endpoint answered 401: invalid_client");
            assert_eq!(
                sample,
                r#"{"client_secret":"***","error":"invalid_client"}"#
            );
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "authentication failed: token endpoint answered 401: invalid_client"
    );
    assert!(!error.is_retryable());
    assert!(!error.outcome_unknown());
    assert!(!format!("{error:?}").contains("canary-client-secret"));
    // A client error from the token endpoint is not retried, and the API is never called.
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 0);
}

#[tokio::test]
async fn oauth2_client_authentication_by_basic_with_a_scope() {
    // Getnet: `Authorization: Basic base64(client_id:client_secret)`, and the body
    // `scope=oob&grant_type=client_credentials` with no credentials in it.
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/auth/oauth/v2/token")
                .header(
                    "authorization",
                    "Basic Y2xpZW50LTM6Y2FuYXJ5LWNsaWVudC1zZWNyZXQ=",
                )
                .header("content-type", "application/x-www-form-urlencoded")
                .body("scope=oob&grant_type=client_credentials");
            then.status(200).json_body(token_json("tok-basic-1", 3600));
        })
        .await;
    let api = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(CHARGE_PATH)
                .header("authorization", "Bearer tok-basic-1");
            then.status(200).json_body(charge_json(CHARGE_ID));
        })
        .await;
    let client = OAuthBasicFormPay::builder()
        .credentials(ClientCredentials::new("client-3", "canary-client-secret"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    assert_eq!(client.charge(CHARGE_ID).await.ok(), Some(charge(CHARGE_ID)));
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(api.calls_async().await, 1);
}

#[tokio::test]
async fn oauth2_basic_with_a_json_body_and_its_error_body_explained() {
    // Efí: Basic, and `{"grant_type":"client_credentials"}` as JSON. A refusal in the OAuth
    // error shape says why, without the secret.
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/oauth/token")
                .header(
                    "authorization",
                    "Basic Y2xpZW50LTM6Y2FuYXJ5LWNsaWVudC1zZWNyZXQ=",
                )
                .header("content-type", "application/json")
                .body(r#"{"grant_type":"client_credentials"}"#);
            then.status(401).json_body(serde_json::json!({
                "error": "invalid_client",
                "error_description": "Client authentication failed for canary-client-secret"
            }));
        })
        .await;
    let client = OAuthBasicJsonPay::builder()
        .credentials(ClientCredentials::new("client-3", "canary-client-secret"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    let error = client.charge(CHARGE_ID).await.expect_err("no token");
    let text = error.to_string();
    assert!(
        text.contains("token endpoint answered 401: invalid_client: Client authentication failed"),
        "{text}"
    );
    assert!(!text.contains("canary-client-secret"), "{text}");
    let debug = format!("{error:?}");
    assert!(!debug.contains("canary-client-secret"), "{debug}");
    assert!(matches!(
        error,
        estorno::Error::Auth {
            status: Some(401),
            ..
        }
    ));
    assert_eq!(refused.calls_async().await, 1);
}
