//! Yapay Gateway against httpmock and the sandbox: the seed's examples decode exactly, requests
//! are exactly what Yapay documents, errors are typed, the unified API cancels, and bad ids
//! never leave the process.

use std::time::Duration;

use estorno::auth::BasicAuth;
use estorno::yapay;
use estorno::{
    Amount, Cancel, CancelError, CancelRequest, Cents, Error, Identifier, Outcome, Timestamp,
};
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, Mock};
use yapay::{ApiError, Client, ErrorDetail, Transaction, TransactionStatus};

const ESTABLISHMENT: &str = "1000000000000";
const NUMBER: &str = "1234";
const CANCEL_PATH: &str = "/transacao/1000000000000/1234/cancelar";
const LOOKUP_PATH: &str = "/transacao/1000000000000/1234";
/// `Basic base64("usuario:senha")`, the seed's `-u usuario:senha`.
const AUTHORIZATION: &str = "Basic dXN1YXJpbzpzZW5oYQ==";

fn fixture(name: &str) -> String {
    estorno_tests::fixture("yapay", name)
}

fn client_at(base_url: String) -> Client {
    Client::builder()
        .credentials(BasicAuth::new("usuario", "senha"))
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

fn client(server: &MockServer) -> Client {
    client_at(server.base_url())
}

fn no_query(request: &HttpMockRequest) -> bool {
    request.uri().query().is_none()
}

fn no_body(request: &HttpMockRequest) -> bool {
    request.body().is_empty()
}

/// The seed's answer with another `statusTransacao`.
fn with_status(code: i64) -> String {
    fixture("cancel-200.json").replace(
        r#""statusTransacao": 13,"#,
        &format!(r#""statusTransacao": {code},"#),
    )
}

fn seed_transaction() -> Transaction {
    Transaction {
        numero_transacao: 1234,
        codigo_estabelecimento: Identifier::from("1000000000000"),
        codigo_forma_pagamento: Some(170),
        valor: Cents::new(2000),
        valor_desconto: Some(Cents::new(0)),
        taxa_embarque: None,
        parcelas: Some(1),
        status_transacao: TransactionStatus::Cancelled,
        autorizacao: Some(Identifier::from("123456")),
        codigo_transacao_operadora: Some(Identifier::from("0")),
        data_aprovacao_operadora: Some(Timestamp::parse("24/05/2017")),
        numero_comprovante_venda: Some("10069930690009F2122A".to_owned()),
        nsu: Some(Identifier::from("428706")),
        mensagem_venda: Some("Operation Success".to_owned()),
        url_pagamento: Some(
            "https://sandbox.gateway.yapay.com.br/checkout/PagamentoCielo/PagamentoCielo.do?cod=14956291484887110cf2a-9aeb-4b34-a869-1a61f0611b66"
                .to_owned(),
        ),
        cartoes_utilizados: vec!["000000*******0001".to_owned()],
    }
}

fn cents(amount: u64) -> Amount {
    Amount::from_cents(amount).expect("positive amount")
}

// --- Requests and the seed's answer -------------------------------------------------------

#[tokio::test]
async fn cancel_sends_the_documented_request_and_decodes_the_seed_example() {
    let server = MockServer::start_async().await;
    let cancel = server.mock(|when, then| {
        when.method(PUT)
            .path(CANCEL_PATH)
            .header("authorization", AUTHORIZATION)
            .header("content-type", "application/json")
            .is_true(no_query)
            .is_true(no_body);
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("cancel-200.json"));
    });

    let transaction = client(&server)
        .cancel(ESTABLISHMENT, NUMBER, None)
        .await
        .expect("the seed's answer decodes");

    assert_eq!(transaction, seed_transaction());
    assert_eq!(transaction.status_transacao.outcome(), Outcome::Refunded);
    let approved = transaction
        .data_aprovacao_operadora
        .and_then(|date| date.parts())
        .expect("a known date format");
    assert_eq!(
        (approved.year, approved.month, approved.day, approved.time),
        (2017, 5, 24, None)
    );
    cancel.assert_calls(1);
}

#[tokio::test]
async fn the_seeds_v2_path_is_reached_by_overriding_the_base_url() {
    let server = MockServer::start_async().await;
    let cancel = server.mock(|when, then| {
        when.method(PUT)
            .path("/checkout/api/v2/transacao/1000000000000/1234/cancelar")
            .header("authorization", AUTHORIZATION)
            .is_true(no_query)
            .is_true(no_body);
        then.status(200).body(fixture("cancel-200.json"));
    });

    let transaction = client_at(server.url("/checkout/api/v2"))
        .cancel(ESTABLISHMENT, NUMBER, None)
        .await
        .expect("cancels under the v2 prefix");

    assert_eq!(transaction, seed_transaction());
    cancel.assert_calls(1);
}

#[tokio::test]
async fn a_partial_cancel_adds_valor_in_cents_and_nothing_else() {
    let server = MockServer::start_async().await;
    let cancel = server.mock(|when, then| {
        when.method(PUT)
            .path(CANCEL_PATH)
            .header("authorization", AUTHORIZATION)
            .is_true(|request| request.uri().query() == Some("valor=1500"))
            .is_true(no_body);
        then.status(200).body(with_status(27));
    });

    let transaction = client(&server)
        .cancel(ESTABLISHMENT, NUMBER, Some(Cents::new(1500)))
        .await
        .expect("partial cancel");

    assert_eq!(
        transaction.status_transacao,
        TransactionStatus::PartiallyCancelled
    );
    assert_eq!(
        transaction.status_transacao.outcome(),
        Outcome::PartiallyRefunded
    );
    cancel.assert_calls(1);
}

#[tokio::test]
async fn transaction_lookup_is_a_get_with_no_body_and_no_content_type() {
    let server = MockServer::start_async().await;
    let lookup = server.mock(|when, then| {
        when.method(GET)
            .path(LOOKUP_PATH)
            .header("authorization", AUTHORIZATION)
            .header_missing("content-type")
            .is_true(no_query)
            .is_true(no_body);
        then.status(200).body(fixture("cancel-200.json"));
    });

    let transaction = client(&server)
        .transaction(ESTABLISHMENT, NUMBER)
        .await
        .expect("lookup");

    assert_eq!(transaction, seed_transaction());
    lookup.assert_calls(1);
}

#[tokio::test]
async fn the_long_date_format_and_a_numeric_establishment_code_decode() {
    let server = MockServer::start_async().await;
    let body = fixture("cancel-200.json")
        .replace(
            r#""codigoEstabelecimento": "1000000000000","#,
            r#""codigoEstabelecimento": 1000000000000,"#,
        )
        .replace(
            r#""dataAprovacaoOperadora": "24/05/2017","#,
            r#""dataAprovacaoOperadora": "2018-01-03 13:02:53","#,
        );
    server.mock(|when, then| {
        when.method(GET).path(LOOKUP_PATH);
        then.status(200).body(body);
    });

    let transaction = client(&server)
        .transaction(ESTABLISHMENT, NUMBER)
        .await
        .expect("decodes");

    assert_eq!(
        transaction,
        Transaction {
            data_aprovacao_operadora: Some(Timestamp::parse("2018-01-03 13:02:53")),
            ..seed_transaction()
        }
    );
    assert_eq!(transaction.codigo_estabelecimento, "1000000000000");
    let approved = transaction
        .data_aprovacao_operadora
        .and_then(|date| date.parts())
        .expect("a known date format");
    assert_eq!(
        (approved.year, approved.month, approved.day, approved.time),
        (2018, 1, 3, Some((13, 2, 53)))
    );
}

// --- Status map ---------------------------------------------------------------------------

#[test]
fn every_documented_status_code_maps_to_its_outcome() {
    use Outcome::*;
    let expected = [
        (1, Active),
        (2, Active),
        (3, Failed),
        (5, Active),
        (8, Active),
        (9, Failed),
        (13, Refunded),
        (14, Refunded),
        (15, Active),
        (17, Failed),
        (18, Failed),
        (21, Active),
        (22, Active),
        (23, PartiallyRefunded),
        (24, Rejected),
        (25, Rejected),
        (27, PartiallyRefunded),
        (30, Failed),
        (31, Failed),
        (40, Pending),
        (49, Active),
        (50, Failed),
    ];
    for (code, outcome) in expected {
        let status: TransactionStatus =
            serde_json::from_str(&code.to_string()).expect("a numeric code decodes");
        assert_ne!(
            status,
            TransactionStatus::Unknown(code),
            "{code} is documented"
        );
        assert_eq!(status.code(), code);
        assert_eq!(status.outcome(), outcome, "statusTransacao {code}");
    }
    let declared: Vec<i64> = <TransactionStatus as estorno::DomainStatus>::MAP
        .entries
        .iter()
        .map(|entry| entry.wire.parse().expect("numeric wire value"))
        .collect();
    let documented: Vec<i64> = expected.iter().map(|(code, _)| *code).collect();
    assert_eq!(
        declared, documented,
        "the map holds exactly the documented codes"
    );
}

#[test]
fn unknown_and_textual_status_codes_decode() {
    let unknown: TransactionStatus = serde_json::from_str("99").expect("decodes");
    assert_eq!(unknown, TransactionStatus::Unknown(99));
    assert_eq!(unknown.outcome(), Outcome::Ambiguous);
    let text: TransactionStatus = serde_json::from_str(r#""40""#).expect("decodes");
    assert_eq!(text, TransactionStatus::AwaitingCancellation);
    assert_eq!(
        serde_json::to_string(&TransactionStatus::Cancelled).expect("encodes"),
        "13"
    );
}

#[tokio::test]
async fn an_unknown_status_in_an_answer_decodes_to_unknown() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path(LOOKUP_PATH);
        then.status(200).body(with_status(77));
    });
    let transaction = client(&server)
        .transaction(ESTABLISHMENT, NUMBER)
        .await
        .expect("decodes");
    assert_eq!(transaction.status_transacao, TransactionStatus::Unknown(77));
}

