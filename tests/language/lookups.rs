//! Look-ups by the cancellation's own key (`reconcile = op(payment, idempotency_key)`): the
//! record found says what became of the request, and a declared `not_found` proves it never
//! arrived, so it may be sent again (`Cancellation::proven_not_landed`). Without a key, or
//! when the key look-up fails otherwise, the payment's look-up reconciles as before.
//!
//! Shaped like Efí's devolução (a merchant-chosen id in the path, `GET` of the same path,
//! `400 {"nome":"devolucao_nao_encontrada"}`) and like a provider whose key is unconfirmed but
//! whose look-up by it is documented (then the look-up is the only proof).

use estorno::auth::BearerToken;
use estorno::spec::{KeyRetention, ResendProof};
use estorno::{Cancel, CancelRequest, Cents, Outcome, RetryPolicy};
use httpmock::prelude::*;

mod devolucao {
    use estorno::{CancelResponse, ReaisText, Rejection};
    use serde::{Deserialize, Serialize};

    #[estorno::provider(
        name = "Keyed Look-up Pay",
        production = "https://api.keyed-look-up.test",
        auth = bearer,
        cancel(
            total = refund(payment, idempotency_key, &RefundBody { valor: remaining.reais_text() }),
            partial = refund(payment, idempotency_key, &RefundBody { valor: amount.reais_text() }),
            status = pix(payment),
            reconcile = devolucao(payment, idempotency_key),
        ),
    )]
    pub trait KeyedLookUpPay {
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

        /// Looks a refund up by its id.
        #[get("/v2/pix/{e2eId}/devolucao/{id}")]
        #[ok(200 => Devolucao)]
        #[err(400 if "nome" = "devolucao_nao_encontrada" => ApiError, not_found)]
        #[err(400 | 404 => ApiError)]
        #[idempotent]
        fn devolucao(
            #[path(rename = "e2eId", len = 32, chars = "A-Za-z0-9")] e2e_id: &str,
            #[path(len = 1..=35, chars = "a-zA-Z0-9")] id: &str,
        ) -> Devolucao;

        /// Looks a received Pix up.
        #[get("/v2/pix/{e2eId}")]
        #[ok(200 => Pix)]
        #[err(400 | 404 => ApiError)]
        #[idempotent]
        fn pix(#[path(rename = "e2eId", len = 32, chars = "A-Za-z0-9")] e2e_id: &str) -> Pix;
    }

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
        pub valor: ReaisText,
        pub devolvido: ReaisText,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status, reference = rtr_id)]
    #[serde(rename_all = "camelCase")]
    pub struct Devolucao {
        pub rtr_id: String,
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
        #[status("DEVOLVIDO" => Refunded, partial = PartiallyRefunded)]
        Devolvido,
        #[status("NAO_REALIZADO" => Rejected)]
        NaoRealizado,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = mensagem, code = nome)]
    pub struct ApiError {
        pub nome: String,
        pub mensagem: String,
    }
}

mod unconfirmed {
    use estorno::{CancelResponse, Rejection};
    use serde::Deserialize;

    /// A key nobody confirms is honoured, and a documented look-up by it.
    #[estorno::provider(
        name = "Unconfirmed Key Pay",
        production = "https://api.unconfirmed-key.test",
        auth = bearer,
        cancel(
            total = cancel_charge(payment, idempotency_key),
            status = charge(payment),
            reconcile = cancellation(idempotency_key),
        ),
    )]
    pub trait UnconfirmedKeyPay {
        #[post("/charges/{charge_id}/cancel")]
        #[ok(200 => Cancellation)]
        #[err(400..=499 => ApiError)]
        fn cancel_charge(
            charge_id: &str,
            #[header("x-cancel-key")]
            #[idempotency_key(unverified)]
            key: &str,
        ) -> Cancellation;

        #[get("/cancellations")]
        #[ok(200 => Cancellation)]
        #[err(404 => ApiError, not_found)]
        #[idempotent]
        fn cancellation(#[query] cancel_key: &str) -> Cancellation;

        #[get("/charges/{charge_id}")]
        #[ok(200 => Charge)]
        #[idempotent]
        fn charge(charge_id: &str) -> Charge;
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status)]
    pub struct Cancellation {
        pub status: CancellationStatus,
    }

    #[derive(Debug, Deserialize, CancelResponse)]
    #[cancel(outcome = status)]
    pub struct Charge {
        pub status: ChargeStatus,
    }

    #[estorno::status]
    pub enum CancellationStatus {
        #[status("ACCEPTED" => Pending)]
        Accepted,
        #[status("DENIED" => Rejected)]
        Denied,
    }

    #[estorno::status]
    pub enum ChargeStatus {
        #[status("PAID" => Active)]
        Paid,
        #[status("CANCELED" => Voided)]
        Canceled,
    }

    #[derive(Debug, Deserialize, Rejection)]
    #[rejection(reason = message)]
    pub struct ApiError {
        pub message: String,
    }
}

