//! The unified cancellation never moves money twice, never calls a refund failed that may
//! have happened, never sends on a look-up it cannot trust, and never hands out a provider's
//! echo of the caller's secrets or of personal data: each case against httpmock.

use std::time::{Duration, Instant};

use estorno::auth::{BasicAuth, ClientCredentials, HeaderToken};
use estorno::{Amount, Cancel, CancelError, CancelRequest, Cents, Outcome, RetryPolicy};
use estorno::{picpay_checkout, picpay_ecommerce, yapay, zoop};
use httpmock::prelude::*;

const CHARGE_ID: &str = "8086bfd7-6241-4f76-81d8-70460533ce74";
const REFERENCE_ID: &str = "102030";
const AUTHORIZATION_ID: &str = "555008cef7f321d00ef236333";
const ESTABLISHMENT: &str = "1000000000000";
const NUMBER: &str = "1234";

fn amount(cents: u64) -> Amount {
    Amount::from_cents(cents).expect("positive amount")
}

/// Fast retries, so the tests that exhaust them stay short.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::new()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn checkout(server: &MockServer) -> picpay_checkout::Client {
    picpay_checkout::Client::builder()
        .credentials(ClientCredentials::new("client-id", "client-secret"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(quick_retries())
        .build()
        .expect("valid client configuration")
}

fn ecommerce(server: &MockServer) -> picpay_ecommerce::Client {
    picpay_ecommerce::Client::builder()
        .credentials(HeaderToken::new("canary-picpay-token"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(quick_retries())
        .build()
        .expect("valid client configuration")
}

fn yapay_client(server: &MockServer) -> yapay::Client {
    yapay::Client::builder()
        .credentials(BasicAuth::new("loja@exemplo.com", "canary-senha-123"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(quick_retries())
        .build()
        .expect("valid client configuration")
}

fn zoop_client(server: &MockServer) -> zoop::Client {
    zoop::Client::builder()
        .credentials(estorno::auth::ApiKey::new("zpk_canary_key"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(quick_retries())
        .build()
        .expect("valid client configuration")
}

fn token(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .header("content-type", "application/json")
            .body(
                r#"{"access_token":"canary-access-token","expires_in":300,"token_type":"Bearer"}"#,
            );
    })
}

/// A PicPay Checkout charge as its look-up and refund answer it.
fn charge(id: &str, status: &str, left: u64, refunded: u64) -> String {
    format!(
        r#"{{"merchantChargeId":"{id}","id":"pp-1","chargeStatus":"{status}","amount":{left},"originalAmount":{},"refundedAmount":{refunded},"transactions":[]}}"#,
        left + refunded
    )
}

fn charge_lookup<'a>(server: &'a MockServer, body: &str) -> httpmock::Mock<'a> {
    let body = body.to_owned();
    server.mock(move |when, then| {
        when.method(GET).path(format!("/charge/{CHARGE_ID}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn refunds(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"));
        then.status(200)
            .header("content-type", "application/json")
            .body(charge(CHARGE_ID, "PAID", 1000, 0));
    })
}

mod acknowledged {
    //! An accepted cancellation whose effect the provider does not show yet is acknowledged:
    //! sent, never to be sent again.

    use super::*;

    fn order_status(status: &str) -> String {
        format!(
            r#"{{"referenceId":"{REFERENCE_ID}","status":"{status}","authorizationId":"{AUTHORIZATION_ID}"}}"#
        )
    }

    #[tokio::test]
    async fn ids_only_then_an_unchanged_look_up_is_acknowledged() {
        let server = MockServer::start_async().await;
        let status = server.mock(|when, then| {
            when.method(GET)
                .path(format!("/payments/{REFERENCE_ID}/status"));
            then.status(200)
                .header("content-type", "application/json")
                .body(order_status("paid"));
        });
        let cancel = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/payments/{REFERENCE_ID}/cancellations"));
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"referenceId":"{REFERENCE_ID}","cancellationId":"5b008cef7f321d00ef236444"}}"#
                ));
        });
        let client = ecommerce(&server);
        let request = CancelRequest::total(REFERENCE_ID).field("authorizationId", AUTHORIZATION_ID);
        let answered = Cancel::cancel(&client, &request).await.expect("answers");
        assert_eq!(answered.outcome, Outcome::Acknowledged);
        assert!(answered.needs_reconcile());
        assert_eq!(
            answered.reference.as_deref(),
            Some("5b008cef7f321d00ef236444")
        );
        assert_eq!(
            answered.reason.as_deref(),
            Some("accepted; the provider does not show it yet")
        );
        cancel.assert_calls(1);
        // Before and after: the look-up only.
        status.assert_calls(2);

        // Reconciling says "not visible yet", and proves nothing.
        let later = client
            .reconcile(answered.request())
            .await
            .expect("looks up");
        assert_eq!(later.outcome, Outcome::Active);
        assert!(!later.proven_not_landed);
        cancel.assert_calls(1);
    }

    #[tokio::test]
    async fn a_2xx_whose_body_shows_the_payment_active_is_acknowledged() {
        let server = MockServer::start_async().await;
        token(&server);
        charge_lookup(&server, &charge(CHARGE_ID, "PAID", 1000, 0));
        let refund = refunds(&server);
        let answered = Cancel::cancel(&checkout(&server), &CancelRequest::total(CHARGE_ID))
            .await
            .expect("answers");
        assert_eq!(answered.outcome, Outcome::Acknowledged);
        assert_eq!(answered.requested, Some(Cents::new(1000)));
        refund.assert_calls(1);
    }

    #[tokio::test]
    async fn a_look_up_showing_a_declared_refusal_state_ends_it() {
        // Yapay's 24, "refund not authorised", is a refusal state.
        let server = MockServer::start_async().await;
        yapay_lookup(&server, 24, 2000);
        let request = CancelRequest::total(NUMBER)
            .field("codigoEstabelecimento", ESTABLISHMENT)
            .with_baseline_outcome(Outcome::Active);
        let now = yapay_client(&server)
            .reconcile(&request)
            .await
            .expect("looks up");
        assert_eq!(now.outcome, Outcome::Rejected);
    }
}

