//! Idempotency keys: generated once per logical request in the form the key's rule allows,
//! sent on every retry of it, carried in the result, refused in a form the provider would not
//! take, and a key already seen read as "an earlier attempt landed", never as a refusal.
//!
//! The two specs follow the two real shapes: a refund keyed by a required header (Mercado
//! Pago's `X-Idempotency-Key`) and a refund whose merchant-chosen id in the path is the key
//! (Efí's devolução, answered 409 when the id was used before).

use std::time::Duration;

use estorno::auth::BearerToken;
use estorno::spec::{KeyFormat, KeyRetention, ResendProof};
use estorno::{
    Amount, Cancel, CancelError, CancelRequest, Cents, DomainStatus, Outcome, RetryPolicy,
};
use httpmock::prelude::*;

mod header_key {
    use estorno::{Amount, CancelResponse, Cents, Rejection};
    use serde::{Deserialize, Serialize};

    /// Refunds keyed by a header the provider requires, kept a day.
    #[estorno::provider(
        name = "Header Key Pay",
        production = "https://api.header-key.test",
        auth = bearer,
        cancel(
            total = refund(payment, idempotency_key, &RefundBody { amount: None }),
            partial = refund(payment, idempotency_key, &RefundBody { amount: Some(amount) }),
            status = payment(payment),
        ),
    )]
    pub trait HeaderKeyPay {
        /// Refunds all or part of a payment.
        #[post("/v1/payments/{id}/refunds")]
        #[ok(201 => Refund)]
        #[err(400..=499 => ApiError)]
        fn refund(
            #[path(len = 1..=20, chars = "0-9")] id: &str,
            #[header("X-Idempotency-Key")]
            #[idempotency_key(kept_hours = 24)]
            key: &str,
            #[json] body: &RefundBody,
        ) -> Refund;

        /// Looks a payment up.
        #[get("/v1/payments/{id}")]
        #[ok(200 => Payment)]
        #[err(400..=499 => ApiError)]
        #[idempotent]
        fn payment(#[path(len = 1..=20, chars = "0-9")] id: &str) -> Payment;
    }

    #[derive(Debug, Serialize)]
    pub struct RefundBody {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub amount: Option<Amount>,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status, paid = amount, refunded = refunded, reference = id)]
    pub struct Payment {
        pub id: u64,
        pub status: PaymentStatus,
        pub amount: Cents,
        pub refunded: Cents,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status, reference = id)]
    pub struct Refund {
        pub id: u64,
        pub status: RefundStatus,
    }

    #[estorno::status]
    pub enum PaymentStatus {
        #[status("approved" => Active)]
        Approved,
        #[status("refunded" => Refunded)]
        Refunded,
    }

    #[estorno::status]
    pub enum RefundStatus {
        /// The refund went through: the whole payment, or the part asked.
        #[status("approved" => Refunded, partial = PartiallyRefunded)]
        Approved,
        #[status("in_process" => Pending)]
        InProcess,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = message)]
    pub struct ApiError {
        pub message: String,
    }
}

mod path_key {
    use estorno::{CancelResponse, Cents, ReaisText, Rejection};
    use serde::{Deserialize, Serialize};

    /// Refunds named by a merchant-chosen id in the path, which the provider never reuses.
    #[estorno::provider(
        name = "Path Key Pay",
        production = "https://api.path-key.test",
        auth = bearer,
        cancel(
            total = refund(payment, idempotency_key, &RefundBody { valor: remaining.reais_text() }),
            partial = refund(payment, idempotency_key, &RefundBody { valor: amount.reais_text() }),
            status = pix(payment),
        ),
    )]
    pub trait PathKeyPay {
        /// Asks for a refund of a received Pix.
        #[put("/v2/pix/{e2eId}/devolucao/{id}")]
        #[ok(201 => Devolucao)]
        #[err(400 | 404 | 409 => ApiError)]
        fn refund(
            #[path(rename = "e2eId", len = 32, chars = "A-Za-z0-9")] e2e_id: &str,
            #[path(len = 1..=35, chars = "a-zA-Z0-9")]
            #[idempotency_key(permanent, conflict = 409)]
            id: &str,
            #[json] body: &RefundBody,
        ) -> Devolucao;

        /// Looks a received Pix up.
        #[get("/v2/pix/{e2eId}")]
        #[ok(200 => Pix)]
        #[err(400 | 404 => ApiError)]
        #[idempotent]
        fn pix(#[path(rename = "e2eId", len = 32, chars = "A-Za-z0-9")] e2e_id: &str) -> Pix;
    }

    /// `{"valor":"7.89"}`: a decimal string of reais.
    #[derive(Debug, Serialize)]
    pub struct RefundBody {
        pub valor: ReaisText,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status, paid = valor, refunded = devolvido, reference = e2e_id)]
    #[serde(rename_all = "camelCase")]
    pub struct Pix {
        pub e2e_id: String,
        pub status: PixStatus,
        pub valor: Cents,
        pub devolvido: Cents,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status, reference = id)]
    pub struct Devolucao {
        pub id: String,
        pub status: DevolucaoStatus,
    }

    #[estorno::status]
    pub enum PixStatus {
        #[status("RECEBIDO" => Active)]
        Recebido,
        #[status("DEVOLVIDO" => Refunded)]
        Devolvido,
    }

    #[estorno::status]
    pub enum DevolucaoStatus {
        #[status("EM_PROCESSAMENTO" => Pending)]
        EmProcessamento,
        #[status("DEVOLVIDO" => Refunded)]
        Devolvido,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = mensagem)]
    pub struct ApiError {
        /// `devolucao_id_duplicado`, `pix_nao_encontrado`, ...
        #[serde(rename = "nome")]
        pub _code: String,
        pub mensagem: String,
    }
}