const E2E: &str = "E12345678202009091221abcdef12345";
const KEY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

fn client(server: &MockServer) -> devolucao::Client {
    devolucao::Client::builder()
        .credentials(BearerToken::new("canary-access-token"))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The Pix as its look-up shows it, with `devolvido` cents refunded of 1 000.
fn pix<'s>(server: &'s MockServer, status: &str, devolvido: &str) -> httpmock::Mock<'s> {
    let body = format!(
        r#"{{"e2eId":"{E2E}","status":"{status}","valor":"10.00","devolvido":"{devolvido}"}}"#
    );
    server.mock(move |when, then| {
        when.method(GET).path(format!("/v2/pix/{E2E}"));
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn devolucao_answers<'s>(server: &'s MockServer, status: u16, body: &str) -> httpmock::Mock<'s> {
    let body = body.to_owned();
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/v2/pix/{E2E}/devolucao/{KEY}"));
        then.status(status)
            .header("content-type", "application/json")
            .body(body);
    })
}

/// A partial refund of 7.89 sent with `KEY`, after a look-up that showed nothing refunded.
fn sent_partial() -> CancelRequest {
    CancelRequest::partial(E2E, Cents::new(789).try_into().unwrap())
        .with_idempotency_key(KEY)
        .with_baseline_outcome(Outcome::Active)
        .with_baseline_refunded(Cents::ZERO)
}

#[test]
fn the_spec_says_the_key_look_up_reconciles_and_what_proves_a_resend() {
    let keyed = estorno_cancel(&devolucao::SPEC);
    assert!(keyed.reconcile_by_key);
    // A key kept for good proves a resend safe by itself.
    assert_eq!(keyed.resend, ResendProof::Key(KeyRetention::Permanent));
    let unconfirmed = estorno_cancel(&unconfirmed::SPEC);
    assert!(unconfirmed.reconcile_by_key);
    // An unconfirmed key proves nothing; the look-up by it does.
    assert_eq!(unconfirmed.resend, ResendProof::LookUp);
}

fn estorno_cancel(
    spec: &'static estorno::spec::ProviderSpec,
) -> &'static estorno::spec::CancelSpec {
    spec.cancel.as_ref().expect("a cancel(...) declaration")
}

