//! PicPay E-commerce against httpmock, the simulator and PicPay's own OpenAPI: documented
//! examples decode exactly, requests are what PicPay documents, the unified API cancels and
//! refunds, bad ids never leave the process, and the spec cannot drift from the contract.

use estorno::picpay_ecommerce;

use std::time::Duration;

use estorno::auth::HeaderToken;
use estorno::{Amount, Cents, Error, Outcome, Reais, RetryPolicy};
use httpmock::Mock;
use httpmock::prelude::*;
use picpay_ecommerce::{
    CancellationRequest, CancellationResponse, Client, FieldError, InternalError, OrderStatus,
    RefundRequest, RefundResponse, StatusResponse, Summary, Unauthorized, Unprocessable,
};

const TOKEN: &str = "test-picpay-token";
/// The `referenceId` and `authorizationId` of PicPay's OpenAPI examples.
const REFERENCE_ID: &str = "102030";
const AUTHORIZATION_ID: &str = "555008cef7f321d00ef236333";
/// The `authorizationId` of the seed's "Cenário 1".
const SEED_AUTHORIZATION_ID: &str = "601327196d038600273bbf1c";
const VALIDATION_MESSAGE: &str = "Algumas propriedades não passaram no teste de validação.";

fn fixture(name: &str) -> String {
    estorno_tests::fixture("picpay-ecommerce", name)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(HeaderToken::new(TOKEN))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

/// A path under `/payments/{referenceId}` for the examples' order.
fn order_path(action: &str) -> String {
    format!("/payments/{REFERENCE_ID}/{action}")
}

fn reais(cents: u64) -> Reais {
    Reais::from_cents(cents)
}

fn amount(cents: u64) -> Amount {
    Amount::from_cents(cents).expect("positive amount")
}

fn seed_cancellation() -> CancellationResponse {
    CancellationResponse {
        reference_id: REFERENCE_ID.to_owned(),
        cancellation_id: "5b008cef7f321d00ef236444".to_owned(),
    }
}

fn documented_refund() -> RefundResponse {
    RefundResponse {
        id: "5b008cef7f321d00ef236444".to_owned(),
        reference_id: REFERENCE_ID.to_owned(),
        summary: Summary {
            authorized: Some(reais(10_000)),
            paid: Some(reais(10_000)),
            refunded: Some(reais(5005)),
        },
    }
}

#[tokio::test]
async fn cancel_sends_the_seed_request_for_a_paid_order_and_decodes_the_documented_answer() {
    let server = MockServer::start_async().await;
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path(order_path("cancellations"))
            .header("x-picpay-token", TOKEN)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"authorizationId":"{SEED_AUTHORIZATION_ID}"}}"#
            ));
        then.status(200)
            .header("content-type", "application/json")
            .body(fixture("cancellations-200.json"));
    });

    let body = CancellationRequest {
        authorization_id: Some(SEED_AUTHORIZATION_ID.to_owned()),
    };
    // The bytes differ from the seed's only in whitespace; the JSON is the same.
    let seed: serde_json::Value =
        serde_json::from_str(&fixture("seed-cancel-paid-request.json")).expect("seed body");
    assert_eq!(serde_json::to_value(&body).expect("serializes"), seed);

    let answer = client(&server)
        .cancel(REFERENCE_ID, &body)
        .await
        .expect("the documented 200 decodes");
    assert_eq!(answer, seed_cancellation());
    cancel.assert_calls(1);
}

#[tokio::test]
async fn cancel_of_an_unpaid_order_sends_an_empty_json_object() {
    let server = MockServer::start_async().await;
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path(order_path("cancellations"))
            .header("x-picpay-token", TOKEN)
            .header("content-type", "application/json")
            .body("{}");
        then.status(200).body(fixture("cancellations-200.json"));
    });
    let answer = client(&server)
        .cancel(REFERENCE_ID, &CancellationRequest::default())
        .await
        .expect("cancels");
    assert_eq!(answer, seed_cancellation());
    cancel.assert_calls(1);
}

#[tokio::test]
async fn refund_sends_the_amount_in_decimal_reais_and_decodes_the_documented_answer() {
    let server = MockServer::start_async().await;
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(order_path("refunds"))
            .header("x-picpay-token", TOKEN)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"authorizationId":"{AUTHORIZATION_ID}","amount":50.05}}"#
            ));
        then.status(201)
            .header("content-type", "application/json")
            .body(fixture("refunds-201.json"));
    });
    let body = RefundRequest {
        authorization_id: AUTHORIZATION_ID.to_owned(),
        amount: Some(amount(5005).reais()),
    };
    let documented: serde_json::Value =
        serde_json::from_str(&fixture("refunds-request.json")).expect("documented body");
    assert_eq!(serde_json::to_value(&body).expect("serializes"), documented);

    let answer = client(&server)
        .refund(REFERENCE_ID, &body)
        .await
        .expect("the documented 201 decodes");
    assert_eq!(answer, documented_refund());
    refund.assert_calls(1);
}

#[tokio::test]
async fn refund_without_an_amount_leaves_it_out_and_whole_reais_keep_two_decimals() {
    let server = MockServer::start_async().await;
    let full = server.mock(|when, then| {
        when.method(POST)
            .path(order_path("refunds"))
            .body(format!(r#"{{"authorizationId":"{AUTHORIZATION_ID}"}}"#));
        then.status(201).body(fixture("refunds-201.json"));
    });
    let whole = server.mock(|when, then| {
        when.method(POST).path(order_path("refunds")).body(format!(
            r#"{{"authorizationId":"{AUTHORIZATION_ID}","amount":12.00}}"#
        ));
        then.status(201).body(fixture("refunds-201.json"));
    });
    let client = client(&server);
    for amount in [None, Some(reais(1200))] {
        let body = RefundRequest {
            authorization_id: AUTHORIZATION_ID.to_owned(),
            amount,
        };
        client.refund(REFERENCE_ID, &body).await.expect("refunds");
    }
    full.assert_calls(1);
    whole.assert_calls(1);
}

#[tokio::test]
async fn status_is_a_get_without_a_body_and_decodes_the_legacy_answer() {
    let server = MockServer::start_async().await;
    let status = server.mock(|when, then| {
        when.method(GET)
            .path(order_path("status"))
            .header("x-picpay-token", TOKEN)
            .header_missing("content-type")
            .is_true(|request| request.body().is_empty());
        then.status(200).body(fixture("status-200-legacy.json"));
    });
    let answer = client(&server).status(REFERENCE_ID).await.expect("decodes");
    assert_eq!(
        answer,
        StatusResponse {
            reference_id: REFERENCE_ID.to_owned(),
            status: OrderStatus::Paid,
            authorization_id: Some(AUTHORIZATION_ID.to_owned()),
            summary: Summary::default(),
        }
    );
    status.assert_calls(1);
}

#[tokio::test]
async fn status_decodes_the_newer_answer_with_its_summary() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path(order_path("status"));
        then.status(200).body(fixture("status-200.json"));
    });
    let answer = client(&server).status(REFERENCE_ID).await.expect("decodes");
    assert_eq!(
        answer,
        StatusResponse {
            reference_id: REFERENCE_ID.to_owned(),
            status: OrderStatus::Refunded,
            authorization_id: Some(AUTHORIZATION_ID.to_owned()),
            summary: Summary {
                authorized: Some(reais(10_000)),
                paid: Some(reais(9599)),
                refunded: Some(reais(599)),
            },
        }
    );
}

