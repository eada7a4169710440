//! Zoop against httpmock and the sandbox: documented bodies decode exactly, requests are
//! exactly what Zoop documents (Basic auth with an empty password, amount in cents plus
//! `on_behalf_of`), errors are typed, and the unified API cancels, refuses and reconciles.

use estorno::zoop;

use std::time::Duration;

use estorno::auth::ApiKey;
use estorno::{Amount, Cents, Error, OneOrMany, Outcome, Timestamp};
use httpmock::Mock;
use httpmock::prelude::*;
use zoop::{
    Client, ErrorDetail, HistoryEntry, Transaction, TransactionStatus, VoidRequest, ZoopError,
};

const API_KEY: &str = "zpk_test_estorno";
/// `Basic base64("zpk_test_estorno:")`: the key as the user, an empty password.
const AUTHORIZATION: &str = "Basic enBrX3Rlc3RfZXN0b3Jubzo=";
const MARKETPLACE: &str = "3249465a7753536b62545a6a684b0000";
const SELLER: &str = "cfa96058daa74d279d17f4908e7f6578";
const TRANSACTION: &str = "84824e3160a7431fb5004d41eaca4e76";
const TRANSACTION_PATH: &str =
    "/marketplaces/3249465a7753536b62545a6a684b0000/transactions/84824e3160a7431fb5004d41eaca4e76";
const VOID_PATH: &str = "/marketplaces/3249465a7753536b62545a6a684b0000/transactions/84824e3160a7431fb5004d41eaca4e76/void";

fn fixture(name: &str) -> String {
    estorno_tests::fixture("zoop", name)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(ApiKey::new(API_KEY))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

fn void_body(cents: u64) -> VoidRequest {
    VoidRequest {
        amount: Amount::from_cents(cents).expect("positive amount"),
        on_behalf_of: SELLER.to_owned(),
    }
}

fn history_entry(
    id: &str,
    amount: u64,
    operation_type: &str,
    authorization_code: &str,
    nsu: &str,
    created_at: &str,
) -> HistoryEntry {
    HistoryEntry {
        id: id.to_owned(),
        transaction: Some(TRANSACTION.to_owned()),
        amount: Cents::new(amount),
        operation_type: operation_type.to_owned(),
        status: "succeeded".to_owned(),
        response_code: Some("00".to_owned()),
        response_message: None,
        authorization_code: Some(authorization_code.to_owned()),
        authorizer_id: Some("000260004".to_owned()),
        authorization_nsu: Some(nsu.to_owned()),
        created_at: Some(Timestamp::parse(created_at)),
    }
}

fn authorization_entry() -> HistoryEntry {
    history_entry(
        "7c19a005b0cd417e81514b0d85d4a0eb",
        10032,
        "authorization",
        "133937",
        "20240502131539001",
        "2024-05-02 13:15:39",
    )
}

/// `transaction-succeeded.json`: a captured credit sale, nothing cancelled.
fn succeeded_transaction() -> Transaction {
    Transaction {
        id: TRANSACTION.to_owned(),
        status: TransactionStatus::Succeeded,
        amount: Cents::new(10032),
        original_amount: Cents::new(10032),
        currency: Some("BRL".to_owned()),
        payment_type: Some("credit".to_owned()),
        on_behalf_of: SELLER.to_owned(),
        reference_id: Some("pedido-1234".to_owned()),
        voided: false,
        refunded: false,
        captured: true,
        created_at: Some(Timestamp::parse("2024-05-02T13:15:37+00:00")),
        updated_at: Some(Timestamp::parse("2024-05-02T13:15:39+00:00")),
        history: vec![authorization_entry()],
    }
}

/// `transaction-partially-voided.json`: R$ 25,00 of R$ 100,32 cancelled.
fn partially_voided_transaction() -> Transaction {
    Transaction {
        amount: Cents::new(7532),
        updated_at: Some(Timestamp::parse("2024-05-02T14:02:11+00:00")),
        history: vec![
            authorization_entry(),
            history_entry(
                "b11e952d900d4eae9c6ad1fe4d4a8a8c",
                2500,
                "void",
                "105016",
                "20240502140211002",
                "2024-05-02 14:02:11",
            ),
        ],
        ..succeeded_transaction()
    }
}

/// `transaction-canceled.json`: voided in full.
fn canceled_transaction() -> Transaction {
    Transaction {
        status: TransactionStatus::Canceled,
        amount: Cents::new(0),
        voided: true,
        updated_at: Some(Timestamp::parse("2024-05-02T14:35:43+00:00")),
        history: vec![
            authorization_entry(),
            history_entry(
                "b11e952d900d4eae9c6ad1fe4d4a8a8c",
                10032,
                "void",
                "105016",
                "20240502143543002",
                "2024-05-02 14:35:43",
            ),
        ],
        ..succeeded_transaction()
    }
}

fn zoop_error(
    status: &str,
    status_code: u16,
    kind: &str,
    category: &str,
    message: &str,
    reasons: &[&str],
) -> ZoopError {
    ZoopError {
        error: ErrorDetail {
            status: Some(status.to_owned()),
            status_code: Some(status_code),
            kind: Some(kind.to_owned()),
            category: Some(category.to_owned()),
            message: message.to_owned(),
            reasons: OneOrMany(reasons.iter().map(|reason| (*reason).to_owned()).collect()),
        },
    }
}

fn void_failed_error() -> ZoopError {
    zoop_error(
        "Payment Required",
        402,
        "invalid_request_error",
        "void_transaction_error",
        "The void request failed. Transaction could not be voided.",
        &[],
    )
}

/// Serves `fixture_name` with `status` on the transaction look-up.
fn lookup_mock<'a>(server: &'a MockServer, status: u16, fixture_name: &str) -> Mock<'a> {
    server.mock(|when, then| {
        when.method(GET).path(TRANSACTION_PATH);
        then.status(status)
            .header("content-type", "application/json")
            .body(fixture(fixture_name));
    })
}

