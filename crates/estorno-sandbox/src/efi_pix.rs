//! Efí Pay's Pix API, as documented in `ACQUIRERS.md` §7 (Efí's "Solicitar devolução", its
//! Node SDK's endpoints and typings).
//!
//! Paths, under `/efi-pix`:
//! - `POST /oauth/token`, `Authorization: Basic base64(client_id:client_secret)`, JSON
//!   `{"grant_type":"client_credentials"}` → `{access_token, token_type: "Bearer",
//!   expires_in: 3600, scope}`.
//! - `PUT /v2/pix/{e2eId}/devolucao/{id}`, body `{"valor":"7.89"}` (reais, a string with two
//!   decimals) → 201 with the devolução `{id, rtrId, valor, horario{solicitacao}, status:
//!   "EM_PROCESSAMENTO"}`. `id` is the merchant's (`[a-zA-Z0-9]{1,35}`): asking with an id
//!   already used is 409 `devolucao_id_duplicado`, and nothing happens twice.
//! - `GET /v2/pix/{e2eId}/devolucao/{id}` → the devolução, now `DEVOLVIDO` (with
//!   `horario.liquidacao`) or `NAO_REALIZADO` (with `motivo`); 400 `devolucao_nao_encontrada`
//!   for an id never asked.
//! - `GET /v2/pix/{e2eId}` → the received Pix `{endToEndId, txid, valor, chave, horario,
//!   devolucoes[]}`.
//!
//! Every API call needs the Bearer token the token endpoint issued (401 otherwise). The real
//! API also requires mutual TLS; the sandbox speaks plain http on loopback, where a client
//! needs no certificate. Errors are `{"nome","mensagem"}` with the documented names
//! (`pix_nao_encontrado`, `devolucao_nao_encontrada`, `devolucao_id_duplicado`,
//! `erro_aplicacao`). As the real sandbox does, a devolução of R$ 0,01 is not made: it reads
//! `NAO_REALIZADO`. Chosen here where Efí is silent: a devolução beyond what remains is 400
//! `valor_devolucao_excedido`, a malformed `valor` 400 `valor_invalido`, an id outside the
//! documented form 400 `id_invalido`, and a devolução settles as soon as it is asked (its
//! answer still says `EM_PROCESSAMENTO`, as the documentation shows).

use std::time::Duration;

use hyper::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::book::{Accepts, Account, Book, Named, Partial, Refusal, Rules};
use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::money::{parse_reais, reais_text};
use crate::provider::{Ctx, Provider, oauth_error, token_reply};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits};

pub(crate) const SLUG: &str = "efi-pix";

/// Tokens live an hour, as the documentation's example says.
const TOKEN_TTL: Duration = Duration::from_secs(3_600);

/// A received Pix, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pix {
    /// `endToEndId`: 32 letters and digits.
    pub e2e_id: String,
    /// `valor`, in cents.
    pub amount_cents: i64,
    /// What its devoluções returned so far, in cents.
    #[serde(default)]
    pub refunded_cents: i64,
}

impl Pix {
    /// A received Pix, nothing returned yet.
    pub fn received(e2e_id: impl Into<String>, amount_cents: i64) -> Self {
        Pix {
            e2e_id: e2e_id.into(),
            amount_cents,
            refunded_cents: 0,
        }
    }

    /// What a devolução can still return, and whether a part of it is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone(), 0).refundable(&RULES)
    }
}

/// The Pix's account in the shared ledger: `RECEBIDO` until nothing is left, then `DEVOLVIDO`
/// (the Pix API gives a received Pix no status of its own; these names are the sandbox's).
pub(crate) fn account(pix: Pix, created_at: i64) -> Account {
    let status = if pix.refunded_cents >= pix.amount_cents {
        "DEVOLVIDO"
    } else {
        "RECEBIDO"
    };
    let mut account = Account::new(
        Provider::EfiPix,
        pix.e2e_id,
        pix.amount_cents,
        status,
        "PIX",
        created_at,
    );
    account.refunded = pix.refunded_cents;
    account
}

/// The account as the Pix [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn pix(account: &Account) -> Pix {
    Pix {
        e2e_id: account.id.clone(),
        amount_cents: account.amount,
        refunded_cents: account.refunded,
    }
}

pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/oauth/token",
        operation: "token",
    },
    Route {
        method: Method::PUT,
        path: "/v2/pix/{payment}/devolucao/{id}",
        operation: "devolver",
    },
    Route {
        method: Method::GET,
        path: "/v2/pix/{payment}/devolucao/{id}",
        operation: "status_devolucao",
    },
    Route {
        method: Method::GET,
        path: "/v2/pix/{payment}",
        operation: "status",
    },
];

/// A received Pix returns in parts until nothing is left.
pub(crate) const RULES: Rules = Rules {
    accepts: &[Accepts {
        status: "RECEBIDO",
        partial: Partial::Always,
        whole: ("DEVOLVIDO", EffectKind::Refund),
        part: (None, EffectKind::PartialRefund),
    }],
    deferred: None,
};

/// The sandbox's own trick, as Efí's: a devolução of one cent is not made.
const NOT_MADE_CENTS: i64 = 1;

fn error(status: u16, nome: &str, mensagem: &str) -> Reply {
    Reply::json(
        status,
        Obj::new()
            .val("nome", nome)
            .val("mensagem", mensagem)
            .done(),
    )
}

/// The documented body of an injected server error.
pub(crate) fn internal_error() -> Reply {
    error(
        500,
        "erro_aplicacao",
        "A requisição que busca alterar ou criar um recurso não foi processada",
    )
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    error(404, "recurso_nao_encontrado", "Recurso não encontrado")
}

