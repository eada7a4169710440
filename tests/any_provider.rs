//! `AnyProvider`, chosen from a string at run time, makes exactly the calls the provider's own
//! client makes, and refuses unknown providers and missing credentials by name.

use estorno::{
    AnyProvider, AnyProviderError, Cancel, CancelRequest, Cents, Outcome, ProviderConfig,
};
use httpmock::prelude::*;

const CHARGE_ID: &str = "8086bfd7-6241-4f76-81d8-70460533ce74";

#[tokio::test]
async fn picpay_checkout_by_slug_cancels_through_the_same_calls() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token").body(
            r#"{"grant_type":"client_credentials","client_id":"id","client_secret":"secret"}"#,
        );
        then.status(200)
            .body(r#"{"access_token":"any-token","expires_in":300,"token_type":"Bearer"}"#);
    });
    let status = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/charge/{CHARGE_ID}"))
            .header("authorization", "Bearer any-token");
        then.status(200).body(
            r#"{"merchantChargeId":"8086bfd7-6241-4f76-81d8-70460533ce74","id":"c1","chargeStatus":"PAID","amount":1000,"originalAmount":1000,"refundedAmount":0}"#,
        );
    });
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"))
            .header("authorization", "Bearer any-token")
            .body(r#"{"amount":1000}"#);
        then.status(200).body(
            r#"{"merchantChargeId":"8086bfd7-6241-4f76-81d8-70460533ce74","id":"c1","chargeStatus":"REFUNDED","amount":0,"originalAmount":1000,"refundedAmount":1000}"#,
        );
    });

    let config = ProviderConfig::new()
        .credential("client_id", "id")
        .credential("client_secret", "secret")
        .base_url(server.base_url());
    let provider = AnyProvider::from_config("picpay-checkout", &config).expect("registered");
    assert_eq!(provider.spec().name, "PicPay Checkout");
    let cancellation = provider
        .cancel(&CancelRequest::total(CHARGE_ID))
        .await
        .expect("cancels");

    assert_eq!(cancellation.outcome, Outcome::Refunded);
    assert_eq!(cancellation.refunded, Some(Cents::new(1000)));
    assert_eq!(cancellation.provider, "picpay-checkout");
    token.assert_calls(1);
    status.assert_calls(1);
    refund.assert_calls(1);
}

#[test]
fn an_unknown_slug_lists_the_known_ones() {
    let error = AnyProvider::from_config("acme-pay", &ProviderConfig::new()).unwrap_err();
    assert!(matches!(error, AnyProviderError::UnknownProvider { .. }));
    assert!(
        error
            .to_string()
            .starts_with("unknown provider `acme-pay`; known providers: ")
    );
    assert!(error.to_string().contains("picpay-checkout"), "{error}");
}

#[test]
fn a_missing_credential_part_is_named() {
    let config = ProviderConfig::new().credential("client_id", "id");
    let error = AnyProvider::from_config("picpay-checkout", &config).unwrap_err();
    assert_eq!(
        error.to_string(),
        "PicPay Checkout: missing credential `client_secret`"
    );
}
