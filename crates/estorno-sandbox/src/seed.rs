//! The deterministic demo payments every seeded sandbox starts with: [`DEMO_PER_PROVIDER`] for
//! each provider, mostly refundable, with a share already refunded, partially refunded, or in a
//! state the provider refuses to cancel, so demos and benchmarks meet every path.
//!
//! Ids (n = 0001 … 0400):
//! - PicPay E-commerce: `referenceId` `demo-order-n`, `authorizationId` `demo-auth-n` (orders
//!   that were never paid have none);
//! - Yapay: establishment `1000000000000`, `numeroTransacao` 100001 … 100400;
//! - PicPay Checkout: `merchantChargeId` `demo-charge-n`;
//! - Liquido: `idempotencyKey` `demo-pix-n`;
//! - Zoop: marketplace `demo-marketplace`, seller `demo-seller`, transaction `demo-txn-n`;
//! - Mercado Pago: payment [`MERCADO_PAGO_FIRST_ID`] + n − 1 (1234500001 … 1234500400);
//! - Pagar.me: charge `ch_demo_n`;
//! - PagBank: charge `CHAR_DEMO_n`;
//! - Efí Pix: `endToEndId` `E09089356202405021300DEMO000000n` (32 characters);
//! - Cielo: `PaymentId` `00000000-0000-4000-8000-00000000nnnn` (a GUID);
//! - e.Rede: `tid` `1001200629140254nnnn` (20 digits);
//! - Getnet: `payment_id` `0e7e0000-0000-4000-8000-00000000nnnn` (a UUID; those with n mod 20
//!   below 10 made the day the sandbox starts, which the same-day void takes, the others long
//!   before, which only a cancel request takes).
//!
//! Which state a payment gets depends on n mod 20, so every block of twenty has the same mix.

use crate::payment::{DemoPayment, Payment};
use crate::wire::stable_hash;
use crate::{
    cielo, efi_pix, getnet, liquido, mercado_pago, pagarme, pagbank, picpay_checkout,
    picpay_ecommerce, rede, yapay, zoop,
};

/// How many demo payments each provider gets.
pub const DEMO_PER_PROVIDER: usize = 400;

/// First seeded Yapay `numeroTransacao`.
pub const YAPAY_FIRST_NUMBER: u64 = 100_001;

/// First seeded Mercado Pago payment id.
pub const MERCADO_PAGO_FIRST_ID: u64 = 1_234_500_001;

/// When the demo payments were made: 2024-05-02 10:00 in Brasília (13:00 UTC).
pub(crate) const BASE_TIME: i64 = 1_714_654_800;

/// When demo payment `n` (1-based) was made: one every quarter of an hour after [`BASE_TIME`].
pub(crate) fn created_at(n: usize) -> i64 {
    BASE_TIME + i64::try_from(n).unwrap_or(0) * 937
}

/// Varied amounts between R$ 10,00 and R$ 1.000,00, some with odd cents.
fn amount(provider: &str, n: usize) -> i64 {
    let hash = stable_hash(&format!("{provider}#{n}"), 99);
    let cents = 1_000 + i64::try_from(hash % 99_000).unwrap_or(0);
    // Every third one is a round amount, as many real prices are.
    if n.is_multiple_of(3) {
        cents / 100 * 100
    } else {
        cents
    }
}

/// A synthetic payment's amount, R$ 10,00 to R$ 1.000,00, decided by its id alone.
pub(crate) fn synthetic_amount(provider: &str, id: &str) -> i64 {
    let hash = stable_hash(&format!("{provider}:{id}"), 98);
    1_000 + i64::try_from(hash % 99_001).unwrap_or(0)
}