// --- Errors -------------------------------------------------------------------------------

fn documented_error() -> ApiError {
    ApiError {
        erro: ErrorDetail {
            codigo: "1".to_owned(),
            mensagem: "...".to_owned(),
        },
        status_transacao: Some(0),
        codigo_estabelecimento: Some(Identifier::from("...")),
    }
}

/// Serves the documented error body with `status` for a cancel and returns the typed error.
async fn cancel_error(status: u16) -> (u16, ApiError) {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(PUT).path(CANCEL_PATH);
        then.status(status)
            .header("content-type", "application/json")
            .body(fixture("error.json"));
    });
    let error = client(&server)
        .cancel(ESTABLISHMENT, NUMBER, None)
        .await
        .expect_err("an error body");
    match error {
        Error::Api { status, body, .. } => (status, body),
        other => panic!("expected a typed API error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_documented_error_inside_a_200_is_a_typed_error() {
    assert_eq!(cancel_error(200).await, (200, documented_error()));
}

#[tokio::test]
async fn the_documented_error_with_any_4xx_or_5xx_is_a_typed_error() {
    for status in [400, 401, 404, 422, 500, 503] {
        assert_eq!(cancel_error(status).await, (status, documented_error()));
    }
}

#[tokio::test]
async fn a_lookup_error_inside_a_200_is_a_typed_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path(LOOKUP_PATH);
        then.status(200).body(fixture("error.json"));
    });
    let error = client(&server)
        .transaction(ESTABLISHMENT, NUMBER)
        .await
        .expect_err("an error body");
    assert_eq!(error.api_body(), Some(&documented_error()));
    assert_eq!(error.status(), Some(200));
}

