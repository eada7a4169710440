//! Efí Pix's documented requests against httpmock: the token call with Basic and a JSON body,
//! the devolução `PUT` named by its own id (the idempotency key, 32 hex digits here) with
//! `{"valor":"7.89"}`, what remains of a received Pix read from its devoluções, a reused id
//! read as "an earlier attempt landed", and the devolução's own look-up, whose
//! `devolucao_nao_encontrada` proves a request never arrived.

use std::time::Duration;

use estorno::auth::ClientCredentials;
use estorno::efi_pix::{ApiError, Client, Devolucao, DevolucaoStatus};
use estorno::spec::{KeyRetention, ResendProof};
use estorno::{Amount, BuildError, Cancel, CancelError, CancelRequest, Cents, Outcome, Rejection};
use httpmock::prelude::*;

const E2E: &str = "E12345678202009091221abcdef12345";
const CLIENT_ID: &str = "Client_Id_canary";
const CLIENT_SECRET: &str = "Client_Secret_canary";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .credentials(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET))
        .base_url(server.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("valid client configuration")
}

fn token(server: &MockServer) -> httpmock::Mock<'_> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/oauth/token")
            .header(
                "authorization",
                "Basic Q2xpZW50X0lkX2NhbmFyeTpDbGllbnRfU2VjcmV0X2NhbmFyeQ==",
            )
            .header("content-type", "application/json")
            .body(r#"{"grant_type":"client_credentials"}"#);
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"access_token":"efi-access-token","token_type":"Bearer","expires_in":3600,"scope":"pix.write pix.read"}"#);
    })
}

/// A received Pix of R$ 10,00 with these devoluções (`(id, valor, status)`).
fn pix<'s>(server: &'s MockServer, devolucoes: &[(&str, &str, &str)]) -> httpmock::Mock<'s> {
    let devolucoes: Vec<String> = devolucoes
        .iter()
        .map(|(id, valor, status)| {
            format!(
                r#"{{"id":"{id}","rtrId":"D12345678202009091000abcde{id:0>6}","valor":"{valor}","horario":{{"solicitacao":"2020-09-10T13:03:33.902Z"}},"status":"{status}"}}"#
            )
        })
        .collect();
    let body = format!(
        r#"{{"endToEndId":"{E2E}","txid":"655dfdb1a4514b8fbb58254b958913fb","valor":"10.00","chave":"pagador@example.com","horario":"2020-09-10T13:03:33.902Z","infoPagador":"pedido 123","devolucoes":[{}]}}"#,
        devolucoes.join(",")
    );
    server.mock(move |when, then| {
        when.method(GET)
            .path(format!("/v2/pix/{E2E}"))
            .header("authorization", "Bearer efi-access-token");
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn is_simple_uuid(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|byte| byte.is_ascii_hexdigit())
}

#[test]
fn the_documented_devolucao_decodes() {
    let answer: Devolucao =
        serde_json::from_str(&estorno_tests::fixture("efi-pix", "devolucao-201.json")).unwrap();
    assert_eq!(answer.id, "123456");
    assert_eq!(answer.rtr_id, "D12345678202009091000abcde123456");
    assert_eq!(answer.valor.cents(), Cents::new(789));
    assert_eq!(answer.status, DevolucaoStatus::EmProcessamento);
    assert_eq!(answer.horario.solicitacao, "2020-09-11T15:25:59.411Z");
}

#[test]
fn the_spec_says_the_id_is_a_key_kept_for_good_and_the_look_up_by_it_reconciles() {
    let cancel = estorno::efi_pix::SPEC.cancel.as_ref().unwrap();
    assert_eq!(cancel.resend, ResendProof::Key(KeyRetention::Permanent));
    assert!(cancel.reconcile_by_key);
    const { assert!(estorno::efi_pix::SPEC.client_certificate) };
}

#[test]
fn production_is_not_built_without_the_client_certificate() {
    let error = Client::builder()
        .credentials(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET))
        .build()
        .unwrap_err();
    assert!(matches!(
        error,
        BuildError::MissingClientIdentity {
            provider: "Efí Pix"
        }
    ));
}