mod unverified_key {
    use estorno::{CancelResponse, Rejection};
    use serde::Deserialize;

    /// A key the provider's documentation does not confirm: sent, never proof.
    #[estorno::provider(
        name = "Unverified Key Pay",
        production = "https://api.unverified-key.test",
        auth = bearer,
        cancel(total = cancel_charge(payment, idempotency_key), status = charge(payment)),
    )]
    pub trait UnverifiedKeyPay {
        #[post("/charges/{charge_id}/cancel")]
        #[ok(200 => Charge)]
        #[err(400..=499 => ApiError)]
        fn cancel_charge(
            charge_id: &str,
            #[header("x-idempotency-key")]
            #[idempotency_key(unverified)]
            key: &str,
        ) -> Charge;

        #[get("/charges/{charge_id}")]
        #[ok(200 => Charge)]
        #[idempotent]
        fn charge(charge_id: &str) -> Charge;
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status)]
    pub struct Charge {
        pub status: ChargeStatus,
    }

    #[estorno::status]
    pub enum ChargeStatus {
        #[status("PAID" => Active)]
        Paid,
        #[status("CANCELED" => Refunded)]
        Canceled,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = message)]
    pub struct ApiError {
        pub message: String,
    }
}

const PAYMENT: &str = "1234567890";
const E2E: &str = "E12345678202009091221abcdef12345";