/// Yapay's look-up of the test transaction, answering `status` and `valor`.
fn yapay_lookup(server: &MockServer, status: u32, valor: u64) -> httpmock::Mock<'_> {
    let body = yapay_body(status, valor);
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/transacao/{ESTABLISHMENT}/{NUMBER}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn yapay_body(status: u32, valor: u64) -> String {
    format!(
        r#"{{"numeroTransacao":{NUMBER},"codigoEstabelecimento":"{ESTABLISHMENT}","valor":{valor},"statusTransacao":{status}}}"#
    )
}

mod untrusted_look_ups {
    //! A look-up that cannot be trusted stops the cancellation before anything is sent.

    use super::*;

    #[tokio::test]
    async fn an_unknown_status_is_review_and_nothing_is_sent() {
        let server = MockServer::start_async().await;
        token(&server);
        charge_lookup(&server, &charge(CHARGE_ID, "SOMETHING_NEW", 1000, 0));
        let refund = refunds(&server);
        let answered = Cancel::cancel(&checkout(&server), &CancelRequest::total(CHARGE_ID))
            .await
            .expect("answers");
        assert_eq!(answered.outcome, Outcome::Ambiguous);
        assert_eq!(
            answered.review.as_deref(),
            Some("the provider reported a status this spec does not know; nothing was sent")
        );
        refund.assert_calls(0);
    }

