//! Several auth schemes for one provider, chosen by configuration (e.Rede's OAuth2 generation
//! and its legacy Basic `PV:token`): one spec, the same credentials, each scheme with the base
//! URLs of its own API generation.

use estorno::auth::ClientCredentials;
use estorno::{BuildError, ClientBuilder, Provider, ProviderConfig};
use httpmock::prelude::*;
use serde_json::json;

mod spec {
    use serde::{Deserialize, Serialize};

    /// Shaped like e.Rede: OAuth2 (a token call with Basic, on its own host) serves `/v2`; the
    /// legacy scheme sends the same Basic header on every call and serves `/v1`.
    #[estorno::provider(
        name = "Two Schemes Pay",
        production = "https://api.two-schemes.test/v2",
        sandbox = "https://sandbox.two-schemes.test/v2",
        auth = oauth2_client_credentials(
            token_url = "https://auth.two-schemes.test/oauth2/token",
            sandbox_token_url = "https://auth-sandbox.two-schemes.test/oauth2/token",
            request = form,
            client_auth = basic,
        ),
        auth(
            name = "legacy",
            production = "https://api.two-schemes.test/v1",
            sandbox = "https://sandbox.two-schemes.test/v1",
        ) = basic,
    )]
    pub trait TwoSchemesPay {
        /// Refunds part of a transaction.
        #[post("/transactions/{tid}/refunds")]
        #[ok(201 => Refund)]
        fn refund(tid: &str, #[json] body: &RefundRequest) -> Refund;
    }

    #[derive(Debug, Serialize)]
    pub struct RefundRequest {
        pub amount: u64,
    }

    #[derive(Debug, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Refund {
        pub return_code: String,
        pub refund_id: String,
    }
}

use spec::{Client, RefundRequest};

/// `base64("1234567:s3cr3t-token")`: the affiliation number and its integration key.
const PV_TOKEN_BASIC: &str = "Basic MTIzNDU2NzpzM2NyM3QtdG9rZW4=";

fn credentials() -> ClientCredentials {
    ClientCredentials::new("1234567", "s3cr3t-token")
}

fn refunded<'a>(server: &'a MockServer, authorization: &str) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/transactions/10012006291402541580/refunds")
            .header("authorization", authorization)
            .json_body(json!({"amount": 2099}));
        then.status(201)
            .json_body(json!({"returnCode": "359", "refundId": "r-1"}));
    })
}

async fn refund(client: &Client) -> spec::Refund {
    client
        .refund("10012006291402541580", &RefundRequest { amount: 2099 })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_default_scheme_asks_for_a_token_with_basic_then_sends_bearer() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .header("authorization", PV_TOKEN_BASIC)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials");
        then.status(200).json_body(json!({
            "access_token": "at-1", "token_type": "Bearer", "expires_in": 1440, "scope": "erede"
        }));
    });
    let refund_call = refunded(&server, "Bearer at-1");
    let client = Client::builder()
        .credentials(credentials())
        .base_url(server.base_url())
        .token_url(server.url("/oauth2/token"))
        .build()
        .unwrap();
    let answer = refund(&client).await;
    assert_eq!(answer.refund_id, "r-1");
    token.assert();
    refund_call.assert();
}

#[tokio::test]
async fn the_legacy_scheme_sends_the_same_credentials_as_basic_on_every_call() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.path("/oauth2/token");
        then.status(500);
    });
    let refund_call = refunded(&server, PV_TOKEN_BASIC);
    let client = Client::builder()
        .credentials(credentials())
        .auth("legacy")
        .base_url(server.base_url())
        .build()
        .unwrap();
    refund(&client).await;
    refund(&client).await;
    refund_call.assert_calls(2);
    token.assert_calls(0);
}

#[test]
fn each_scheme_has_the_base_urls_of_its_generation() {
    let build =
        |builder: ClientBuilder<Client>| builder.credentials(credentials()).build().unwrap();
    let base = |client: Client| client.core().base_url().to_owned();
    assert_eq!(
        base(build(Client::builder())),
        "https://api.two-schemes.test/v2"
    );
    assert_eq!(
        base(build(Client::builder().sandbox())),
        "https://sandbox.two-schemes.test/v2"
    );
    assert_eq!(
        base(build(Client::builder().auth("legacy"))),
        "https://api.two-schemes.test/v1"
    );
    assert_eq!(
        base(build(Client::builder().auth("legacy").sandbox())),
        "https://sandbox.two-schemes.test/v1"
    );
    let spec = &<Client as Provider>::SPEC;
    assert_eq!(spec.auths.len(), 1);
    assert_eq!(spec.auths[0].name, "legacy");
    assert_eq!(spec.auths[0].auth, estorno::spec::AuthScheme::Basic);
}

#[test]
fn a_scheme_the_spec_does_not_declare_is_refused_when_built() {
    let error = Client::builder()
        .credentials(credentials())
        .auth("v3")
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::UnknownAuth { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "Two Schemes Pay has no auth scheme named `v3` (it has: the default, legacy)"
    );
}

#[tokio::test]
async fn configuration_chooses_the_scheme_by_name() {
    let server = MockServer::start_async().await;
    let refund_call = refunded(&server, PV_TOKEN_BASIC);
    let vars = |auth: &str| {
        [
            ("ESTORNO_TWO_SCHEMES_PAY_CLIENT_ID", "1234567"),
            ("ESTORNO_TWO_SCHEMES_PAY_CLIENT_SECRET", "s3cr3t-token"),
            ("ESTORNO_TWO_SCHEMES_PAY_AUTH", auth),
            ("ESTORNO_TWO_SCHEMES_PAY_BASE_URL", &server.base_url()),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
    };
    let config = ProviderConfig::from_vars("two-schemes-pay", vars("legacy")).unwrap();
    let client: Client = config.build().unwrap();
    refund(&client).await;
    refund_call.assert();

    let config = ProviderConfig::from_vars("two-schemes-pay", vars("basic")).unwrap();
    let error = config.build::<Client>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "Two Schemes Pay has no auth scheme named `basic` (it has: the default, legacy)"
    );
}