#[tokio::test]
async fn void_sends_the_documented_request() {
    let server = MockServer::start_async().await;
    let void = server.mock(|when, then| {
        when.method(POST)
            .path(VOID_PATH)
            .header("authorization", AUTHORIZATION)
            .header("content-type", "application/json")
            .is_true(|request| request.query_params().is_empty())
            .body(r#"{"amount":2500,"on_behalf_of":"cfa96058daa74d279d17f4908e7f6578"}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("transaction-partially-voided.json"));
    });

    let transaction = client(&server)
        .void(MARKETPLACE, TRANSACTION, &void_body(2500))
        .await
        .expect("the documented 200 decodes");

    assert_eq!(transaction, partially_voided_transaction());
    void.assert_calls(1);
}

#[tokio::test]
async fn the_authorization_header_is_the_key_with_an_empty_password() {
    let server = MockServer::start_async().await;
    // The exact bytes, and only one `Authorization` header.
    let lookup = server.mock(|when, then| {
        when.method(GET).path(TRANSACTION_PATH).is_true(|request| {
            let headers = request.headers();
            let values: Vec<&[u8]> = headers
                .get_all("authorization")
                .iter()
                .map(|value| value.as_bytes())
                .collect();
            values == [b"Basic enBrX3Rlc3RfZXN0b3Jubzo=".as_slice()]
        });
        then.status(200).body(fixture("transaction-succeeded.json"));
    });
    client(&server)
        .transaction(MARKETPLACE, TRANSACTION)
        .await
        .expect("lookup");
    lookup.assert_calls(1);
}

#[tokio::test]
async fn transaction_lookup_is_a_get_with_no_body() {
    let server = MockServer::start_async().await;
    let lookup = server.mock(|when, then| {
        when.method(GET)
            .path(TRANSACTION_PATH)
            .header("authorization", AUTHORIZATION)
            .header_missing("content-type")
            .is_true(|request| request.query_params().is_empty() && request.body().is_empty());
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("transaction-succeeded.json"));
    });

    let transaction = client(&server)
        .transaction(MARKETPLACE, TRANSACTION)
        .await
        .expect("lookup");
    assert_eq!(transaction, succeeded_transaction());
    assert_eq!(transaction.status.outcome(), Outcome::Active);
    lookup.assert_calls(1);
}