    #[tokio::test]
    async fn an_unreadable_look_up_is_unavailable_and_nothing_is_sent() {
        let server = MockServer::start_async().await;
        token(&server);
        charge_lookup(&server, "<html>gateway</html>");
        let refund = refunds(&server);
        let error = Cancel::cancel(&checkout(&server), &CancelRequest::total(CHARGE_ID))
            .await
            .expect_err("unreadable");
        assert!(
            matches!(
                &error,
                CancelError::Unavailable {
                    provider: "PicPay Checkout",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.is_transient());
        refund.assert_calls(0);
    }

    #[tokio::test]
    async fn a_5xx_on_the_look_up_is_unavailable_not_rejected() {
        let server = MockServer::start_async().await;
        let lookup = server.mock(|when, then| {
            when.method(GET).path_includes("/transactions/");
            then.status(500)
                .header("content-type", "application/json")
                .body(r#"{"error":{"status":"Internal Server Error","status_code":500,"type":"server_error","category":"processing_error","message":"try later"}}"#);
        });
        let void = server.mock(|when, then| {
            when.method(POST).path_includes("/void");
            then.status(200);
        });
        let request = CancelRequest::total("84824e3160a7431fb5004d41eaca4e76")
            .field("marketplace_id", "3249465a7753536b62545a6a684b0000")
            .field("on_behalf_of", "cfa96058daa74d279d17f4908e7f6578");
        let error = Cancel::cancel(&zoop_client(&server), &request)
            .await
            .expect_err("unavailable");
        assert!(
            matches!(error, CancelError::Unavailable { .. }),
            "{error:?}"
        );
        // The look-up is idempotent: retried before giving up.
        lookup.assert_calls(3);
        void.assert_calls(0);
    }

    #[tokio::test]
    async fn an_answer_about_another_payment_is_review_and_nothing_is_sent() {
        let server = MockServer::start_async().await;
        token(&server);
        charge_lookup(&server, &charge("another-charge-0001", "PAID", 1000, 0));
        let refund = refunds(&server);
        let answered = Cancel::cancel(&checkout(&server), &CancelRequest::total(CHARGE_ID))
            .await
            .expect("answers");
        assert_eq!(answered.outcome, Outcome::Ambiguous);
        assert_eq!(
            answered.review.as_deref(),
            Some(
                "the provider answered about payment `another-charge-0001`, not \
                 `8086bfd7-6241-4f76-81d8-70460533ce74`; nothing was sent"
            )
        );
        refund.assert_calls(0);
    }

    #[tokio::test]
    async fn a_cancel_answered_about_another_payment_is_review() {
        let server = MockServer::start_async().await;
        token(&server);
        charge_lookup(&server, &charge(CHARGE_ID, "PAID", 1000, 0));
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"));
            then.status(200)
                .header("content-type", "application/json")
                .body(charge("another-charge-0001", "REFUNDED", 0, 1000));
        });
        let answered = Cancel::cancel(&checkout(&server), &CancelRequest::total(CHARGE_ID))
            .await
            .expect("answers");
        assert_eq!(answered.outcome, Outcome::Ambiguous);
        assert!(
            answered
                .review
                .as_deref()
                .is_some_and(|review| review.contains("another-charge-0001")),
            "{answered:?}"
        );
        refund.assert_calls(1);
    }
}

mod amounts {
    //! Amounts beyond what the look-up allows never leave; a movement other than what was
    //! asked is review.

    use super::*;

    #[tokio::test]
    async fn an_amount_beyond_the_payment_is_refused_before_sending() {
        let server = MockServer::start_async().await;
        yapay_lookup(&server, 1, 2000);
        let cancel = server.mock(|when, then| {
            when.method(PUT).path_includes("/cancelar");
            then.status(200);
        });
        for cents in [2001, u64::MAX] {
            let request = CancelRequest::partial(NUMBER, amount(cents))
                .field("codigoEstabelecimento", ESTABLISHMENT);
            let answered = Cancel::cancel(&yapay_client(&server), &request)
                .await
                .expect("answers");
            assert_eq!(answered.outcome, Outcome::Rejected, "{cents}");
            assert_eq!(
                answered.reason,
                Some(format!(
                    "{} is more than the payment's {}; nothing was sent",
                    Cents::new(cents),
                    Cents::new(2000)
                ))
            );
        }
        cancel.assert_calls(0);
    }

