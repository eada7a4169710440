//! Business results inside a 200, decided by a field's value (Cielo's `ReturnCode`): each
//! code declared approved, refused with the provider's words, under way or done, or "not
//! processed, call again"; a code nobody declared is an unknown outcome, never a success or a
//! refusal. Also an error declared with no body (Cielo's 401 for a bad MerchantKey).

use estorno::auth::BearerToken;
use estorno::{Cancel, CancelError, CancelRequest, Error, Meaning, Outcome, RetryPolicy};
use httpmock::prelude::*;

mod spec {
    use estorno::{CancelResponse, Identifier, Rejection};
    use serde::Deserialize;

    /// Shaped like Cielo's void: the outcome is in the 200's `ReturnCode`.
    #[estorno::provider(
        name = "Return Code Pay",
        production = "https://api.return-code.test",
        auth = bearer,
        cancel(total = void(payment), status = sale(payment)),
    )]
    pub trait ReturnCodePay {
        /// Voids a sale.
        #[put("/1/sales/{payment_id}/void")]
        #[ok(200 if "ReturnCode" = "0" | "9" => VoidResponse)]
        #[err(200 if "ReturnCode" = "10" | "17" | "42" => VoidResult, landed)]
        #[err(200 if "ReturnCode" = "57" | "99" => VoidResult, retry)]
        #[err(200 if "ReturnCode" = "3" | "40" | "41" | "51" | "52" | "55" | "56" => VoidResult)]
        #[err(400 => CieloErrors)]
        #[err(401)]
        fn void(payment_id: &str) -> VoidResponse;

        /// Looks a sale up.
        #[get("/1/sales/{payment_id}")]
        #[ok(200 => Sale)]
        #[err(404 => VoidResult, not_found)]
        #[err(401)]
        #[idempotent]
        fn sale(payment_id: &str) -> Sale;
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = Status)]
    #[allow(non_snake_case)]
    pub struct VoidResponse {
        pub Status: SaleStatus,
        pub ReturnCode: Identifier,
    }

    /// A void's business result, read as the refusal's words.
    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = ReturnMessage, code = ReturnCode)]
    #[allow(non_snake_case)]
    pub struct VoidResult {
        pub ReturnCode: String,
        pub ReturnMessage: String,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = 0[].Message, code = 0[].Code)]
    pub struct CieloErrors(pub Vec<CieloError>);

    #[derive(Debug, Deserialize)]
    #[allow(non_snake_case)]
    pub struct CieloError {
        pub Code: u64,
        pub Message: String,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = Status)]
    #[allow(non_snake_case)]
    pub struct Sale {
        pub Status: SaleStatus,
    }

    #[estorno::status]
    pub enum SaleStatus {
        #[status(2 => Active)]
        PaymentConfirmed,
        #[status(10 => Voided)]
        Voided,
    }
}

fn client(server: &MockServer) -> spec::Client {
    spec::Client::builder()
        .credentials(BearerToken::new("canary-access-token"))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The sale as the look-up shows it: confirmed (2) or voided (10).
fn sale(server: &MockServer, status: u8) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(GET).path("/1/sales/pay-1");
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(r#"{{"Status":{status}}}"#));
    })
}

fn void_answers<'s>(server: &'s MockServer, status: u16, body: &str) -> httpmock::Mock<'s> {
    let body = body.to_owned();
    server.mock(move |when, then| {
        when.method(PUT).path("/1/sales/pay-1/void");
        then.status(status)
            .header("content-type", "application/json")
            .body(body);
    })
}

#[tokio::test]
async fn an_approved_code_reads_as_the_success_it_declares() {
    let server = MockServer::start();
    sale(&server, 2);
    // Cielo writes the code as a string; a number with the same digits is the same code.
    for body in [
        r#"{"Status":10,"ReturnCode":"9","ReturnMessage":"Operation Successful"}"#,
        r#"{"Status":10,"ReturnCode":9,"ReturnMessage":"Operation Successful"}"#,
    ] {
        let void = void_answers(&server, 200, body);
        let answer = client(&server).void("pay-1").await.expect("approved");
        assert_eq!(answer.Status, spec::SaleStatus::Voided);
        assert_eq!(answer.ReturnCode.as_str(), "9");

        let result = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
            .await
            .expect("an outcome");
        assert_eq!(result.outcome, Outcome::Voided, "{body}");
        void.assert_calls(2);
        server.reset();
        sale(&server, 2);
    }
}