#[tokio::test]
async fn every_transaction_fixture_decodes_exactly() {
    for (name, expected) in [
        ("transaction-succeeded.json", succeeded_transaction()),
        (
            "transaction-partially-voided.json",
            partially_voided_transaction(),
        ),
        ("transaction-canceled.json", canceled_transaction()),
    ] {
        let server = MockServer::start_async().await;
        lookup_mock(&server, 200, name);
        let transaction = client(&server)
            .transaction(MARKETPLACE, TRANSACTION)
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(transaction, expected, "{name}");
    }
    let parts = canceled_transaction()
        .history
        .last()
        .and_then(|entry| entry.created_at.as_ref())
        .and_then(Timestamp::parts)
        .expect("history times parse");
    assert_eq!(
        (parts.year, parts.month, parts.day, parts.time),
        (2024, 5, 2, Some((14, 35, 43)))
    );
}

#[test]
fn the_status_map_is_the_declared_one() {
    use estorno::DomainStatus;
    let read = |wire: &str| -> TransactionStatus {
        serde_json::from_str(&format!("\"{wire}\"")).expect("any text decodes")
    };
    for (wire, status, outcome) in [
        ("succeeded", TransactionStatus::Succeeded, Outcome::Active),
        (
            "pre_authorized",
            TransactionStatus::PreAuthorized,
            Outcome::Active,
        ),
        ("canceled", TransactionStatus::Canceled, Outcome::Refunded),
        ("refunded", TransactionStatus::Refunded, Outcome::Refunded),
        ("reversed", TransactionStatus::Reversed, Outcome::Voided),
        ("failed", TransactionStatus::Failed, Outcome::Failed),
        ("pending", TransactionStatus::Pending, Outcome::Pending),
        ("new", TransactionStatus::New, Outcome::Pending),
    ] {
        let decoded = read(wire);
        assert_eq!(decoded, status, "{wire}");
        assert_eq!(decoded.outcome(), outcome, "{wire}");
    }
    let unknown = read("charged_back");
    assert_eq!(
        unknown,
        TransactionStatus::Unknown("charged_back".to_owned())
    );
    assert_eq!(unknown.outcome(), Outcome::Ambiguous);
    assert_eq!(TransactionStatus::MAP.entries.len(), 8);
}