    #[tokio::test]
    async fn a_partial_answered_cancelled_in_full_is_review() {
        let server = MockServer::start_async().await;
        yapay_lookup(&server, 1, 2000);
        let cancel = server.mock(|when, then| {
            when.method(PUT)
                .path(format!("/transacao/{ESTABLISHMENT}/{NUMBER}/cancelar"))
                .query_param("valor", "500");
            then.status(200)
                .header("content-type", "application/json")
                .body(yapay_body(14, 2000));
        });
        let request = CancelRequest::partial(NUMBER, amount(500))
            .field("codigoEstabelecimento", ESTABLISHMENT);
        let answered = Cancel::cancel(&yapay_client(&server), &request)
            .await
            .expect("answers");
        assert_eq!(answered.outcome, Outcome::Ambiguous);
        assert_eq!(
            answered.review,
            Some(format!(
                "asked to refund {} of the {} that remained, the provider answered refunded in full",
                Cents::new(500),
                Cents::new(2000)
            ))
        );
        cancel.assert_calls(1);
    }
}

mod throttling {
    //! A 429 means "not processed": waited out and sent again, never a refusal.

    use super::*;

    #[tokio::test]
    async fn a_429_on_the_cancel_is_retried_after_retry_after_then_throttled() {
        let server = MockServer::start_async().await;
        token(&server);
        charge_lookup(&server, &charge(CHARGE_ID, "PAID", 1000, 0));
        let refund = server.mock(|when, then| {
            when.method(POST)
                .path(format!("/charge/{CHARGE_ID}/refund"));
            then.status(429)
                .header("retry-after", "1")
                .header("content-type", "application/json")
                .body(r#"{"message":"Too many requests","success":false,"errors":null}"#);
        });
        let started = Instant::now();
        let error = Cancel::cancel(&checkout(&server), &CancelRequest::total(CHARGE_ID))
            .await
            .expect_err("throttled");
        assert_eq!(
            error,
            CancelError::Throttled {
                provider: "PicPay Checkout",
                retry_after: Some(Duration::from_secs(1)),
            }
        );
        assert!(error.is_transient());
        // Three attempts, a second apart as the provider asked, although a refund is not
        // idempotent: a 429 processed nothing.
        refund.assert_calls(3);
        assert!(started.elapsed() >= Duration::from_secs(2));
    }

    #[tokio::test]
    async fn a_429_on_the_token_endpoint_is_throttled_not_an_auth_failure() {
        let server = MockServer::start_async().await;
        let token = server.mock(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(429).header("retry-after", "0");
        });
        let lookup = charge_lookup(&server, &charge(CHARGE_ID, "PAID", 1000, 0));
        let error = Cancel::cancel(&checkout(&server), &CancelRequest::total(CHARGE_ID))
            .await
            .expect_err("throttled");
        assert_eq!(
            error,
            CancelError::Throttled {
                provider: "PicPay Checkout",
                retry_after: Some(Duration::ZERO),
            }
        );
        token.assert_calls(3);
        lookup.assert_calls(0);
    }
}

mod bad_input {
    //! Every field and id is checked before anything leaves.

    use super::*;

    async fn nothing_sent(server: &MockServer) -> httpmock::Mock<'_> {
        server
            .mock_async(|when, then| {
                when.any_request();
                then.status(200);
            })
            .await
    }

    #[tokio::test]
    async fn an_unknown_field_is_refused_naming_it_and_the_known_ones() {
        let server = MockServer::start_async().await;
        let any = nothing_sent(&server).await;
        let request = CancelRequest::total(REFERENCE_ID).field("authorisationId", AUTHORIZATION_ID);
        let error = Cancel::cancel(&ecommerce(&server), &request)
            .await
            .expect_err("unknown field");
        assert_eq!(
            error,
            CancelError::InvalidRequest {
                field: "authorisationId".to_owned(),
                reason: "`authorisationId` is not a field of PicPay E-commerce; its fields are \
                         `authorizationId`"
                    .to_owned(),
            }
        );
        let error = Cancel::status(
            &checkout(&server),
            &CancelRequest::total(CHARGE_ID).field("x", "y"),
        )
        .await
        .expect_err("unknown field");
        assert!(
            matches!(&error, CancelError::InvalidRequest { reason, .. } if reason.ends_with("it takes none")),
            "{error:?}"
        );
        any.assert_calls(0);
    }