/// The demo payments, in the order they are seeded.
pub(crate) fn demo() -> Vec<Payment> {
    let mut payments = Vec::with_capacity(DEMO_PER_PROVIDER * 12);
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(picpay_ecommerce_order(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(yapay_transaction(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(picpay_checkout_charge(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(liquido_charge(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(zoop_transaction(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(mercado_pago_payment(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(pagarme_charge(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(pagbank_charge(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(efi_pix(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(cielo_sale(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(rede_transaction(n).into());
    }
    for n in 1..=DEMO_PER_PROVIDER {
        payments.push(getnet_payment(n).into());
    }
    payments
}

fn getnet_payment(n: usize) -> getnet::Payment {
    let amount = amount(getnet::SLUG, n);
    let payment =
        getnet::Payment::confirmed(format!("0e7e0000-0000-4000-8000-00000000{n:04}"), amount);
    match n % 20 {
        0..=13 => payment,
        14 => getnet::Payment {
            refunded_cents: amount / 4,
            ..payment
        },
        15 => getnet::Payment {
            refunded_cents: amount,
            ..payment.with_status("CANCELED")
        },
        16 | 17 => payment.with_status("APPROVED"),
        _ => payment.with_status("AUTHORIZED"),
    }
}

/// An e.Rede `tid`: 20 digits ending in the demo number.
pub(crate) fn rede_tid(n: usize) -> String {
    format!("1001200629140254{n:04}")
}

fn rede_transaction(n: usize) -> rede::Transaction {
    let amount = amount(rede::SLUG, n);
    let transaction = rede::Transaction::approved(rede_tid(n), amount);
    match n % 20 {
        0..=12 => transaction,
        13 => rede::Transaction {
            refunded_cents: amount / 4,
            ..transaction
        },
        14 => rede::Transaction {
            refunded_cents: amount,
            ..transaction.with_status("Canceled")
        },
        15 | 16 => transaction.with_status("Pending"),
        _ => transaction.with_status("Denied"),
    }
}

fn cielo_sale(n: usize) -> cielo::Sale {
    let amount = amount(cielo::SLUG, n);
    let sale = cielo::Sale::confirmed(format!("00000000-0000-4000-8000-00000000{n:04}"), amount);
    match n % 20 {
        0..=12 => sale,
        13 => cielo::Sale {
            voided_cents: amount / 4,
            ..sale
        },
        14 => cielo::Sale {
            voided_cents: amount,
            ..sale.with_status(10)
        },
        15 | 16 => sale.with_status(1),
        17 => sale.with_status(3),
        18 => sale.with_status(12),
        _ => sale.with_status(13),
    }
}

/// A received Pix's `endToEndId`: `E`, Efí's ISPB, the date, and the demo number.
pub(crate) fn efi_pix_e2e(n: usize) -> String {
    format!("E09089356202405021300DEMO{n:07}")
}

fn efi_pix(n: usize) -> efi_pix::Pix {
    let amount = amount(efi_pix::SLUG, n);
    let pix = efi_pix::Pix::received(efi_pix_e2e(n), amount);
    match n % 20 {
        0..=13 => pix,
        14 | 15 => efi_pix::Pix {
            refunded_cents: amount / 4,
            ..pix
        },
        _ => efi_pix::Pix {
            refunded_cents: amount,
            ..pix
        },
    }
}

fn pagbank_charge(n: usize) -> pagbank::Charge {
    let amount = amount(pagbank::SLUG, n);
    let charge = pagbank::Charge::paid(format!("CHAR_DEMO_{n:04}"), amount);
    match n % 20 {
        0..=12 => charge,
        13 => pagbank::Charge {
            refunded_cents: amount / 4,
            ..charge
        },
        14 => pagbank::Charge {
            refunded_cents: amount,
            ..charge.with_status("CANCELED")
        },
        15 | 16 => charge.with_status("AUTHORIZED"),
        17 => charge.with_status("DECLINED"),
        18 => charge.with_status("WAITING"),
        _ => charge.with_status("IN_ANALYSIS"),
    }
}

fn pagarme_charge(n: usize) -> pagarme::Charge {
    let amount = amount(pagarme::SLUG, n);
    let charge = pagarme::Charge::paid(format!("ch_demo_{n:04}"), amount);
    match n % 20 {
        0..=11 => charge,
        12 => pagarme::Charge {
            payment_method: String::from("pix"),
            ..charge
        },
        13 => pagarme::Charge {
            canceled_cents: amount / 4,
            ..charge
        },
        14 => pagarme::Charge {
            canceled_cents: amount,
            ..charge.with_status("canceled")
        },
        15 => pagarme::Charge {
            payment_method: String::from("boleto"),
            ..charge.with_status("pending")
        },
        16 => charge.with_status("failed"),
        17 => charge.with_status("processing"),
        18 => charge.with_status("chargedback"),
        _ => charge.with_status("overpaid"),
    }
}

fn mercado_pago_payment(n: usize) -> mercado_pago::Payment {
    let amount = amount(mercado_pago::SLUG, n);
    let payment = mercado_pago::Payment::approved(MERCADO_PAGO_FIRST_ID + n as u64 - 1, amount);
    match n % 20 {
        0..=11 => payment,
        12 => mercado_pago::Payment {
            payment_method_id: String::from("visa"),
            ..payment
        },
        13 => mercado_pago::Payment {
            refunded_cents: amount / 4,
            ..payment
        },
        14 => mercado_pago::Payment {
            refunded_cents: amount,
            ..payment.with_status("refunded")
        },
        15 => payment.with_status("pending"),
        16 => payment.with_status("cancelled"),
        17 => payment.with_status("rejected"),
        18 => payment.with_status("in_mediation"),
        _ => payment.with_status("charged_back"),
    }
}

fn picpay_ecommerce_order(n: usize) -> picpay_ecommerce::Order {
    let amount = amount(picpay_ecommerce::SLUG, n);
    let order = picpay_ecommerce::Order::paid(
        format!("demo-order-{n:04}"),
        format!("demo-auth-{n:04}"),
        amount,
    );
    match n % 20 {
        0..=11 => order,
        12 => order.with_status("completed"),
        13 => order.with_refunded_cents(amount / 4),
        14 => order.with_status("authorized"),
        15 => picpay_ecommerce::Order::created(format!("demo-order-{n:04}"), amount),
        16 => order.with_status("refunded").with_refunded_cents(amount),
        17 => picpay_ecommerce::Order::created(format!("demo-order-{n:04}"), amount)
            .with_status("expired"),
        18 => order.with_status("analysis"),
        _ => order.with_status("chargeback"),
    }
}

fn yapay_transaction(n: usize) -> yapay::Transaction {
    let number = YAPAY_FIRST_NUMBER + n as u64 - 1;
    let amount = amount(yapay::SLUG, n);
    let mut tx = yapay::Transaction::captured(number, amount);
    // Both forms of `codigoEstabelecimento` occur in Yapay's answers.
    tx.establishment_as_number = n.is_multiple_of(2);
    tx.parcelas = u8::try_from(n % 3 + 1).unwrap_or(1);
    match n % 20 {
        0..=10 => tx,
        11 | 12 => tx.with_status(2),
        13 => yapay::Transaction {
            cancelled_cents: amount / 3,
            ..tx.with_status(27)
        },
        14 | 15 => tx.d_plus_one(),
        16 => yapay::Transaction {
            cancelled_cents: amount,
            ..tx.with_status(13)
        },
        17 => tx.with_status(14),
        18 => tx.with_status(3),
        _ => tx.d_plus_one().with_status(40),
    }
}

fn picpay_checkout_charge(n: usize) -> picpay_checkout::Charge {
    let amount = amount(picpay_checkout::SLUG, n);
    let charge = picpay_checkout::Charge::paid(format!("demo-charge-{n:04}"), amount);
    let charge = match n % 3 {
        0 => charge.with_payment_type("PIX"),
        1 => charge,
        _ => charge.with_payment_type("WALLET"),
    };
    match n % 20 {
        0..=11 => charge,
        12 | 13 => charge
            .with_payment_type("CREDIT")
            .with_status("PRE_AUTHORIZED"),
        14 => charge
            .with_status("PARTIAL")
            .with_refunded_cents(amount / 4),
        15 => charge.with_status("REFUNDED").with_refunded_cents(amount),
        16 => charge
            .with_payment_type("CREDIT")
            .with_status("CANCELED")
            .with_refunded_cents(amount),
        17 => charge.with_status("DENIED"),
        18 => charge.with_status("CHARGEBACK"),
        _ => charge.with_status("ERROR"),
    }
}

fn liquido_charge(n: usize) -> liquido::Charge {
    let mut charge =
        liquido::Charge::in_progress(format!("demo-pix-{n:04}"), amount(liquido::SLUG, n));
    // The seed's table types `finalAmount` as a string, its example as a number: both occur.
    charge.final_amount_as_string = n.is_multiple_of(2);
    if n.is_multiple_of(5) {
        charge.payment_method = String::from("PIX_DYNAMIC_QR");
    }
    match n % 20 {
        0..=13 => charge,
        14 | 15 => charge.with_status("SETTLED"),
        16 => charge.with_status("CANCELLED"),
        17 => charge.with_status("EXPIRED"),
        18 => charge.with_status("FAILED"),
        _ => charge.with_status("REFUNDED"),
    }
}

fn zoop_transaction(n: usize) -> zoop::Transaction {
    let amount = amount(zoop::SLUG, n);
    let tx = zoop::Transaction::succeeded(format!("demo-txn-{n:04}"), amount);
    match n % 20 {
        0..=11 => tx,
        12 | 13 => tx.with_status("pre_authorized"),
        14 => zoop::Transaction {
            voided_cents: amount / 4,
            ..tx
        },
        15 => zoop::Transaction {
            voided_cents: amount,
            ..tx.with_status("canceled")
        },
        16 => tx.with_payment_type("debit"),
        17 => tx.with_status("failed"),
        18 => tx.with_status("pending"),
        _ => tx.with_status("reversed"),
    }
}

/// Describes every payment a seeded sandbox starts with, in seeding order, so the command line
/// can build an example bulk file without starting a sandbox.
pub fn demo_payments() -> Vec<DemoPayment> {
    demo().iter().map(Payment::describe).collect()
}

/// The creation time to give a seeded payment, by its position within its provider. Getnet's
/// void takes only a payment of the same day, so half of each block of twenty of its demo
/// payments are made when the sandbox starts, and the same-day void and the later cancel
/// request both have payments to show.
pub(crate) fn seeded_created_at(payment: &Payment, index_within_provider: usize) -> i64 {
    let n = index_within_provider + 1;
    if matches!(payment, Payment::Getnet(_)) && n % 20 < 10 {
        return crate::clock::now_unix();
    }
    created_at(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;

    #[test]
    fn base_time_is_the_documented_instant() {
        assert_eq!(BASE_TIME, clock::unix_from_utc(2024, 5, 2, 13, 0));
    }

    #[test]
    fn every_provider_gets_the_same_count_and_mostly_refundable_payments() {
        let demo = demo_payments();
        assert_eq!(demo.len(), DEMO_PER_PROVIDER * 12);
        for slug in [
            "picpay-ecommerce",
            "yapay",
            "picpay-checkout",
            "liquido",
            "zoop",
            "mercado-pago",
            "pagarme",
            "pagbank",
            "efi-pix",
            "cielo",
            "rede",
            "getnet",
        ] {
            let mine: Vec<_> = demo
                .iter()
                .filter(|payment| payment.provider == slug)
                .collect();
            assert_eq!(mine.len(), DEMO_PER_PROVIDER, "{slug}");
            let refundable = mine
                .iter()
                .filter(|payment| payment.refundable_cents > 0)
                .count();
            assert!(
                refundable * 2 > mine.len(),
                "{slug}: {refundable} refundable"
            );
            assert!(
                mine.iter().any(|payment| payment.refundable_cents == 0),
                "{slug}: none refused"
            );
        }
        assert_eq!(demo[0].payment_id, "demo-order-0001");
        assert_eq!(demo[0].authorization_id.as_deref(), Some("demo-auth-0001"));
        assert_eq!(demo[DEMO_PER_PROVIDER].payment_id, "100001");
        assert_eq!(demo[2 * DEMO_PER_PROVIDER].payment_id, "demo-charge-0001");
        assert_eq!(demo[3 * DEMO_PER_PROVIDER].payment_id, "demo-pix-0001");
        assert_eq!(demo[4 * DEMO_PER_PROVIDER].payment_id, "demo-txn-0001");
        assert_eq!(demo[5 * DEMO_PER_PROVIDER].payment_id, "1234500001");
        assert_eq!(demo[6 * DEMO_PER_PROVIDER].payment_id, "ch_demo_0001");
        assert_eq!(demo[7 * DEMO_PER_PROVIDER].payment_id, "CHAR_DEMO_0001");
        assert_eq!(
            demo[8 * DEMO_PER_PROVIDER].payment_id,
            "E09089356202405021300DEMO0000001"
        );
        assert_eq!(demo[8 * DEMO_PER_PROVIDER].payment_id.len(), 32);
        assert_eq!(demo, demo_payments(), "deterministic");
    }
}
