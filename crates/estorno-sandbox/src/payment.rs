//! Payments as the sandbox's users see them: [`Payment`], one provider-typed record to insert,
//! and [`DemoPayment`], a flat description of any payment (seeded or current) that the command
//! line can turn into an example bulk file.

use serde::{Deserialize, Serialize};

use crate::book::Account;
use crate::provider::Provider;
use crate::{
    cielo, efi_pix, getnet, liquido, mercado_pago, pagarme, pagbank, picpay_checkout,
    picpay_ecommerce, rede, yapay, zoop,
};

/// A payment to insert into the sandbox, in its provider's own terms.
///
/// In JSON (`POST /__sandbox/payments`) the provider's slug is the `provider` tag, next to the
/// record's fields, e.g.
/// `{"provider":"zoop","id":"t-1","amount_cents":1000,"status":"succeeded"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider")]
pub enum Payment {
    #[serde(rename = "picpay-ecommerce")]
    PicPayEcommerce(picpay_ecommerce::Order),
    #[serde(rename = "yapay")]
    Yapay(yapay::Transaction),
    #[serde(rename = "picpay-checkout")]
    PicPayCheckout(picpay_checkout::Charge),
    #[serde(rename = "liquido")]
    Liquido(liquido::Charge),
    #[serde(rename = "zoop")]
    Zoop(zoop::Transaction),
    #[serde(rename = "mercado-pago")]
    MercadoPago(mercado_pago::Payment),
    #[serde(rename = "pagarme")]
    Pagarme(pagarme::Charge),
    #[serde(rename = "pagbank")]
    PagBank(pagbank::Charge),
    #[serde(rename = "efi-pix")]
    EfiPix(efi_pix::Pix),
    #[serde(rename = "cielo")]
    Cielo(cielo::Sale),
    #[serde(rename = "rede")]
    Rede(rede::Transaction),
    #[serde(rename = "getnet")]
    Getnet(getnet::Payment),
}

impl From<getnet::Payment> for Payment {
    fn from(payment: getnet::Payment) -> Self {
        Payment::Getnet(payment)
    }
}

impl From<rede::Transaction> for Payment {
    fn from(transaction: rede::Transaction) -> Self {
        Payment::Rede(transaction)
    }
}

impl From<cielo::Sale> for Payment {
    fn from(sale: cielo::Sale) -> Self {
        Payment::Cielo(sale)
    }
}

impl From<efi_pix::Pix> for Payment {
    fn from(pix: efi_pix::Pix) -> Self {
        Payment::EfiPix(pix)
    }
}

impl From<pagbank::Charge> for Payment {
    fn from(charge: pagbank::Charge) -> Self {
        Payment::PagBank(charge)
    }
}

impl From<pagarme::Charge> for Payment {
    fn from(charge: pagarme::Charge) -> Self {
        Payment::Pagarme(charge)
    }
}

impl From<mercado_pago::Payment> for Payment {
    fn from(payment: mercado_pago::Payment) -> Self {
        Payment::MercadoPago(payment)
    }
}

impl From<picpay_ecommerce::Order> for Payment {
    fn from(order: picpay_ecommerce::Order) -> Self {
        Payment::PicPayEcommerce(order)
    }
}

impl From<yapay::Transaction> for Payment {
    fn from(transaction: yapay::Transaction) -> Self {
        Payment::Yapay(transaction)
    }
}

impl From<picpay_checkout::Charge> for Payment {
    fn from(charge: picpay_checkout::Charge) -> Self {
        Payment::PicPayCheckout(charge)
    }
}

impl From<liquido::Charge> for Payment {
    fn from(charge: liquido::Charge) -> Self {
        Payment::Liquido(charge)
    }
}

impl From<zoop::Transaction> for Payment {
    fn from(transaction: zoop::Transaction) -> Self {
        Payment::Zoop(transaction)
    }
}

