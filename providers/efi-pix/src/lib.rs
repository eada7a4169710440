//! Efí Pay's Pix API (formerly Gerencianet): refund ("devolução") all or part of a received
//! Pix, look a devolução up by its id, and look a received Pix up.
//!
//! This crate is a spec and nothing else: `#[estorno::provider]` writes the client, its
//! builder and its static `SPEC` from the declarations below.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use estorno::auth::ClientCredentials;
//! use estorno::{Cancel, CancelRequest, ClientIdentity};
//! use estorno_efi_pix::Client;
//!
//! let certificate = ClientIdentity::from_pkcs12(&std::fs::read("homologacao.p12")?, "")?;
//! let client = Client::builder()
//!     .credentials(ClientCredentials::new("Client_Id_...", "Client_Secret_..."))
//!     .client_identity(certificate)
//!     .sandbox()
//!     .build()?;
//! let refund = CancelRequest::total("E12345678202009091221abcdef12345");
//! let refunded = Cancel::cancel(&client, &refund).await?;
//! println!("{}", refunded.outcome);
//! # Ok(())
//! # }
//! ```

use estorno::{CancelResponse, Personal, ReaisText, Rejection};
use serde::{Deserialize, Serialize};

/// Efí's Pix API: devoluções of received Pix.
///
/// Every call, the token call's included, goes over mutual TLS with the certificate Efí
/// issues to the account (`.p12`). The token comes from `POST /oauth/token` with the client's
/// id and secret in a Basic header and `{"grant_type":"client_credentials"}`. A devolução is
/// named by an id the merchant chooses (`[a-zA-Z0-9]{1,35}`): it is the idempotency key, and
/// Efí answers 409 `devolucao_id_duplicado` when it was used before. Amounts are decimal
/// strings of reais (`"7.89"`).
#[estorno::provider(
    name = "Efí Pix",
    slug = "efi-pix",
    production = "https://pix.api.efipay.com.br",
    sandbox = "https://pix-h.api.efipay.com.br",
    auth = oauth2_client_credentials(token_url = "/oauth/token", request = json, client_auth = basic),
    client_certificate,
    cancel(
        total = devolver(payment, idempotency_key, &DevolucaoRequest { valor: remaining.reais_text() }),
        partial = devolver(payment, idempotency_key, &DevolucaoRequest { valor: amount.reais_text() }),
        status = pix(payment),
        reconcile = devolucao(payment, idempotency_key),
    ),
)]
pub trait EfiPix {
    /// Asks for the devolução `id` of all or part of the received Pix `e2eId`. The answer
    /// is `EM_PROCESSAMENTO`; the devolução's look-up later says `DEVOLVIDO` or
    /// `NAO_REALIZADO`.
    #[put("/v2/pix/{e2eId}/devolucao/{id}")]
    #[ok(201 => Devolucao)]
    #[err(400 | 403 | 404 | 409 => ApiError)]
    #[err(500..=599 => ApiError)]
    fn devolver(
        #[path(rename = "e2eId", len = 32, chars = "A-Za-z0-9")] e2e_id: &str,
        #[path(len = 1..=35, chars = "a-zA-Z0-9")]
        #[idempotency_key(permanent, conflict = 409)]
        id: &str,
        #[json] body: &DevolucaoRequest,
    ) -> Devolucao;

    /// Looks a devolução up by the id it was asked with. `devolucao_nao_encontrada` means no
    /// devolução with that id was ever asked for.
    #[get("/v2/pix/{e2eId}/devolucao/{id}")]
    #[ok(200 => Devolucao)]
    #[err(400 if "nome" = "devolucao_nao_encontrada" => ApiError, not_found)]
    #[err(400 | 403 | 404 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[idempotent]
    fn devolucao(
        #[path(rename = "e2eId", len = 32, chars = "A-Za-z0-9")] e2e_id: &str,
        #[path(len = 1..=35, chars = "a-zA-Z0-9")] id: &str,
    ) -> Devolucao;

    /// Looks a received Pix up, with its devoluções.
    #[get("/v2/pix/{e2eId}")]
    #[ok(200 => Pix)]
    #[err(400 | 403 | 404 => ApiError)]
    #[err(500..=599 => ApiError)]
    #[idempotent]
    fn pix(#[path(rename = "e2eId", len = 32, chars = "A-Za-z0-9")] e2e_id: &str) -> Pix;
}

/// Body of a devolução: `{"valor":"7.89"}`, reais with two decimals, as a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevolucaoRequest {
    pub valor: ReaisText,
}

/// A devolução, as asked for and as looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(outcome = status, reference = rtr_id, reason = motivo)]
#[serde(rename_all = "camelCase")]
pub struct Devolucao {
    /// The id the merchant chose.
    pub id: String,
    /// The return's id in the Pix system (`D12345678202009091000abcde123456`).
    pub rtr_id: String,
    pub valor: ReaisText,
    pub horario: Horario,
    pub status: DevolucaoStatus,
    /// Why it was not made, with `NAO_REALIZADO`.
    #[serde(default)]
    pub motivo: Option<String>,
}

/// When a devolução was asked for, and when it was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Horario {
    pub solicitacao: String,
    #[serde(default)]
    pub liquidacao: Option<String>,
}

/// A received Pix, as its look-up answers it: its amount and every devolução asked of it.
/// It has no status of its own: what was refunded is the sum of its devoluções `DEVOLVIDO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, CancelResponse)]
#[cancel(
    paid = valor,
    refunded = devolucoes[].valor if status,
    reference = end_to_end_id,
    id = end_to_end_id,
)]
#[serde(rename_all = "camelCase")]
pub struct Pix {
    pub end_to_end_id: String,
    #[serde(default)]
    pub txid: Option<String>,
    pub valor: ReaisText,
    /// The receiving Pix key: a CPF, an e-mail or a phone number may be one.
    pub chave: Personal<String>,
    pub horario: String,
    /// The payer's message.
    #[serde(default)]
    pub info_pagador: Option<Personal<String>>,
    #[serde(default)]
    pub devolucoes: Vec<DevolucaoResumo>,
}

/// A devolução inside a received Pix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevolucaoResumo {
    pub id: String,
    pub rtr_id: String,
    pub valor: ReaisText,
    pub horario: Horario,
    pub status: DevolucaoStatus,
}

/// The state of a devolução.
#[estorno::status]
pub enum DevolucaoStatus {
    /// Asked for, not settled yet.
    #[status("EM_PROCESSAMENTO" => Pending)]
    EmProcessamento,
    /// Settled: the money went back, all of it or the part asked.
    #[status("DEVOLVIDO" => Refunded, partial = PartiallyRefunded)]
    Devolvido,
    /// Not made; `motivo` says why.
    #[status("NAO_REALIZADO" => Rejected)]
    NaoRealizado,
}

/// The error body: `{"nome":"devolucao_id_duplicado","mensagem":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Rejection)]
#[rejection(reason = mensagem, code = nome)]
pub struct ApiError {
    /// `pix_nao_encontrado`, `devolucao_nao_encontrada`, `devolucao_id_duplicado`,
    /// `erro_aplicacao`, ...
    pub nome: String,
    pub mensagem: String,
}
