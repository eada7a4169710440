//! Rejection reasons from lists: a top-level JSON array (Cielo), an array field (PagBank's
//! `error_messages`), one object or an array (Getnet's `details`), each element's
//! `code: message` joined.

use estorno::auth::BearerToken;
use estorno::{Cancel, CancelRequest, Outcome};
use httpmock::prelude::*;

mod spec {
    use estorno::{CancelResponse, OneOrMany, Rejection};
    use serde::Deserialize;

    /// Cielo answers a 400 with a top-level array of `{Code, Message}`.
    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = 0[].Message, code = 0[].Code)]
    pub struct CieloErrors(pub Vec<CieloError>);

    #[derive(Debug, Deserialize)]
    #[allow(non_snake_case)]
    pub struct CieloError {
        pub Code: u64,
        pub Message: String,
    }

    /// PagBank: `{"error_messages": [{code, description, parameter_name}]}`.
    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = error_messages[].description, code = error_messages[].code)]
    pub struct PagBankError {
        pub error_messages: Vec<PagBankMessage>,
    }

    #[derive(Debug, Deserialize)]
    pub struct PagBankMessage {
        pub code: String,
        pub description: String,
    }

    /// Getnet: `details` is an array of `{error_code, description}`, or one such object; the
    /// envelope's `name` is the code of the whole.
    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = details[].description, code = name)]
    pub struct GetnetError {
        pub name: String,
        #[serde(default)]
        pub details: Option<OneOrMany<GetnetDetail>>,
    }

    #[derive(Debug, Deserialize)]
    pub struct GetnetDetail {
        pub description: String,
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

    /// Shaped like Cielo's void: its 400 is a top-level array.
    #[estorno::provider(
        name = "Array Errors Pay",
        production = "https://api.array-errors.test",
        auth = bearer,
        cancel(total = void(payment), status = sale(payment)),
    )]
    pub trait ArrayErrorsPay {
        #[put("/1/sales/{payment_id}/void")]
        #[ok(200 => Sale)]
        #[err(400 => CieloErrors)]
        fn void(payment_id: &str) -> Sale;

        #[get("/1/sales/{payment_id}")]
        #[ok(200 => Sale)]
        #[idempotent]
        fn sale(payment_id: &str) -> Sale;
    }
}

#[test]
fn a_reason_joins_every_element_of_a_list_with_its_code() {
    use estorno::Rejection;

    let cielo: spec::CieloErrors = serde_json::from_str(
        r#"[{"Code":114,"Message":"The provided MerchantId is not in correct format"},{"Code":322,"Message":"Zero Dollar Auth is not enabled"}]"#,
    )
    .unwrap();
    assert_eq!(
        cielo.reason(),
        "114: The provided MerchantId is not in correct format; 322: Zero Dollar Auth is not enabled"
    );
    let pagbank: spec::PagBankError = serde_json::from_str(
        r#"{"error_messages":[{"code":"40002","description":"invalid_parameter","parameter_name":"amount.value"}]}"#,
    )
    .unwrap();
    assert_eq!(pagbank.reason(), "40002: invalid_parameter");
    // One object or an array: the same reading.
    for body in [
        r#"{"name":"PaymentNotFound","details":{"description":"payment_id is invalid"}}"#,
        r#"{"name":"PaymentNotFound","details":[{"description":"payment_id is invalid"}]}"#,
    ] {
        let getnet: spec::GetnetError = serde_json::from_str(body).unwrap();
        assert_eq!(
            getnet.reason(),
            "PaymentNotFound: payment_id is invalid",
            "{body}"
        );
    }
    let bare: spec::GetnetError = serde_json::from_str(r#"{"name":"ValidationError"}"#).unwrap();
    assert_eq!(bare.reason(), "ValidationError");
}

#[tokio::test]
async fn a_top_level_error_array_reads_as_a_refusal_with_its_reasons() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/1/sales/pay-1");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"Status":2}"#);
    });
    server.mock(|when, then| {
        when.method(PUT).path("/1/sales/pay-1/void");
        then.status(400)
            .header("content-type", "application/json")
            .body(r#"[{"Code":114,"Message":"The provided MerchantId is not in correct format"}]"#);
    });
    let client = spec::Client::builder()
        .credentials(BearerToken::new("canary-access-token"))
        .base_url(server.base_url())
        .build()
        .unwrap();

    let result = Cancel::cancel(&client, &CancelRequest::total("pay-1"))
        .await
        .expect("an outcome");

    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(
        result.reason.as_deref(),
        Some("114: The provided MerchantId is not in correct format")
    );
}