#[test]
fn every_documented_status_maps_to_its_outcome() {
    let expected = [
        ("created", OrderStatus::Created, Outcome::Active),
        ("expired", OrderStatus::Expired, Outcome::Voided),
        ("analysis", OrderStatus::Analysis, Outcome::Active),
        ("authorized", OrderStatus::Authorized, Outcome::Active),
        ("paid", OrderStatus::Paid, Outcome::Active),
        ("completed", OrderStatus::Completed, Outcome::Active),
        ("refunded", OrderStatus::Refunded, Outcome::Refunded),
        ("chargeback", OrderStatus::Chargeback, Outcome::Chargeback),
    ];
    for (wire, status, outcome) in expected {
        let decoded: OrderStatus =
            serde_json::from_str(&format!("\"{wire}\"")).expect("a status string");
        assert_eq!(decoded, status, "{wire}");
        assert_eq!(decoded.outcome(), outcome, "{wire}");
        assert_eq!(decoded.as_wire(), wire);
    }
    let unknown: OrderStatus = serde_json::from_str(r#""partially_refunded""#).expect("decodes");
    assert_eq!(
        unknown,
        OrderStatus::Unknown("partially_refunded".to_owned())
    );
    assert_eq!(unknown.outcome(), Outcome::Ambiguous);
}

#[test]
fn answers_read_as_cancellations() {
    use estorno::CancelResponse;

    let cancellation = seed_cancellation();
    assert_eq!(cancellation.outcome(), None);
    assert_eq!(cancellation.refunded(), None);
    assert_eq!(cancellation.remaining(), None);
    assert_eq!(
        cancellation.reference().as_deref(),
        Some("5b008cef7f321d00ef236444")
    );

    let refund = documented_refund();
    assert_eq!(refund.outcome(), None);
    assert_eq!(refund.refunded(), Some(Cents::new(5005)));
    assert_eq!(refund.remaining(), Some(Cents::new(4995)));
    assert_eq!(
        refund.reference().as_deref(),
        Some("5b008cef7f321d00ef236444")
    );

    let status: StatusResponse =
        serde_json::from_str(&fixture("status-200.json")).expect("decodes");
    assert_eq!(status.outcome(), Some(Outcome::Refunded));
    assert_eq!(status.refunded(), Some(Cents::new(599)));
    // What remains is counted from the authorised amount (see `StatusResponse`).
    assert_eq!(status.remaining(), Some(Cents::new(9401)));
    assert_eq!(status.reference().as_deref(), Some(AUTHORIZATION_ID));

    let legacy: StatusResponse =
        serde_json::from_str(&fixture("status-200-legacy.json")).expect("decodes");
    assert_eq!(legacy.outcome(), Some(Outcome::Active));
    assert_eq!((legacy.refunded(), legacy.remaining()), (None, None));
}

mod errors {
    //! Every documented error body decodes into its typed error.

    use super::*;
    use picpay_ecommerce::{CancelError, RefundError, StatusError};

    fn strict_client(server: &MockServer) -> Client {
        Client::builder()
            .credentials(HeaderToken::new(TOKEN))
            .base_url(server.base_url())
            .retry(RetryPolicy::none())
            .build()
            .expect("valid client configuration")
    }

    fn serve<'a>(server: &'a MockServer, action: &str, status: u16, body: &str) -> Mock<'a> {
        server.mock(|when, then| {
            when.path(order_path(action));
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
    }

    fn documented_unauthorized() -> Unauthorized {
        Unauthorized {
            message: "O Token informado é inválido".to_owned(),
        }
    }

    fn documented_internal_error() -> InternalError {
        InternalError {
            message: Some(
                "Problema geral, verifique se a transação foi criada ou cancele a mesma."
                    .to_owned(),
            ),
        }
    }

    fn unprocessable(field: &str, message: &str) -> Unprocessable {
        Unprocessable {
            message: VALIDATION_MESSAGE.to_owned(),
            errors: vec![FieldError {
                field: Some(field.to_owned()),
                message: Some(message.to_owned()),
            }],
        }
    }

    async fn cancel_error(status: u16, fixture_name: &str) -> (u16, CancelError) {
        let server = MockServer::start_async().await;
        let mock = serve(&server, "cancellations", status, &fixture(fixture_name));
        let error = strict_client(&server)
            .cancel(REFERENCE_ID, &CancellationRequest::default())
            .await
            .expect_err("declared error status");
        mock.assert_calls(1);
        match error {
            Error::Api { status, body, .. } => (status, body),
            other => panic!("expected a typed API error, got {other:?}"),
        }
    }

    async fn refund_error(status: u16, fixture_name: &str) -> (u16, RefundError) {
        let server = MockServer::start_async().await;
        let mock = serve(&server, "refunds", status, &fixture(fixture_name));
        let body = RefundRequest {
            authorization_id: AUTHORIZATION_ID.to_owned(),
            amount: Some(reais(5005)),
        };
        let error = strict_client(&server)
            .refund(REFERENCE_ID, &body)
            .await
            .expect_err("declared error status");
        mock.assert_calls(1);
        match error {
            Error::Api { status, body, .. } => (status, body),
            other => panic!("expected a typed API error, got {other:?}"),
        }
    }

    async fn status_error(status: u16, fixture_name: &str) -> (u16, StatusError) {
        let server = MockServer::start_async().await;
        let mock = serve(&server, "status", status, &fixture(fixture_name));
        let error = strict_client(&server)
            .status(REFERENCE_ID)
            .await
            .expect_err("declared error status");
        mock.assert_calls(1);
        match error {
            Error::Api { status, body, .. } => (status, body),
            other => panic!("expected a typed API error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn cancel_401_422_and_500_decode_into_their_types() {
        match cancel_error(401, "error-401.json").await {
            (401, CancelError::Unauthorized(body)) => {
                assert_eq!(body, documented_unauthorized());
            }
            other => panic!("{other:?}"),
        }
        match cancel_error(422, "error-422.json").await {
            (422, CancelError::Unprocessable(body)) => assert_eq!(
                body,
                unprocessable("callbackUrl", "O campo callback url é obrigatório.")
            ),
            other => panic!("{other:?}"),
        }
        match cancel_error(500, "error-500.json").await {
            (500, CancelError::InternalError(body)) => {
                assert_eq!(body, documented_internal_error());
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_500_without_a_message_still_decodes() {
        let server = MockServer::start_async().await;
        serve(&server, "cancellations", 500, "{}");
        let error = strict_client(&server)
            .cancel(REFERENCE_ID, &CancellationRequest::default())
            .await
            .expect_err("500");
        assert!(
            error.outcome_unknown(),
            "a 500 after sending may have applied"
        );
        match error {
            Error::Api {
                status: 500,
                body: CancelError::InternalError(body),
                ..
            } => assert_eq!(body, InternalError { message: None }),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn refund_422s_decode_with_their_field_errors() {
        let cases = [
            (
                "refunds-422-over-amount.json",
                "O valor do cancelamento, é maior que o valor total do pagamento.",
            ),
            (
                "refunds-422-negative.json",
                "O valor do cancelamento é menor que 0.",
            ),
            (
                "refunds-422-already-refunded.json",
                "O pagamento já foi totalmente cancelado.",
            ),
        ];
        for (fixture_name, message) in cases {
            match refund_error(422, fixture_name).await {
                (422, RefundError::Unprocessable(body)) => {
                    // `amount.` with its dot, as PicPay's OpenAPI writes it.
                    assert_eq!(body, unprocessable("amount.", message), "{fixture_name}");
                }
                other => panic!("{fixture_name}: {other:?}"),
            }
        }
        match refund_error(401, "error-401.json").await {
            (401, RefundError::Unauthorized(body)) => {
                assert_eq!(body, documented_unauthorized());
            }
            other => panic!("{other:?}"),
        }
        match refund_error(500, "error-500.json").await {
            (500, RefundError::InternalError(body)) => {
                assert_eq!(body, documented_internal_error());
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn status_401_and_500_decode_into_their_types() {
        match status_error(401, "error-401.json").await {
            (401, StatusError::Unauthorized(body)) => {
                assert_eq!(body, documented_unauthorized());
            }
            other => panic!("{other:?}"),
        }
        match status_error(500, "error-500.json").await {
            (500, StatusError::InternalError(body)) => {
                assert_eq!(body, documented_internal_error());
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_failing_status_look_up_is_retried_because_it_is_idempotent() {
        let server = MockServer::start_async().await;
        let failing = server.mock(|when, then| {
            when.method(GET).path(order_path("status"));
            then.status(500)
                .body(fixture("error-500.json"))
                .up_to_n_times(2);
        });
        let answering = server.mock(|when, then| {
            when.method(GET).path(order_path("status"));
            then.status(200).body(fixture("status-200.json"));
        });
        let answer = client(&server)
            .status(REFERENCE_ID)
            .await
            .expect("third try");
        assert_eq!(answer.status, OrderStatus::Refunded);
        failing.assert_calls(2);
        answering.assert_calls(1);
    }

    #[tokio::test]
    async fn a_failing_cancellation_is_never_resent() {
        let server = MockServer::start_async().await;
        let cancel = serve(&server, "cancellations", 500, &fixture("error-500.json"));
        // The default client retries; a cancellation must still go out once only.
        let error = client(&server)
            .cancel(REFERENCE_ID, &CancellationRequest::default())
            .await
            .expect_err("500");
        assert!(error.outcome_unknown());
        assert!(!error.is_retryable());
        cancel.assert_calls(1);
    }
}

mod unified {
    //! The unified cancellation API over PicPay E-commerce.

    use super::*;
    use estorno::{Cancel, CancelError, CancelRequest};

    /// A status answer; `amounts` are (authorized, paid, refunded) in cents, sent as a
    /// `summary` in decimal reais the way the newer API does, or left out like the legacy API.
    fn status_body(status: &str, amounts: Option<(u64, u64, u64)>) -> String {
        let summary = match amounts {
            Some((authorized, paid, refunded)) => format!(
                r#","summary":{{"authorized":{},"paid":{},"refunded":{}}}"#,
                reais(authorized).to_decimal_string(),
                reais(paid).to_decimal_string(),
                reais(refunded).to_decimal_string(),
            ),
            None => String::new(),
        };
        format!(
            r#"{{"referenceId":"{REFERENCE_ID}","status":"{status}","authorizationId":"{AUTHORIZATION_ID}"{summary}}}"#
        )
    }

    fn status_mock<'a>(server: &'a MockServer, body: String, times: Option<usize>) -> Mock<'a> {
        server.mock(|when, then| {
            when.method(GET)
                .path(order_path("status"))
                .header("x-picpay-token", TOKEN);
            let then = then.status(200).body(body);
            if let Some(times) = times {
                then.up_to_n_times(times);
            }
        })
    }

    /// Every mutating call, whatever its body: to prove nothing was sent.
    fn mutations(server: &MockServer) -> Mock<'_> {
        server.mock(|when, then| {
            when.method(POST);
            then.status(200).body(fixture("cancellations-200.json"));
        })
    }

    fn total() -> CancelRequest {
        CancelRequest::total(REFERENCE_ID).field("authorizationId", AUTHORIZATION_ID)
    }

    fn partial(cents: u64) -> CancelRequest {
        CancelRequest::partial(REFERENCE_ID, amount(cents))
            .field("authorizationId", AUTHORIZATION_ID)
    }

    #[test]
    fn partial_cancellation_is_supported() {
        let client = Client::builder()
            .credentials(HeaderToken::new(TOKEN))
            .build()
            .expect("production client");
        assert!(Cancel::supports_partial(&client));
        assert_eq!(Cancel::provider(&client).slug, "picpay-ecommerce");
    }

    #[tokio::test]
    async fn total_cancel_of_a_paid_order_uses_the_cancellations_endpoint_then_reads_the_status() {
        let server = MockServer::start_async().await;
        let before = status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            Some(1),
        );
        let after = status_mock(
            &server,
            status_body("refunded", Some((10_000, 10_000, 10_000))),
            None,
        );
        let cancel = server.mock(|when, then| {
            when.method(POST)
                .path(order_path("cancellations"))
                .header("x-picpay-token", TOKEN)
                .body(format!(r#"{{"authorizationId":"{AUTHORIZATION_ID}"}}"#));
            then.status(200).body(fixture("cancellations-200.json"));
        });

        let cancellation = Cancel::cancel(&client(&server), &total())
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert_eq!(cancellation.requested, Some(Cents::new(10_000)));
        assert_eq!(cancellation.refunded, Some(Cents::new(10_000)));
        assert_eq!(cancellation.remaining, Some(Cents::ZERO));
        assert_eq!(
            cancellation.reference.as_deref(),
            Some("5b008cef7f321d00ef236444")
        );
        assert_eq!(cancellation.review, None);
        assert!(!cancellation.already_done);
        assert_eq!(
            cancellation.raw::<CancellationResponse>(),
            Some(&seed_cancellation())
        );
        before.assert_calls(1);
        after.assert_calls(1);
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn total_cancel_of_an_unpaid_order_sends_an_empty_object_and_expires_it() {
        let server = MockServer::start_async().await;
        // The legacy status answer: no summary, no authorizationId yet.
        let unpaid = format!(r#"{{"referenceId":"{REFERENCE_ID}","status":"created"}}"#);
        status_mock(&server, unpaid, Some(1));
        status_mock(
            &server,
            format!(r#"{{"referenceId":"{REFERENCE_ID}","status":"expired"}}"#),
            None,
        );
        let cancel = server.mock(|when, then| {
            when.method(POST)
                .path(order_path("cancellations"))
                .body("{}");
            then.status(200).body(fixture("cancellations-200.json"));
        });

        let cancellation = Cancel::cancel(&client(&server), &CancelRequest::total(REFERENCE_ID))
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Voided);
        assert_eq!(
            cancellation.reference.as_deref(),
            Some("5b008cef7f321d00ef236444")
        );
        assert_eq!(
            (cancellation.refunded, cancellation.remaining),
            (None, None)
        );
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn total_cancel_of_an_authorised_order_releases_the_authorisation() {
        let server = MockServer::start_async().await;
        // Nothing captured yet: `paid` is zero, but the authorisation can be cancelled.
        status_mock(
            &server,
            status_body("authorized", Some((10_000, 0, 0))),
            Some(1),
        );
        status_mock(
            &server,
            status_body("refunded", Some((10_000, 0, 10_000))),
            None,
        );
        let cancel = server.mock(|when, then| {
            when.method(POST)
                .path(order_path("cancellations"))
                .body(format!(r#"{{"authorizationId":"{AUTHORIZATION_ID}"}}"#));
            then.status(200).body(fixture("cancellations-200.json"));
        });

        let cancellation = Cancel::cancel(&client(&server), &total())
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert_eq!(cancellation.requested, Some(Cents::new(10_000)));
        assert_eq!(cancellation.refunded, Some(Cents::new(10_000)));
        assert_eq!(cancellation.review, None);
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn partial_cancel_uses_the_refunds_endpoint_with_decimal_reais() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            None,
        );
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(order_path("refunds"))
                .header("x-picpay-token", TOKEN)
                .body(format!(
                    r#"{{"authorizationId":"{AUTHORIZATION_ID}","amount":30.00}}"#
                ));
            then.status(201).body(
                r#"{"id":"refund-1","referenceId":"102030","summary":{"authorized":100,"paid":100,"refunded":30}}"#,
            );
        });

        let cancellation = Cancel::cancel(&client(&server), &partial(3000))
            .await
            .expect("refunds");
        assert_eq!(cancellation.outcome, Outcome::PartiallyRefunded);
        assert_eq!(cancellation.requested, Some(Cents::new(3000)));
        assert_eq!(cancellation.refunded, Some(Cents::new(3000)));
        assert_eq!(cancellation.remaining, Some(Cents::new(7000)));
        assert_eq!(cancellation.reference.as_deref(), Some("refund-1"));
        assert_eq!(cancellation.review, None);
        assert_eq!(
            cancellation
                .raw::<RefundResponse>()
                .map(|refund| refund.summary.refunded),
            Some(Some(reais(3000)))
        );
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn a_second_partial_cancel_counts_only_its_own_amount() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 3000))),
            None,
        );
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(order_path("refunds"))
                .body(format!(
                    r#"{{"authorizationId":"{AUTHORIZATION_ID}","amount":20.50}}"#
                ));
            then.status(201).body(
                r#"{"id":"refund-2","referenceId":"102030","summary":{"authorized":100,"paid":100,"refunded":50.5}}"#,
            );
        });
        let cancellation = Cancel::cancel(&client(&server), &partial(2050))
            .await
            .expect("refunds");
        assert_eq!(cancellation.outcome, Outcome::PartiallyRefunded);
        assert_eq!(cancellation.refunded, Some(Cents::new(5050)));
        assert_eq!(cancellation.remaining, Some(Cents::new(4950)));
        assert_eq!(
            cancellation.request().baseline_refunded(),
            Some(Cents::new(3000))
        );
        assert_eq!(cancellation.review, None);
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn partial_cancel_without_the_authorization_id_is_refused_before_sending() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            None,
        );
        let sent = mutations(&server);
        let request = CancelRequest::partial(REFERENCE_ID, amount(1000));
        let error = Cancel::cancel(&client(&server), &request)
            .await
            .expect_err("authorizationId is required");
        assert_eq!(
            error,
            CancelError::InvalidRequest {
                field: "authorizationId".to_owned(),
                reason:
                    "`authorizationId` is required by PicPay E-commerce for a partial cancellation"
                        .to_owned(),
            }
        );
        sent.assert_calls(0);
    }

    #[tokio::test]
    async fn an_already_refunded_order_is_answered_without_sending() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("refunded", Some((10_000, 10_000, 10_000))),
            None,
        );
        let sent = mutations(&server);
        for request in [total(), partial(100)] {
            let cancellation = Cancel::cancel(&client(&server), &request)
                .await
                .expect("answers");
            assert_eq!(cancellation.outcome, Outcome::Refunded);
            assert!(cancellation.already_done);
            assert_eq!(cancellation.refunded, Some(Cents::new(10_000)));
            assert_eq!(cancellation.remaining, Some(Cents::ZERO));
        }
        sent.assert_calls(0);
    }

    #[tokio::test]
    async fn an_expired_order_is_answered_without_sending() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            format!(r#"{{"referenceId":"{REFERENCE_ID}","status":"expired"}}"#),
            None,
        );
        let sent = mutations(&server);
        let cancellation = Cancel::cancel(&client(&server), &CancelRequest::total(REFERENCE_ID))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Voided);
        assert!(cancellation.already_done);
        sent.assert_calls(0);
    }

    #[tokio::test]
    async fn more_than_remains_is_rejected_before_sending() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 8000))),
            None,
        );
        let sent = mutations(&server);
        let cancellation = Cancel::cancel(&client(&server), &partial(5000))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("R$ 50,00 is more than the R$ 20,00 that remains; nothing was sent")
        );
        sent.assert_calls(0);
    }

    #[tokio::test]
    async fn a_chargeback_is_rejected_without_sending() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("chargeback", Some((10_000, 10_000, 0))),
            None,
        );
        let sent = mutations(&server);
        let cancellation = Cancel::cancel(&client(&server), &total())
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("the payment is chargeback: there is nothing to cancel")
        );
        sent.assert_calls(0);
    }

    #[tokio::test]
    async fn a_provider_refusal_is_a_rejection_with_its_reason() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            None,
        );
        let refund = server.mock(|when, then| {
            when.method(POST).path(order_path("refunds"));
            then.status(422)
                .body(fixture("refunds-422-already-refunded.json"));
        });
        let cancellation = Cancel::cancel(&client(&server), &partial(1000))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(cancellation.reason.as_deref(), Some(VALIDATION_MESSAGE));
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn a_total_cancel_without_the_authorization_id_is_refused_by_picpay() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            None,
        );
        // Without the field, `{}` goes out, and PicPay refuses it for a paid order.
        let cancel = server.mock(|when, then| {
            when.method(POST)
                .path(order_path("cancellations"))
                .body("{}");
            then.status(422).body(
                r#"{"message":"Algumas propriedades não passaram no teste de validação.","errors":[{"field":"authorizationId","message":"O campo authorizationId é obrigatório."}]}"#,
            );
        });
        let cancellation = Cancel::cancel(&client(&server), &CancelRequest::total(REFERENCE_ID))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Rejected);
        assert_eq!(cancellation.reason.as_deref(), Some(VALIDATION_MESSAGE));
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn a_timeout_after_sending_is_ambiguous_until_reconciled() {
        let server = MockServer::start_async().await;
        let before = status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            Some(1),
        );
        let cancel = server.mock(|when, then| {
            when.method(POST).path(order_path("cancellations"));
            then.status(200)
                .delay(Duration::from_millis(1500))
                .body(fixture("cancellations-200.json"));
        });
        let client = Client::builder()
            .credentials(HeaderToken::new(TOKEN))
            .base_url(server.base_url())
            .timeout(Duration::from_millis(300))
            .build()
            .expect("valid client configuration");

        let cancellation = Cancel::cancel(&client, &total())
            .await
            .expect("an unknown outcome is not an error");
        assert_eq!(cancellation.outcome, Outcome::Ambiguous);
        assert!(cancellation.needs_reconcile());
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("request timed out after it was sent")
        );
        assert_eq!(
            cancellation.request().baseline_refunded(),
            Some(Cents::ZERO)
        );
        cancel.assert_calls(1);
        before.assert_calls(1);

        // PicPay did apply it: the status now says so.
        let after = status_mock(
            &server,
            status_body("refunded", Some((10_000, 10_000, 10_000))),
            None,
        );
        let reconciled = Cancel::reconcile(&client, cancellation.request())
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Refunded);
        assert_eq!(reconciled.refunded, Some(Cents::new(10_000)));
        after.assert_calls(1);
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn a_partial_refund_that_timed_out_reconciles_to_partially_refunded() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            Some(1),
        );
        let refund = server.mock(|when, then| {
            when.method(POST).path(order_path("refunds"));
            then.status(201)
                .delay(Duration::from_millis(1500))
                .body(fixture("refunds-201.json"));
        });
        let client = Client::builder()
            .credentials(HeaderToken::new(TOKEN))
            .base_url(server.base_url())
            .timeout(Duration::from_millis(300))
            .build()
            .expect("valid client configuration");
        let cancellation = Cancel::cancel(&client, &partial(2500))
            .await
            .expect("an unknown outcome is not an error");
        assert_eq!(cancellation.outcome, Outcome::Ambiguous);

        // The order still reads `paid`; its amounts show the refund went through.
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 2500))),
            None,
        );
        let reconciled = Cancel::reconcile(&client, cancellation.request())
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::PartiallyRefunded);
        assert_eq!(reconciled.requested, Some(Cents::new(2500)));
        assert_eq!(reconciled.refunded, Some(Cents::new(2500)));
        assert_eq!(reconciled.remaining, Some(Cents::new(7500)));
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn reconciling_a_cancellation_that_never_happened_says_the_order_stands() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            None,
        );
        let request = total().with_baseline_refunded(Cents::ZERO);
        let reconciled = Cancel::reconcile(&client(&server), &request)
            .await
            .expect("reconciles");
        assert_eq!(reconciled.outcome, Outcome::Active);
    }

    #[tokio::test]
    async fn a_500_after_sending_is_ambiguous() {
        let server = MockServer::start_async().await;
        status_mock(
            &server,
            status_body("paid", Some((10_000, 10_000, 0))),
            None,
        );
        let cancel = server.mock(|when, then| {
            when.method(POST).path(order_path("cancellations"));
            then.status(500).body(fixture("error-500.json"));
        });
        let cancellation = Cancel::cancel(&client(&server), &total())
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Ambiguous);
        assert_eq!(
            cancellation.reason.as_deref(),
            Some("provider answered 500 with an error")
        );
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn an_invalid_reference_id_is_an_error_naming_the_field() {
        let server = MockServer::start_async().await;
        let any = server.mock(|when, then| {
            when.any_request();
            then.status(200);
        });
        for bad_id in ["", ".", ".."] {
            let error = Cancel::cancel(&client(&server), &CancelRequest::total(bad_id))
                .await
                .expect_err("invalid id");
            assert!(
                matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
                "{bad_id:?}: {error:?}"
            );
        }
        any.assert_calls(0);
    }
}