#[test]
fn the_rejection_reason_is_code_and_message() {
    use estorno::Rejection;
    let body = ApiError {
        erro: ErrorDetail {
            codigo: "31".to_owned(),
            mensagem: "Transação já cancelada.".to_owned(),
        },
        ..documented_error()
    };
    assert_eq!(body.reason(), "31: Transação já cancelada.");
}

// --- Bad input ----------------------------------------------------------------------------

#[tokio::test]
async fn invalid_ids_and_amounts_are_rejected_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body(fixture("cancel-200.json"));
    });
    let client = client(&server);
    // The seed's own URL example has 14 digits; the field is documented as 13.
    for bad in [
        "10000000000000",
        "100000000000",
        "100000000000a",
        "",
        "../1000000000",
        "1000000000 00",
    ] {
        let error = client
            .cancel(bad, NUMBER, None)
            .await
            .expect_err("invalid establishment");
        match &error {
            Error::InvalidRequest { field, .. } => assert_eq!(*field, "codigo_estabelecimento"),
            other => panic!("{bad:?}: expected InvalidRequest, got {other:?}"),
        }
        assert!(
            error.to_string().contains("codigoEstabelecimento"),
            "{bad:?}: {error}"
        );
        let error = client.transaction(bad, NUMBER).await.expect_err("invalid");
        assert!(matches!(error, Error::InvalidRequest { .. }), "{bad:?}");
    }
    let twenty_digits = "1".repeat(20);
    for bad in [twenty_digits.as_str(), "", "12a4", "..", "-1234", "1234/x"] {
        let error = client
            .cancel(ESTABLISHMENT, bad, None)
            .await
            .expect_err("invalid transaction number");
        match &error {
            Error::InvalidRequest { field, .. } => assert_eq!(*field, "numero_transacao"),
            other => panic!("{bad:?}: expected InvalidRequest, got {other:?}"),
        }
        let error = client
            .transaction(ESTABLISHMENT, bad)
            .await
            .expect_err("invalid");
        assert!(matches!(error, Error::InvalidRequest { .. }), "{bad:?}");
    }
    let error = client
        .cancel(ESTABLISHMENT, NUMBER, Some(Cents::ZERO))
        .await
        .expect_err("zero is not an amount to cancel");
    match &error {
        Error::InvalidRequest { field, .. } => assert_eq!(*field, "valor"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    any.assert_calls(0);

    // The limits themselves pass: 19 digits, one digit.
    let nineteen_digits = "9".repeat(19);
    client
        .transaction(ESTABLISHMENT, &nineteen_digits)
        .await
        .expect("19 digits are allowed");
    client
        .transaction(ESTABLISHMENT, "1")
        .await
        .expect("one digit is allowed");
    any.assert_calls(2);
}

// --- Unified cancellation -----------------------------------------------------------------

/// The seed's transaction with status `code`, approved today: the seed's own date (2017)
/// is long past Cielo's cancellation window.
fn lookup_mock<'a>(server: &'a MockServer, code: i64) -> Mock<'a> {
    let body = with_status(code).replace("24/05/2017", &approved_days_ago(0));
    server.mock(move |when, then| {
        when.method(GET)
            .path(LOOKUP_PATH)
            .header("authorization", AUTHORIZATION);
        then.status(200).body(body);
    })
}