fn retries() -> RetryPolicy {
    RetryPolicy::new()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn header_client(server: &MockServer) -> header_key::Client {
    header_key::Client::builder()
        .credentials(BearerToken::new("canary-access-token"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(retries())
        .build()
        .expect("valid client configuration")
}

fn path_client(server: &MockServer) -> path_key::Client {
    path_key::Client::builder()
        .credentials(BearerToken::new("canary-access-token"))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .retry(retries())
        .build()
        .expect("valid client configuration")
}

fn cents(value: u64) -> Amount {
    Amount::from_cents(value).expect("positive amount")
}

fn approved_payment(server: &MockServer, refunded: u64) -> httpmock::Mock<'_> {
    let status = if refunded == 2500 {
        "refunded"
    } else {
        "approved"
    };
    server.mock(|when, then| {
        when.method(GET).path(format!("/v1/payments/{PAYMENT}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"id":{PAYMENT},"status":"{status}","amount":2500,"refunded":{refunded}}}"#
            ));
    })
}

fn is_hyphenated_uuid(key: &str) -> bool {
    key.len() == 36
        && key.char_indices().all(|(index, c)| match index {
            8 | 13 | 18 | 23 => c == '-',
            14 => c == '4', // version 4
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}

#[test]
fn the_spec_says_what_the_key_proves() {
    let header = header_key::SPEC.cancel.as_ref().expect("cancel declared");
    assert_eq!(
        header.resend,
        ResendProof::Key(KeyRetention::For(Duration::from_secs(24 * 3600)))
    );
    let key = header
        .key_spec(&header_key::SPEC)
        .expect("the refund declares a key");
    assert_eq!(
        (key.format, key.verified, key.conflict),
        (KeyFormat::Uuid, true, None)
    );

    let path = path_key::SPEC.cancel.as_ref().expect("cancel declared");
    assert_eq!(path.resend, ResendProof::Key(KeyRetention::Permanent));
    let key = path.key_spec(&path_key::SPEC).expect("a key");
    // Letters and digits only, at most 35: the hyphenated form does not fit.
    assert_eq!(
        (key.format, key.verified, key.conflict),
        (KeyFormat::UuidSimple, true, Some(409))
    );

    // A key the documentation does not confirm is sent but proves nothing.
    let unverified = unverified_key::SPEC
        .cancel
        .as_ref()
        .expect("cancel declared");
    assert_eq!(unverified.resend, ResendProof::Unproven);
    assert!(
        !unverified
            .key_spec(&unverified_key::SPEC)
            .expect("a key")
            .verified
    );
    assert_eq!(
        ResendProof::Key(KeyRetention::For(Duration::from_secs(24 * 3600))).describe(),
        "idempotency key: resent with the same key while the provider keeps it (1 d); after that, an operator's decision"
    );
}

#[tokio::test]
async fn a_total_refund_carries_a_generated_key_and_the_result_keeps_it() {
    let server = MockServer::start();
    let look_up = approved_payment(&server, 0);
    let mut refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"))
            .header("authorization", "Bearer canary-access-token")
            .header_exists("x-idempotency-key")
            .body("{}");
        then.status(201)
            .header("content-type", "application/json")
            .body(r#"{"id":9876543210,"status":"approved"}"#);
    });
    let client = header_client(&server);

    let result = client
        .cancel(&CancelRequest::total(PAYMENT))
        .await
        .expect("cancelled");

    assert_eq!(result.outcome, Outcome::Refunded);
    let key = result
        .idempotency_key()
        .expect("the result carries its key");
    assert!(is_hyphenated_uuid(key), "{key}");
    // The look-up before, and the one that would complete the answer's amounts: it does not
    // show the refund yet here, so the answer stands as it is.
    assert_eq!(look_up.calls(), 2);
    refund.assert();
    refund.delete();
    // The key on the wire is the one in the result.
    let sent = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"))
            .header("x-idempotency-key", key);
        then.status(201)
            .header("content-type", "application/json")
            .body(r#"{"id":9876543210,"status":"approved"}"#);
    });
    let again = client
        .cancel_from(
            &CancelRequest::total(PAYMENT).with_idempotency_key(key),
            client
                .status(&CancelRequest::total(PAYMENT))
                .await
                .expect("looked up"),
        )
        .await
        .expect("sent again with the same key");
    assert_eq!(again.idempotency_key(), Some(key));
    sent.assert();
}

#[tokio::test]
async fn an_approved_refund_reads_as_what_was_asked() {
    let server = MockServer::start();
    approved_payment(&server, 0);
    server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"));
        then.status(201)
            .header("content-type", "application/json")
            .body(r#"{"id":9876543211,"status":"approved"}"#);
    });
    let client = header_client(&server);

    let partial = client
        .cancel(&CancelRequest::partial(PAYMENT, cents(700)))
        .await
        .expect("refunded in part");
    assert_eq!(partial.outcome, Outcome::PartiallyRefunded);
    assert_eq!(partial.requested, Some(Cents::new(700)));
    let total = client
        .cancel(&CancelRequest::total(PAYMENT))
        .await
        .expect("refunded in full");
    assert_eq!(total.outcome, Outcome::Refunded);
    assert_eq!(total.requested, Some(Cents::new(2500)));
    // The catalogue's view of the same value.
    let entry = &header_key::RefundStatus::MAP.entries[0];
    assert_eq!(
        (entry.outcome, entry.partial),
        (Outcome::Refunded, Some(Outcome::PartiallyRefunded))
    );
}

#[tokio::test]
async fn every_retry_of_a_keyed_refund_sends_the_same_key() {
    const KEY: &str = "3f2c1e9a-7b4d-4c2e-9a1f-0b8d6e4c2a10";
    let server = MockServer::start();
    approved_payment(&server, 0);
    // The provider fails after receiving the request: with a key it honours, sending it again
    // cannot refund twice, so the client retries; every attempt carries the same key.
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/v1/payments/{PAYMENT}/refunds"))
            .header("x-idempotency-key", KEY)
            .body(r#"{"amount":700}"#);
        then.status(503).body("busy");
    });
    let client = header_client(&server);

    let result = client
        .cancel(&CancelRequest::partial(PAYMENT, cents(700)).with_idempotency_key(KEY))
        .await
        .expect("an outcome, not an error");

    // Attempts ran out: the refund may have landed, so it is unknown, never failed.
    assert_eq!(result.outcome, Outcome::Ambiguous);
    assert_eq!(result.idempotency_key(), Some(KEY));
    assert_eq!(refund.calls(), 3, "the default policy makes three attempts");
}

#[tokio::test]
async fn an_unkeyed_refund_is_never_retried_after_it_was_sent() {
    // The control for the test above: the same failure on a refund without a key is sent once.
    let server = MockServer::start();
    let charge = server.mock(|when, then| {
        when.method(GET).path("/charges/ch_1");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"status":"PAID"}"#);
    });
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path("/charges/ch_1/cancel")
            .header_exists("x-idempotency-key");
        then.status(503).body("busy");
    });
    let client = unverified_key::Client::builder()
        .credentials(BearerToken::new("canary-access-token"))
        .base_url(server.base_url())
        .retry(retries())
        .build()
        .expect("valid client configuration");

    let result = client
        .cancel(&CancelRequest::total("ch_1"))
        .await
        .expect("an outcome");

    assert_eq!(result.outcome, Outcome::Ambiguous);
    // The unverified key is sent, but proves nothing: one attempt only.
    assert_eq!(cancel.calls(), 1);
    charge.assert();
    assert!(result.idempotency_key().is_some());
}

