//! Liquido against httpmock and the sandbox: the seed's example decodes exactly, requests are
//! exactly what Liquido documents (form-encoded token on its own host, bearer token and
//! `x-api-key` on every call), refusals inside a 200 are typed, personal data never shows, and
//! the unified API cancels, answers, rejects and reconciles.

use std::time::Duration;

use estorno::auth::ClientCredentialsWithApiKey;
use estorno::liquido;
use estorno::{Cents, DateParts, Error, Outcome, Personal, Timestamp};
use httpmock::Mock;
use httpmock::prelude::*;
use liquido::{
    BillingAddress, Client, Document, Payer, Payment, PixDetails, QrCodeType, TransferDetails,
    TransferError, TransferStatus,
};

/// The seed's payment.
const KEY: &str = "20220602-001";
const TOKEN_REQUEST: &str =
    "grant_type=client_credentials&client_id=client-id&client_secret=client-secret";
const CANCEL_PATH: &str = "/v1/payments/charges/cancel/20220602-001";
const PAYMENT_PATH: &str = "/v1/payments/charges/20220602-001";

fn fixture(name: &str) -> String {
    estorno_tests::fixture("liquido", name)
}

/// The API and the token endpoint on two servers, as Liquido's are on two hosts.
struct Servers {
    api: MockServer,
    auth: MockServer,
}

impl Servers {
    async fn start() -> Servers {
        let servers = Servers {
            api: MockServer::start_async().await,
            auth: MockServer::start_async().await,
        };
        assert_ne!(servers.api.port(), servers.auth.port());
        servers
    }

    fn client_with_timeout(&self, timeout: Duration) -> Client {
        Client::builder()
            .credentials(ClientCredentialsWithApiKey::new(
                "client-id",
                "client-secret",
                "api-key-1",
            ))
            .base_url(self.api.base_url())
            .token_url(self.auth.url("/oauth2/token"))
            .timeout(timeout)
            .build()
            .expect("valid client configuration")
    }

    fn client(&self) -> Client {
        self.client_with_timeout(Duration::from_secs(5))
    }

    /// The token endpoint, expecting exactly the documented form body.
    fn token(&self) -> Mock<'_> {
        self.auth.mock(|when, then| {
            when.method(POST)
                .path("/oauth2/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(TOKEN_REQUEST);
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"access_token":"token-1","expires_in":3600,"token_type":"Bearer"}"#);
        })
    }

    /// The payment look-up, answering `body`; `times` limits how often it answers.
    fn lookup(&self, body: String, times: Option<usize>) -> Mock<'_> {
        self.api.mock(|when, then| {
            when.method(GET).path(PAYMENT_PATH);
            let then = then.status(200).body(body);
            if let Some(times) = times {
                then.up_to_n_times(times);
            }
        })
    }

    /// The cancel endpoint, answering `status` with `body`.
    fn cancel(&self, status: u16, body: String) -> Mock<'_> {
        self.api.mock(|when, then| {
            when.method(POST).path(CANCEL_PATH);
            then.status(status).body(body);
        })
    }
}

/// The seed's example with some top-level fields replaced.
fn seed_with(changes: &[(&str, serde_json::Value)]) -> String {
    let mut payment: serde_json::Value =
        serde_json::from_str(&fixture("cancel-200.json")).expect("fixture is JSON");
    for (field, value) in changes {
        payment[*field] = value.clone();
    }
    payment.to_string()
}

fn in_progress() -> String {
    seed_with(&[
        ("transferStatus", "IN_PROGRESS".into()),
        ("finalStatusTime", serde_json::Value::Null),
    ])
}

/// The seed's answer to a refused cancellation of a settled payment.
fn refused() -> String {
    seed_with(&[
        ("transferStatusCode", 400.into()),
        (
            "transferErrorMsg",
            "Payment can not be canceled, transferStatus is SETTLED".into(),
        ),
        ("transferStatus", "SETTLED".into()),
    ])
}

fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

fn personal(value: &str) -> Option<Personal<String>> {
    Some(Personal::new(value.to_owned()))
}