mod bad_input {
    //! Ids that would change the request's path never leave the process.

    use super::*;

    #[tokio::test]
    async fn empty_and_dot_reference_ids_are_rejected_before_anything_is_sent() {
        let server = MockServer::start_async().await;
        let any = server.mock(|when, then| {
            when.any_request();
            then.status(200).body(fixture("status-200.json"));
        });
        let client = client(&server);
        let refund_body = RefundRequest {
            authorization_id: AUTHORIZATION_ID.to_owned(),
            amount: None,
        };
        for bad_id in ["", ".", "..", "a/../b"] {
            let errors = [
                client
                    .cancel(bad_id, &CancellationRequest::default())
                    .await
                    .map(drop)
                    .map_err(|error| error.to_string()),
                client
                    .refund(bad_id, &refund_body)
                    .await
                    .map(drop)
                    .map_err(|error| error.to_string()),
                client
                    .status(bad_id)
                    .await
                    .map(drop)
                    .map_err(|error| error.to_string()),
            ];
            for error in errors {
                let message = error.expect_err("invalid id");
                assert!(
                    message.starts_with("invalid `reference_id`"),
                    "{bad_id:?}: {message}"
                );
            }
        }
        let error = client.status("..").await.expect_err("invalid id");
        assert!(matches!(
            error,
            Error::InvalidRequest {
                field: "reference_id",
                ..
            }
        ));
        any.assert_calls(0);
    }