#[tokio::test]
async fn a_partial_devolucao_is_named_by_its_key_and_sends_the_amount_as_a_string() {
    let server = MockServer::start();
    let token = token(&server);
    pix(&server, &[]);
    let body = estorno_tests::fixture("efi-pix", "devolucao-201.json");
    let devolver = server.mock(|when, then| {
        when.method(PUT)
            .path_matches(format!("^/v2/pix/{E2E}/devolucao/[0-9a-f]{{32}}$").as_str())
            .header("authorization", "Bearer efi-access-token")
            .header("content-type", "application/json")
            .body(r#"{"valor":"7.89"}"#);
        then.status(201)
            .header("content-type", "application/json")
            .body(body);
    });

    let request = CancelRequest::partial(E2E, Amount::try_from(Cents::new(789)).unwrap());
    let result = Cancel::cancel(&client(&server), &request)
        .await
        .expect("an outcome");

    devolver.assert();
    token.assert();
    // Asked for, not settled: the devolução's look-up tells the rest.
    assert_eq!(result.outcome, Outcome::Pending);
    assert_eq!(
        result.reference.as_deref(),
        Some("D12345678202009091000abcde123456")
    );
    assert!(result.idempotency_key().is_some_and(is_simple_uuid));
}

#[tokio::test]
async fn a_total_devolucao_returns_what_its_settled_devolucoes_left() {
    let server = MockServer::start();
    token(&server);
    // 2.50 went back; a devolução that was not made counts for nothing.
    pix(
        &server,
        &[("d1", "2.50", "DEVOLVIDO"), ("d2", "1.00", "NAO_REALIZADO")],
    );
    let devolver = server.mock(|when, then| {
        when.method(PUT)
            .path_matches(format!("^/v2/pix/{E2E}/devolucao/[0-9a-f]{{32}}$").as_str())
            .body(r#"{"valor":"7.50"}"#);
        then.status(201)
            .header("content-type", "application/json")
            .body(r#"{"id":"k","rtrId":"D12345678202009091000abcde000003","valor":"7.50","horario":{"solicitacao":"2020-09-11T15:25:59.411Z"},"status":"EM_PROCESSAMENTO"}"#);
    });

    let status = Cancel::status(&client(&server), &CancelRequest::total(E2E))
        .await
        .expect("the Pix");
    assert_eq!(status.outcome, Outcome::PartiallyRefunded);
    assert_eq!(
        (status.refunded, status.remaining),
        (Some(Cents::new(250)), Some(Cents::new(750)))
    );
    let result = Cancel::cancel(&client(&server), &CancelRequest::total(E2E))
        .await
        .expect("an outcome");
    devolver.assert();
    assert_eq!(result.outcome, Outcome::Pending);
}

#[tokio::test]
async fn a_reused_id_means_an_earlier_devolucao_landed() {
    let server = MockServer::start();
    token(&server);
    pix(&server, &[]);
    server.mock(|when, then| {
        when.method(PUT)
            .path(format!("/v2/pix/{E2E}/devolucao/a1b2c3"));
        then.status(409)
            .header("content-type", "application/json")
            .body(r#"{"nome":"devolucao_id_duplicado","mensagem":"Já existe uma devolução com o id informado"}"#);
    });

    let request = CancelRequest::partial(E2E, Amount::try_from(Cents::new(789)).unwrap())
        .with_idempotency_key("a1b2c3");
    let result = Cancel::cancel(&client(&server), &request)
        .await
        .expect("an outcome");
    // Never a refusal, never sent again: the look-up does not show it yet.
    assert_eq!(result.outcome, Outcome::Acknowledged, "{result:?}");
}

#[tokio::test]
async fn the_devolucao_found_by_its_id_tells_the_outcome_and_its_reason() {
    let server = MockServer::start();
    token(&server);
    let payment = pix(&server, &[]);
    let found = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/v2/pix/{E2E}/devolucao/a1b2c3"));
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"id":"a1b2c3","rtrId":"D12345678202009091000abcde123456","valor":"7.89","horario":{"solicitacao":"2020-09-11T15:25:59.411Z"},"status":"NAO_REALIZADO","motivo":"Saldo insuficiente na conta"}"#);
    });

    let request = CancelRequest::partial(E2E, Amount::try_from(Cents::new(789)).unwrap())
        .with_idempotency_key("a1b2c3");
    let now = Cancel::reconcile(&client(&server), &request)
        .await
        .expect("an outcome");

    found.assert();
    payment.assert_calls(0);
    assert_eq!(now.outcome, Outcome::Rejected);
    assert_eq!(now.reason.as_deref(), Some("Saldo insuficiente na conta"));
}

#[tokio::test]
async fn no_devolucao_under_the_id_proves_it_never_arrived() {
    let server = MockServer::start();
    token(&server);
    pix(&server, &[]);
    server.mock(|when, then| {
        when.method(GET)
            .path(format!("/v2/pix/{E2E}/devolucao/a1b2c3"));
        then.status(400)
            .header("content-type", "application/json")
            .body(r#"{"nome":"devolucao_nao_encontrada","mensagem":"Devolução não encontrada"}"#);
    });

    let request = CancelRequest::partial(E2E, Amount::try_from(Cents::new(789)).unwrap())
        .with_idempotency_key("a1b2c3")
        .with_baseline_outcome(Outcome::Active)
        .with_baseline_refunded(Cents::ZERO);
    let now = Cancel::reconcile(&client(&server), &request)
        .await
        .expect("an outcome");
    assert_eq!(now.outcome, Outcome::Active);
    assert!(now.proven_not_landed);
}

#[tokio::test]
async fn an_unknown_pix_is_a_refusal_with_efis_words() {
    let server = MockServer::start();
    token(&server);
    server.mock(|when, then| {
        when.method(GET).path(format!("/v2/pix/{E2E}"));
        then.status(404)
            .header("content-type", "application/json")
            .body(r#"{"nome":"pix_nao_encontrado","mensagem":"Pix não encontrado"}"#);
    });
    let result = Cancel::cancel(&client(&server), &CancelRequest::total(E2E))
        .await
        .expect("an outcome");
    assert_eq!(result.outcome, Outcome::Rejected);
    assert_eq!(
        result.reason.as_deref(),
        Some("pix_nao_encontrado: Pix não encontrado")
    );
    let error: ApiError =
        serde_json::from_str(r#"{"nome":"erro_aplicacao","mensagem":"Ocorreu um erro interno"}"#)
            .unwrap();
    assert_eq!(error.reason(), "erro_aplicacao: Ocorreu um erro interno");
}

#[tokio::test]
async fn bad_ids_and_keys_are_refused_before_anything_is_sent() {
    let server = MockServer::start();
    let token = token(&server);
    let client = client(&server);

    let short = Cancel::cancel(&client, &CancelRequest::total("E123"))
        .await
        .unwrap_err();
    assert!(
        matches!(&short, CancelError::InvalidRequest { field, .. } if field == "payment"),
        "{short:?}"
    );
    // A hyphenated UUID is not an Efí id: `[a-zA-Z0-9]{1,35}`.
    let hyphenated = CancelRequest::partial(E2E, Amount::try_from(Cents::new(100)).unwrap())
        .with_idempotency_key("67e55044-10b1-426f-9247-bb680e5fe0c8");
    let error = Cancel::cancel(&client, &hyphenated).await.unwrap_err();
    assert!(
        matches!(&error, CancelError::InvalidRequest { field, .. } if field == "idempotency_key"),
        "{error:?}"
    );
    token.assert_calls(0);
}
