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

use std::collections::BTreeMap;

use hyper::Method;
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::credentials;
use crate::json::{Obj, array};
use crate::ledger::EffectKind;
use crate::provider::{Ctx, Routed};
use crate::wire::{Reply, Request, stable_digits, stable_hash};

pub(crate) const SLUG: &str = "yapay";

/// The establishment code of every seeded transaction.
pub const DEMO_ESTABLISHMENT: &str = "1000000000000";

/// Status queries that still show 40 after a D+1 cancel; the next one shows the outcome.
pub const QUERIES_BEFORE_SETTLEMENT: u32 = 2;

/// `statusTransacao` values the sandbox acts on (the rest are listed in PROVIDERS.md).
const CAPTURED: u16 = 1;
const AUTHORISED: u16 = 2;
const CANCELLED: u16 = 13;
const REFUNDED: u16 = 14;
const PARTIAL_CANCEL: u16 = 27;
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
        match self.status_transacao {
            CAPTURED | PARTIAL_CANCEL => ((self.valor_cents - self.cancelled_cents).max(0), true),
            AUTHORISED => (self.valor_cents - self.cancelled_cents, false),
            _ => (0, false),
        }
    }
}

pub(crate) enum Call {
    Cancel {
        establishment: String,
        number: String,
    },
    Status {
        establishment: String,
        number: String,
    },
}

impl Call {
    pub(crate) fn operation(&self) -> &'static str {
        match self {
            Call::Cancel { .. } => "cancel",
            Call::Status { .. } => "status",
        }
    }

    pub(crate) fn payment(&self) -> &str {
        match self {
            Call::Cancel { number, .. } | Call::Status { number, .. } => number,
        }
    }
}

/// Routes the segments after `/yapay`.
pub(crate) fn route(method: &Method, segments: &[String]) -> Routed<Call> {
    let [checkout, api, version, transacao, rest @ ..] = segments else {
        return Routed::NotFound;
    };
    if checkout != "checkout"
        || api != "api"
        || !(version == "v3" || version == "v2")
        || transacao != "transacao"
    {
        return Routed::NotFound;
    }
    match (rest, method) {
        ([establishment, number, action], &Method::PUT) if action == "cancelar" => {
            Routed::Call(Call::Cancel {
                establishment: establishment.clone(),
                number: number.clone(),
            })
        }
        ([_, _, action], _) if action == "cancelar" => Routed::WrongMethod("cancel"),
        ([establishment, number], &Method::GET) => Routed::Call(Call::Status {
            establishment: establishment.clone(),
            number: number.clone(),
        }),
        ([_, _], _) => Routed::WrongMethod("status"),
        _ => Routed::NotFound,
    }
}

#[derive(Clone)]
struct Pending {
    amount: i64,
    queries: u32,
}

#[derive(Clone)]
struct Record {
    tx: Transaction,
    /// A D+1 cancel waiting for the acquirer.
    pending: Option<Pending>,
    /// When the acquirer approved it (Unix seconds): shortly before it was added, so that it
    /// is within every acquirer's cancellation window, as a sale being refunded usually is.
    approved_at: i64,
}

impl Record {
    /// The acquirer completes a D+1 cancel.
    fn settle(&mut self) {
        if let Some(pending) = self.pending.take() {
            self.tx.cancelled_cents =
                (self.tx.cancelled_cents + pending.amount).min(self.tx.valor_cents);
            self.tx.status_transacao = if self.tx.cancelled_cents >= self.tx.valor_cents {
                CANCELLED
            } else {
                PARTIAL_CANCEL
            };
        }
    }
}

#[derive(Clone, Default)]
pub(crate) struct Store {
    transactions: BTreeMap<(String, u64), Record>,
}

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

impl Store {
    pub(crate) fn insert(&mut self, tx: Transaction) {
        // A transaction seeded as already awaiting cancellation waits for its whole remainder.
        let pending = (tx.status_transacao == AWAITING_CANCELLATION).then(|| Pending {
            amount: tx.valor_cents - tx.cancelled_cents,
            queries: 0,
        });
        let key = (tx.codigo_estabelecimento.clone(), tx.numero_transacao);
        // Up to a few hours before now, fixed by the transaction's number.
        let approved_at =
            clock::now_unix() - i64::try_from(tx.numero_transacao % 24).unwrap_or(0) * 600;
        self.transactions.insert(
            key,
            Record {
                tx,
                pending,
                approved_at,
            },
        );
    }

    pub(crate) fn transactions(&self) -> impl Iterator<Item = &Transaction> {
        self.transactions.values().map(|record| &record.tx)
    }

    pub(crate) fn get(&self, establishment: &str, number: u64) -> Option<&Transaction> {
        self.transactions
            .get(&(establishment.to_owned(), number))
            .map(|record| &record.tx)
    }