fn seed_payment() -> Payment {
    Payment {
        transfer_status_code: Some(200),
        transfer_error_msg: None,
        idempotency_key: KEY.to_owned(),
        reference_id: text(KEY),
        payment_method: "PIX_STATIC_QR".to_owned(),
        amount: Cents::new(100),
        currency: "BRL".to_owned(),
        country: "BR".to_owned(),
        final_amount: Some(Cents::new(100)),
        final_currency: text("BRL"),
        create_time: Some(Timestamp::parse("2022-06-02 11:45:44 GMT+08:00")),
        scheduled_time: Some(Timestamp::parse("2022-06-02 12:32:39 GMT+08:00")),
        final_status_time: Some(Timestamp::parse("2022-06-02 11:47:23 GMT+08:00")),
        payer: Some(Payer {
            name: personal("Thiago Gabriel"),
            document: Some(Document {
                document_id: Personal::new("00740886967".to_owned()),
                kind: "CPF".to_owned(),
            }),
            email: personal("thiago@example.com"),
            phone: personal("5058149876"),
            billing_address: Some(Personal::new(BillingAddress {
                zip_code: text("04849333"),
                state: text("SP"),
                city: text("sao paulo"),
                district: text("Jardim Gaivotas"),
                street: text("Rua 9 de setembro"),
                number: text("15"),
                complement: text("casa"),
                country: text("BR"),
            })),
        }),
        transfer_status: TransferStatus::Cancelled,
        description: text("hello world"),
        callback_url: text("http://api.client.com/notifications"),
        transfer_details: Some(TransferDetails {
            pix: Some(PixDetails {
                qr_code: "00020101021226580014BR.GOV.BCB.PIX01366b780a05-2659-4c6c-80d2-a8bd20c8396f52040000530398654041.005802BR5925Liquido Brl Pagamentos Di6014Belo Horizonte61083038040362290525ftg0pwqTUpQyFNXEXPzNuWQvL6304B717".to_owned(),
                qr_code_type: Some(QrCodeType::Static),
                expiration_time: None,
            }),
        }),
    }
}

#[tokio::test]
async fn cancel_sends_the_documented_request_and_decodes_the_seed_example() {
    let servers = Servers::start().await;
    let token = servers.token();
    let cancel = servers.api.mock(|when, then| {
        when.method(POST)
            .path(CANCEL_PATH)
            .is_true(|request| request.uri().query().is_none())
            .header("authorization", "Bearer token-1")
            .header("x-api-key", "api-key-1")
            .header("content-type", "application/json")
            .body("");
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("cancel-200.json"));
    });

    let payment = servers.client().cancel(KEY).await.expect("the seed's 200");

    assert_eq!(payment, seed_payment());
    assert_eq!(payment.transfer_status.outcome(), Outcome::Voided);
    token.assert_calls(1);
    cancel.assert_calls(1);
}

#[tokio::test]
async fn payment_lookup_is_a_get_with_no_body_and_both_credentials() {
    let servers = Servers::start().await;
    let token = servers.token();
    let lookup = servers.api.mock(|when, then| {
        when.method(GET)
            .path(PAYMENT_PATH)
            .is_true(|request| request.uri().query().is_none())
            .header("authorization", "Bearer token-1")
            .header("x-api-key", "api-key-1")
            .header_missing("content-type")
            .is_true(|request| request.body().is_empty());
        then.status(200).body(fixture("cancel-200.json"));
    });

    let client = servers.client();
    assert_eq!(client.payment(KEY).await.expect("lookup"), seed_payment());
    // The token is cached: a second call asks the auth host nothing.
    client.payment(KEY).await.expect("second lookup");
    token.assert_calls(1);
    lookup.assert_calls(2);
}

#[test]
fn seed_times_read_into_their_parts_with_the_gmt_offset() {
    let payment: Payment = serde_json::from_str(&fixture("cancel-200.json")).expect("decodes");
    let at = |time: &Option<Timestamp>| time.as_ref().and_then(Timestamp::parts);
    let gmt8 = |hour, minute, second| DateParts {
        year: 2022,
        month: 6,
        day: 2,
        time: Some((hour, minute, second)),
        offset_minutes: Some(480),
    };
    assert_eq!(at(&payment.create_time), Some(gmt8(11, 45, 44)));
    assert_eq!(at(&payment.scheduled_time), Some(gmt8(12, 32, 39)));
    assert_eq!(at(&payment.final_status_time), Some(gmt8(11, 47, 23)));
    // The text is kept as Liquido wrote it.
    assert_eq!(
        payment.create_time.as_ref().map(Timestamp::as_str),
        Some("2022-06-02 11:45:44 GMT+08:00")
    );
}

