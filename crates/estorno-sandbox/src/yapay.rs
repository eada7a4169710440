//! Yapay Gateway, as documented in seed 001 and the current v3 docs.
//!
//! Paths, under `/yapay/checkout/api/v3` (and the seed's `/yapay/checkout/api/v2`):
//! - `PUT /transacao/{codigoEstabelecimento}/{numeroTransacao}/cancelar[?valor=cents]`
//! - `GET /transacao/{codigoEstabelecimento}/{numeroTransacao}`
//!
//! Both answer the full transaction object of the seed. A total cancel of a captured (1) or
//! authorised (2) transaction makes it 13 (cancelled) at once; `?valor=` cancels part of a
//! captured transaction, 27 (partial cancel) until the whole value is cancelled, then 13. A
//! transaction marked D+1 goes to 40 (awaiting cancellation) instead: the acquirer completes it
//! later. Chosen here: the first [`QUERIES_BEFORE_SETTLEMENT`] status queries after such a
//! request still show 40, the next one shows the outcome (13, or 27 for a partial amount), so
//! tests can exercise both "still pending" and "completed later".
//!
//! Errors use the documented body `{"erro":{"codigo","mensagem"},"statusTransacao":0,
//! "codigoEstabelecimento"}`. Yapay documents neither the HTTP status of each error nor the
//! codes, so the sandbox picks them and keeps them consistent (a client reading only the status
//! still fails safe):
//!
//! | HTTP | codigo | when |
//! |---|---|---|
//! | 401 | `10` | wrong or missing Basic credentials |
//! | 404 | `20` | no such transaction under that establishment |
//! | 400 | `30` | the status does not allow a cancel (not paid, failed, in review...) |
//! | 400 | `31` | already cancelled (13) |
//! | 400 | `32` | already refunded (14) |
//! | 400 | `33` | a cancel is already awaiting the acquirer (40) |
//! | 400 | `40` | `valor` is not a positive whole number of cents |
//! | 400 | `41` | `valor` is more than what is left to cancel |
//! | 400 | `42` | partial cancel of a transaction that is not captured |
//! | 500 | `99` | injected internal error |

use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::book::{Accepts, Account, Book, Deferred, Partial, Pending, Refusal, Rules};
use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Provider};
use crate::route::{Matched, Route};
use crate::wire::{Reply, Request, stable_digits, stable_hash};

pub(crate) const SLUG: &str = "yapay";

/// The establishment code of every seeded transaction.
pub const DEMO_ESTABLISHMENT: &str = "1000000000000";

/// Status queries that still show 40 after a D+1 cancel; the next one shows the outcome.
pub const QUERIES_BEFORE_SETTLEMENT: u32 = 2;

/// `statusTransacao` values the sandbox acts on (the rest are listed in PROVIDERS.md).
const CAPTURED: u16 = 1;
const CANCELLED: u16 = 13;
const REFUNDED: u16 = 14;
const AWAITING_CANCELLATION: u16 = 40;

/// A Yapay transaction, as given to [`Sandbox::add_payment`](crate::Sandbox::add_payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub numero_transacao: u64,
    /// Thirteen digits.
    #[serde(default = "default_establishment")]
    pub codigo_estabelecimento: String,
    /// Write `codigoEstabelecimento` as a JSON number instead of a string (both occur).
    #[serde(default)]
    pub establishment_as_number: bool,
    /// `valor`, in cents.
    pub valor_cents: i64,
    /// `statusTransacao`.
    #[serde(default = "default_status")]
    pub status_transacao: u16,
    /// Older than a day: a cancel waits for the acquirer (status 40) instead of completing.
    #[serde(default)]
    pub d_plus_one: bool,
    /// How much was already cancelled, in cents.
    #[serde(default)]
    pub cancelled_cents: i64,
    /// `codigoFormaPagamento` (170 is Cielo API 3.0 Visa, as in the seed).
    #[serde(default = "default_payment_form")]
    pub codigo_forma_pagamento: u16,
    #[serde(default = "default_installments")]
    pub parcelas: u8,
}

fn default_establishment() -> String {
    String::from(DEMO_ESTABLISHMENT)
}
fn default_status() -> u16 {
    CAPTURED
}
fn default_payment_form() -> u16 {
    170
}
fn default_installments() -> u8 {
    1
}

impl Transaction {
    /// A captured transaction under the demo establishment.
    pub fn captured(numero_transacao: u64, valor_cents: i64) -> Self {
        Transaction {
            numero_transacao,
            codigo_estabelecimento: default_establishment(),
            establishment_as_number: false,
            valor_cents,
            status_transacao: CAPTURED,
            d_plus_one: false,
            cancelled_cents: 0,
            codigo_forma_pagamento: default_payment_form(),
            parcelas: 1,
        }
    }

    /// The same transaction with another `statusTransacao`.
    #[must_use]
    pub fn with_status(mut self, status_transacao: u16) -> Self {
        self.status_transacao = status_transacao;
        self
    }