/// A flat description of one payment: everything a caller needs to cancel or refund it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoPayment {
    /// The provider's slug.
    pub provider: String,
    /// The id the provider's cancel path takes (and the ledger uses): PicPay E-commerce
    /// `referenceId`, Yapay `numeroTransacao`, PicPay Checkout `merchantChargeId`, Liquido
    /// `idempotencyKey`, Zoop transaction id.
    pub payment_id: String,
    /// PicPay E-commerce `authorizationId`, required to refund a paid order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_id: Option<String>,
    /// Yapay `codigoEstabelecimento`, the first path segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub establishment: Option<String>,
    /// Zoop marketplace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    /// Zoop seller id, to send as `on_behalf_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// The payment's original amount, in cents.
    pub amount_cents: i64,
    /// What a cancel or refund can still return now, in cents (0 when nothing can).
    pub refundable_cents: i64,
    /// Whether the provider accepts a partial amount for this payment now.
    pub partial_allowed: bool,
    /// The provider's own state name (Yapay's numeric `statusTransacao` as text).
    pub state: String,
}

impl Payment {
    /// Its account in the shared ledger; `created_at` (Unix seconds) where the provider's
    /// answers show when it was made.
    pub(crate) fn into_account(self, created_at: i64) -> Account {
        match self {
            Payment::PicPayEcommerce(order) => picpay_ecommerce::account(order),
            Payment::Yapay(transaction) => yapay::account(transaction),
            Payment::PicPayCheckout(charge) => picpay_checkout::account(charge, created_at),
            Payment::Liquido(charge) => liquido::account(charge, created_at),
            Payment::Zoop(transaction) => zoop::account(transaction, created_at),
            Payment::MercadoPago(payment) => mercado_pago::account(payment, created_at),
            Payment::Pagarme(charge) => pagarme::account(charge, created_at),
            Payment::PagBank(charge) => pagbank::account(charge, created_at),
            Payment::EfiPix(pix) => efi_pix::account(pix, created_at),
            Payment::Cielo(sale) => cielo::account(sale, created_at),
            Payment::Rede(transaction) => rede::account(transaction, created_at),
            Payment::Getnet(payment) => getnet::account(payment, created_at),
        }
    }

    /// The payment a synthetic sandbox makes for `id` on its first request, where the
    /// provider could have issued that id: paid, nothing refunded, its amount decided by the
    /// id alone.
    pub(crate) fn synthetic(provider: Provider, id: &str) -> Option<Payment> {
        if id.is_empty() {
            return None;
        }
        let amount = crate::seed::synthetic_amount(provider.slug(), id);
        Some(match provider {
            Provider::PicPayEcommerce => {
                picpay_ecommerce::Order::paid(id, format!("auth-{id}"), amount).into()
            }
            Provider::Yapay => yapay::Transaction::captured(id.parse().ok()?, amount).into(),
            Provider::PicPayCheckout => picpay_checkout::Charge::paid(id, amount).into(),
            Provider::Liquido => liquido::Charge::in_progress(id, amount).into(),
            Provider::Zoop => zoop::Transaction::succeeded(id, amount).into(),
            Provider::MercadoPago => {
                mercado_pago::Payment::approved(id.parse().ok()?, amount).into()
            }
            Provider::Pagarme => pagarme::Charge::paid(id, amount).into(),
            Provider::PagBank => pagbank::Charge::paid(id, amount).into(),
            Provider::EfiPix => efi_pix::Pix::received(id, amount).into(),
            Provider::Cielo => cielo::Sale::confirmed(id, amount).into(),
            Provider::Rede => rede::Transaction::approved(id, amount).into(),
            Provider::Getnet => getnet::Payment::confirmed(id, amount).into(),
        })
    }