#[tokio::test]
async fn amounts_in_decimal_reais_are_refused_not_misread() {
    // Zoop's production API has been seen answering `"amount": "100.32"`. Until estorno has a
    // wire type for "integer = cents, decimal = reais", the spec reads cents only, and a
    // decimal string is a decode error that keeps the status, never an amount 100 times off.
    let server = MockServer::start_async().await;
    lookup_mock(&server, 200, "transaction-decimal-reais.json");
    let error = client(&server)
        .transaction(MARKETPLACE, TRANSACTION)
        .await
        .expect_err("decimal strings are not cents");
    match &error {
        Error::Decode { status, reason, .. } => {
            assert_eq!(*status, 200);
            assert!(reason.contains("whole number"), "{reason}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// Serves `fixture_name` with `status` for a void and returns the decoded typed error.
async fn void_error(status: u16, fixture_name: &str) -> (u16, ZoopError) {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path(VOID_PATH);
        then.status(status)
            .header("content-type", "application/json")
            .body(fixture(fixture_name));
    });
    let error = client(&server)
        .void(MARKETPLACE, TRANSACTION, &void_body(1000))
        .await
        .expect_err("declared error status");
    match error {
        Error::Api { status, body, .. } => (status, body),
        other => panic!("expected a typed API error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_documented_error_decodes_into_the_typed_error() {
    let cases = [
        (402, "error-402-void.json", void_failed_error()),
        (
            400,
            "error-400-missing-required-param.json",
            zoop_error(
                "Bad Request",
                400,
                "invalid_request_error",
                "missing_required_param",
                "Missing required parameter(s). Please verify request parameters.",
                &["amount is required"],
            ),
        ),
        (
            400,
            "error-400-invalid-parameter.json",
            zoop_error(
                "Bad Request",
                400,
                "invalid_request_error",
                "invalid_parameter",
                "Invalid parameter(s). Your parameter value is incorrect. Please verify request parameters.",
                &[],
            ),
        ),
        (
            401,
            "error-401.json",
            zoop_error(
                "Unauthorized",
                401,
                "invalid_request_error",
                "authentication_failed",
                "The API Key provided has expired or has been deleted.",
                &[],
            ),
        ),
        (
            404,
            "error-404.json",
            zoop_error(
                "Not Found",
                404,
                "invalid_request_error",
                "endpoint_not_found",
                "The requested URL was not found on the server",
                &[],
            ),
        ),
        (
            408,
            "error-408.json",
            zoop_error(
                "Request Timeout",
                408,
                "invalid_request_error",
                "service_request_timeout",
                "O processo do cartão de crédito está temporariamente indisponível no local especificado.",
                &[],
            ),
        ),
        (
            500,
            "error-500.json",
            zoop_error(
                "Internal Server Error",
                500,
                "processing_error",
                "server_api_error",
                "Ocorreu um erro de processamento na Zoop. Se você receber esta mensagem, entre em contato com api@pagzoop.com",
                &[],
            ),
        ),
    ];
    for (status, name, expected) in cases {
        assert_eq!(void_error(status, name).await, (status, expected), "{name}");
    }
}

#[tokio::test]
async fn a_lookup_404_decodes_into_the_typed_error() {
    let server = MockServer::start_async().await;
    lookup_mock(&server, 404, "error-404.json");
    let error = client(&server)
        .transaction(MARKETPLACE, TRANSACTION)
        .await
        .expect_err("unknown transaction");
    match error {
        Error::Api { status, body, .. } => {
            assert_eq!(status, 404);
            assert_eq!(body.error.category.as_deref(), Some("endpoint_not_found"));
        }
        other => panic!("expected the typed 404, got {other:?}"),
    }
}

#[tokio::test]
async fn a_500_after_a_void_was_sent_is_an_unknown_outcome() {
    let server = MockServer::start_async().await;
    let void = server.mock(|when, then| {
        when.method(POST).path(VOID_PATH);
        then.status(500).body(fixture("error-500.json"));
    });
    let error = client(&server)
        .void(MARKETPLACE, TRANSACTION, &void_body(1000))
        .await
        .expect_err("server error");
    assert_eq!(error.status(), Some(500));
    // The void may have reached the acquirer: reconcile, never resend blindly.
    assert!(error.outcome_unknown(), "{error:?}");
    assert!(!error.is_retryable(), "{error:?}");
    void.assert_calls(1);
}

#[tokio::test]
async fn invalid_ids_are_rejected_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200).body(fixture("transaction-succeeded.json"));
    });
    let client = client(&server);
    let too_long = "a".repeat(65);
    for bad_id in [
        "",
        ".",
        "..",
        "../x",
        "a/b",
        "id with spaces",
        "a?b=c",
        too_long.as_str(),
    ] {
        let error = client
            .void(MARKETPLACE, bad_id, &void_body(1000))
            .await
            .expect_err("invalid transaction id");
        match &error {
            Error::InvalidRequest { field, .. } => assert_eq!(*field, "transaction_id"),
            other => panic!("{bad_id:?}: expected InvalidRequest, got {other:?}"),
        }
        let error = client
            .transaction(bad_id, TRANSACTION)
            .await
            .expect_err("invalid marketplace id");
        match &error {
            Error::InvalidRequest { field, .. } => assert_eq!(*field, "marketplace_id"),
            other => panic!("{bad_id:?}: expected InvalidRequest, got {other:?}"),
        }
    }
    any.assert_calls(0);
}

#[test]
fn the_key_never_shows_in_debug() {
    let credentials = ApiKey::new(API_KEY);
    assert!(!format!("{credentials:?}").contains(API_KEY));
}

#[test]
fn the_spec_describes_the_provider() {
    use estorno::spec::{AuthScheme, Method};
    let spec = &zoop::SPEC;
    assert_eq!(spec.name, "Zoop");
    assert_eq!(spec.slug, "zoop");
    assert_eq!(spec.production, Some("https://api.zoop.ws/v1"));
    assert_eq!(spec.sandbox, None);
    assert_eq!(spec.auth, AuthScheme::BasicKeyAsUser);
    let void = spec.endpoint("void").expect("void");
    assert_eq!(void.method, Method::Post);
    assert_eq!(
        void.path,
        "/marketplaces/{marketplace_id}/transactions/{transaction_id}/void"
    );
    assert_eq!(void.reconcile, Some("transaction"));
    assert!(!void.idempotent);
    let lookup = spec.endpoint("transaction").expect("transaction");
    assert_eq!(lookup.method, Method::Get);
    assert_eq!(
        lookup.path,
        "/marketplaces/{marketplace_id}/transactions/{transaction_id}"
    );
    assert!(lookup.idempotent);
}

