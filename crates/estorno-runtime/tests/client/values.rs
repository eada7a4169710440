//! Money on the wire, `has_field`, client configuration errors, and secrets kept out of
//! every `Debug` and `Display`.

use crate::common;

use estorno::__private::{Call, Provider, Response};
use estorno::auth::{
    ApiKey, BasicAuth, BearerToken, BearerWithApiKey, ClientCredentials,
    ClientCredentialsWithApiKey, HeaderPair, HeaderToken,
};
use estorno::spec::{AuthScheme, ClientAuth, OAuth2Spec, TokenRequestEncoding};
use estorno::{BuildError, Cents, Reais};
use httpmock::prelude::*;
use serde::{Deserialize, Serialize};

test_provider!(TestPay, BearerToken, AuthScheme::Bearer);
test_provider!(
    SandboxPay,
    BearerToken,
    AuthScheme::Bearer,
    Some("https://sandbox.testpay.example/v1")
);
// Credentials that do not fit the scheme: generated code never does this, build() checks.
test_provider!(MismatchedPay, BearerToken, AuthScheme::Basic);
test_provider!(
    OAuthPay,
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
    OAuthSandboxPay,
    ClientCredentials,
    AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
        token_url: "/oauth2/token",
        sandbox_token_url: Some("https://auth-sandbox.testpay.example/token"),
        request: TokenRequestEncoding::Json,
        api_key_header: None,
        client_auth: ClientAuth::Body,
        scope: None,
    }),
    Some("https://sandbox.testpay.example/v1")
);

const CANARY: &str = "canary-7d41e2";

// ----------------------------------------------------------------------------- money