    /// The same transaction, made older than a day.
    #[must_use]
    pub fn d_plus_one(mut self) -> Self {
        self.d_plus_one = true;
        self
    }

    /// What can still be cancelled, and whether a partial amount is accepted.
    pub(crate) fn refundable(&self) -> (i64, bool) {
        account(self.clone()).refundable(&RULES)
    }
}

const ESTABLISHMENT: &str = "establishment";
const ESTABLISHMENT_AS_NUMBER: &str = "establishment_as_number";
const D_PLUS_ONE: &str = "d_plus_one";
const INSTALLMENTS: &str = "parcelas";

/// The transaction's account in the shared ledger, named by its `numeroTransacao`.
pub(crate) fn account(tx: Transaction) -> Account {
    // Approved up to a few hours before it was added, fixed by its number: within every
    // acquirer's cancellation window, as a sale being refunded usually is.
    let approved_at =
        clock::now_unix() - i64::try_from(tx.numero_transacao % 24).unwrap_or(0) * 600;
    let mut account = Account::new(
        Provider::Yapay,
        tx.numero_transacao.to_string(),
        tx.valor_cents,
        tx.status_transacao.to_string(),
        tx.codigo_forma_pagamento.to_string(),
        approved_at,
    )
    .with_attr(ESTABLISHMENT, tx.codigo_estabelecimento)
    .with_attr(
        ESTABLISHMENT_AS_NUMBER,
        tx.establishment_as_number.to_string(),
    )
    .with_attr(D_PLUS_ONE, tx.d_plus_one.to_string())
    .with_attr(INSTALLMENTS, tx.parcelas.to_string());
    account.refunded = tx.cancelled_cents;
    // A transaction added as already awaiting cancellation waits for its whole remainder.
    if tx.status_transacao == AWAITING_CANCELLATION {
        account.pending = Some(Pending {
            amount: tx.valor_cents - tx.cancelled_cents,
            queries: 0,
        });
    }
    account
}

/// The account as the transaction [`Sandbox::payment`](crate::Sandbox::payment) returns.
pub(crate) fn transaction(account: &Account) -> Transaction {
    Transaction {
        numero_transacao: account.id.parse().unwrap_or(0),
        codigo_estabelecimento: account.attr(ESTABLISHMENT).to_owned(),
        establishment_as_number: account.attr(ESTABLISHMENT_AS_NUMBER) == "true",
        valor_cents: account.amount,
        status_transacao: account.status.parse().unwrap_or(0),
        d_plus_one: account.attr(D_PLUS_ONE) == "true",
        cancelled_cents: account.refunded,
        codigo_forma_pagamento: account.method.parse().unwrap_or(0),
        parcelas: account.attr(INSTALLMENTS).parse().unwrap_or(1),
    }
}

/// Under `/yapay`: v3, and the seed's v2.
pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: Method::PUT,
        path: "/checkout/api/v3/transacao/{establishment}/{payment}/cancelar",
        operation: "cancel",
    },
    Route {
        method: Method::GET,
        path: "/checkout/api/v3/transacao/{establishment}/{payment}",
        operation: "status",
    },
    Route {
        method: Method::PUT,
        path: "/checkout/api/v2/transacao/{establishment}/{payment}/cancelar",
        operation: "cancel",
    },
    Route {
        method: Method::GET,
        path: "/checkout/api/v2/transacao/{establishment}/{payment}",
        operation: "status",
    },
];

/// A captured transaction cancels in parts until nothing is left (27, then 13); an
/// authorised one only whole. A D+1 one waits for the acquirer (40) instead.
pub(crate) const RULES: Rules = Rules {
    accepts: &[
        Accepts {
            status: "1",
            partial: Partial::Always,
            whole: ("13", EffectKind::Cancel),
            part: (Some("27"), EffectKind::PartialCancel),
        },
        Accepts {
            status: "27",
            partial: Partial::Always,
            whole: ("13", EffectKind::Cancel),
            part: (Some("27"), EffectKind::PartialCancel),
        },
        Accepts {
            status: "2",
            partial: Partial::Never,
            whole: ("13", EffectKind::Cancel),
            part: (None, EffectKind::PartialCancel),
        },
    ],
    deferred: Some(Deferred {
        attr: D_PLUS_ONE,
        status: "40",
        after_queries: QUERIES_BEFORE_SETTLEMENT,
        settled: ("13", "27"),
    }),
};

fn error(status: u16, establishment: &str, codigo: &str, mensagem: &str) -> Reply {
    let erro = Obj::new()
        .val("codigo", codigo)
        .val("mensagem", mensagem)
        .done();
    let body = Obj::new()
        .raw("erro", &erro)
        .val("statusTransacao", &0)
        .val("codigoEstabelecimento", establishment)
        .done();
    Reply::json(status, body)
}