#[test]
fn final_amount_reads_as_a_number_or_a_string() {
    let number: Payment = serde_json::from_str(&fixture("cancel-200.json")).expect("number");
    let string: Payment =
        serde_json::from_str(&seed_with(&[("finalAmount", "12345".into())])).expect("string");
    assert_eq!(number.final_amount, Some(Cents::new(100)));
    assert_eq!(string.final_amount, Some(Cents::new(12345)));
    let fraction = serde_json::from_str::<Payment>(&seed_with(&[("finalAmount", "1.5".into())]));
    assert!(fraction.is_err(), "a fraction of a cent is refused");
}

/// Every personal value in the seed, as `Debug` would quote it.
const SEED_PERSONAL_VALUES: [&str; 11] = [
    "Thiago Gabriel",
    "00740886967",
    "thiago@example.com",
    "5058149876",
    "04849333",
    "SP",
    "sao paulo",
    "Jardim Gaivotas",
    "Rua 9 de setembro",
    "15",
    "casa",
];

#[test]
fn personal_data_never_shows_in_debug() {
    let payment: Payment = serde_json::from_str(&fixture("cancel-200.json")).expect("decodes");
    let shown = format!("{payment:?}");
    // Distinct values are searched for bare; short ones ("SP", "15") only as quoted strings,
    // since the digits also occur in the QR code and the times.
    for value in SEED_PERSONAL_VALUES {
        assert!(!shown.contains(&format!("{value:?}")), "{value:?} shows");
        if value.len() > 4 {
            assert!(!shown.contains(value), "{value} shows");
        }
    }
    assert!(shown.contains("[personal data]"));
    // Nothing is lost: the values are there when read on purpose.
    let payer = payment.payer.expect("payer");
    assert_eq!(
        payer.document.expect("document").document_id.expose(),
        "00740886967"
    );
    assert_eq!(
        payer
            .billing_address
            .expect("address")
            .expose()
            .zip_code
            .as_deref(),
        Some("04849333")
    );
}

#[tokio::test]
async fn a_refused_cancel_inside_a_200_is_the_typed_error() {
    let servers = Servers::start().await;
    servers.token();
    servers.cancel(200, refused());

    let error = servers.client().cancel(KEY).await.expect_err("refused");
    assert!(!error.outcome_unknown(), "a refusal is a definite answer");
    let shown = format!("{error:?} {error}");
    match error {
        Error::Api { status, body, .. } => {
            assert_eq!(status, 200);
            assert_eq!(
                body,
                TransferError {
                    transfer_status_code: Some(400),
                    transfer_error_msg: "Payment can not be canceled, transferStatus is SETTLED"
                        .to_owned(),
                    idempotency_key: text(KEY),
                    transfer_status: Some(TransferStatus::Settled),
                }
            );
        }
        other => panic!("expected the typed refusal, got {other:?}"),
    }
    // The refusal carries the payer too; the error keeps none of it.
    for value in SEED_PERSONAL_VALUES.iter().filter(|value| value.len() > 4) {
        assert!(!shown.contains(value), "{value} shows in {shown}");
    }
}

#[tokio::test]
async fn a_null_error_message_is_a_payment_not_a_refusal() {
    // The seed's own success carries `"transferErrorMsg": null`.
    let servers = Servers::start().await;
    servers.token();
    servers.cancel(200, fixture("cancel-200.json"));
    let payment = servers.client().cancel(KEY).await.expect("success");
    assert_eq!(payment.transfer_error_msg, None);
}

