//! e.Rede's documented requests against httpmock: the OAuth2 token call with the PV and key
//! as Basic, then Bearer on `/v2`, or the legacy Basic on every call; the refund's amount in
//! cents, its `returnCode` deciding the outcome inside a 2xx, `355` as "an earlier refund
//! landed", and the transaction look-up that a total and reconciliation read. This file runs
//! as the `rede` module of the workspace's `providers` test binary.

use std::time::Duration;

use estorno::auth::ClientCredentials;
use estorno::rede::{ApiError, Client, Refund, RefundResult};
use estorno::{
    Amount, Cancel, CancelError, CancelRequest, Cents, Outcome, Provider, ProviderConfig,
};
use httpmock::prelude::*;

const TID: &str = "10012006291402541580";
const PV: &str = "1234567";
const KEY: &str = "canaryIntegrationKey0123";
/// `base64("1234567:canaryIntegrationKey0123")`.
const PV_KEY_BASIC: &str = "Basic MTIzNDU2NzpjYW5hcnlJbnRlZ3JhdGlvbktleTAxMjM=";

/// The OAuth2 generation, its token host moved to the mock server.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(ClientCredentials::new(PV, KEY))
        .base_url(server.base_url())
        .token_url(server.url("/oauth2/token"))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

/// The legacy generation: Basic `PV:key` on every call.
fn legacy(server: &MockServer) -> Client {
    Client::builder()
        .credentials(ClientCredentials::new(PV, KEY))
        .auth("legacy")
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

fn token(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .header("authorization", PV_KEY_BASIC)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"access_token":"rede-at-1","token_type":"Bearer","expires_in":1440,"scope":"erede"}"#);
    })
}

/// A transaction of R$ 20,99 in `status`, with `refunds` (a JSON array) so far.
fn transaction<'a>(
    server: &'a MockServer,
    authorization: &str,
    status: &str,
    refunds: &str,
) -> httpmock::Mock<'a> {
    let body = format!(
        r#"{{"requestDateTime":"2026-11-30T14:00:00-03:00","authorization":{{"tid":"{TID}","amount":2099,"status":"{status}","returnCode":"00","returnMessage":"Success.","reference":"pedido123","nsu":"153003385","kind":"credit","cardHolderName":"MARIA DA SILVA","cardBin":"544828","last4":"0007"}},"refunds":{refunds}}}"#
    );
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/transactions/{TID}"))
            .header("authorization", authorization);
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn refund_body() -> String {
    estorno_tests::fixture("rede", "refund-359.json")
}

#[test]
fn the_documented_answers_decode() {
    let refund: Refund = serde_json::from_str(&refund_body()).unwrap();
    assert_eq!(refund.return_code, RefundResult::Refunded);
    assert_eq!(
        refund.refund_id.as_deref(),
        Some("4a6fd1b3-8e57-4a6b-9e0b-9f9e2d1f2c11")
    );
    assert_eq!(refund.tid.as_deref(), Some(TID));
    let error: ApiError =
        serde_json::from_str(&estorno_tests::fixture("rede", "error-355.json")).unwrap();
    assert_eq!(error.return_code, "355");
    assert_eq!(error.return_message, "Transaction already cancelled.");
}

#[tokio::test]
async fn a_total_asks_for_a_token_then_refunds_what_remains_in_cents() {
    let server = MockServer::start();
    let token = token(&server);
    let look_up = transaction(&server, "Bearer rede-at-1", "Approved", "[]");
    let body = refund_body();
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/transactions/{TID}/refunds"))
            .header("authorization", "Bearer rede-at-1")
            .header("content-type", "application/json")
            .body(r#"{"amount":2099}"#);
        then.status(201)
            .header("content-type", "application/json")
            .body(body);
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(TID))
        .await
        .expect("refunded");

    // One token for every call; the look-up before sending, and the one that would complete
    // the answer's amounts (it lags here, so the answer stands).
    token.assert();
    look_up.assert_calls(2);
    refund.assert();
    assert_eq!(result.outcome, Outcome::Refunded);
    assert_eq!(
        result.reference.as_deref(),
        Some("4a6fd1b3-8e57-4a6b-9e0b-9f9e2d1f2c11")
    );
    assert_eq!(result.requested, Some(Cents::new(2099)));
    // The answer states no amounts and the look-up has not caught up: the amounts are what
    // the answer implies.
    assert_eq!(result.refunded, Some(Cents::new(2099)));
    assert_eq!(result.remaining, Some(Cents::new(0)));
}