    #[tokio::test]
    async fn a_slash_in_a_reference_id_is_percent_encoded_not_a_new_segment() {
        let server = MockServer::start_async().await;
        let encoded = server.mock(|when, then| {
            when.method(GET).path("/payments/order%2F7%3Fx/status");
            then.status(200).body(fixture("status-200.json"));
        });
        client(&server).status("order/7?x").await.expect("answers");
        encoded.assert_calls(1);
    }
}

#[test]
fn the_spec_describes_the_provider() {
    use estorno::spec::{AuthScheme, BodyKind, Method};

    let spec = &picpay_ecommerce::SPEC;
    assert_eq!(spec.name, "PicPay E-commerce");
    assert_eq!(spec.slug, "picpay-ecommerce");
    assert_eq!(
        spec.production,
        Some("https://appws.picpay.com/ecommerce/public")
    );
    assert_eq!(spec.sandbox, None);
    assert_eq!(
        spec.auth,
        AuthScheme::Header {
            name: "x-picpay-token"
        }
    );
    let described: Vec<_> = spec
        .endpoints
        .iter()
        .map(|endpoint| {
            (
                endpoint.name,
                endpoint.method,
                endpoint.path,
                endpoint.body,
                endpoint.idempotent,
                endpoint.reconcile,
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            (
                "cancel",
                Method::Post,
                "/payments/{referenceId}/cancellations",
                BodyKind::Json {
                    ty: "CancellationRequest"
                },
                false,
                Some("status"),
            ),
            (
                "refund",
                Method::Post,
                "/payments/{referenceId}/refunds",
                BodyKind::Json {
                    ty: "RefundRequest"
                },
                false,
                Some("status"),
            ),
            (
                "status",
                Method::Get,
                "/payments/{referenceId}/status",
                BodyKind::Empty,
                true,
                None,
            ),
        ]
    );
}

mod sandbox {
    //! Smoke test against the independent simulator (`estorno-sandbox`).

    use super::*;
    use estorno::{Cancel, CancelRequest};
    use estorno_sandbox::{DemoPayment, EffectKind, Sandbox, credentials, demo_payments};

    fn sandbox_client(sandbox: &Sandbox) -> Client {
        Client::builder()
            .credentials(HeaderToken::new(credentials::PICPAY_ECOMMERCE_TOKEN))
            .base_url(
                sandbox
                    .base_url("picpay-ecommerce")
                    .expect("the sandbox simulates PicPay E-commerce"),
            )
            .build()
            .expect("valid client configuration")
    }

    fn demo_order(id: &str) -> DemoPayment {
        demo_payments()
            .into_iter()
            .find(|payment| payment.provider == "picpay-ecommerce" && payment.payment_id == id)
            .unwrap_or_else(|| panic!("{id} is a seeded demo order"))
    }

    fn request_for(order: &DemoPayment, amount: Option<Amount>) -> CancelRequest {
        let request = match amount {
            Some(amount) => CancelRequest::partial(order.payment_id.clone(), amount),
            None => CancelRequest::total(order.payment_id.clone()),
        };
        match &order.authorization_id {
            Some(authorization_id) => request.field("authorizationId", authorization_id.clone()),
            None => request,
        }
    }

    fn cents(order: &DemoPayment) -> u64 {
        u64::try_from(order.amount_cents).expect("positive amount")
    }

    #[tokio::test]
    async fn total_and_partial_cancels_of_demo_orders() {
        let sandbox = Sandbox::start().await.expect("sandbox starts");
        let client = sandbox_client(&sandbox);

        let paid = demo_order("demo-order-0001");
        assert_eq!(paid.state, "paid");
        let cancellation = Cancel::cancel(&client, &request_for(&paid, None))
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert_eq!(cancellation.refunded, Some(Cents::new(cents(&paid))));
        assert_eq!(cancellation.review, None);

        let refundable = demo_order("demo-order-0002");
        assert!(refundable.partial_allowed);
        let cancellation = Cancel::cancel(&client, &request_for(&refundable, Some(amount(1001))))
            .await
            .expect("refunds");
        assert_eq!(cancellation.outcome, Outcome::PartiallyRefunded);
        assert_eq!(cancellation.refunded, Some(Cents::new(1001)));
        assert_eq!(
            cancellation.remaining,
            Some(Cents::new(cents(&refundable) - 1001))
        );
        assert_eq!(cancellation.review, None);

        let authorised = demo_order("demo-order-0014");
        assert_eq!(authorised.state, "authorized");
        let cancellation = Cancel::cancel(&client, &request_for(&authorised, None))
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert_eq!(cancellation.review, None);

        let refunded = demo_order("demo-order-0016");
        let cancellation = Cancel::cancel(&client, &request_for(&refunded, None))
            .await
            .expect("answers");
        assert_eq!(cancellation.outcome, Outcome::Refunded);
        assert!(cancellation.already_done);

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
        let entry = |operation: &str, order: &DemoPayment, amount: i64, kind: EffectKind| {
            (
                "picpay-ecommerce".to_owned(),
                operation.to_owned(),
                order.payment_id.clone(),
                amount,
                kind,
            )
        };
        assert_eq!(
            ledger,
            [
                entry("cancel", &paid, paid.amount_cents, EffectKind::Refund),
                entry("refund", &refundable, 1001, EffectKind::PartialRefund),
                entry(
                    "cancel",
                    &authorised,
                    authorised.amount_cents,
                    EffectKind::Void
                ),
            ]
        );
        assert_eq!(sandbox.request_count("picpay-ecommerce", "cancel"), 2);
        assert_eq!(sandbox.request_count("picpay-ecommerce", "refund"), 1);
        sandbox.shutdown().await;
    }

    /// The seed's "Cenário 2" against the simulator, which answers a `created` order's status
    /// with `summary: {authorized: 0, paid: 0, refunded: 0}`: nothing was refunded, so the
    /// cancellation is still sent and the order expires.
    #[tokio::test]
    async fn total_cancel_of_an_unpaid_demo_order_expires_it() {
        let sandbox = Sandbox::start().await.expect("sandbox starts");
        let unpaid = demo_order("demo-order-0015");
        assert_eq!(unpaid.state, "created");
        let cancellation = Cancel::cancel(&sandbox_client(&sandbox), &request_for(&unpaid, None))
            .await
            .expect("cancels");
        assert_eq!(cancellation.outcome, Outcome::Voided);
        assert!(!cancellation.already_done);
        assert_eq!(sandbox.request_count("picpay-ecommerce", "cancel"), 1);
        sandbox.shutdown().await;
    }
}

mod openapi {
    //! Holds the spec against PicPay's official OpenAPI files (copied unchanged into the
    //! fixtures), so that a renamed path, parameter, status or field on either side fails here.

    use super::*;
    use estorno::DomainStatus;
    use estorno::spec::{AuthScheme, BodyKind, EndpointSpec, ParamLocation, StatusMatch};
    use serde_json::{Map, Value, json};

    const FILES: [&str; 2] = ["checkout-legacy.json", "ecommerce.json"];

    fn document(file: &str) -> Value {
        serde_json::from_str(&fixture(&format!("openapi/{file}")))
            .unwrap_or_else(|error| panic!("{file}: {error}"))
    }

    /// The OpenAPI files, oldest first.
    fn documents() -> Vec<(&'static str, Value)> {
        FILES.iter().map(|file| (*file, document(file))).collect()
    }

    /// Follows `$ref`s inside the same document.
    fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
        while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("external $ref {reference}"));
            node = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
        }
        node
    }

    /// The OpenAPI operation for one of our endpoints, in every file that has it.
    fn operations<'a>(
        docs: &'a [(&'static str, Value)],
        endpoint: &EndpointSpec,
    ) -> Vec<(&'static str, &'a Value, &'a Value)> {
        let method = endpoint.method.as_str().to_ascii_lowercase();
        docs.iter()
            .filter_map(|(file, doc)| {
                let operation = doc.get("paths")?.get(endpoint.path)?.get(&method)?;
                Some((*file, doc, operation))
            })
            .collect()
    }

    /// The schemas one response status documents (several under `oneOf`).
    fn response_schemas<'a>(doc: &'a Value, operation: &'a Value, status: &str) -> Vec<&'a Value> {
        let response = resolve(doc, &operation["responses"][status]);
        let schema = resolve(doc, &response["content"]["application/json"]["schema"]);
        match schema.get("oneOf").and_then(Value::as_array) {
            Some(alternatives) => alternatives
                .iter()
                .map(|alternative| resolve(doc, alternative))
                .collect(),
            None => vec![schema],
        }
    }

    /// The documented example of a schema, built from its properties' `example`s; with
    /// `required_only`, from the properties the schema requires and nothing else.
    fn example(doc: &Value, schema: &Value, required_only: bool) -> Value {
        let schema = resolve(doc, schema);
        if let Some(items) = schema.get("items") {
            return json!([example(doc, items, required_only)]);
        }
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return schema["example"].clone();
        };
        let required = required_names(schema);
        let mut object = Map::new();
        for (name, property) in properties {
            if required_only && !required.contains(&name.as_str()) {
                continue;
            }
            let property = resolve(doc, property);
            if property.get("properties").is_some() || property.get("items").is_some() {
                object.insert(name.clone(), example(doc, property, required_only));
            } else if let Some(value) = property.get("example") {
                object.insert(name.clone(), value.clone());
            }
        }
        Value::Object(object)
    }

    fn required_names(schema: &Value) -> Vec<&str> {
        schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Every key of `ours` (recursively) is a property of `schema`, of the documented type.
    fn assert_documented(doc: &Value, schema: &Value, ours: &Value, context: &str) {
        let schema = resolve(doc, schema);
        match ours {
            Value::Object(fields) => {
                let properties = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .unwrap_or_else(|| panic!("{context}: the OpenAPI has no object here"));
                for (name, value) in fields {
                    let property = properties.get(name).unwrap_or_else(|| {
                        panic!("{context}: `{name}` is not in the OpenAPI schema")
                    });
                    assert_documented(doc, property, value, &format!("{context}.{name}"));
                }
            }
            Value::Array(items) => {
                let item_schema = schema
                    .get("items")
                    .unwrap_or_else(|| panic!("{context}: the OpenAPI has no array here"));
                for item in items {
                    assert_documented(doc, item_schema, item, &format!("{context}[]"));
                }
            }
            scalar => {
                let documented = schema["type"].as_str();
                let ours = match scalar {
                    Value::String(_) => "string",
                    Value::Number(_) => "number",
                    Value::Bool(_) => "boolean",
                    _ => "null",
                };
                let compatible = match documented {
                    Some("integer") => scalar.is_u64() || scalar.is_i64(),
                    Some(documented) => documented == ours,
                    // An untyped property (PicPay leaves a few) accepts anything.
                    None => true,
                };
                assert!(
                    compatible,
                    "{context}: we write a {ours}, the OpenAPI documents {documented:?}"
                );
            }
        }
    }

    /// `expected` is contained in `actual`; numbers compare by value (`100` equals `100.00`).
    fn assert_contains(expected: &Value, actual: &Value, context: &str) {
        match (expected, actual) {
            (Value::Object(expected), Value::Object(actual)) => {
                for (name, value) in expected {
                    let found = actual
                        .get(name)
                        .unwrap_or_else(|| panic!("{context}: `{name}` was dropped"));
                    assert_contains(value, found, &format!("{context}.{name}"));
                }
            }
            (Value::Array(expected), Value::Array(actual)) => {
                assert_eq!(expected.len(), actual.len(), "{context}");
                for (expected, actual) in expected.iter().zip(actual) {
                    assert_contains(expected, actual, &format!("{context}[]"));
                }
            }
            (Value::Number(expected), Value::Number(actual)) => {
                assert_eq!(expected.as_f64(), actual.as_f64(), "{context}");
            }
            (expected, actual) => assert_eq!(expected, actual, "{context}"),
        }
    }

    fn to_value<T: serde::Serialize>(value: &T) -> Value {
        serde_json::to_value(value).expect("serializes")
    }

    /// Decodes `example` into our type named `ty` and serializes it back.
    fn round_trip(ty: &str, example: &Value) -> Result<Value, serde_json::Error> {
        fn through<T: serde::de::DeserializeOwned + serde::Serialize>(
            example: &Value,
        ) -> Result<Value, serde_json::Error> {
            serde_json::from_value::<T>(example.clone()).map(|value| to_value(&value))
        }
        match ty {
            "CancellationRequest" => through::<CancellationRequest>(example),
            "RefundRequest" => through::<RefundRequest>(example),
            "CancellationResponse" => through::<CancellationResponse>(example),
            "RefundResponse" => through::<RefundResponse>(example),
            "StatusResponse" => through::<StatusResponse>(example),
            "Unauthorized" => through::<Unauthorized>(example),
            "Unprocessable" => through::<Unprocessable>(example),
            "InternalError" => through::<InternalError>(example),
            other => panic!("no sample for `{other}`: add one here"),
        }
    }

    /// One value of our type named `ty` with every optional field set, serialized.
    fn full_sample(ty: &str) -> Value {
        let summary = Summary {
            authorized: Some(reais(10_000)),
            paid: Some(reais(10_000)),
            refunded: Some(reais(2550)),
        };
        match ty {
            "CancellationRequest" => to_value(&CancellationRequest {
                authorization_id: Some(AUTHORIZATION_ID.to_owned()),
            }),
            "RefundRequest" => to_value(&RefundRequest {
                authorization_id: AUTHORIZATION_ID.to_owned(),
                amount: Some(reais(2550)),
            }),
            "CancellationResponse" => to_value(&seed_cancellation()),
            "RefundResponse" => to_value(&RefundResponse {
                summary,
                ..documented_refund()
            }),
            "StatusResponse" => to_value(&StatusResponse {
                reference_id: REFERENCE_ID.to_owned(),
                status: OrderStatus::Paid,
                authorization_id: Some(AUTHORIZATION_ID.to_owned()),
                summary,
            }),
            "Unauthorized" => to_value(&Unauthorized {
                message: "m".to_owned(),
            }),
            "Unprocessable" => to_value(&Unprocessable {
                message: "m".to_owned(),
                errors: vec![FieldError {
                    field: Some("amount".to_owned()),
                    message: Some("m".to_owned()),
                }],
            }),
            "InternalError" => to_value(&InternalError {
                message: Some("m".to_owned()),
            }),
            other => panic!("no sample for `{other}`: add one here"),
        }
    }

    /// Our statuses for an endpoint, as the OpenAPI's response keys.
    fn statuses(endpoint: &EndpointSpec) -> Vec<(String, &'static str)> {
        endpoint
            .ok
            .iter()
            .chain(endpoint.errors)
            .map(|mapping| match mapping.statuses {
                StatusMatch::One(status) => (status.to_string(), mapping.ty),
                other => panic!(
                    "{}: PicPay documents single statuses, not {other:?}",
                    endpoint.name
                ),
            })
            .collect()
    }

    #[test]
    fn the_base_url_is_the_openapi_server() {
        for (file, doc) in documents() {
            let server = doc["servers"][0]["url"].as_str().expect("a server URL");
            assert_eq!(
                Some(server.trim_end_matches('/')),
                picpay_ecommerce::SPEC.production,
                "{file}"
            );
            assert_eq!(doc["servers"].as_array().map(Vec::len), Some(1), "{file}");
        }
    }

    #[test]
    fn every_operation_exists_with_the_same_method_path_parameters_auth_and_statuses() {
        let docs = documents();
        let AuthScheme::Header { name: auth_header } = picpay_ecommerce::SPEC.auth else {
            panic!("PicPay E-commerce authenticates with a header token");
        };
        for endpoint in picpay_ecommerce::SPEC.endpoints {
            let found = operations(&docs, endpoint);
            assert!(
                !found.is_empty(),
                "{} {} is in neither OpenAPI file",
                endpoint.method.as_str(),
                endpoint.path
            );
            for (file, doc, operation) in found {
                let context = format!("{file} {} {}", endpoint.method.as_str(), endpoint.path);

                let mut documented_params: Vec<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|parameter| resolve(doc, parameter))
                    .filter(|parameter| parameter["in"] == "path")
                    .filter_map(|parameter| parameter["name"].as_str())
                    .collect();
                let mut our_params: Vec<&str> = endpoint
                    .params
                    .iter()
                    .filter(|param| param.location == ParamLocation::Path)
                    .map(|param| param.wire)
                    .collect();
                documented_params.sort_unstable();
                our_params.sort_unstable();
                assert_eq!(our_params, documented_params, "{context}: path parameters");
                // Nothing else (query, header) is documented, and we send nothing else.
                assert!(
                    endpoint
                        .params
                        .iter()
                        .all(|param| param.location == ParamLocation::Path),
                    "{context}"
                );

                let schemes: Vec<&str> = operation["security"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .flat_map(|requirement| requirement.keys().map(String::as_str))
                    .collect();
                assert_eq!(schemes.len(), 1, "{context}: one security scheme");
                let scheme = &doc["components"]["securitySchemes"][schemes[0]];
                assert_eq!(
                    (scheme["type"].as_str(), scheme["in"].as_str()),
                    (Some("apiKey"), Some("header")),
                    "{context}"
                );
                assert_eq!(scheme["name"].as_str(), Some(auth_header), "{context}");

                let mut documented_statuses: Vec<&str> = operation["responses"]
                    .as_object()
                    .map(|responses| responses.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let ours = statuses(endpoint);
                let mut our_statuses: Vec<&str> =
                    ours.iter().map(|(status, _)| status.as_str()).collect();
                documented_statuses.sort_unstable();
                our_statuses.sort_unstable();
                assert_eq!(our_statuses, documented_statuses, "{context}: statuses");

                let documented_body = operation.get("requestBody").map(|body| resolve(doc, body));
                match (endpoint.body, documented_body) {
                    (BodyKind::Json { .. }, Some(body)) => {
                        assert!(
                            body["content"].get("application/json").is_some(),
                            "{context}: a JSON body"
                        );
                    }
                    (BodyKind::Empty, None) => {}
                    (ours, documented) => {
                        panic!("{context}: we send {ours:?}, the OpenAPI documents {documented:?}")
                    }
                }
            }
        }
    }

    #[test]
    fn request_bodies_serialize_every_required_field_and_only_documented_ones() {
        let docs = documents();
        let minimal = |ty: &str| match ty {
            "CancellationRequest" => to_value(&CancellationRequest::default()),
            // Empty text too, so no "skip if empty" can hide a required field.
            "RefundRequest" => to_value(&RefundRequest {
                authorization_id: String::new(),
                amount: None,
            }),
            other => panic!("no sample for `{other}`: add one here"),
        };
        let mut checked = 0;
        for endpoint in picpay_ecommerce::SPEC.endpoints {
            let BodyKind::Json { ty } = endpoint.body else {
                continue;
            };
            for (file, doc, operation) in operations(&docs, endpoint) {
                let context = format!("{file} {} body {ty}", endpoint.path);
                let body = resolve(doc, &operation["requestBody"]);
                assert_eq!(body["required"], true, "{context}: we always send a body");
                let schema = resolve(doc, &body["content"]["application/json"]["schema"]);

                let full = full_sample(ty);
                assert_documented(doc, schema, &full, &context);
                // Even with every optional field left out, the required ones are written.
                let written = minimal(ty);
                for required in required_names(schema) {
                    assert!(
                        written.get(required).is_some(),
                        "{context}: the OpenAPI requires `{required}`, which we may leave out"
                    );
                }
                // The documented example reads into our type and is written back unchanged.
                let documented = example(doc, schema, false);
                let back = round_trip(ty, &documented)
                    .unwrap_or_else(|error| panic!("{context}: {error}"));
                assert_contains(&documented, &back, &context);
                assert_contains(&back, &documented, &context);
                checked += 1;
            }
        }
        assert_eq!(checked, 2, "cancellations and refunds bodies");
    }

    #[test]
    fn responses_read_every_documented_example_and_declare_only_documented_fields() {
        let docs = documents();
        let mut checked = 0;
        for endpoint in picpay_ecommerce::SPEC.endpoints {
            let found = operations(&docs, endpoint);
            for (status, ty) in statuses(endpoint) {
                for (file, doc, operation) in &found {
                    for schema in response_schemas(doc, operation, &status) {
                        let context = format!("{file} {} {status} {ty}", endpoint.path);
                        let documented = example(doc, schema, false);
                        let back = round_trip(ty, &documented)
                            .unwrap_or_else(|error| panic!("{context}: {error}"));
                        // Nothing documented is dropped or altered on the way through.
                        assert_contains(&documented, &back, &context);
                        checked += 1;
                    }
                }
                // Every field we declare is in the newest contract for the operation (the
                // legacy status answer has no `summary`; the newer one does).
                let Some((file, doc, operation)) = found.last() else {
                    continue;
                };
                for schema in response_schemas(doc, operation, &status) {
                    let context = format!("{file} {} {status} {ty}", endpoint.path);
                    assert_documented(doc, schema, &full_sample(ty), &context);
                }
            }
        }
        // cancel 200/401/422/500, refund 201/401/422×3/500, status 200/401/500 in two files.
        assert_eq!(checked, 4 + 6 + 6);
    }

    #[test]
    fn responses_need_only_the_fields_the_openapi_requires() {
        let docs = documents();
        for endpoint in picpay_ecommerce::SPEC.endpoints {
            for (status, ty) in statuses(endpoint) {
                for (file, doc, operation) in operations(&docs, endpoint) {
                    for schema in response_schemas(doc, operation, &status) {
                        let context = format!("{file} {} {status} {ty}", endpoint.path);
                        let minimal = example(doc, schema, true);
                        round_trip(ty, &minimal).unwrap_or_else(|error| {
                            panic!("{context}: {minimal} does not decode: {error}")
                        });
                    }
                }
            }
        }
    }

    #[test]
    fn the_status_enum_knows_exactly_the_documented_values() {
        let docs = documents();
        let mut documented: Vec<&str> = docs
            .iter()
            .flat_map(|(_, doc)| {
                doc["components"]["schemas"]["StatusResponse200"]["properties"]["status"]["enum"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
            })
            .collect();
        documented.sort_unstable();
        documented.dedup();
        let mut ours: Vec<&str> = OrderStatus::MAP
            .entries
            .iter()
            .map(|entry| entry.wire)
            .collect();
        ours.sort_unstable();
        assert_eq!(ours, documented);
    }

    #[test]
    fn the_fixtures_are_the_documented_examples() {
        let legacy = document("checkout-legacy.json");
        let ecommerce = document("ecommerce.json");
        let response = |doc: &Value, path: &str, method: &str, status: &str, index: usize| {
            let operation = &doc["paths"][path][method];
            example(doc, response_schemas(doc, operation, status)[index], false)
        };
        let cancellations = "/payments/{referenceId}/cancellations";
        let refunds = "/payments/{referenceId}/refunds";
        let status = "/payments/{referenceId}/status";
        let refund_body = example(
            &ecommerce,
            &ecommerce["paths"][refunds]["post"]["requestBody"]["content"]["application/json"]["schema"],
            false,
        );
        let cases = [
            (
                "cancellations-200.json",
                response(&legacy, cancellations, "post", "200", 0),
            ),
            (
                "status-200-legacy.json",
                response(&legacy, status, "get", "200", 0),
            ),
            (
                "status-200.json",
                response(&ecommerce, status, "get", "200", 0),
            ),
            ("refunds-request.json", refund_body),
            (
                "refunds-201.json",
                response(&ecommerce, refunds, "post", "201", 0),
            ),
            (
                "refunds-422-over-amount.json",
                response(&ecommerce, refunds, "post", "422", 0),
            ),
            (
                "refunds-422-negative.json",
                response(&ecommerce, refunds, "post", "422", 1),
            ),
            (
                "refunds-422-already-refunded.json",
                response(&ecommerce, refunds, "post", "422", 2),
            ),
            (
                "error-401.json",
                response(&legacy, cancellations, "post", "401", 0),
            ),
            (
                "error-422.json",
                response(&legacy, cancellations, "post", "422", 0),
            ),
            (
                "error-500.json",
                response(&legacy, cancellations, "post", "500", 0),
            ),
        ];
        for (name, documented) in cases {
            let saved: Value = serde_json::from_str(&fixture(name)).expect("fixture is JSON");
            assert_eq!(saved, documented, "{name}");
        }
    }
}