fn total_request() -> CancelRequest {
    CancelRequest::total(NUMBER).field("codigoEstabelecimento", ESTABLISHMENT)
}

#[tokio::test]
async fn unified_total_cancel_looks_up_then_cancels_in_full() {
    let server = MockServer::start_async().await;
    let lookup = lookup_mock(&server, 1);
    let cancel = server.mock(|when, then| {
        when.method(PUT)
            .path(CANCEL_PATH)
            .header("authorization", AUTHORIZATION)
            .is_true(no_query)
            .is_true(no_body);
        then.status(200).body(fixture("cancel-200.json"));
    });

    let client = client(&server);
    assert!(client.supports_partial());
    let cancellation = Cancel::cancel(&client, &total_request())
        .await
        .expect("cancels");

    assert_eq!(cancellation.outcome, Outcome::Refunded);
    assert_eq!(cancellation.provider, "yapay");
    assert_eq!(cancellation.reference.as_deref(), Some("1234"));
    // Yapay reports no refunded or remaining amount, only the transaction's value: for a
    // payment nothing was refunded from, that is what a total cancellation asks for.
    assert_eq!(cancellation.refunded, None);
    assert_eq!(cancellation.remaining, None);
    assert_eq!(cancellation.requested, Some(Cents::new(2000)));
    assert_eq!(cancellation.reason, None);
    assert_eq!(cancellation.review, None);
    assert!(!cancellation.already_done);
    assert_eq!(cancellation.raw::<Transaction>(), Some(&seed_transaction()));
    lookup.assert_calls(1);
    cancel.assert_calls(1);
}