    #[tokio::test]
    async fn required_fields_are_checked_before_the_look_up() {
        let server = MockServer::start_async().await;
        let any = nothing_sent(&server).await;
        let request = CancelRequest::partial(REFERENCE_ID, amount(100));
        let error = Cancel::cancel(&ecommerce(&server), &request)
            .await
            .expect_err("authorizationId is required for a partial");
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "authorizationId"),
            "{error:?}"
        );
        any.assert_calls(0);
    }

    #[tokio::test]
    async fn ids_and_body_fields_meet_their_rules() {
        let server = MockServer::start_async().await;
        let any = nothing_sent(&server).await;
        let client = ecommerce(&server);
        let long = "a".repeat(10_000);
        let cases = [
            // (payment, authorizationId, field at fault)
            ("order\u{7}1", AUTHORIZATION_ID, "payment"),
            ("pedido-ção", AUTHORIZATION_ID, "payment"),
            (long.as_str(), AUTHORIZATION_ID, "payment"),
            (" 102030", AUTHORIZATION_ID, "payment"),
            (REFERENCE_ID, "abc\r\nx-injected: 1", "authorizationId"),
            (REFERENCE_ID, long.as_str(), "authorizationId"),
            (REFERENCE_ID, "auth id", "authorizationId"),
        ];
        for (payment, authorization, fault) in cases {
            let request = CancelRequest::total(payment).field("authorizationId", authorization);
            let error = Cancel::cancel(&client, &request)
                .await
                .expect_err("refused");
            assert!(
                matches!(&error, CancelError::InvalidRequest { field, .. } if field == fault),
                "{payment:?} / {authorization:?}: {error:?}"
            );
        }
        any.assert_calls(0);
    }

    #[tokio::test]
    async fn an_idempotency_key_is_refused_where_the_provider_honours_none() {
        let server = MockServer::start_async().await;
        let any = nothing_sent(&server).await;
        let request = CancelRequest::total(CHARGE_ID).with_idempotency_key("key-1");
        let error = Cancel::cancel(&checkout(&server), &request)
            .await
            .expect_err("no key");
        assert!(
            matches!(&error, CancelError::InvalidRequest { field, .. } if field == "idempotency_key"),
            "{error:?}"
        );
        any.assert_calls(0);
    }
}

mod leaks {
    //! A provider that echoes the request back: its reasons reach the caller redacted.

    use super::*;

    #[tokio::test]
    async fn an_echoed_request_loses_the_credentials_and_personal_data() {
        let server = MockServer::start_async().await;
        yapay_lookup(&server, 1, 2000);
        // base64("loja@exemplo.com:canary-senha-123")
        let basic = "bG9qYUBleGVtcGxvLmNvbTpjYW5hcnktc2VuaGEtMTIz";
        let message = format!(
            "pedido recusado: Authorization: Basic {basic}; senha=canary-senha-123 \
             (canary%2Dsenha%2D123); cpf 529.982.247-25; cartao 4111111111111111; \
             email comprador@exemplo.com; tel (11) 98765-4321; transacao {NUMBER}"
        );
        server.mock(move |when, then| {
            when.method(PUT).path_includes("/cancelar");
            then.status(400)
                .header("content-type", "application/json")
                .body(
                    serde_json::json!({"erro": {"codigo": "57", "mensagem": message}}).to_string(),
                );
        });
        let request = CancelRequest::total(NUMBER).field("codigoEstabelecimento", ESTABLISHMENT);
        let answered = Cancel::cancel(&yapay_client(&server), &request)
            .await
            .expect("answers");
        assert_eq!(answered.outcome, Outcome::Rejected);
        let reason = answered.reason.expect("a reason");
        for canary in [
            basic,
            "canary-senha-123",
            "canary%2Dsenha%2D123",
            "529.982.247-25",
            "4111111111111111",
            "comprador@exemplo.com",
            "98765-4321",
        ] {
            assert!(!reason.contains(canary), "{canary} in {reason}");
        }
        // The ids the operator needs stay readable; the card keeps its first six and last four.
        assert!(reason.contains("transacao 1234"), "{reason}");
        assert!(reason.contains("411111******1111"), "{reason}");
    }
}
