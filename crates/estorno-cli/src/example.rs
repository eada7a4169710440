//! The bundled example bulk file, `crates/estorno-cli/examples/refunds.csv`, built from the
//! sandbox's deterministic demo payments so that it always matches what the embedded sandbox
//! holds: a test regenerates it and compares bytes (set `ESTORNO_BLESS=1` to rewrite it).
//!
//! For each provider, the first [`PER_PROVIDER`] demo payments: refundable ones refunded in
//! full, in part, in two different parts, or in part and then the rest; the others (already refunded,
//! voided, failed, disputed) asked once, to show how those rows end. Between the blocks, a
//! handful of invalid rows, each a different mistake.

use estorno_sandbox::{DemoPayment, demo_payments};

/// The file's columns: the three every file has, then the provider fields the providers
/// take (PicPay E-commerce `authorizationId`, Yapay `codigoEstabelecimento`, Zoop
/// `marketplace_id` and `on_behalf_of`).
pub const COLUMNS: [&str; 7] = [
    "provider",
    "payment",
    "amount",
    "authorizationId",
    "codigoEstabelecimento",
    "marketplace_id",
    "on_behalf_of",
];

/// How many demo payments of each provider the file uses.
pub const PER_PROVIDER: usize = 48;

/// The providers in the order the file lists them.
pub const PROVIDERS: [&str; 12] = [
    "picpay-checkout",
    "picpay-ecommerce",
    "yapay",
    "liquido",
    "zoop",
    "mercado-pago",
    "pagarme",
    "pagbank",
    "efi-pix",
    "cielo",
    "rede",
    "getnet",
];

fn fields(payment: &DemoPayment, amount: Option<i64>) -> [String; 7] {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        payment.provider.clone(),
        payment.payment_id.clone(),
        amount.map(|cents| cents.to_string()).unwrap_or_default(),
        text(&payment.authorization_id),
        text(&payment.establishment),
        text(&payment.marketplace_id),
        text(&payment.on_behalf_of),
    ]
}

/// The rows for one demo payment (its position `n`, 1-based, picks the pattern).
fn rows_for(payment: &DemoPayment, n: usize) -> Vec<[String; 7]> {
    let left = payment.refundable_cents;
    if left <= 0 || !payment.partial_allowed {
        return vec![fields(payment, None)];
    }
    let part = |divisor: i64| Some((left / divisor).max(1));
    match n % 5 {
        1 => vec![fields(payment, part(2))],
        2 => vec![fields(payment, part(3)), fields(payment, part(4))],
        3 => vec![fields(payment, part(4)), fields(payment, None)],
        _ => vec![fields(payment, None)],
    }
}

/// A row made of plain text cells (the invalid examples).
fn raw(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|cell| (*cell).to_owned()).collect()
}

/// The invalid rows that follow each provider's block.
fn mistakes(after: &str, first_row: &[String; 7]) -> Vec<Vec<String>> {
    match after {
        "picpay-checkout" => vec![
            // The same row twice: refused unless --allow-duplicates.
            first_row.to_vec(),
            // An id the provider's rules refuse (space and `!`): caught before sending.
            raw(&["picpay-checkout", "bad id!", "500", "", "", "", ""]),
            raw(&[
                "picpay-checkout",
                "demo-charge-0004",
                "12.50",
                "",
                "",
                "",
                "",
            ]),
        ],
        "picpay-ecommerce" => vec![raw(&[
            "stripe",
            "ch_3MqLiJ2eZvKYlo2C",
            "1000",
            "",
            "",
            "",
            "",
        ])],
        "yapay" => vec![
            raw(&["yapay", "100002", "0", "", "1000000000000", "", ""]),
            raw(&["yapay", "", "500", "", "1000000000000", "", ""]),
        ],
        "liquido" => vec![raw(&["liquido", "demo-pix-0003", "ten", "", "", "", ""])],
        "zoop" => vec![
            raw(&[
                "zoop",
                "demo-txn-0004",
                "-300",
                "",
                "",
                "demo-marketplace",
                "demo-seller",
            ]),
            // Three fields where the header has seven.
            raw(&["zoop", "demo-txn-0005", "700"]),
        ],
        _ => Vec::new(),
    }
}

/// The example file's text.
pub fn example_csv() -> String {
    let demo = demo_payments();
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut lines: Vec<Vec<String>> = vec![COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for provider in PROVIDERS {
        let mine: Vec<&DemoPayment> = demo
            .iter()
            .filter(|payment| payment.provider == provider)
            .take(PER_PROVIDER)
            .collect();
        let mut block: Vec<[String; 7]> = Vec::new();
        for (index, payment) in mine.iter().enumerate() {
            block.extend(rows_for(payment, index + 1));
        }
        let first = block.first().cloned().unwrap_or_default();
        lines.extend(block.into_iter().map(|row| row.to_vec()));
        lines.extend(mistakes(provider, &first));
    }
    for line in lines {
        // Writing to memory cannot fail.
        let _ = writer.write_record(&line);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}
