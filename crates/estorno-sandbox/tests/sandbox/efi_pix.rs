//! The Efí Pix simulation: the token call with Basic, devoluções named by the merchant's id
//! (a reused id is 409 and moves nothing), each looked up by its id, the received Pix listing
//! them, and the documented R$ 0,01 that is never made.

use crate::common;

use common::{base, client, send};
use estorno_sandbox::{EffectKind, Sandbox, credentials, efi_pix};
use reqwest::Method;
use serde_json::json;

const E2E: &str = "E09089356202405021300SANDBOX0001";

#[tokio::test(flavor = "multi_thread")]
async fn devolucoes_are_named_by_their_id_and_looked_up_by_it() {
    let sandbox = Sandbox::start_empty().await.unwrap();
    sandbox.add_payment(efi_pix::Pix::received(E2E, 1_000));
    let client = client();
    let root = base(&sandbox, "efi-pix");

    let (status, _) = send(
        client
            .post(sandbox.token_url("efi-pix").unwrap())
            .basic_auth("Client_Id_wrong", Some("nope"))
            .json(&json!({"grant_type": "client_credentials"})),
    )
    .await;
    assert_eq!(status, 401);
    let (status, token) = send(
        client
            .post(sandbox.token_url("efi-pix").unwrap())
            .basic_auth(
                credentials::EFI_PIX_CLIENT_ID,
                Some(credentials::EFI_PIX_CLIENT_SECRET),
            )
            .json(&json!({"grant_type": "client_credentials"})),
    )
    .await;
    assert_eq!((status, &token["token_type"]), (200, &json!("Bearer")));
    let token = token["access_token"].as_str().unwrap().to_owned();
    let call = |method: Method, path: &str| {
        client
            .request(method, format!("{root}{path}"))
            .bearer_auth(&token)
    };
    let devolucao = format!("/v2/pix/{E2E}/devolucao");

    let (status, body) =
        send(call(Method::PUT, &format!("{devolucao}/d1")).json(&json!({"valor": "2.50"}))).await;
    assert_eq!(
        (status, &body["id"], &body["valor"], &body["status"]),
        (
            201,
            &json!("d1"),
            &json!("2.50"),
            &json!("EM_PROCESSAMENTO")
        )
    );
    assert_eq!(body["rtrId"].as_str().unwrap().len(), 32);
    // The same id again: the devolução exists, nothing moves a second time.
    let (status, body) =
        send(call(Method::PUT, &format!("{devolucao}/d1")).json(&json!({"valor": "2.50"}))).await;
    assert_eq!(
        (status, &body["nome"]),
        (409, &json!("devolucao_id_duplicado"))
    );
    let (status, body) = send(call(Method::GET, &format!("{devolucao}/d1"))).await;
    assert_eq!((status, &body["status"]), (200, &json!("DEVOLVIDO")));
    assert!(body["horario"]["liquidacao"].is_string());
    let (status, body) = send(call(Method::GET, &format!("{devolucao}/d9"))).await;
    assert_eq!(
        (status, &body["nome"]),
        (400, &json!("devolucao_nao_encontrada"))
    );

    // One cent is never made; more than remains is refused; a bad amount or id too.
    let (status, _) =
        send(call(Method::PUT, &format!("{devolucao}/d2")).json(&json!({"valor": "0.01"}))).await;
    assert_eq!(status, 201);
    let (_, body) = send(call(Method::GET, &format!("{devolucao}/d2"))).await;
    assert_eq!(body["status"], "NAO_REALIZADO");
    assert!(body["motivo"].is_string());
    let (status, body) =
        send(call(Method::PUT, &format!("{devolucao}/d3")).json(&json!({"valor": "9.00"}))).await;
    assert_eq!(
        (status, &body["nome"]),
        (400, &json!("valor_devolucao_excedido"))
    );
    let (status, _) =
        send(call(Method::PUT, &format!("{devolucao}/d4")).json(&json!({"valor": 7.5}))).await;
    assert_eq!(status, 400);
    let (status, _) =
        send(call(Method::PUT, &format!("{devolucao}/has-hyphen")).json(&json!({"valor": "1.00"})))
            .await;
    assert_eq!(status, 400);

    let (status, pix) = send(call(Method::GET, &format!("/v2/pix/{E2E}"))).await;
    assert_eq!(
        (status, &pix["endToEndId"], &pix["valor"]),
        (200, &json!(E2E), &json!("10.00"))
    );
    let statuses: Vec<&str> = pix["devolucoes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|devolucao| devolucao["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["DEVOLVIDO", "NAO_REALIZADO"]);
    let (status, body) = send(call(Method::GET, "/v2/pix/E09089356202405021300UNKNOWN001")).await;
    assert_eq!((status, &body["nome"]), (400, &json!("pix_nao_encontrado")));
    let (status, _) = send(
        client
            .get(format!("{root}/v2/pix/{E2E}"))
            .bearer_auth("forged"),
    )
    .await;
    assert_eq!(status, 401);

    let kinds: Vec<(i64, EffectKind)> = sandbox
        .ledger()
        .iter()
        .map(|entry| (entry.amount_cents, entry.kind))
        .collect();
    assert_eq!(kinds, [(250, EffectKind::PartialRefund)]);
}