#[tokio::test]
async fn a_key_the_provider_would_refuse_is_refused_before_sending() {
    let server = MockServer::start();
    let anything = server.mock(|when, then| {
        when.any_request();
        then.status(500);
    });
    let client = path_client(&server);

    // Efí's ids take letters and digits only: a hyphenated UUID never reaches it.
    let error = client
        .cancel(&CancelRequest::total(E2E).with_idempotency_key("3f2c1e9a-7b4d-4c2e-9a1f"))
        .await
        .expect_err("refused");
    assert_eq!(
        error,
        CancelError::InvalidRequest {
            field: "idempotency_key".into(),
            reason: "path parameter `id` may only contain a-zA-Z0-9; character 9 is not allowed"
                .into(),
        }
    );
    let error = client
        .cancel(&CancelRequest::total(E2E).with_idempotency_key("a".repeat(36)))
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "idempotency_key"),
        "{error:?}"
    );
    assert_eq!(anything.calls(), 0);

    // Keys the client makes always fit.
    let made = client.new_idempotency_key().expect("keyed");
    assert_eq!(made.len(), 32);
    assert!(made.bytes().all(|byte| byte.is_ascii_hexdigit()));
    assert!(
        client
            .check(&CancelRequest::total(E2E).with_idempotency_key(&made))
            .is_ok()
    );
}

#[tokio::test]
async fn a_key_already_seen_means_an_earlier_attempt_landed() {
    let server = MockServer::start();
    let mut pix = server.mock(|when, then| {
        when.method(GET).path(format!("/v2/pix/{E2E}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"e2eId":"{E2E}","status":"RECEBIDO","valor":789,"devolvido":0}}"#
            ));
    });
    let conflict = server.mock(|when, then| {
        when.method(PUT)
            .path(format!("/v2/pix/{E2E}/devolucao/d0001"))
            .body(r#"{"valor":"7.89"}"#);
        then.status(409)
            .header("content-type", "application/json")
            .body(r#"{"nome":"devolucao_id_duplicado","mensagem":"Id de devolução já utilizado"}"#);
    });
    let client = path_client(&server);
    let request = CancelRequest::total(E2E).with_idempotency_key("d0001");

    // The look-up does not show it yet: accepted, followed, never refused.
    let result = client.cancel(&request).await.expect("an outcome");
    assert_eq!(result.outcome, Outcome::Acknowledged);
    assert_eq!(
        result.reason.as_deref(),
        Some(
            "the provider answered 409: it has already seen this idempotency key, so an earlier attempt landed; the provider does not show it yet"
        )
    );
    assert_eq!(result.idempotency_key(), Some("d0001"));
    conflict.assert();

    // Once the look-up shows it, the same answer reads as the refund it is.
    pix.delete();
    let mut before = server.mock(|when, then| {
        when.method(GET).path(format!("/v2/pix/{E2E}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"e2eId":"{E2E}","status":"RECEBIDO","valor":789,"devolvido":0}}"#
            ));
    });
    let looked_up = client.status(&request).await.expect("looked up");
    before.delete();
    server.mock(|when, then| {
        when.method(GET).path(format!("/v2/pix/{E2E}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"e2eId":"{E2E}","status":"DEVOLVIDO","valor":789,"devolvido":789}}"#
            ));
    });
    let result = client
        .cancel_from(&request, looked_up)
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Refunded);
    assert_eq!(result.refunded, Some(Cents::new(789)));
    assert_eq!(result.reason, None);
}

#[tokio::test]
async fn providers_without_a_key_refuse_one_and_make_none() {
    let server = MockServer::start();
    let client = estorno::zoop::Client::builder()
        .credentials(estorno::auth::ApiKey::new("zpk_canary_key"))
        .base_url(server.base_url())
        .build()
        .expect("valid client configuration");
    assert_eq!(client.new_idempotency_key(), None);
    let error = client
        .check(
            &CancelRequest::total("8086bfd7624")
                .field("marketplace_id", "3249465a7753536b62545a6c684e4c42")
                .field("on_behalf_of", "seller1")
                .with_idempotency_key("k1"),
        )
        .expect_err("refused");
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, reason } if field == "idempotency_key" && reason == "Zoop honours no idempotency key on cancellations; leave it out"),
        "{error:?}"
    );
}