mod unified {
    //! The unified cancellation API over Zoop.

    use super::*;
    use estorno::{Cancel, CancelError, CancelRequest};

    fn status_mock<'a>(server: &'a MockServer, body: String, times: Option<usize>) -> Mock<'a> {
        server.mock(|when, then| {
            when.method(GET)
                .path(TRANSACTION_PATH)
                .header("authorization", AUTHORIZATION);
            let then = then.status(200).body(body);
            if let Some(times) = times {
                then.up_to_n_times(times);
            }
        })
    }

    fn total() -> CancelRequest {
        CancelRequest::total(TRANSACTION)
            .field("marketplace_id", MARKETPLACE)
            .field("on_behalf_of", SELLER)
    }

    fn partial(cents: u64) -> CancelRequest {
        CancelRequest::partial(TRANSACTION, Amount::from_cents(cents).expect("positive"))
            .field("marketplace_id", MARKETPLACE)
            .field("on_behalf_of", SELLER)
    }

    #[tokio::test]
    async fn total_cancel_voids_what_remains() {
        let server = MockServer::start_async().await;
        let lookup = status_mock(&server, fixture("transaction-succeeded.json"), None);
        let void = server.mock(|when, then| {
            when.method(POST)
                .path(VOID_PATH)
                .header("authorization", AUTHORIZATION)
                .body(r#"{"amount":10032,"on_behalf_of":"cfa96058daa74d279d17f4908e7f6578"}"#);
            then.status(200).body(fixture("transaction-canceled.json"));
        });

        let cancellation = client(&server).cancel(&total()).await.expect("cancels");
        assert_eq!(cancellation.provider, "zoop");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert_eq!(cancellation.requested, Some(Cents::new(10032)));
        assert_eq!(cancellation.refunded, Some(Cents::new(10032)));
        assert_eq!(cancellation.remaining, Some(Cents::new(0)));
        assert_eq!(cancellation.reference.as_deref(), Some(TRANSACTION));
        assert_eq!(cancellation.reason, None);
        assert_eq!(cancellation.review, None);
        assert!(!cancellation.already_done);
        assert_eq!(
            cancellation.raw::<Transaction>(),
            Some(&canceled_transaction())
        );
        lookup.assert_calls(1);
        void.assert_calls(1);
    }

    #[tokio::test]
    async fn what_remains_after_a_partial_cancel_is_what_a_total_cancel_sends() {
        let server = MockServer::start_async().await;
        status_mock(&server, fixture("transaction-partially-voided.json"), None);
        let void = server.mock(|when, then| {
            when.method(POST)
                .path(VOID_PATH)
                .body(r#"{"amount":7532,"on_behalf_of":"cfa96058daa74d279d17f4908e7f6578"}"#);
            then.status(200).body(fixture("transaction-canceled.json"));
        });
        let cancellation = client(&server).cancel(&total()).await.expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert_eq!(cancellation.requested, Some(Cents::new(7532)));
        assert_eq!(cancellation.review, None);
        void.assert_calls(1);
    }

    #[tokio::test]
    async fn partial_cancel_sends_the_amount_asked() {
        let server = MockServer::start_async().await;
        status_mock(&server, fixture("transaction-succeeded.json"), None);
        let void = server.mock(|when, then| {
            when.method(POST)
                .path(VOID_PATH)
                .header("authorization", AUTHORIZATION)
                .header("content-type", "application/json")
                .body(r#"{"amount":2500,"on_behalf_of":"cfa96058daa74d279d17f4908e7f6578"}"#);
            then.status(200)
                .body(fixture("transaction-partially-voided.json"));
        });
        let client = client(&server);
        assert!(client.supports_partial());
        let cancellation = client.cancel(&partial(2500)).await.expect("cancels");
        // Zoop keeps `succeeded`; the amounts say part of it went back.
        assert_eq!(cancellation.outcome, Outcome::PartiallyRefunded);
        assert_eq!(cancellation.requested, Some(Cents::new(2500)));
        assert_eq!(cancellation.refunded, Some(Cents::new(2500)));
        assert_eq!(cancellation.remaining, Some(Cents::new(7532)));
        assert_eq!(cancellation.review, None);
        void.assert_calls(1);
    }

    #[tokio::test]
    async fn a_status_look_up_reads_a_partial_cancel_from_the_amounts() {
        let server = MockServer::start_async().await;
        status_mock(&server, fixture("transaction-partially-voided.json"), None);
        let status = client(&server).status(&total()).await.expect("looks up");
        assert_eq!(status.outcome, Outcome::PartiallyRefunded);
        assert_eq!(status.refunded, Some(Cents::new(2500)));
        assert_eq!(status.remaining, Some(Cents::new(7532)));
    }

    #[tokio::test]
    async fn an_already_cancelled_transaction_is_answered_without_sending() {
        let server = MockServer::start_async().await;
        status_mock(&server, fixture("transaction-canceled.json"), None);
        let void = server.mock(|when, then| {
            when.method(POST).path(VOID_PATH);
            then.status(200).body(fixture("transaction-canceled.json"));
        });
        let cancellation = client(&server).cancel(&total()).await.expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert!(cancellation.already_done);
        assert_eq!(cancellation.refunded, Some(Cents::new(10032)));
        assert_eq!(cancellation.remaining, Some(Cents::new(0)));
        void.assert_calls(0);
    }

    #[tokio::test]
    async fn more_than_remains_is_rejected_before_sending() {
        let server = MockServer::start_async().await;
        status_mock(&server, fixture("transaction-partially-voided.json"), None);
        let void = server.mock(|when, then| {
            when.method(POST).path(VOID_PATH);
            then.status(200).body(fixture("transaction-canceled.json"));
        });
        let cancellation = client(&server)
            .cancel(&partial(8000))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("R$ 80,00 is more than the R$ 75,32 that remains; nothing was sent")
        );
        void.assert_calls(0);
    }

    #[tokio::test]
    async fn a_failed_void_is_a_rejection_with_zoops_message() {
        let server = MockServer::start_async().await;
        status_mock(&server, fixture("transaction-succeeded.json"), None);
        let void = server.mock(|when, then| {
            when.method(POST).path(VOID_PATH);
            then.status(402).body(fixture("error-402-void.json"));
        });
        let cancellation = client(&server)
            .cancel(&partial(1000))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("The void request failed. Transaction could not be voided.")
        );
        assert_eq!(cancellation.requested, Some(Cents::new(1000)));
        void.assert_calls(1);
    }

    #[tokio::test]
    async fn an_unknown_transaction_is_a_rejection_and_nothing_is_voided() {
        let server = MockServer::start_async().await;
        lookup_mock(&server, 404, "error-404.json");
        let void = server.mock(|when, then| {
            when.method(POST).path(VOID_PATH);
            then.status(200).body(fixture("transaction-canceled.json"));
        });
        let cancellation = client(&server).cancel(&total()).await.expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("The requested URL was not found on the server")
        );
        void.assert_calls(0);
    }

    #[tokio::test]
    async fn a_refused_key_is_an_auth_error() {
        let server = MockServer::start_async().await;
        lookup_mock(&server, 401, "error-401.json");
        let error = client(&server)
            .cancel(&total())
            .await
            .expect_err("unauthorised");
        assert_eq!(
            error,
            CancelError::Auth {
                provider: "Zoop",
                reason: "the provider answered 401".to_owned(),
            }
        );
    }

    #[tokio::test]
    async fn a_timeout_after_sending_is_ambiguous_until_reconciled() {
        let server = MockServer::start_async().await;
        let before = status_mock(&server, fixture("transaction-succeeded.json"), Some(1));
        let void = server.mock(|when, then| {
            when.method(POST).path(VOID_PATH);
            then.status(200)
                .delay(Duration::from_millis(1500))
                .body(fixture("transaction-canceled.json"));
        });
        let client = Client::builder()
            .credentials(ApiKey::new(API_KEY))
            .base_url(server.base_url())
            .timeout(Duration::from_millis(300))
            .build()
            .expect("valid client configuration");

        let cancellation = client
            .cancel(&total())
            .await
            .expect("an unknown outcome is not an error");
        assert_eq!(cancellation.outcome, Outcome::Ambiguous);
        assert!(cancellation.needs_reconcile());
        assert_eq!(cancellation.requested, Some(Cents::new(10032)));
        assert_eq!(
            cancellation.request().baseline_refunded(),
            Some(Cents::ZERO)
        );
        assert_eq!(cancellation.request().get("on_behalf_of"), Some(SELLER));
        void.assert_calls(1);
        before.assert_calls(1);

        // Zoop did apply it: the look-up now shows the transaction cancelled.
        let after = status_mock(&server, fixture("transaction-canceled.json"), None);
        let reconciled = client
            .reconcile(cancellation.request())
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Refunded);
        assert_eq!(reconciled.refunded, Some(Cents::new(10032)));
        assert_eq!(reconciled.remaining, Some(Cents::new(0)));
        assert_eq!(reconciled.review, None);
        after.assert_calls(1);
        void.assert_calls(1);
    }

    #[tokio::test]
    async fn reconciling_a_void_that_never_happened_says_the_sale_stands() {
        let server = MockServer::start_async().await;
        status_mock(&server, fixture("transaction-succeeded.json"), None);
        let request = total().with_baseline_refunded(Cents::ZERO);
        let reconciled = client(&server)
            .reconcile(&request)
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Active);
        assert_eq!(reconciled.remaining, Some(Cents::new(10032)));
    }

    #[tokio::test]
    async fn the_provider_fields_are_required_and_nothing_is_sent_without_them() {
        let server = MockServer::start_async().await;
        let any = server.mock(|when, then| {
            when.any_request();
            then.status(200).body(fixture("transaction-succeeded.json"));
        });
        let client = client(&server);
        let error = client
            .cancel(&CancelRequest::total(TRANSACTION).field("on_behalf_of", SELLER))
            .await
            .expect_err("no marketplace");
        assert_eq!(
            error,
            CancelError::InvalidRequest {
                field: "marketplace_id".to_owned(),
                reason: "`marketplace_id` is required by Zoop for a total cancellation".to_owned(),
            }
        );
        any.assert_calls(0);

        // The look-up needs only the marketplace; the void also needs the seller.
        let error = client
            .cancel(&CancelRequest::total(TRANSACTION).field("marketplace_id", MARKETPLACE))
            .await
            .expect_err("no seller");
        assert_eq!(
            error,
            CancelError::InvalidRequest {
                field: "on_behalf_of".to_owned(),
                reason: "`on_behalf_of` is required by Zoop for a total cancellation".to_owned(),
            }
        );
        // Every field the cancellation needs is checked before the look-up goes out.
        any.assert_calls(0);
    }

    #[tokio::test]
    async fn an_invalid_transaction_id_is_an_error_naming_the_field() {
        let server = MockServer::start_async().await;
        let any = server.mock(|when, then| {
            when.any_request();
            then.status(200);
        });
        let request = CancelRequest::total("../x")
            .field("marketplace_id", MARKETPLACE)
            .field("on_behalf_of", SELLER);
        let error = client(&server)
            .cancel(&request)
            .await
            .expect_err("invalid id");
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
            "{error:?}"
        );
        any.assert_calls(0);
    }
}