/// Runs a routed call: the token endpoint, or a Pix's devolução or look-ups.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    if call.operation == "token" {
        return token(request, cx);
    }
    let authorised = request
        .bearer()
        .is_some_and(|token| cx.tokens.is_valid(Provider::EfiPix, token));
    if !authorised {
        return error(
            401,
            "nao_autorizado",
            "Token de acesso inválido ou expirado",
        );
    }
    let Some(account) = book.get_mut(Provider::EfiPix, call.get("payment")) else {
        return error(
            400,
            "pix_nao_encontrado",
            "Pix não encontrado para o e2eId informado",
        );
    };
    match call.operation {
        "status" => Reply::json(200, pix_body(account)),
        "status_devolucao" => match account
            .named
            .iter()
            .find(|named| named.id == call.get("id"))
        {
            Some(named) => Reply::json(200, devolucao_body(account, named, true)),
            None => error(
                400,
                "devolucao_nao_encontrada",
                "Devolução não encontrada para o id informado",
            ),
        },
        "devolver" => devolver(account, call.get("id"), request, cx),
        _ => unknown_path(),
    }
}

fn token(request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let client = request.basic_auth().is_some_and(|(id, secret)| {
        id == credentials::EFI_PIX_CLIENT_ID && secret == credentials::EFI_PIX_CLIENT_SECRET
    });
    if !client {
        return oauth_error(401, "invalid_client", "Credenciais inválidas");
    }
    let grant = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|body| {
            body.get("grant_type")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    if !request.is_json() || grant.as_deref() != Some("client_credentials") {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type deve ser client_credentials",
        );
    }
    token_reply(cx, Provider::EfiPix, TOKEN_TTL, "pix.write pix.read")
}

fn devolver(account: &mut Account, id: &str, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let valid_id =
        (1..=35).contains(&id.len()) && id.bytes().all(|byte| byte.is_ascii_alphanumeric());
    if !valid_id {
        return error(
            400,
            "id_invalido",
            "O id da devolução deve ter de 1 a 35 letras e dígitos",
        );
    }
    // The id names the devolução: asked again, it is the same one, never a second.
    if account.named.iter().any(|named| named.id == id) {
        return error(
            409,
            "devolucao_id_duplicado",
            "Já existe uma devolução solicitada com o id informado",
        );
    }
    let cents = match valor(request) {
        Some(cents) if cents > 0 => cents,
        _ => {
            return error(
                400,
                "valor_invalido",
                "O campo valor deve ser um valor em reais, como \"7.89\"",
            );
        }
    };
    let made = if cents == NOT_MADE_CENTS {
        false
    } else {
        match account.cancel(Some(cents), &RULES, "devolver", cx.ledger, cx.now) {
            Ok(_) => true,
            Err(Refusal::BeyondRemaining | Refusal::Amount | Refusal::Partial) => {
                return error(
                    400,
                    "valor_devolucao_excedido",
                    "O valor da devolução excede o valor disponível do Pix",
                );
            }
            Err(Refusal::State | Refusal::NothingLeft) => {
                return error(
                    400,
                    "valor_devolucao_excedido",
                    "O Pix não tem valor disponível para devolução",
                );
            }
        }
    };
    let named = Named {
        id: id.to_owned(),
        amount: cents,
        at: cx.now,
        made,
    };
    let body = devolucao_body(account, &named, false);
    account.named.push(named);
    Reply::json(201, body)
}

/// `valor`: a string of reais with two decimals.
fn valor(request: &Request) -> Option<i64> {
    let body: Value = serde_json::from_slice(&request.body).ok()?;
    let text = body.get("valor")?.as_str()?;
    let (_, decimals) = text.split_once('.')?;
    if decimals.len() != 2 {
        return None;
    }
    parse_reais(text).ok()
}

/// A devolução as its answer (`settled` false: just asked) or its look-up shows it.
fn devolucao_body(account: &Account, named: &Named, settled: bool) -> String {
    let mut horario = Obj::new().val("solicitacao", &clock::iso_utc_millis(named.at));
    if settled && named.made {
        horario = horario.val("liquidacao", &clock::iso_utc_millis(named.at + 2));
    }
    let status = match (settled, named.made) {
        (false, _) => "EM_PROCESSAMENTO",
        (true, true) => "DEVOLVIDO",
        (true, false) => "NAO_REALIZADO",
    };
    let mut body = Obj::new()
        .val("id", &named.id)
        .val("rtrId", &rtr_id(account, named))
        .val("valor", &reais_text(named.amount))
        .raw("horario", &horario.done())
        .val("status", status);
    if settled && !named.made {
        body = body.val("motivo", "Devolução não realizada pelo PSP do pagador");
    }
    body.done()
}

/// The return's id in the Pix system: `D`, the ISPB, the date and a sequence.
fn rtr_id(account: &Account, named: &Named) -> String {
    format!(
        "D09089356{}{}",
        clock::compact_utc_minutes(named.at),
        stable_digits(&format!("{}#{}", account.id, named.id), 81, 11)
    )
}

fn pix_body(account: &Account) -> String {
    let devolucoes = account
        .named
        .iter()
        .map(|named| devolucao_body(account, named, true));
    Obj::new()
        .val("endToEndId", &account.id)
        .val(
            "txid",
            &format!("txid{}", stable_digits(&account.id, 82, 26)),
        )
        .val("valor", &reais_text(account.amount))
        .val("chave", "recebedor@example.com")
        .val("horario", &clock::iso_utc_millis(account.created_at))
        .raw("devolucoes", &array(devolucoes))
        .done()
}