    /// The provider's slug.
    pub fn provider(&self) -> &'static str {
        match self {
            Payment::PicPayEcommerce(_) => picpay_ecommerce::SLUG,
            Payment::Yapay(_) => yapay::SLUG,
            Payment::PicPayCheckout(_) => picpay_checkout::SLUG,
            Payment::Liquido(_) => liquido::SLUG,
            Payment::Zoop(_) => zoop::SLUG,
            Payment::MercadoPago(_) => mercado_pago::SLUG,
            Payment::Pagarme(_) => pagarme::SLUG,
            Payment::PagBank(_) => pagbank::SLUG,
            Payment::EfiPix(_) => efi_pix::SLUG,
            Payment::Cielo(_) => cielo::SLUG,
            Payment::Rede(_) => rede::SLUG,
            Payment::Getnet(_) => getnet::SLUG,
        }
    }

    /// The flat description of this payment in its current state.
    pub fn describe(&self) -> DemoPayment {
        let base = |payment_id: String,
                    amount_cents: i64,
                    (refundable_cents, partial_allowed): (i64, bool),
                    state: String| {
            DemoPayment {
                provider: self.provider().to_owned(),
                payment_id,
                authorization_id: None,
                establishment: None,
                marketplace_id: None,
                on_behalf_of: None,
                amount_cents,
                refundable_cents,
                partial_allowed: partial_allowed && refundable_cents > 1,
                state,
            }
        };
        match self {
            Payment::PicPayEcommerce(order) => DemoPayment {
                authorization_id: order.authorization_id.clone(),
                ..base(
                    order.reference_id.clone(),
                    order.amount_cents,
                    order.refundable(),
                    order.status.clone(),
                )
            },
            Payment::Yapay(tx) => DemoPayment {
                establishment: Some(tx.codigo_estabelecimento.clone()),
                ..base(
                    tx.numero_transacao.to_string(),
                    tx.valor_cents,
                    tx.refundable(),
                    tx.status_transacao.to_string(),
                )
            },
            Payment::PicPayCheckout(charge) => base(
                charge.merchant_charge_id.clone(),
                charge.amount_cents,
                charge.refundable(),
                charge.charge_status.clone(),
            ),
            Payment::Liquido(charge) => base(
                charge.idempotency_key.clone(),
                charge.amount_cents,
                charge.refundable(),
                charge.transfer_status.clone(),
            ),
            Payment::MercadoPago(payment) => base(
                payment.id.to_string(),
                payment.amount_cents,
                payment.refundable(),
                payment.status.clone(),
            ),
            Payment::Pagarme(charge) => base(
                charge.id.clone(),
                charge.amount_cents,
                charge.refundable(),
                charge.status.clone(),
            ),
            Payment::PagBank(charge) => base(
                charge.id.clone(),
                charge.amount_cents,
                charge.refundable(),
                charge.status.clone(),
            ),
            Payment::Cielo(sale) => base(
                sale.payment_id.clone(),
                sale.amount_cents,
                sale.refundable(),
                sale.status.to_string(),
            ),
            Payment::Rede(transaction) => base(
                transaction.tid.clone(),
                transaction.amount_cents,
                transaction.refundable(),
                transaction.status.clone(),
            ),
            Payment::Getnet(payment) => base(
                payment.payment_id.clone(),
                payment.amount_cents,
                payment.refundable(),
                payment.status.clone(),
            ),
            Payment::EfiPix(pix) => base(
                pix.e2e_id.clone(),
                pix.amount_cents,
                pix.refundable(),
                if pix.refunded_cents >= pix.amount_cents {
                    String::from("DEVOLVIDO")
                } else {
                    String::from("RECEBIDO")
                },
            ),
            Payment::Zoop(tx) => DemoPayment {
                marketplace_id: Some(tx.marketplace_id.clone()),
                on_behalf_of: Some(tx.on_behalf_of.clone()),
                ..base(
                    tx.id.clone(),
                    tx.amount_cents,
                    tx.refundable(),
                    tx.status.clone(),
                )
            },
        }
    }
}