#[tokio::test]
async fn unified_partial_cancel_sends_the_amount_as_valor() {
    let server = MockServer::start_async().await;
    let lookup = lookup_mock(&server, 1);
    let cancel = server.mock(|when, then| {
        when.method(PUT)
            .path(CANCEL_PATH)
            .is_true(|request| request.uri().query() == Some("valor=500"))
            .is_true(no_body);
        then.status(200).body(with_status(27));
    });

    let request =
        CancelRequest::partial(NUMBER, cents(500)).field("codigoEstabelecimento", ESTABLISHMENT);
    let cancellation = Cancel::cancel(&client(&server), &request)
        .await
        .expect("cancels");

    assert_eq!(cancellation.outcome, Outcome::PartiallyRefunded);
    assert_eq!(cancellation.requested, Some(Cents::new(500)));
    assert_eq!(cancellation.reference.as_deref(), Some("1234"));
    assert_eq!(cancellation.review, None);
    lookup.assert_calls(1);
    cancel.assert_calls(1);
}

#[tokio::test]
async fn an_already_cancelled_transaction_is_answered_without_sending() {
    for (code, outcome) in [(13, Outcome::Refunded), (14, Outcome::Refunded)] {
        let server = MockServer::start_async().await;
        let lookup = lookup_mock(&server, code);
        let cancel = server.mock(|when, then| {
            when.method(PUT);
            then.status(200).body(fixture("cancel-200.json"));
        });

        let cancellation = Cancel::cancel(&client(&server), &total_request())
            .await
            .expect("answers from the look-up");

        assert_eq!(cancellation.outcome, outcome, "statusTransacao {code}");
        assert!(cancellation.already_done);
        lookup.assert_calls(1);
        cancel.assert_calls(0);
    }
}

#[tokio::test]
async fn a_failed_payment_is_rejected_without_sending() {
    let server = MockServer::start_async().await;
    lookup_mock(&server, 3);
    let cancel = server.mock(|when, then| {
        when.method(PUT);
        then.status(200).body(fixture("cancel-200.json"));
    });
    let cancellation = Cancel::cancel(&client(&server), &total_request())
        .await
        .expect("an outcome");
    assert_eq!(cancellation.outcome, Outcome::Rejected);
    assert_eq!(
        cancellation.reason.as_deref(),
        Some("the payment is failed: there is nothing to cancel")
    );
    cancel.assert_calls(0);
}

#[tokio::test]
async fn a_rejection_carries_yapays_reason() {
    // Inside a 200, and with an error status: both are Yapay saying no.
    for status in [200, 400] {
        let server = MockServer::start_async().await;
        lookup_mock(&server, 1);
        let cancel = server.mock(|when, then| {
            when.method(PUT).path(CANCEL_PATH);
            then.status(status).body(fixture("error.json"));
        });

        let cancellation = Cancel::cancel(&client(&server), &total_request())
            .await
            .expect("a rejection is an outcome");

        assert_eq!(cancellation.outcome, Outcome::Rejected, "HTTP {status}");
        assert_eq!(cancellation.reason.as_deref(), Some("1: ..."));
        cancel.assert_calls(1);
    }
}

#[tokio::test]
async fn a_missing_establishment_code_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body(fixture("cancel-200.json"));
    });
    let error = Cancel::cancel(&client(&server), &CancelRequest::total(NUMBER))
        .await
        .expect_err("the field is required");
    assert_eq!(
        error,
        CancelError::InvalidRequest {
            field: "codigoEstabelecimento".to_owned(),
            reason: "`codigoEstabelecimento` is required by Yapay Gateway for a total cancellation"
                .to_owned(),
        }
    );
    let bad_number = CancelRequest::total("12a4").field("codigoEstabelecimento", ESTABLISHMENT);
    let error = Cancel::cancel(&client(&server), &bad_number)
        .await
        .expect_err("invalid transaction number");
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
        "{error:?}"
    );
    any.assert_calls(0);
}

