//! Cielo's documented requests against httpmock: the void is a `PUT` on the transactions host
//! with the amount in the query, the look-up a `GET` on the query host, both with the
//! `MerchantId` and `MerchantKey` headers; the 200's `ReturnCode` decides the outcome, a 400
//! is a top-level array, and a 401 has no body.

use std::time::Duration;

use estorno::auth::HeaderPair;
use estorno::cielo::{Client, VoidApproval, VoidResponse};
use estorno::{
    Amount, BuildError, Cancel, CancelError, CancelRequest, Cents, Outcome, ProviderConfig,
};
use httpmock::prelude::*;

const SALE: &str = "019efd18-c69a-4107-b5d7-e86564460cc4";
const MERCHANT_ID: &str = "a3a1b2c4-0000-4000-8000-000000000001";
const MERCHANT_KEY: &str = "canaryMerchantKeyCanaryMerchantKeyCanary";

/// Both hosts on one mock server: the query host under `/query`, to tell them apart.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(HeaderPair::new(MERCHANT_ID, MERCHANT_KEY))
        .base_url(server.base_url())
        .host_url("query", server.url("/query"))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

/// A sale of R$ 157,00 in `status`, with `voided` cents voided.
fn sale(server: &MockServer, status: u8, voided: u64) -> httpmock::Mock<'_> {
    let body = format!(
        r#"{{"MerchantOrderId":"2014111703","Payment":{{"PaymentId":"{SALE}","Amount":15700,"VoidedAmount":{voided},"Status":{status},"Tid":"0719094510712","ReturnCode":"6","ReturnMessage":"Operation Successful"}}}}"#
    );
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/query/1/sales/{SALE}"))
            .header("MerchantId", MERCHANT_ID)
            .header("MerchantKey", MERCHANT_KEY);
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

#[test]
fn the_documented_full_void_decodes() {
    let answer: VoidResponse =
        serde_json::from_str(&estorno_tests::fixture("cielo", "void-full-200.json")).unwrap();
    assert_eq!(answer.Status, 10);
    assert_eq!(answer.ReturnCode, VoidApproval::FullApproved);
    assert_eq!(answer.Tid.as_deref(), Some("0719094510712"));
}

#[tokio::test]
async fn a_full_void_goes_to_the_transactions_host_without_an_amount() {
    let server = MockServer::start();
    sale(&server, 2, 0);
    let body = estorno_tests::fixture("cielo", "void-full-200.json");
    let void = server.mock(|when, then| {
        when.method(PUT)
            .path(format!("/1/sales/{SALE}/void"))
            .query_param_missing("amount")
            .header("MerchantId", MERCHANT_ID)
            .header("MerchantKey", MERCHANT_KEY)
            .header("content-type", "application/json");
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    });

    let result = Cancel::cancel(&client(&server), &CancelRequest::total(SALE))
        .await
        .expect("voided");

    void.assert();
    assert_eq!(result.outcome, Outcome::Voided);
    assert_eq!(result.reference.as_deref(), Some("0719094510712"));
}

#[tokio::test]
async fn a_partial_void_names_its_cents_in_the_query() {
    let server = MockServer::start();
    sale(&server, 2, 0);
    let void = server.mock(|when, then| {
        when.method(PUT)
            .path(format!("/1/sales/{SALE}/void"))
            .query_param("amount", "5000");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"Status":2,"Tid":"0719094510712","ReturnCode":"0","ReturnMessage":"Operation Successful","ReasonCode":0,"ReasonMessage":"Successful","ProviderReturnCode":"0","ProviderReturnMessage":"Operation Successful"}"#);
    });

    let request = CancelRequest::partial(SALE, Amount::try_from(Cents::new(5_000)).unwrap());
    let result = Cancel::cancel(&client(&server), &request)
        .await
        .expect("an outcome");

    void.assert();
    assert_eq!(result.outcome, Outcome::PartiallyRefunded);
}

/// What a cancellation's result must be, for one case.
type Expected = fn(&Result<estorno::Cancellation, CancelError>) -> bool;

#[tokio::test]
async fn each_return_code_means_what_cielo_documents() {
    let cases: [(&str, Expected); 4] = [
        // Status does not allow a void: a refusal with Cielo's words.
        ("41", |result| {
            matches!(result, Ok(done) if done.outcome == Outcome::Rejected
                && done.reason.as_deref() == Some("41: Status does not allow it"))
        }),
        // A void already exists: it landed, the look-up tells the rest.
        (
            "17",
            |result| matches!(result, Ok(done) if done.outcome == Outcome::Acknowledged),
        ),
        // A processing failure: nothing was done, try again later.
        ("57", |result| {
            matches!(result, Err(CancelError::Unavailable { reason, .. })
                if reason.ends_with("57: Status does not allow it"))
        }),
        // A code nobody listed: the outcome is unknown.
        (
            "77",
            |result| matches!(result, Ok(done) if done.outcome == Outcome::Ambiguous),
        ),
    ];
    for (code, expected) in cases {
        let server = MockServer::start();
        sale(&server, 2, 0);
        server.mock(|when, then| {
            when.method(PUT).path(format!("/1/sales/{SALE}/void"));
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"Status":2,"ReturnCode":"{code}","ReturnMessage":"Status does not allow it"}}"#
                ));
        });
        let result = Cancel::cancel(&client(&server), &CancelRequest::total(SALE)).await;
        assert!(expected(&result), "{code}: {result:?}");
    }
}