#[tokio::test]
async fn the_refund_found_by_its_key_says_what_became_of_it() {
    let server = MockServer::start();
    let payment = pix(&server, "RECEBIDO", "0.00");
    let cases = [
        ("DEVOLVIDO", Outcome::PartiallyRefunded),
        ("EM_PROCESSAMENTO", Outcome::Pending),
        ("NAO_REALIZADO", Outcome::Rejected),
    ];
    for (status, outcome) in cases {
        let mut found = devolucao_answers(
            &server,
            200,
            &format!(r#"{{"rtrId":"D12345678202009091000abcde123456","status":"{status}"}}"#),
        );
        let now = Cancel::reconcile(&client(&server), &sent_partial())
            .await
            .expect("an outcome");
        assert_eq!(now.outcome, outcome, "{status}");
        assert!(!now.proven_not_landed);
        assert_eq!(
            now.reference.as_deref(),
            Some("D12345678202009091000abcde123456")
        );
        found.assert_calls(1);
        found.delete();
    }
    // The refund's own record decided. The Pix, asked where the refund was made, still
    // shows nothing refunded: its amounts say nothing about this request, and are left out.
    payment.assert_calls(1);
}

#[tokio::test]
async fn the_payment_completes_the_amounts_where_it_shows_exactly_the_refund() {
    let server = MockServer::start();
    pix(&server, "RECEBIDO", "7.89");
    devolucao_answers(
        &server,
        200,
        r#"{"rtrId":"D12345678202009091000abcde123456","status":"DEVOLVIDO"}"#,
    );
    let now = Cancel::reconcile(&client(&server), &sent_partial())
        .await
        .expect("an outcome");
    assert_eq!(now.outcome, Outcome::PartiallyRefunded);
    assert_eq!(
        (now.refunded, now.remaining),
        (Some(Cents::new(789)), Some(Cents::new(211)))
    );
}

#[tokio::test]
async fn no_refund_under_the_key_proves_the_request_did_not_land() {
    let server = MockServer::start();
    let payment = pix(&server, "RECEBIDO", "0.00");
    devolucao_answers(
        &server,
        400,
        r#"{"nome":"devolucao_nao_encontrada","mensagem":"Devolução não encontrada"}"#,
    );

    let now = Cancel::reconcile(&client(&server), &sent_partial())
        .await
        .expect("an outcome");

    assert_eq!(now.outcome, Outcome::Active);
    assert!(now.proven_not_landed, "{now:?}");
    assert_eq!(
        now.reason.as_deref(),
        Some(
            "no cancellation with this request's idempotency key arrived: devolucao_nao_encontrada: Devolução não encontrada"
        )
    );
    payment.assert_calls(1);
}

#[tokio::test]
async fn no_refund_under_the_key_proves_nothing_when_the_payment_moved_anyway() {
    let server = MockServer::start();
    // Refunded in full by something else than this request.
    pix(&server, "DEVOLVIDO", "10.00");
    devolucao_answers(
        &server,
        400,
        r#"{"nome":"devolucao_nao_encontrada","mensagem":"Devolução não encontrada"}"#,
    );

    let now = Cancel::reconcile(&client(&server), &sent_partial())
        .await
        .expect("an outcome");
    assert!(!now.proven_not_landed);
    // The payment shows everything refunded: that is what reconciliation reports (and the
    // command line, seeing 10.00 move where 7.89 was asked, leaves it for review).
    assert_eq!(now.outcome, Outcome::Refunded);
    assert_eq!(now.refunded, Some(Cents::new(1_000)));
}

#[tokio::test]
async fn another_refusal_of_the_key_look_up_falls_back_to_the_payment() {
    let server = MockServer::start();
    pix(&server, "RECEBIDO", "0.00");
    // Not the declared "not found": proves nothing.
    devolucao_answers(
        &server,
        400,
        r#"{"nome":"pix_nao_encontrado","mensagem":"Pix não encontrado"}"#,
    );

    let now = Cancel::reconcile(&client(&server), &sent_partial())
        .await
        .expect("an outcome");
    assert_eq!(now.outcome, Outcome::Active);
    assert!(!now.proven_not_landed);
}

#[tokio::test]
async fn a_request_without_a_key_is_reconciled_by_the_payment_alone() {
    let server = MockServer::start();
    let payment = pix(&server, "RECEBIDO", "0.00");
    let keyed = devolucao_answers(&server, 200, "{}");

    let request = CancelRequest::partial(E2E, Cents::new(789).try_into().unwrap())
        .with_baseline_outcome(Outcome::Active)
        .with_baseline_refunded(Cents::ZERO);
    let now = Cancel::reconcile(&client(&server), &request)
        .await
        .expect("an outcome");
    assert_eq!(now.outcome, Outcome::Active);
    assert!(!now.proven_not_landed);
    keyed.assert_calls(0);
    payment.assert_calls(1);
}

#[tokio::test]
async fn an_unconfirmed_key_is_looked_up_where_the_look_up_is_documented() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/charges/ch_1");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"status":"PAID"}"#);
    });
    let by_key = server.mock(|when, then| {
        when.method(GET)
            .path("/cancellations")
            .query_param("cancel_key", "k-1");
        then.status(404)
            .header("content-type", "application/json")
            .body(r#"{"message":"cancellation not found"}"#);
    });
    let client = unconfirmed::Client::builder()
        .credentials(BearerToken::new("canary-access-token"))
        .base_url(server.base_url())
        .build()
        .unwrap();

    let request = CancelRequest::total("ch_1")
        .with_idempotency_key("k-1")
        .with_baseline_outcome(Outcome::Active)
        .with_baseline_refunded(Cents::ZERO);
    let now = Cancel::reconcile(&client, &request)
        .await
        .expect("an outcome");
    assert!(now.proven_not_landed, "{now:?}");
    by_key.assert_calls(1);
}