mod sandbox {
    //! The unified API against the estorno sandbox's Zoop, on its seeded demo payments.

    use super::*;
    use estorno::{Cancel, CancelRequest};
    use estorno_sandbox::{DemoPayment, EffectKind, Sandbox, credentials, demo_payments};

    async fn start() -> (Sandbox, Client) {
        let sandbox = Sandbox::start().await.expect("sandbox starts");
        let client = Client::builder()
            .credentials(ApiKey::new(credentials::ZOOP_API_KEY))
            .base_url(sandbox.base_url("zoop").expect("the sandbox serves zoop"))
            .timeout(Duration::from_secs(5))
            .build()
            .expect("valid client configuration");
        (sandbox, client)
    }

    fn request(payment: &DemoPayment, amount: Option<u64>) -> CancelRequest {
        let request = match amount {
            Some(cents) => {
                CancelRequest::partial(&payment.payment_id, Amount::from_cents(cents).unwrap())
            }
            None => CancelRequest::total(&payment.payment_id),
        };
        request
            .field(
                "marketplace_id",
                payment
                    .marketplace_id
                    .clone()
                    .expect("zoop demo marketplace"),
            )
            .field(
                "on_behalf_of",
                payment.on_behalf_of.clone().expect("zoop demo seller"),
            )
    }