    /// Finds a transaction by its number alone (for the control API, which names payments
    /// the way the ledger does).
    pub(crate) fn get_by_number(&self, number: u64) -> Option<&Transaction> {
        self.transactions
            .values()
            .map(|record| &record.tx)
            .find(|tx| tx.numero_transacao == number)
    }

    pub(crate) fn handle(&mut self, call: &Call, request: &Request, cx: &mut Ctx<'_>) -> Reply {
        let (establishment, number) = match call {
            Call::Cancel {
                establishment,
                number,
            }
            | Call::Status {
                establishment,
                number,
            } => (establishment, number),
        };
        let authorised = request.basic_auth().is_some_and(|(user, password)| {
            user == credentials::YAPAY_USER && password == credentials::YAPAY_PASSWORD
        });
        if !authorised {
            return error(401, establishment, "10", "Usuário ou senha inválidos.");
        }
        let record = number
            .parse::<u64>()
            .ok()
            .and_then(|number| self.transactions.get_mut(&(establishment.clone(), number)));
        let Some(record) = record else {
            return error(404, establishment, "20", "Transação não encontrada.");
        };
        match call {
            Call::Status { .. } => {
                if let Some(pending) = &mut record.pending {
                    pending.queries += 1;
                    if pending.queries > QUERIES_BEFORE_SETTLEMENT {
                        record.settle();
                    }
                }
                Reply::json(200, transaction_body(record))
            }
            Call::Cancel { .. } => cancel(record, establishment, request, cx),
        }
    }
}

fn cancel(record: &mut Record, establishment: &str, request: &Request, cx: &mut Ctx<'_>) -> Reply {
    let requested = match request.query_param("valor") {
        None => None,
        Some(text) => match text.trim().parse::<i64>() {
            Ok(cents) if cents > 0 => Some(cents),
            _ => return error(400, establishment, "40", "Valor de cancelamento inválido."),
        },
    };
    let tx = &mut record.tx;
    let remaining = tx.valor_cents - tx.cancelled_cents;
    let amount = match tx.status_transacao {
        CAPTURED | PARTIAL_CANCEL => requested.unwrap_or(remaining),
        AUTHORISED => match requested {
            Some(cents) if cents != remaining => {
                return error(
                    400,
                    establishment,
                    "42",
                    "Cancelamento parcial disponível apenas para transações capturadas.",
                );
            }
            _ => remaining,
        },
        CANCELLED => return error(400, establishment, "31", "Transação já cancelada."),
        REFUNDED => return error(400, establishment, "32", "Transação já estornada."),
        AWAITING_CANCELLATION => {
            return error(
                400,
                establishment,
                "33",
                "Cancelamento já solicitado, aguardando a adquirente.",
            );
        }
        other => {
            return error(
                400,
                establishment,
                "30",
                &format!("Transação com status {other} não pode ser cancelada."),
            );
        }
    };
    if amount > remaining || remaining <= 0 {
        return error(
            400,
            establishment,
            "41",
            "Valor de cancelamento maior que o saldo da transação.",
        );
    }
    let number = tx.numero_transacao.to_string();
    if tx.d_plus_one {
        tx.status_transacao = AWAITING_CANCELLATION;
        record.pending = Some(Pending { amount, queries: 0 });
        cx.ledger
            .record(SLUG, "cancel", &number, amount, EffectKind::CancelRequested);
    } else {
        tx.cancelled_cents += amount;
        tx.status_transacao = if tx.cancelled_cents == tx.valor_cents {
            CANCELLED
        } else {
            PARTIAL_CANCEL
        };
        let kind = if amount == remaining {
            EffectKind::Cancel
        } else {
            EffectKind::PartialCancel
        };
        cx.ledger.record(SLUG, "cancel", &number, amount, kind);
    }
    Reply::json(200, transaction_body(record))
}

/// The seed's transaction object.
fn transaction_body(record: &Record) -> String {
    let tx = &record.tx;
    let id = tx.numero_transacao.to_string();
    let approved_at = record.approved_at;
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
        .val("autorizacao", &stable_digits(&id, 11, 6))
        .val("codigoTransacaoOperadora", "0")
        .val("dataAprovacaoOperadora", &approval_date)
        .val(
            "numeroComprovanteVenda",
            &format!("{:020X}", (u128::from(stable_hash(&id, 12)) << 16) | u128::from(tx.numero_transacao & 0xffff)),
        )
        .val("nsu", &stable_digits(&id, 13, 6))
        .val("mensagemVenda", "Operation Success")
        .val(
            "urlPagamento",
            &format!(
                "https://sandbox.gateway.yapay.com.br/checkout/PagamentoCielo/PagamentoCielo.do?cod={:016x}",
                stable_hash(&id, 14)
            ),
        )
        .raw("cartoesUtilizados", &array([crate::json::encode("000000*******0001")]))
        .done()
}