#[tokio::test]
async fn a_timeout_after_sending_is_ambiguous_and_reconciles_to_the_final_state() {
    let server = MockServer::start_async().await;
    let mut captured = lookup_mock(&server, 1);
    let cancel = server.mock(|when, then| {
        when.method(PUT).path(CANCEL_PATH);
        then.status(200)
            .delay(Duration::from_millis(800))
            .body(fixture("cancel-200.json"));
    });
    let client = Client::builder()
        .credentials(BasicAuth::new("usuario", "senha"))
        .base_url(server.base_url())
        .timeout(Duration::from_millis(200))
        .build()
        .expect("valid client configuration");

    let ambiguous = Cancel::cancel(&client, &total_request())
        .await
        .expect("an outcome");
    assert_eq!(ambiguous.outcome, Outcome::Ambiguous);
    assert!(ambiguous.needs_reconcile());
    assert!(ambiguous.reason.is_some());
    assert_eq!(
        ambiguous.request().get("codigoEstabelecimento"),
        Some(ESTABLISHMENT)
    );
    cancel.assert_calls(1);
    captured.assert_calls(1);

    // Yapay did cancel it: the look-up now shows 13.
    captured.delete();
    let cancelled = lookup_mock(&server, 13);
    let reconciled = client
        .reconcile(ambiguous.request())
        .await
        .expect("reconciles");
    assert_eq!(reconciled.outcome, Outcome::Refunded);
    assert_eq!(reconciled.reference.as_deref(), Some("1234"));
    cancelled.assert_calls(1);
    cancel.assert_calls(1);
}

#[tokio::test]
async fn a_5xx_after_sending_is_ambiguous_and_reconciles_to_active_when_nothing_happened() {
    let server = MockServer::start_async().await;
    let lookup = lookup_mock(&server, 1);
    let cancel = server.mock(|when, then| {
        when.method(PUT).path(CANCEL_PATH);
        then.status(500).body(fixture("error.json"));
    });
    let client = client(&server);

    let ambiguous = Cancel::cancel(&client, &total_request())
        .await
        .expect("an outcome");
    assert_eq!(ambiguous.outcome, Outcome::Ambiguous);
    // A cancel is never resent on its own.
    cancel.assert_calls(1);

    let reconciled = client
        .reconcile(ambiguous.request())
        .await
        .expect("reconciles");
    assert_eq!(reconciled.outcome, Outcome::Active);
    lookup.assert_calls(2);
}

#[tokio::test]
async fn awaiting_cancellation_is_pending() {
    let server = MockServer::start_async().await;
    lookup_mock(&server, 1);
    server.mock(|when, then| {
        when.method(PUT).path(CANCEL_PATH);
        then.status(200).body(with_status(40));
    });
    let cancellation = Cancel::cancel(&client(&server), &total_request())
        .await
        .expect("an outcome");
    assert_eq!(cancellation.outcome, Outcome::Pending);
    assert!(cancellation.needs_reconcile());
}

// --- Against the sandbox ------------------------------------------------------------------