#[tokio::test]
async fn a_4xx_with_the_error_field_is_typed_and_other_error_bodies_keep_their_status() {
    let servers = Servers::start().await;
    servers.token();
    servers.api.mock(|when, then| {
        when.method(GET).path("/v1/payments/charges/missing-1");
        then.status(404).body(
            r#"{"transferStatusCode":404,"transferErrorMsg":"Payment not found","idempotencyKey":"missing-1"}"#,
        );
    });
    servers.api.mock(|when, then| {
        when.method(GET).path("/v1/payments/charges/forbidden-1");
        then.status(403).body(r#"{"message":"Forbidden"}"#);
    });
    servers.api.mock(|when, then| {
        when.method(POST)
            .path("/v1/payments/charges/cancel/broken-1");
        then.status(502).body("<html>Bad Gateway</html>");
    });
    let client = servers.client();

    match client.payment("missing-1").await.expect_err("not found") {
        Error::Api { status, body, .. } => {
            assert_eq!(status, 404);
            assert_eq!(
                body,
                TransferError {
                    transfer_status_code: Some(404),
                    transfer_error_msg: "Payment not found".to_owned(),
                    idempotency_key: text("missing-1"),
                    transfer_status: None,
                }
            );
        }
        other => panic!("expected the typed 404, got {other:?}"),
    }
    match client.payment("forbidden-1").await.expect_err("forbidden") {
        Error::UnexpectedStatus { status, sample, .. } => {
            assert_eq!(status, 403);
            assert_eq!(sample, r#"{"message":"Forbidden"}"#);
        }
        other => panic!("expected an undeclared status, got {other:?}"),
    }
    let error = client.cancel("broken-1").await.expect_err("bad gateway");
    assert!(
        matches!(error, Error::UnexpectedStatus { status: 502, .. }),
        "{error:?}"
    );
    assert!(error.outcome_unknown(), "a 5xx after a cancel was sent");
}

#[test]
fn every_transfer_status_maps_to_an_outcome() {
    let expected = [
        (
            "INITIAL_STATUS",
            TransferStatus::InitialStatus,
            Outcome::Active,
        ),
        ("IN_PROGRESS", TransferStatus::InProgress, Outcome::Active),
        ("AUTHORIZED", TransferStatus::Authorized, Outcome::Active),
        ("SETTLED", TransferStatus::Settled, Outcome::Active),
        ("FAILED", TransferStatus::Failed, Outcome::Failed),
        ("CANCELLED", TransferStatus::Cancelled, Outcome::Voided),
        ("CANCELED", TransferStatus::Canceled, Outcome::Voided),
        ("EXPIRED", TransferStatus::Expired, Outcome::Voided),
        ("REFUNDING", TransferStatus::Refunding, Outcome::Pending),
        ("REFUNDED", TransferStatus::Refunded, Outcome::Refunded),
        (
            "CHARGED_BACK",
            TransferStatus::ChargedBack,
            Outcome::Chargeback,
        ),
    ];
    for (wire, status, outcome) in expected {
        let decoded: TransferStatus = serde_json::from_value(wire.into()).expect("a status string");
        assert_eq!(decoded, status, "{wire}");
        assert_eq!(decoded.outcome(), outcome, "{wire}");
        assert_eq!(decoded.as_wire(), wire);
    }
    let unknown = TransferStatus::from_wire("PARTIALLY_SETTLED");
    assert_eq!(
        unknown,
        TransferStatus::Unknown("PARTIALLY_SETTLED".to_owned())
    );
    assert_eq!(unknown.outcome(), Outcome::Ambiguous);
}

#[tokio::test]
async fn ids_that_would_leave_their_path_segment_are_refused_or_encoded() {
    let servers = Servers::start().await;
    let token = servers.token();
    let encoded = servers.api.mock(|when, then| {
        when.method(POST)
            .is_true(|request| request.uri().path() == "/v1/payments/charges/cancel/a%2Fb%3Fc");
        then.status(200).body(fixture("cancel-200.json"));
    });
    let any = servers.api.mock(|when, then| {
        when.any_request();
        then.status(200).body(fixture("cancel-200.json"));
    });
    let client = servers.client();
    for bad_key in ["", ".", "..", "a/../b", "../x"] {
        let error = client.cancel(bad_key).await.expect_err("invalid key");
        match &error {
            Error::InvalidRequest { field, .. } => assert_eq!(*field, "idempotency_key"),
            other => panic!("{bad_key:?}: expected InvalidRequest, got {other:?}"),
        }
        let error = client.payment(bad_key).await.expect_err("invalid key");
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    }
    token.assert_calls(0);
    any.assert_calls(0);

    // Liquido documents no rules for the key: the spec keeps it to the characters keys are
    // made of, so a slash or a question mark never reaches the path, even percent-encoded.
    let error = client.cancel("a/b?c").await.expect_err("refused");
    assert!(
        matches!(&error, Error::InvalidRequest { field, reason, .. } if *field == "idempotency_key" && reason.contains("A-Za-z0-9_.:-")),
        "{error:?}"
    );
    encoded.assert_calls(0);
    any.assert_calls(0);
}

#[test]
fn production_and_sandbox_use_their_own_token_hosts() {
    let build = |sandbox: bool| {
        let builder = Client::builder().credentials(ClientCredentialsWithApiKey::new(
            "client-id",
            "client-secret",
            "api-key-1",
        ));
        let builder = if sandbox { builder.sandbox() } else { builder };
        format!("{:?}", builder.build().expect("valid configuration"))
    };
    let production = build(false);
    assert!(
        production.contains(r#"base_url: "https://api.liquido.com""#),
        "{production}"
    );
    assert!(
        production.contains(r#"token_url: "https://authsg.liquido.com/oauth2/token""#),
        "{production}"
    );
    let sandbox = build(true);
    assert!(
        sandbox.contains(r#"base_url: "https://api-qa.liquido.com""#),
        "{sandbox}"
    );
    assert!(
        sandbox.contains(r#"token_url: "https://auth-dev.liquido.com/oauth2/token""#),
        "{sandbox}"
    );
    assert!(!sandbox.contains("api-key-1") && !sandbox.contains("client-secret"));
}

#[test]
fn the_spec_describes_the_provider() {
    use estorno::spec::{
        AuthScheme, BodyKind, ClientAuth, Method, OAuth2Spec, TokenRequestEncoding,
    };
    let spec = &liquido::SPEC;
    assert_eq!(spec.name, "Liquido");
    assert_eq!(spec.slug, "liquido");
    assert_eq!(spec.production, Some("https://api.liquido.com"));
    assert_eq!(spec.sandbox, Some("https://api-qa.liquido.com"));
    assert_eq!(
        spec.auth,
        AuthScheme::OAuth2ClientCredentials(OAuth2Spec {
            token_url: "https://authsg.liquido.com/oauth2/token",
            sandbox_token_url: Some("https://auth-dev.liquido.com/oauth2/token"),
            request: TokenRequestEncoding::Form,
            api_key_header: Some("x-api-key"),
            client_auth: ClientAuth::Body,
            scope: None,
        })
    );
    let cancel = spec.endpoint("cancel").expect("cancel");
    assert_eq!(cancel.method, Method::Post);
    assert_eq!(cancel.path, "/v1/payments/charges/cancel/{idempotencyKey}");
    assert_eq!(cancel.body, BodyKind::Empty);
    assert_eq!(cancel.headers, &[("content-type", "application/json")]);
    assert_eq!(cancel.reconcile, Some("payment"));
    assert!(!cancel.idempotent);
    assert_eq!(cancel.errors[0].when_field, Some("transferErrorMsg"));
    let payment = spec.endpoint("payment").expect("payment");
    assert_eq!(payment.method, Method::Get);
    assert_eq!(payment.path, "/v1/payments/charges/{idempotencyKey}");
    assert!(payment.idempotent);
}

mod unified {
    //! The unified cancellation API over Liquido.

    use super::*;
    use estorno::{Cancel, CancelError, CancelRequest};

    /// The client as the unified API sees it. The generated client's own `cancel` (Liquido's
    /// cancel call) would otherwise shadow `Cancel::cancel`.
    pub(super) fn unified(client: Client) -> Box<dyn Cancel> {
        Box::new(client)
    }

    #[tokio::test]
    async fn total_cancel_voids_an_in_progress_payment() {
        let servers = Servers::start().await;
        servers.token();
        let lookup = servers.lookup(in_progress(), None);
        let cancel = servers.cancel(200, fixture("cancel-200.json"));

        let cancellation = unified(servers.client())
            .cancel(&CancelRequest::total(KEY))
            .await
            .expect("cancels");
        assert_eq!(cancellation.provider, "liquido");
        assert_eq!(cancellation.outcome, Outcome::Voided);
        assert!(!cancellation.already_done);
        assert_eq!(cancellation.reference.as_deref(), Some(KEY));
        assert_eq!(cancellation.reason, None);
        assert_eq!(cancellation.review, None);
        // Nothing was paid, so nothing is refunded: Liquido states no amounts for it.
        assert_eq!(cancellation.refunded, None);
        assert_eq!(cancellation.raw::<Payment>(), Some(&seed_payment()));
        lookup.assert_calls(1);
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn a_partial_cancel_is_not_supported_and_nothing_is_sent() {
        let servers = Servers::start().await;
        let token = servers.token();
        let any = servers.api.mock(|when, then| {
            when.any_request();
            then.status(200).body(fixture("cancel-200.json"));
        });
        let client = unified(servers.client());
        assert!(!client.supports_partial());
        let request = CancelRequest::partial(KEY, estorno::Amount::from_cents(50).unwrap());
        let error = client.cancel(&request).await.expect_err("no partial");
        assert_eq!(
            error,
            CancelError::PartialNotSupported {
                provider: "Liquido"
            }
        );
        token.assert_calls(0);
        any.assert_calls(0);
    }

    #[tokio::test]
    async fn an_already_cancelled_payment_is_answered_without_sending() {
        for spelling in ["CANCELLED", "CANCELED"] {
            let servers = Servers::start().await;
            servers.token();
            servers.lookup(seed_with(&[("transferStatus", spelling.into())]), None);
            let cancel = servers.cancel(200, fixture("cancel-200.json"));

            let cancellation = unified(servers.client())
                .cancel(&CancelRequest::total(KEY))
                .await
                .expect("answers");
            assert_eq!(cancellation.outcome, Outcome::Voided, "{spelling}");
            assert!(cancellation.already_done, "{spelling}");
            cancel.assert_calls(0);
        }
    }

    #[tokio::test]
    async fn a_refusal_inside_a_200_is_a_rejection_with_liquidos_reason() {
        let servers = Servers::start().await;
        servers.token();
        servers.lookup(seed_with(&[("transferStatus", "SETTLED".into())]), None);
        let cancel = servers.cancel(200, refused());

        let cancellation = unified(servers.client())
            .cancel(&CancelRequest::total(KEY))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("Payment can not be canceled, transferStatus is SETTLED")
        );
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn a_failed_payment_is_rejected_before_sending() {
        let servers = Servers::start().await;
        servers.token();
        servers.lookup(seed_with(&[("transferStatus", "FAILED".into())]), None);
        let cancel = servers.cancel(200, fixture("cancel-200.json"));
        let cancellation = unified(servers.client())
            .cancel(&CancelRequest::total(KEY))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("the payment is failed: there is nothing to cancel")
        );
        cancel.assert_calls(0);
    }

    #[tokio::test]
    async fn a_timeout_after_sending_is_ambiguous_until_reconciled() {
        let servers = Servers::start().await;
        servers.token();
        let before = servers.lookup(in_progress(), Some(1));
        let cancel = servers.api.mock(|when, then| {
            when.method(POST).path(CANCEL_PATH);
            then.status(200)
                .delay(Duration::from_millis(1500))
                .body(fixture("cancel-200.json"));
        });
        let client = unified(servers.client_with_timeout(Duration::from_millis(300)));

        let cancellation = client
            .cancel(&CancelRequest::total(KEY))
            .await
            .expect("an unknown outcome is not an error");
        assert_eq!(cancellation.outcome, Outcome::Ambiguous);
        assert!(cancellation.needs_reconcile());
        cancel.assert_calls(1);
        before.assert_calls(1);

        // Liquido did cancel it: the look-up now says so.
        servers.lookup(fixture("cancel-200.json"), None);
        let reconciled = client
            .reconcile(cancellation.request())
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Voided);
        assert_eq!(reconciled.reference.as_deref(), Some(KEY));
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn reconciling_a_cancel_that_never_happened_says_the_payment_stands() {
        let servers = Servers::start().await;
        servers.token();
        servers.lookup(in_progress(), None);
        let request = CancelRequest::total(KEY).with_baseline_refunded(Cents::ZERO);
        let reconciled = servers
            .client()
            .reconcile(&request)
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Active);
    }

    #[tokio::test]
    async fn an_invalid_key_is_an_error_naming_the_field() {
        let servers = Servers::start().await;
        let any = servers.api.mock(|when, then| {
            when.any_request();
            then.status(200);
        });
        let error = unified(servers.client())
            .cancel(&CancelRequest::total(".."))
            .await
            .expect_err("invalid key");
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
            "{error:?}"
        );
        any.assert_calls(0);
    }
}

mod sandbox {
    //! The unified API against the independent simulator.

    use super::unified::unified;
    use super::*;
    use estorno::{Cancel, CancelError, CancelRequest};
    use estorno_sandbox::{EffectKind, Sandbox, credentials, demo_payments};

    fn typed_client(sandbox: &Sandbox) -> Client {
        Client::builder()
            .credentials(ClientCredentialsWithApiKey::new(
                credentials::LIQUIDO_CLIENT_ID,
                credentials::LIQUIDO_CLIENT_SECRET,
                credentials::LIQUIDO_API_KEY,
            ))
            .base_url(sandbox.base_url("liquido").expect("liquido is simulated"))
            .token_url(
                sandbox
                    .token_url("liquido")
                    .expect("liquido has a token URL"),
            )
            .timeout(Duration::from_secs(5))
            .build()
            .expect("valid client configuration")
    }

    fn client(sandbox: &Sandbox) -> Box<dyn Cancel> {
        unified(typed_client(sandbox))
    }

    /// The first seeded Liquido payment in `state`.
    fn demo(state: &str) -> estorno_sandbox::DemoPayment {
        demo_payments()
            .into_iter()
            .find(|payment| payment.provider == "liquido" && payment.state == state)
            .unwrap_or_else(|| panic!("a seeded Liquido payment in {state}"))
    }

    #[tokio::test]
    async fn total_cancel_of_a_seeded_payment_voids_it_once() {
        let sandbox = Sandbox::start().await.expect("sandbox starts");
        let client = client(&sandbox);
        let payment = demo("IN_PROGRESS");

        let cancellation = client
            .cancel(&CancelRequest::total(&payment.payment_id))
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Voided);
        assert_eq!(
            cancellation.reference.as_deref(),
            Some(payment.payment_id.as_str())
        );
        let ledger = sandbox.ledger();
        assert_eq!(ledger.len(), 1);
        assert_eq!(ledger[0].provider, "liquido");
        assert_eq!(ledger[0].operation, "cancel");
        assert_eq!(ledger[0].payment, payment.payment_id);
        assert_eq!(ledger[0].amount_cents, payment.amount_cents);
        assert_eq!(ledger[0].kind, EffectKind::Cancel);

        // Asking again is answered from the look-up; the ledger does not move.
        let again = client
            .cancel(&CancelRequest::total(&payment.payment_id))
            .await
            .expect("answers");
        assert_eq!(again.outcome, Outcome::Voided);
        assert!(again.already_done);
        assert_eq!(sandbox.request_count("liquido", "cancel"), 1);
        assert_eq!(sandbox.request_count("liquido", "token"), 1);
        assert_eq!(sandbox.ledger().len(), 1);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn partial_and_settled_payments_move_nothing() {
        let sandbox = Sandbox::start().await.expect("sandbox starts");
        let client = client(&sandbox);

        let in_progress = demo("IN_PROGRESS");
        let partial = CancelRequest::partial(
            &in_progress.payment_id,
            estorno::Amount::from_cents(100).unwrap(),
        );
        assert_eq!(
            client.cancel(&partial).await.expect_err("no partial"),
            CancelError::PartialNotSupported {
                provider: "Liquido"
            }
        );

        // A paid payment is refunded, not cancelled: Liquido refuses inside a 200.
        let settled = demo("SETTLED");
        let cancellation = client
            .cancel(&CancelRequest::total(&settled.payment_id))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        let reason = cancellation.reason.expect("Liquido's reason");
        assert!(reason.contains("transferStatus is SETTLED"), "{reason}");
        assert_eq!(sandbox.request_count("liquido", "cancel"), 1);
        assert!(sandbox.ledger().is_empty());
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn the_simulators_payments_decode_with_either_final_amount_form() {
        let sandbox = Sandbox::start().await.expect("sandbox starts");
        let client = typed_client(&sandbox);
        // The simulator writes `finalAmount` as a string for even demo payments and as a
        // number for odd ones, as the seed's table and example disagree.
        for payment in demo_payments()
            .into_iter()
            .filter(|payment| payment.provider == "liquido")
            .take(2)
        {
            let found = client.payment(&payment.payment_id).await.expect("look-up");
            let amount = Cents::new(u64::try_from(payment.amount_cents).expect("positive"));
            assert_eq!(found.idempotency_key, payment.payment_id);
            assert_eq!(found.amount, amount);
            assert_eq!(found.final_amount, Some(amount));
            assert_eq!(found.transfer_status, TransferStatus::InProgress);
            assert_eq!(found.final_status_time, None);
        }
        sandbox.shutdown().await;
    }
}