    /// Seeded Zoop payments that stand in full and accept a partial void.
    fn standing() -> Vec<DemoPayment> {
        demo_payments()
            .into_iter()
            .filter(|payment| {
                payment.provider == "zoop"
                    && payment.state == "succeeded"
                    && payment.partial_allowed
                    && payment.refundable_cents == payment.amount_cents
            })
            .collect()
    }

    fn demo(id: &str) -> DemoPayment {
        demo_payments()
            .into_iter()
            .find(|payment| payment.provider == "zoop" && payment.payment_id == id)
            .unwrap_or_else(|| panic!("{id} is seeded"))
    }

    #[tokio::test]
    async fn total_and_partial_cancels_of_demo_payments() {
        let (sandbox, client) = start().await;
        let standing = standing();
        let (whole, part) = (&standing[0], &standing[1]);
        let whole_cents = u64::try_from(whole.amount_cents).unwrap();
        let part_original = u64::try_from(part.amount_cents).unwrap();

        let cancellation = client.cancel(&request(whole, None)).await.expect("total");
        assert_eq!(cancellation.outcome, Outcome::Refunded, "{cancellation:?}");
        assert_eq!(cancellation.requested, Some(Cents::new(whole_cents)));
        assert_eq!(cancellation.refunded, Some(Cents::new(whole_cents)));
        assert_eq!(cancellation.remaining, Some(Cents::ZERO));
        assert_eq!(cancellation.review, None);
        let voided = cancellation.raw::<Transaction>().expect("typed response");
        assert_eq!(voided.status, TransactionStatus::Canceled);
        assert!(voided.voided);

        let cancellation = client
            .cancel(&request(part, Some(500)))
            .await
            .expect("partial");
        assert_eq!(
            cancellation.outcome,
            Outcome::PartiallyRefunded,
            "{cancellation:?}"
        );
        assert_eq!(cancellation.refunded, Some(Cents::new(500)));
        assert_eq!(
            cancellation.remaining,
            Some(Cents::new(part_original - 500))
        );
        assert_eq!(cancellation.review, None);
        let reduced = cancellation.raw::<Transaction>().expect("typed response");
        assert_eq!(reduced.status, TransactionStatus::Succeeded);
        assert_eq!(reduced.original_amount, Cents::new(part_original));
        assert_eq!(
            reduced
                .history
                .last()
                .map(|entry| (entry.operation_type.as_str(), entry.amount)),
            Some(("void", Cents::new(500)))
        );

        let ledger: Vec<_> = sandbox
            .ledger()
            .into_iter()
            .map(|entry| {
                (
                    entry.provider,
                    entry.operation,
                    entry.payment,
                    entry.amount_cents,
                    entry.kind,
                )
            })
            .collect();
        assert_eq!(
            ledger,
            [
                (
                    "zoop".to_owned(),
                    "void".to_owned(),
                    whole.payment_id.clone(),
                    whole.amount_cents,
                    EffectKind::Void
                ),
                (
                    "zoop".to_owned(),
                    "void".to_owned(),
                    part.payment_id.clone(),
                    500,
                    EffectKind::PartialVoid
                ),
            ]
        );
        assert_eq!(sandbox.request_count("zoop", "void"), 2);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn refusals_from_the_sandbox() {
        let (sandbox, client) = start().await;

        // n = 15 is seeded cancelled: answered from the look-up, nothing sent.
        let cancelled = demo("demo-txn-0015");
        assert_eq!(cancelled.state, "canceled");
        let answer = client
            .cancel(&request(&cancelled, None))
            .await
            .expect("answers");
        assert_eq!(answer.outcome, Outcome::Refunded);
        assert!(answer.already_done);

        // n = 16 is a debit sale: Zoop voids part of captured credit sales only.
        let debit = demo("demo-txn-0016");
        assert!(!debit.partial_allowed);
        let answer = client
            .cancel(&request(&debit, Some(100)))
            .await
            .expect("answers");
        assert_eq!(answer.outcome, Outcome::Rejected);
        assert_eq!(
            answer.reason.as_deref(),
            Some("The void request failed. Transaction could not be voided.")
        );

        // n = 17 failed: nothing to cancel, refused before sending.
        let failed = demo("demo-txn-0017");
        let answer = client
            .cancel(&request(&failed, None))
            .await
            .expect("answers");
        assert_eq!(answer.outcome, Outcome::Rejected);

        assert_eq!(sandbox.request_count("zoop", "void"), 1);
        assert!(sandbox.ledger().is_empty());
        sandbox.shutdown().await;
    }
}