fn sandbox_client(sandbox: &estorno_sandbox::Sandbox) -> Client {
    use estorno_sandbox::credentials::{YAPAY_PASSWORD, YAPAY_USER};
    Client::builder()
        .credentials(BasicAuth::new(YAPAY_USER, YAPAY_PASSWORD))
        .base_url(sandbox.base_url("yapay").expect("yapay is simulated"))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

/// The seeded demo transaction with this `numeroTransacao`.
fn demo(number: &str) -> estorno_sandbox::DemoPayment {
    estorno_sandbox::demo_payments()
        .into_iter()
        .find(|payment| payment.provider == "yapay" && payment.payment_id == number)
        .unwrap_or_else(|| panic!("demo transaction {number}"))
}

fn unified(payment: &estorno_sandbox::DemoPayment, amount: Option<Amount>) -> CancelRequest {
    let establishment = payment.establishment.clone().expect("an establishment");
    match amount {
        Some(amount) => CancelRequest::partial(&payment.payment_id, amount),
        None => CancelRequest::total(&payment.payment_id),
    }
    .field("codigoEstabelecimento", establishment)
}

#[tokio::test]
async fn sandbox_total_and_partial_cancels() {
    use estorno_sandbox::EffectKind;
    let sandbox = estorno_sandbox::Sandbox::start().await.expect("sandbox");
    let client = sandbox_client(&sandbox);

    // 100001: captured, establishment sent as a string.
    let whole = demo("100001");
    assert_eq!((whole.state.as_str(), whole.partial_allowed), ("1", true));
    let cancellation = Cancel::cancel(&client, &unified(&whole, None))
        .await
        .expect("total cancel");
    assert_eq!(cancellation.outcome, Outcome::Refunded);
    assert_eq!(cancellation.reference.as_deref(), Some("100001"));

    // 100002: captured, establishment sent as a number.
    let part = demo("100002");
    assert_eq!((part.state.as_str(), part.partial_allowed), ("1", true));
    let amount = u64::try_from(part.refundable_cents / 2).expect("positive");
    let cancellation = Cancel::cancel(&client, &unified(&part, Some(cents(amount))))
        .await
        .expect("partial cancel");
    assert_eq!(cancellation.outcome, Outcome::PartiallyRefunded);
    assert_eq!(cancellation.requested, Some(Cents::new(amount)));

    let ledger: Vec<_> = sandbox
        .ledger()
        .into_iter()
        .map(|entry| (entry.payment, entry.kind, entry.amount_cents))
        .collect();
    assert_eq!(
        ledger,
        [
            ("100001".to_owned(), EffectKind::Cancel, whole.amount_cents),
            (
                "100002".to_owned(),
                EffectKind::PartialCancel,
                part.refundable_cents / 2
            ),
        ]
    );
    assert_eq!(sandbox.request_count("yapay", "cancel"), 2);
    assert_eq!(sandbox.request_count("yapay", "status"), 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sandbox_already_cancelled_and_awaiting_cancellation() {
    use estorno_sandbox::EffectKind;
    let sandbox = estorno_sandbox::Sandbox::start().await.expect("sandbox");
    let client = sandbox_client(&sandbox);

    // 100016 is seeded as cancelled (13): nothing is sent.
    let done = Cancel::cancel(&client, &unified(&demo("100016"), None))
        .await
        .expect("answered from the look-up");
    assert_eq!(done.outcome, Outcome::Refunded);
    assert!(done.already_done);
    assert_eq!(sandbox.request_count("yapay", "cancel"), 0);

    // 100014 was sold more than a day ago: the acquirer completes the cancel later (40).
    let late = demo("100014");
    let pending = Cancel::cancel(&client, &unified(&late, None))
        .await
        .expect("accepted");
    assert_eq!(pending.outcome, Outcome::Pending);
    let mut outcome = pending.outcome;
    for _ in 0..5 {
        outcome = client
            .reconcile(pending.request())
            .await
            .expect("reconciles")
            .outcome;
        if outcome != Outcome::Pending {
            break;
        }
    }
    assert_eq!(outcome, Outcome::Refunded);
    let ledger: Vec<_> = sandbox
        .ledger()
        .into_iter()
        .map(|entry| (entry.payment, entry.kind, entry.amount_cents))
        .collect();
    assert_eq!(
        ledger,
        [(
            "100014".to_owned(),
            EffectKind::CancelRequested,
            late.amount_cents
        )]
    );
    sandbox.shutdown().await;
}

// --- Static description and data ----------------------------------------------------------

#[test]
fn the_spec_describes_the_provider() {
    use estorno::spec::{AuthScheme, BodyKind, Method, ParamLocation};
    let spec = &yapay::SPEC;
    assert_eq!(spec.name, "Yapay Gateway");
    assert_eq!(spec.slug, "yapay");
    assert_eq!(
        spec.production,
        Some("https://gateway.yapay.com.br/checkout/api/v3")
    );
    assert_eq!(
        spec.sandbox,
        Some("https://sandbox.gateway.yapay.com.br/checkout/api/v3")
    );
    assert_eq!(spec.auth, AuthScheme::Basic);

    let cancel = spec.endpoint("cancel").expect("cancel");
    assert_eq!(cancel.method, Method::Put);
    assert_eq!(
        cancel.path,
        "/transacao/{codigoEstabelecimento}/{numeroTransacao}/cancelar"
    );
    assert_eq!(cancel.body, BodyKind::Empty);
    assert_eq!(cancel.headers, [("content-type", "application/json")]);
    assert!(!cancel.idempotent);
    assert_eq!(cancel.reconcile, Some("transaction"));
    let wires: Vec<_> = cancel
        .params
        .iter()
        .map(|param| (param.wire, param.location, param.required))
        .collect();
    assert_eq!(
        wires,
        [
            ("codigoEstabelecimento", ParamLocation::Path, true),
            ("numeroTransacao", ParamLocation::Path, true),
            ("valor", ParamLocation::Query, false),
        ]
    );

    let lookup = spec.endpoint("transaction").expect("transaction");
    assert_eq!(lookup.method, Method::Get);
    assert_eq!(
        lookup.path,
        "/transacao/{codigoEstabelecimento}/{numeroTransacao}"
    );
    assert!(lookup.idempotent);
}

#[test]
fn the_production_and_sandbox_urls_are_v3_by_default() {
    let build = |builder: estorno::ClientBuilder<Client>| {
        builder
            .credentials(BasicAuth::new("usuario", "senha"))
            .build()
            .expect("valid")
    };
    use estorno::Provider;
    assert_eq!(
        build(Client::builder()).core().base_url(),
        "https://gateway.yapay.com.br/checkout/api/v3"
    );
    assert_eq!(
        build(Client::builder().sandbox()).core().base_url(),
        "https://sandbox.gateway.yapay.com.br/checkout/api/v3"
    );
}

#[test]
fn cancellation_windows_are_declared_by_payment_method() {
    let windows: Vec<_> = yapay::SPEC
        .cancel
        .as_ref()
        .expect("a unified cancellation")
        .windows
        .iter()
        .map(|window| (window.acquirer, window.methods, window.days))
        .collect();
    // The seed document's table, by Yapay's `codigoFormaPagamento` ranges.
    assert_eq!(
        windows,
        [
            ("Cielo", (168, 180), 300),
            ("Rede", (184, 199), 1),
            ("GetNet", (270, 277), 1),
            ("Stone", (350, 354), 180),
            ("Bin", (380, 386), 90),
        ]
    );
}

/// A calendar date `days_ago` days before today, as Yapay writes `dataAprovacaoOperadora`.
fn approved_days_ago(days_ago: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // H. Hinnant's civil_from_days.
    let z = (now / 86_400 - days_ago) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{day:02}/{month:02}/{year}")
}

/// The look-up of a captured transaction paid with `method`, approved `days_ago` days ago.
fn dated_lookup(server: &MockServer, method: u16, days_ago: u64) -> Mock<'_> {
    let body = with_status(1)
        .replace(
            r#""codigoFormaPagamento": 170,"#,
            &format!(r#""codigoFormaPagamento": {method},"#),
        )
        .replace("24/05/2017", &approved_days_ago(days_ago));
    server.mock(move |when, then| {
        when.method(GET).path(LOOKUP_PATH);
        then.status(200).body(body);
    })
}

#[tokio::test]
async fn a_cancellation_surely_past_its_acquirers_window_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let cancel = server.mock(|when, then| {
        when.method(PUT).path(CANCEL_PATH);
        then.status(200).body(with_status(14));
    });
    // Rede (184–199) accepts cancellations for one day; three days later it is refused.
    let mut lookup = dated_lookup(&server, 190, 3);
    let answered = Cancel::cancel(&client(&server), &total_request())
        .await
        .expect("answers");
    assert_eq!(answered.outcome, Outcome::Rejected);
    let reason = answered.reason.expect("the limit named");
    assert!(
        reason.starts_with("Rede accepts cancellations for 1 day; this payment dates from ")
            && reason.ends_with(", 3 days ago; nothing was sent"),
        "{reason}"
    );
    cancel.assert_calls(0);

    // The same sale the next day is within a day of slack, and a Cielo sale three days old is
    // well within Cielo's 300 days: both are sent.
    for (method, days_ago) in [(190, 1), (170, 3)] {
        lookup.delete();
        lookup = dated_lookup(&server, method, days_ago);
        let answered = Cancel::cancel(&client(&server), &total_request())
            .await
            .expect("answers");
        assert_eq!(answered.outcome, Outcome::Refunded, "{method}");
    }
    cancel.assert_calls(2);
}