/// The documented error body with an internal-error code, for injected server errors.
pub(crate) fn internal_error() -> Reply {
    error(500, "", "99", "Erro interno. Tente novamente mais tarde.")
}

/// Answer for unknown paths under the prefix.
pub(crate) fn unknown_path() -> Reply {
    error(404, "", "20", "Recurso não encontrado.")
}

/// Runs a routed call against the transaction's account.
pub(crate) fn handle(
    call: &Matched,
    request: &Request,
    book: &mut Book,
    cx: &mut Ctx<'_>,
) -> Reply {
    let establishment = call.get(ESTABLISHMENT);
    let authorised = request.basic_auth().is_some_and(|(user, password)| {
        user == credentials::YAPAY_USER && password == credentials::YAPAY_PASSWORD
    });
    if !authorised {
        return error(401, establishment, "10", "Usuário ou senha inválidos.");
    }
    let number = call
        .get("payment")
        .parse::<u64>()
        .ok()
        .map(|number| number.to_string());
    let account = number
        .and_then(|number| book.get_mut(Provider::Yapay, &number))
        .filter(|account| account.attr(ESTABLISHMENT) == establishment);
    let Some(account) = account else {
        return error(404, establishment, "20", "Transação não encontrada.");
    };
    if call.operation == "status" {
        account.looked_up(&RULES);
        return Reply::json(200, transaction_body(account));
    }
    cancel(account, establishment, request, cx)
}

fn cancel(
    account: &mut Account,
    establishment: &str,
    request: &Request,
    cx: &mut Ctx<'_>,
) -> Reply {
    let requested = match request.query_param("valor") {
        None => None,
        Some(text) => match text.trim().parse::<i64>() {
            Ok(cents) if cents > 0 => Some(cents),
            _ => return error(400, establishment, "40", "Valor de cancelamento inválido."),
        },
    };
    match account.cancel(requested, &RULES, "cancel", cx.ledger, cx.now) {
        Ok(_) => Reply::json(200, transaction_body(account)),
        Err(Refusal::State | Refusal::NothingLeft) => match account.status.parse() {
            Ok(CANCELLED) => error(400, establishment, "31", "Transação já cancelada."),
            Ok(REFUNDED) => error(400, establishment, "32", "Transação já estornada."),
            Ok(AWAITING_CANCELLATION) => error(
                400,
                establishment,
                "33",
                "Cancelamento já solicitado, aguardando a adquirente.",
            ),
            _ => error(
                400,
                establishment,
                "30",
                &format!(
                    "Transação com status {} não pode ser cancelada.",
                    account.status
                ),
            ),
        },
        Err(Refusal::Partial) => error(
            400,
            establishment,
            "42",
            "Cancelamento parcial disponível apenas para transações capturadas.",
        ),
        Err(Refusal::BeyondRemaining | Refusal::Amount) => error(
            400,
            establishment,
            "41",
            "Valor de cancelamento maior que o saldo da transação.",
        ),
    }
}

/// The seed's transaction object.
fn transaction_body(account: &Account) -> String {
    let tx = transaction(account);
    let id = &account.id;
    let approved_at = account.created_at;
    // Both formats occur in Yapay's answers; which one a transaction gets is fixed by its number.
    let approval_date = if tx.numero_transacao % 2 == 1 {
        clock::yapay_date(approved_at)
    } else {
        clock::plain_datetime(approved_at, clock::BRT)
    };
    let body = Obj::new().val("numeroTransacao", &tx.numero_transacao);
    let body = match tx.codigo_estabelecimento.parse::<u64>() {
        Ok(number) if tx.establishment_as_number => body.val("codigoEstabelecimento", &number),
        _ => body.val("codigoEstabelecimento", &tx.codigo_estabelecimento),
    };
    body.val("codigoFormaPagamento", &tx.codigo_forma_pagamento)
        .val("valor", &tx.valor_cents)
        .val("valorDesconto", &0)
        .val("taxaEmbarque", &0)
        .val("parcelas", &tx.parcelas)
        .val("statusTransacao", &tx.status_transacao)
        .val("autorizacao", &stable_digits(id, 11, 6))
        .val("codigoTransacaoOperadora", "0")
        .val("dataAprovacaoOperadora", &approval_date)
        .val(
            "numeroComprovanteVenda",
            &format!("{:020X}", (u128::from(stable_hash(id, 12)) << 16) | u128::from(tx.numero_transacao & 0xffff)),
        )
        .val("nsu", &stable_digits(id, 13, 6))
        .val("mensagemVenda", "Operation Success")
        .val(
            "urlPagamento",
            &format!(
                "https://sandbox.gateway.yapay.com.br/checkout/PagamentoCielo/PagamentoCielo.do?cod={:016x}",
                stable_hash(id, 14)
            ),
        )
        .raw("cartoesUtilizados", &array([crate::json::encode("000000*******0001")]))
        .done()
}