#[test]
fn cents_read_integers_and_numeric_strings() {
    assert_eq!(
        serde_json::from_str::<Cents>("100").ok(),
        Some(Cents::new(100))
    );
    assert_eq!(
        serde_json::from_str::<Cents>(r#""100""#).ok(),
        Some(Cents::new(100))
    );
    assert_eq!(serde_json::from_str::<Cents>("0").ok(), Some(Cents::ZERO));

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct LiquidoPayment {
        final_amount: Cents,
    }
    for body in [r#"{"finalAmount":2590}"#, r#"{"finalAmount":"2590"}"#] {
        let payment: LiquidoPayment = serde_json::from_str(body).expect("decodes");
        assert_eq!(payment.final_amount, Cents::new(2590));
    }
}

#[test]
fn cents_refuse_negatives_fractions_and_words() {
    let error = |json: &str| {
        serde_json::from_str::<Cents>(json)
            .err()
            .map(|error| error.to_string())
    };
    assert_eq!(
        error("-1").as_deref(),
        Some("an amount in cents must not be negative at line 1 column 2")
    );
    assert_eq!(
        error(r#""-1""#).as_deref(),
        Some("an amount in cents must not be negative at line 1 column 4")
    );
    assert_eq!(
        error("1.5").as_deref(),
        Some("an amount in cents must be a whole number, not a fraction at line 1 column 3")
    );
    assert_eq!(
        error(r#""1.5""#).as_deref(),
        Some("an amount in cents must be a whole number, not a fraction at line 1 column 5")
    );
    assert_eq!(
        error(r#""abc""#).as_deref(),
        Some("an amount in cents must be a string of digits at line 1 column 5")
    );
}

#[test]
fn cents_write_an_integer_and_display_in_reais() {
    assert_eq!(
        serde_json::to_string(&Cents::new(1234)).ok().as_deref(),
        Some("1234")
    );
    assert_eq!(Cents::new(1234).to_string(), "R$ 12,34");
    assert_eq!(Cents::new(1234).get(), 1234);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PicPayRefund {
    reference_id: String,
    value: Reais,
}

#[test]
fn reais_round_trip_exactly() {
    let cases = [
        (1, "0.01"),
        (1234, "12.34"),
        (100_000_000, "1000000.00"),
        (1230, "12.30"),
        (1200, "12.00"),
    ];
    for (cents, text) in cases {
        let refund = PicPayRefund {
            reference_id: "order-1".to_owned(),
            value: Reais::from_cents(cents),
        };
        let json = serde_json::to_string(&refund).expect("encodes");
        assert_eq!(
            json,
            format!(r#"{{"referenceId":"order-1","value":{text}}}"#)
        );
        let back: PicPayRefund = serde_json::from_str(&json).expect("decodes");
        assert_eq!(back, refund);
    }
}

#[test]
fn reais_read_numbers_and_strings_without_floats() {
    let read = |json: &str| {
        serde_json::from_str::<Reais>(json)
            .ok()
            .map(|value| value.cents())
    };
    assert_eq!(read("12.3"), Some(Cents::new(1230)));
    assert_eq!(read("0.01"), Some(Cents::new(1)));
    assert_eq!(read("12"), Some(Cents::new(1200)));
    assert_eq!(read(r#""12.34""#), Some(Cents::new(1234)));
    // 0.1 + 0.2 style trouble cannot happen: the digits are read as text.
    assert_eq!(read("1000000.07"), Some(Cents::new(100_000_007)));
    let value: serde_json::Value = serde_json::json!({ "referenceId": "r", "value": "19.99" });
    let refund: PicPayRefund = serde_json::from_value(value).expect("decodes from a Value");
    assert_eq!(refund.value, Reais::from_cents(1999));
}

#[test]
fn reais_refuse_inexact_or_invalid_amounts() {
    let error = |json: &str| {
        serde_json::from_str::<Reais>(json)
            .err()
            .map(|error| error.to_string())
    };
    assert_eq!(
        error("12.345").as_deref(),
        Some("an amount in reais has more than 2 decimal places")
    );
    assert_eq!(
        error("-1").as_deref(),
        Some("an amount in reais must not be negative")
    );
    assert_eq!(
        error(r#""abc""#).as_deref(),
        Some("an amount in reais must be written as digits with an optional decimal point")
    );
    assert_eq!(
        error("1e3").as_deref(),
        Some("an amount in reais must not use exponent notation")
    );
}

// ----------------------------------------------------------------------------- has_field

/// The response to `GET /v1/charge/{id}`, sent through the runtime as generated code would.
async fn response(client: &TestPay, id: &str) -> Response {
    let endpoint = &<TestPay as Provider>::SPEC.endpoints[1];
    let mut call = Call::new(client.core(), endpoint);
    call.path_literal("/charge/");
    call.path_param(&endpoint.params[0], id).expect("valid id");
    call.send().await.expect("answered")
}

#[tokio::test]
async fn has_field_sees_only_present_non_null_top_level_keys() {
    let server = MockServer::start_async().await;
    let cases: [(&str, &str, bool); 9] = [
        (
            "case-01",
            r#"{"error":{"code":"REFUND_DENIED"},"data":null}"#,
            true,
        ),
        ("case-02", r#"{"error":false}"#, true),
        ("case-03", r#"{"error":null,"data":{}}"#, false),
        ("case-04", r#"{"data":{"error":"nested"}}"#, false),
        ("case-05", r#"[{"error":"in an array"}]"#, false),
        ("case-06", r#"{"err\u006fr":"escaped key"}"#, true),
        ("case-07", "<html>error</html>", false),
        ("case-08", "", false),
        ("case-09", r#"{"error":"trailing"} garbage"#, false),
    ];
    for (id, body, _) in cases {
        server
            .mock_async(|when, then| {
                when.path(format!("/v1/charge/{id}"));
                then.status(200).body(body);
            })
            .await;
    }
    let client = TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .base_url(server.url("/v1"))
        .build()
        .expect("client builds");
    for (id, body, expected) in cases {
        let response = response(&client, id).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.body().as_ref(), body.as_bytes());
        assert_eq!(response.has_field("error"), expected, "{body}");
    }
}

// ----------------------------------------------------------------------------- building

#[test]
fn plain_http_is_refused_beyond_loopback() {
    let error = TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .base_url("http://api.testpay.example/v1")
        .build()
        .expect_err("insecure");
    assert!(matches!(
        error,
        BuildError::InsecureUrl { field: "base_url" }
    ));
    assert_eq!(
        error.to_string(),
        "insecure `base_url`: https is required except for loopback hosts"
    );
    for loopback in [
        "http://127.0.0.1:8080/v1",
        "http://localhost:8080",
        "http://[::1]:8080/v1",
    ] {
        let client = TestPay::builder()
            .credentials(BearerToken::new("tok-1"))
            .base_url(loopback)
            .build();
        assert!(client.is_ok(), "{loopback}");
    }
}

#[test]
fn token_url_must_be_https_too() {
    let error = OAuthPay::builder()
        .credentials(ClientCredentials::new("client-1", "secret-1"))
        .token_url("http://auth.testpay.example/token")
        .build()
        .expect_err("insecure");
    assert!(matches!(
        error,
        BuildError::InsecureUrl { field: "token_url" }
    ));
}

#[test]
fn sandbox_without_one_is_a_clear_error() {
    let error = TestPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .sandbox()
        .build()
        .expect_err("no sandbox");
    assert!(matches!(
        error,
        BuildError::NoSandbox {
            provider: "Test Pay"
        }
    ));
    assert_eq!(
        error.to_string(),
        "Test Pay has no sandbox; point `base_url` at a test server instead"
    );
}

#[test]
fn environments_pick_their_base_urls() {
    let build = |builder: estorno::ClientBuilder<SandboxPay>| {
        builder
            .credentials(BearerToken::new("tok-1"))
            .build()
            .expect("client builds")
    };
    let production = build(SandboxPay::builder());
    assert_eq!(
        production.core().base_url(),
        "https://api.testpay.example/v1"
    );
    assert!(!production.core().is_sandbox());
    let sandbox = build(SandboxPay::builder().sandbox());
    assert_eq!(
        sandbox.core().base_url(),
        "https://sandbox.testpay.example/v1"
    );
    let overridden = build(
        SandboxPay::builder()
            .sandbox()
            .base_url("https://proxy.example/testpay/"),
    );
    assert_eq!(
        overridden.core().base_url(),
        "https://proxy.example/testpay"
    );
}

#[test]
fn token_urls_follow_the_environment() {
    let token_url = |builder: estorno::ClientBuilder<OAuthSandboxPay>| {
        let client = builder
            .credentials(ClientCredentials::new("client-1", "secret-1"))
            .build()
            .expect("client builds");
        let shown = format!("{client:?}");
        shown
            .split("token_url: ")
            .nth(1)
            .map(|rest| rest.trim_end_matches(" } }").to_owned())
    };
    assert_eq!(
        token_url(OAuthSandboxPay::builder()).as_deref(),
        Some(r#""https://api.testpay.example/v1/oauth2/token""#)
    );
    assert_eq!(
        token_url(OAuthSandboxPay::builder().sandbox()).as_deref(),
        Some(r#""https://auth-sandbox.testpay.example/token""#)
    );
    assert_eq!(
        token_url(OAuthSandboxPay::builder().token_url("https://auth.example/t")).as_deref(),
        Some(r#""https://auth.example/t""#)
    );
}

#[test]
fn credentials_are_checked() {
    let build = |credentials: Option<BearerToken>| {
        let builder = TestPay::builder();
        match credentials {
            Some(credentials) => builder.credentials(credentials),
            None => builder,
        }
        .build()
        .expect_err("refused")
        .to_string()
    };
    assert_eq!(build(None), "missing `credentials`");
    assert_eq!(
        build(Some(BearerToken::new(""))),
        "invalid `token`: must not be empty"
    );
    assert_eq!(
        build(Some(BearerToken::new(format!("{CANARY}\r\nx-injected: 1")))),
        "invalid `token`: must not contain CR, LF or NUL"
    );
    assert_eq!(
        build(Some(BearerToken::new(format!("{CANARY}\0")))),
        "invalid `token`: must not contain CR, LF or NUL"
    );
    let mismatch = MismatchedPay::builder()
        .credentials(BearerToken::new("tok-1"))
        .build()
        .expect_err("mismatch");
    assert_eq!(
        mismatch.to_string(),
        "`credentials` of type BearerToken do not fit this provider, which needs BasicAuth"
    );
}

// ----------------------------------------------------------------------------- secrets

#[test]
fn credentials_never_show_their_secrets() {
    let shown = [
        format!("{:?}", HeaderToken::new(CANARY)),
        format!("{:?}", BearerToken::new(CANARY)),
        format!("{:?}", BasicAuth::new("merchant", CANARY)),
        format!("{:?}", ApiKey::new(CANARY)),
        format!("{:?}", BearerWithApiKey::new(CANARY, CANARY)),
        format!("{:?}", HeaderPair::new(CANARY, CANARY)),
        format!("{:?}", ClientCredentials::new("client-1", CANARY)),
        format!(
            "{:?}",
            ClientCredentialsWithApiKey::new("client-1", CANARY, CANARY)
        ),
    ];
    for text in &shown {
        assert!(!text.contains(CANARY), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
    assert_eq!(
        shown[2],
        r#"BasicAuth { user: "merchant", password: "[redacted]" }"#
    );
}

#[test]
fn clients_and_build_errors_never_show_secrets() {
    let client = TestPay::builder()
        .credentials(BearerToken::new(CANARY))
        .build()
        .expect("client builds");
    assert_eq!(
        format!("{client:?}"),
        r#"TestPay { __core: ClientCore { provider: "Test Pay", base_url: "https://api.testpay.example/v1", auth: "bearer" } }"#
    );
    let builder = TestPay::builder().credentials(BearerToken::new(CANARY));
    assert!(!format!("{builder:?}").contains(CANARY));

    let oauth = OAuthPay::builder()
        .credentials(ClientCredentials::new("client-1", CANARY))
        .build()
        .expect("client builds");
    assert_eq!(
        format!("{oauth:?}"),
        r#"OAuthPay { __core: ClientCore { provider: "Test Pay", base_url: "https://api.testpay.example/v1", auth: "oauth2_client_credentials", token_url: "https://auth.testpay.example/token" } }"#
    );

    let error = TestPay::builder()
        .credentials(BearerToken::new(format!("{CANARY}\n")))
        .build()
        .expect_err("refused");
    assert!(!format!("{error:?} {error}").contains(CANARY));
    let error = TestPay::builder()
        .credentials(BearerToken::new(CANARY))
        .base_url(format!("https://user:{CANARY}@api.testpay.example"))
        .build()
        .expect_err("refused");
    assert!(matches!(
        error,
        BuildError::InvalidUrl {
            field: "base_url",
            ..
        }
    ));
    assert!(!format!("{error:?} {error}").contains(CANARY));
}

#[test]
fn errors_and_clients_can_cross_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<estorno::Error<common::ApiError>>();
    shareable::<estorno::__private::CallError>();
    shareable::<BuildError>();
    shareable::<TestPay>();
    shareable::<Response>();
    // Small enough to return by value without clippy's `result_large_err`.
    assert!(std::mem::size_of::<estorno::Error<()>>() <= 96);
}