#[tokio::test]
async fn a_partial_on_the_legacy_scheme_sends_basic_and_reads_359_as_partial() {
    let server = MockServer::start();
    let token = server.mock(|when, then| {
        when.path("/oauth2/token");
        then.status(500);
    });
    transaction(&server, PV_KEY_BASIC, "Approved", "[]");
    let body = refund_body();
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/transactions/{TID}/refunds"))
            .header("authorization", PV_KEY_BASIC)
            .body(r#"{"amount":1000}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    });

    let request = CancelRequest::partial(TID, Amount::from_cents(1000).unwrap());
    let result = Cancel::cancel(&legacy(&server), &request)
        .await
        .expect("refunded");

    refund.assert();
    token.assert_calls(0);
    assert_eq!(result.outcome, Outcome::PartiallyRefunded);
    assert_eq!(result.requested, Some(Cents::new(1000)));
    assert_eq!(result.refunded, Some(Cents::new(1000)));
    assert_eq!(result.remaining, Some(Cents::new(1099)));
}

#[tokio::test]
async fn the_look_up_counts_only_the_refunds_made() {
    let server = MockServer::start();
    transaction(
        &server,
        PV_KEY_BASIC,
        "Approved",
        r#"[{"refundId":"r-0","status":"Done","amount":99},{"refundId":"r-1","status":"Processing","amount":500},{"refundId":"r-2","status":"Denied","amount":300}]"#,
    );
    let status = Cancel::status(&legacy(&server), &CancelRequest::total(TID))
        .await
        .expect("looked up");
    assert_eq!(status.outcome, Outcome::PartiallyRefunded);
    assert_eq!(status.refunded, Some(Cents::new(99)));
    assert_eq!(status.remaining, Some(Cents::new(2000)));
    assert_eq!(status.reference.as_deref(), Some(TID));
}

#[tokio::test]
async fn each_answer_means_what_rede_documents() {
    let cases: [(u16, &str, &str, Outcome); 3] = [
        // Already cancelled: an earlier refund landed; the look-up tells the rest.
        (
            400,
            "355",
            "Transaction already cancelled.",
            Outcome::Acknowledged,
        ),
        // A refusal, with Rede's words.
        (
            400,
            "357",
            "Sum of amount refunds greater than the transaction amount",
            Outcome::Rejected,
        ),
        // A code nobody documented inside a 2xx: the outcome is unknown.
        (200, "00", "Success.", Outcome::Ambiguous),
    ];
    for (status, code, message, expected) in cases {
        let server = MockServer::start();
        transaction(&server, PV_KEY_BASIC, "Approved", "[]");
        server.mock(|when, then| {
            when.method(POST)
                .path(format!("/transactions/{TID}/refunds"));
            then.status(status)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"returnCode":"{code}","returnMessage":"{message}"}}"#
                ));
        });
        let result = Cancel::cancel(&legacy(&server), &CancelRequest::total(TID))
            .await
            .expect("an outcome");
        assert_eq!(result.outcome, expected, "{code}: {result:?}");
        if expected == Outcome::Rejected {
            assert_eq!(
                result.reason.as_deref(),
                Some(&*format!("{code}: {message}"))
            );
        }
    }
}

#[tokio::test]
async fn a_cancelled_transaction_is_not_refunded_again() {
    let server = MockServer::start();
    transaction(
        &server,
        PV_KEY_BASIC,
        "Canceled",
        r#"[{"refundId":"r-0","status":"Done","amount":2099}]"#,
    );
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/transactions/{TID}/refunds"));
        then.status(201).body(refund_body());
    });
    let result = Cancel::cancel(&legacy(&server), &CancelRequest::total(TID))
        .await
        .expect("an outcome");
    assert!(result.already_done, "{result:?}");
    assert_eq!(result.outcome, Outcome::Refunded);
    refund.assert_calls(0);
}

#[tokio::test]
async fn configuration_chooses_the_legacy_scheme_and_its_base_urls() {
    let vars = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect::<Vec<_>>()
    };
    let base = |pairs: &[(&str, &str)]| {
        let config = ProviderConfig::from_vars("rede", vars(pairs)).unwrap();
        let client: Client = config.build().unwrap();
        client.core().base_url().to_owned()
    };
    let credentials = [
        ("ESTORNO_REDE_CLIENT_ID", PV),
        ("ESTORNO_REDE_CLIENT_SECRET", KEY),
    ];
    assert_eq!(base(&credentials), "https://api.userede.com.br/erede/v2");
    let legacy = [
        credentials[0],
        credentials[1],
        ("ESTORNO_REDE_AUTH", "legacy"),
    ];
    assert_eq!(base(&legacy), "https://api.userede.com.br/erede/v1");
    let legacy_sandbox = [
        legacy[0],
        legacy[1],
        legacy[2],
        ("ESTORNO_REDE_SANDBOX", "1"),
    ];
    assert_eq!(
        base(&legacy_sandbox),
        "https://api.userede.com.br/desenvolvedores/v1"
    );

    let server = MockServer::start();
    transaction(&server, PV_KEY_BASIC, "Approved", "[]");
    let url = server.base_url();
    let pointed = [
        legacy[0],
        legacy[1],
        legacy[2],
        ("ESTORNO_REDE_BASE_URL", &url),
    ];
    let client: Client = ProviderConfig::from_vars("rede", vars(&pointed))
        .unwrap()
        .build()
        .unwrap();
    let status = Cancel::status(&client, &CancelRequest::total(TID))
        .await
        .expect("looked up");
    assert_eq!(status.outcome, Outcome::Active);
    assert_eq!(status.remaining, Some(Cents::new(2099)));
}

#[tokio::test]
async fn bad_tids_are_refused_before_anything_is_sent() {
    let server = MockServer::start();
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    for tid in ["1001/2006", "", "1001 2006", "../transactions"] {
        let error = Cancel::cancel(&legacy(&server), &CancelRequest::total(tid))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
            "{tid}: {error:?}"
        );
    }
    anything.assert_calls(0);
}

#[tokio::test]
async fn the_card_holder_never_shows_in_debug_output() {
    let server = MockServer::start();
    transaction(&server, PV_KEY_BASIC, "Approved", "[]");
    let transaction = legacy(&server).transaction(TID).await.unwrap();
    let shown = format!("{transaction:?}");
    assert!(!shown.contains("MARIA"), "{shown}");
    assert!(!shown.contains("544828"), "{shown}");
    assert_eq!(transaction.authorization.amount, Cents::new(2099));
}