#[tokio::test]
async fn a_refusing_code_is_a_refusal_with_the_providers_words() {
    let server = MockServer::start();
    sale(&server, 2);
    void_answers(
        &server,
        200,
        r#"{"Status":2,"ReturnCode":"41","ReturnMessage":"Status does not allow void"}"#,
    );

    let error = client(&server).void("pay-1").await.expect_err("refused");
    assert!(
        matches!(&error, Error::Api { status: 200, meaning: Meaning::Status, body: spec::VoidError::VoidResult(body), .. } if body.ReturnCode == "41"),
        "{error:?}"
    );
    assert!(!error.outcome_unknown() && !error.is_retryable());

    let result = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(
        result.reason.as_deref(),
        Some("41: Status does not allow void")
    );
}

#[tokio::test]
async fn a_code_saying_it_is_already_under_way_is_followed_by_a_look_up_never_a_refusal() {
    let server = MockServer::start();
    let before = sale(&server, 2);
    void_answers(
        &server,
        200,
        r#"{"Status":2,"ReturnCode":"17","ReturnMessage":"Void already exists"}"#,
    );

    let error = client(&server).void("pay-1").await.expect_err("declared");
    assert_eq!(error.meaning(), Meaning::Landed);

    // The look-up after it still shows the sale confirmed: sent and accepted, not visible yet.
    let result = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Acknowledged, "{result:?}");
    assert!(
        result
            .reason
            .as_deref()
            .is_some_and(|reason| reason.contains("17: Void already exists")),
        "{:?}",
        result.reason
    );
    before.assert_calls(2);

    // Once the look-up shows it voided, the void is done.
    server.reset();
    sale(&server, 10);
    let void = void_answers(
        &server,
        200,
        r#"{"Status":10,"ReturnCode":"10","ReturnMessage":"Pending request already exists"}"#,
    );
    let result = Cancel::reconcile(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Voided);
    void.assert_calls(0);
}

#[tokio::test]
async fn a_code_saying_nothing_was_processed_is_try_again_later() {
    let server = MockServer::start();
    sale(&server, 2);
    let void = void_answers(
        &server,
        200,
        r#"{"Status":2,"ReturnCode":"57","ReturnMessage":"Processing failure"}"#,
    );

    let error = client(&server).void("pay-1").await.expect_err("declared");
    assert!(
        error.is_retryable() && !error.outcome_unknown(),
        "{error:?}"
    );

    let error = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect_err("not processed");
    assert!(
        matches!(&error, CancelError::Unavailable { reason, .. } if reason == "the provider processed nothing and asks to be called again: 57: Processing failure"),
        "{error:?}"
    );
    // Sent once by the typed call, once by the unified one: never retried on its own.
    void.assert_calls(2);
}

#[tokio::test]
async fn a_code_nobody_declared_is_an_unknown_outcome() {
    let server = MockServer::start();
    sale(&server, 2);
    void_answers(
        &server,
        200,
        r#"{"Status":2,"ReturnCode":"77","ReturnMessage":"Something new"}"#,
    );

    let error = client(&server).void("pay-1").await.expect_err("undeclared");
    assert!(
        matches!(error, Error::UnexpectedStatus { status: 200, .. }) && error.outcome_unknown(),
        "{error:?}"
    );
    let result = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Ambiguous);
}

#[tokio::test]
async fn an_error_declared_without_a_body_is_classified_by_its_status() {
    let server = MockServer::start();
    let look_up = server.mock(|when, then| {
        when.method(GET).path("/1/sales/pay-1");
        then.status(401);
    });

    let error = client(&server).sale("pay-1").await.expect_err("401");
    assert!(
        matches!(
            &error,
            Error::Api {
                status: 401,
                body: spec::SaleError::NoBody(estorno::NoBody),
                ..
            }
        ),
        "{error:?}"
    );
    let error = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect_err("credentials refused");
    assert!(
        matches!(&error, CancelError::Auth { reason, .. } if reason == "the provider answered 401"),
        "{error:?}"
    );
    look_up.assert_calls(2);

    // A void refused the same way, after a look-up that worked.
    server.reset();
    sale(&server, 2);
    void_answers(&server, 401, "");
    let error = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect_err("credentials refused");
    assert!(matches!(error, CancelError::Auth { .. }), "{error:?}");
}

#[tokio::test]
async fn a_look_up_answering_not_found_is_a_refusal_to_show_the_payment() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/1/sales/pay-1");
        then.status(404)
            .header("content-type", "application/json")
            .body(r#"{"ReturnCode":"52","ReturnMessage":"Sale not found"}"#);
    });
    let void = void_answers(&server, 200, "{}");

    let result = Cancel::cancel(&client(&server), &CancelRequest::total("pay-1"))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(result.reason.as_deref(), Some("52: Sale not found"));
    void.assert_calls(0);
}