#[tokio::test]
async fn a_400_is_a_list_of_reasons_and_a_401_has_no_body() {
    let server = MockServer::start();
    sale(&server, 2, 0);
    let body = estorno_tests::fixture("cielo", "error-400.json");
    let mut refused = server.mock(|when, then| {
        when.method(PUT).path(format!("/1/sales/{SALE}/void"));
        then.status(400)
            .header("content-type", "application/json")
            .body(body);
    });
    let result = Cancel::cancel(&client(&server), &CancelRequest::total(SALE))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(
        result.reason.as_deref(),
        Some("114: The provided MerchantId is not in correct format")
    );
    refused.delete();

    server.mock(|when, then| {
        when.method(PUT).path(format!("/1/sales/{SALE}/void"));
        then.status(401);
    });
    let error = Cancel::cancel(&client(&server), &CancelRequest::total(SALE))
        .await
        .expect_err("credentials refused");
    assert!(matches!(error, CancelError::Auth { .. }), "{error:?}");
}

#[tokio::test]
async fn a_voided_sale_is_not_voided_again_and_a_partly_voided_one_caps_the_part() {
    for (status, voided, request) in [
        (10, 15_700, CancelRequest::total(SALE)),
        (
            2,
            15_000,
            CancelRequest::partial(SALE, Amount::try_from(Cents::new(800)).unwrap()),
        ),
    ] {
        let server = MockServer::start();
        let void = server.mock(|when, then| {
            when.method(PUT).path(format!("/1/sales/{SALE}/void"));
            then.status(200).body("{}");
        });
        sale(&server, status, voided);
        let result = Cancel::cancel(&client(&server), &request)
            .await
            .expect("an outcome");
        if status == 10 {
            assert!(result.already_done, "{result:?}");
        } else {
            // 800 asked, 700 left.
            assert_eq!(result.outcome, Outcome::Rejected, "{result:?}");
        }
        void.assert_calls(0);
    }
}

#[tokio::test]
async fn configuration_names_the_credentials_after_the_headers_and_moves_each_host() {
    let server = MockServer::start();
    sale(&server, 2, 0);
    let vars = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(name, value)| (format!("ESTORNO_CIELO_{name}"), value.clone()))
            .collect::<Vec<_>>()
    };
    let config = ProviderConfig::from_vars(
        "cielo",
        vars(&[
            ("MERCHANT_ID", MERCHANT_ID.to_owned()),
            ("MERCHANT_KEY", MERCHANT_KEY.to_owned()),
            ("BASE_URL", server.base_url()),
            ("QUERY_URL", server.url("/query")),
        ]),
    )
    .unwrap();
    let client: Client = config.build().unwrap();
    let status = Cancel::status(&client, &CancelRequest::total(SALE))
        .await
        .expect("the sale");
    assert_eq!(status.outcome, Outcome::Active);

    let misspelt = ProviderConfig::from_vars(
        "cielo",
        vars(&[
            ("MERCHANT_ID", MERCHANT_ID.to_owned()),
            ("MERCHANTKEY", MERCHANT_KEY.to_owned()),
        ]),
    )
    .unwrap();
    let error = misspelt.build::<Client>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "Cielo reads no credential `merchantkey`; it reads merchant_id, merchant_key"
    );
    let unknown_host = ProviderConfig::from_vars(
        "cielo",
        vars(&[
            ("MERCHANT_ID", MERCHANT_ID.to_owned()),
            ("MERCHANT_KEY", MERCHANT_KEY.to_owned()),
            ("REPORTS_URL", server.base_url()),
        ]),
    )
    .unwrap();
    assert!(matches!(
        unknown_host.build::<Client>(),
        Err(BuildError::UnknownHost { name, .. }) if name == "reports"
    ));
}

#[test]
fn each_host_has_its_production_and_sandbox_forms() {
    let spec = &estorno::cielo::SPEC;
    assert_eq!(spec.hosts.len(), 1);
    assert_eq!(spec.hosts[0].name, "query");
    assert_eq!(
        spec.hosts[0].sandbox,
        Some("https://apiquerysandbox.cieloecommerce.cielo.com.br")
    );
    assert_eq!(spec.credentials, ["merchant_id", "merchant_key"]);
    let sale = spec.endpoint("sale").unwrap();
    assert_eq!(sale.host, Some(0));
    assert_eq!(spec.endpoint("void").unwrap().host, None);
}

#[tokio::test]
async fn bad_sale_ids_are_refused_before_anything_is_sent() {
    let server = MockServer::start();
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let error = Cancel::cancel(&client(&server), &CancelRequest::total("not-a-guid"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "payment"),
        "{error:?}"
    );
    anything.assert_calls(0);
}
