//! Idempotency keys and look-ups by them, end to end against the sandbox: a keyed refund is
//! retried with its key, journaled before it left; an unresolved one is resent with the same
//! key only where the provider keeps it, or where the provider's look-up by the key proves the
//! request never arrived.

use std::path::{Path, PathBuf};

use super::{common, journal_value, report_row};

/// The sandbox's ledger: each refund made, as (payment, cents).
fn ledger(hosted: &common::Hosted) -> Vec<(String, i64)> {
    hosted
        .sandbox
        .ledger()
        .into_iter()
        .map(|entry| (entry.payment, entry.amount_cents))
        .collect()
}

/// A sandbox holding one received Pix of R$ 50,00 (end-to-end id `e2e`), and a bulk file in a
/// directory of its own refunding R$ 15,00 of it.
fn one_devolucao(e2e: &str) -> (common::Hosted, tempfile::TempDir, PathBuf) {
    let hosted = common::Hosted::start();
    hosted
        .sandbox
        .add_payment(estorno_sandbox::efi_pix::Pix::received(e2e, 5_000));
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "refunds.csv",
        &format!("provider,payment,amount\nefi-pix,{e2e},1500\n"),
    );
    (hosted, dir, file)
}

/// A sandbox holding one approved Mercado Pago payment `id` of `paid` cents, and a bulk file
/// in a directory of its own refunding `part` cents of it.
fn one_mercado_pago_refund(
    id: u64,
    paid: i64,
    part: i64,
) -> (common::Hosted, tempfile::TempDir, PathBuf) {
    let hosted = common::Hosted::start();
    hosted
        .sandbox
        .add_payment(estorno_sandbox::mercado_pago::Payment::approved(id, paid));
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "refunds.csv",
        &format!("provider,payment,amount\nmercado-pago,{id},{part}\n"),
    );
    (hosted, dir, file)
}

/// The journal's idempotency key of its only item.
fn journal_key(dir: &Path) -> String {
    match journal_value(dir, "idempotency_key") {
        rusqlite::types::Value::Text(key) => key,
        other => panic!("no key in the journal: {other:?}"),
    }
}

#[test]
fn a_keyed_refund_is_retried_and_resent_with_the_key_journaled_before_it_left() {
    use estorno_sandbox::{Fault, FaultKind};
    use std::time::Duration;

    // A part: three applications would show as three refunds, not one refused twice.
    let (hosted, dir, file) = one_mercado_pago_refund(7_700_000_001, 4_200, 1_000);
    let run = |extra: &[&str]| {
        common::estorno_at(&hosted.url())
            .env("ESTORNO_MERCADO_PAGO_TIMEOUT_SECS", "1")
            .arg("bulk")
            .args(extra)
            .arg(&file)
            .output()
            .unwrap()
    };
    let refunds = || hosted.count("mercado-pago", "refund");
    let ledger = || ledger(&hosted);

    // Every attempt times out and lands eight seconds later, after the run: the client retries
    // within the call, each time with the same key, and the provider applies the key once.
    hosted.sandbox.inject(
        Fault::new(
            "mercado-pago",
            "refund",
            FaultKind::TimeoutThenApplyLater(Duration::from_secs(8)),
        )
        .times(3),
    );
    let first = run(&[]);
    assert_eq!(
        first.status.code(),
        Some(3),
        "{}",
        common::text(&first.stderr)
    );
    assert_eq!(report_row(dir.path()).0, "unresolved");
    assert_eq!(refunds(), 3, "three attempts of one call");
    let key = journal_key(dir.path());
    assert_eq!(key.len(), 36, "{key}");
    hosted.wait_for_delayed_effects();
    assert_eq!(ledger(), [("7700000001".to_owned(), 1_000)], "applied once");

    // The next run sees it refunded: nothing more is sent.
    let second = run(&[]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        common::text(&second.stderr)
    );
    assert_eq!(
        report_row(dir.path()),
        ("partially_refunded".to_owned(), String::new())
    );
    assert_eq!(refunds(), 3);
    assert_eq!(journal_key(dir.path()), key);
}

#[test]
fn a_keyed_refund_that_failed_without_landing_is_resent_only_by_an_operator_with_its_key() {
    use estorno_sandbox::{Fault, FaultKind};

    // Mercado Pago does not say how long it keeps a key, so a refund that fails without
    // landing stays unresolved: only an operator resends, and with the same key.
    let (hosted, dir, file) = one_mercado_pago_refund(7_700_000_002, 1_300, 500);
    let refunds = || hosted.count("mercado-pago", "refund");
    let run = |extra: &[&str]| {
        common::estorno_at(&hosted.url())
            .arg("bulk")
            .args(extra)
            .arg(&file)
            .output()
            .unwrap()
    };
    hosted.sandbox.inject(
        Fault::new("mercado-pago", "refund", FaultKind::Status(500))
            .payment("7700000002")
            .times(3),
    );
    let failed = run(&[]);
    assert_eq!(
        failed.status.code(),
        Some(3),
        "{}{}",
        common::text(&failed.stdout),
        common::text(&failed.stderr)
    );
    let key = journal_key(dir.path());
    assert_eq!(
        run(&[]).status.code(),
        Some(3),
        "still unresolved, not resent"
    );
    assert_eq!(refunds(), 3);
    let resent = run(&["--resend-unresolved", "--older-than", "0s"]);
    assert_eq!(
        resent.status.code(),
        Some(0),
        "{}",
        common::text(&resent.stderr)
    );
    assert_eq!(
        report_row(dir.path()),
        ("partially_refunded".to_owned(), "operator".to_owned())
    );
    assert_eq!(
        journal_key(dir.path()),
        key,
        "the operator's resend reuses the key"
    );
    assert_eq!(refunds(), 4);
    assert_eq!(ledger(&hosted), [("7700000002".to_owned(), 500)]);
}

#[test]
fn a_devolucao_that_never_arrived_is_resent_on_the_proof_of_the_look_up_by_its_id() {
    use estorno_sandbox::{Fault, FaultKind};

    const E2E: &str = "E09089356202405021300PROOF000001";
    let (hosted, dir, file) = one_devolucao(E2E);
    let run = || {
        common::estorno_at(&hosted.url())
            .env("ESTORNO_EFI_PIX_TIMEOUT_SECS", "1")
            .arg("bulk")
            .arg(&file)
            .output()
            .unwrap()
    };
    // Every attempt of the first run is cut off after it was sent, and none arrives.
    hosted
        .sandbox
        .inject(Fault::new("efi-pix", "devolver", FaultKind::Reset).times(3));
    let devolucoes = || hosted.count("efi-pix", "devolver");
    let first = run();
    assert_eq!(
        first.status.code(),
        Some(3),
        "{}",
        common::text(&first.stderr)
    );
    // The same request three times within the call, then one look-up by its id: no
    // devolução with that id arrived, which proves it did not land. The row goes back to be
    // sent, the decision recorded as the proof's, nothing sent yet.
    assert_eq!(devolucoes(), 3);
    assert_eq!(hosted.count("efi-pix", "status_devolucao"), 1);
    assert_eq!(
        report_row(dir.path()),
        ("not_sent".to_owned(), "proof".to_owned())
    );
    let key = journal_key(dir.path());
    assert_eq!(key.len(), 32, "{key}");
    assert!(hosted.sandbox.ledger().is_empty());

    let second = run();
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        common::text(&second.stderr)
    );
    assert_eq!(
        report_row(dir.path()),
        ("partially_refunded".to_owned(), "proof".to_owned())
    );
    assert_eq!(devolucoes(), 4, "sent once more");
    assert_eq!(journal_key(dir.path()), key, "with the same id");
    assert_eq!(ledger(&hosted), [(E2E.to_owned(), 1_500)], "refunded once");

    // Once it shows, nothing more is sent.
    assert_eq!(run().status.code(), Some(0));
    assert_eq!(devolucoes(), 4);
}

#[test]
fn an_acknowledged_devolucao_its_look_up_cannot_find_yet_is_never_sent_again() {
    use estorno_sandbox::{Fault, FaultKind};
    use std::time::Duration;

    const E2E: &str = "E09089356202405021300ACKED000001";
    let (hosted, dir, file) = one_devolucao(E2E);
    let run = || {
        common::estorno_at(&hosted.url())
            .arg("bulk")
            .arg(&file)
            .output()
            .unwrap()
    };
    // Efí answers `EM_PROCESSAMENTO` and queues the devolução: until it is applied, the
    // look-up by its id finds nothing, which for a request Efí acknowledged proves nothing.
    hosted.sandbox.inject(
        Fault::new(
            "efi-pix",
            "devolver",
            FaultKind::AcceptThenApplyLater(Duration::from_secs(6)),
        )
        .times(1),
    );
    let devolucoes = || hosted.count("efi-pix", "devolver");
    let first = run();
    let stderr = common::text(&first.stderr);
    assert_eq!(first.status.code(), Some(3), "{stderr}");
    assert_eq!(
        report_row(dir.path()),
        ("acknowledged".to_owned(), String::new())
    );
    assert_eq!(devolucoes(), 1);
    // Looked up by its id once: nothing found, which leaves it acknowledged, not pending.
    assert_eq!(hosted.count("efi-pix", "status_devolucao"), 1);
    assert!(hosted.sandbox.ledger().is_empty());

    // Once Efí has applied it, a rerun finds it done and sends nothing more.
    hosted.wait_for_delayed_effects();
    let second = run();
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        common::text(&second.stderr)
    );
    assert_eq!(report_row(dir.path()).0, "partially_refunded");
    assert_eq!(devolucoes(), 1, "never sent again");
    assert_eq!(ledger(&hosted), [(E2E.to_owned(), 1_500)], "refunded once");
}

/// A devolução resent on the proof that it never arrived (its look-up by id found nothing,
/// while Efí still held it in its queue) that lands before the resend: the resend with the
/// same id is answered 409, and the row reads as the devolução that landed, with the amounts
/// an uninterrupted run reports, measured from what was refunded before its first send.
#[test]
fn a_devolucao_that_landed_late_before_its_resend_reports_its_amounts() {
    use estorno_sandbox::{Fault, FaultKind};
    use std::time::Duration;

    const E2E: &str = "E09089356202405021300LATE0000001";
    let (hosted, dir, file) = one_devolucao(E2E);
    let run = || {
        common::estorno_at(&hosted.url())
            .env("ESTORNO_EFI_PIX_TIMEOUT_SECS", "1")
            .arg("bulk")
            .arg(&file)
            .output()
            .unwrap()
    };
    // Every attempt of the first run times out, queued; the queue applies them after the run.
    hosted.sandbox.inject(
        Fault::new(
            "efi-pix",
            "devolver",
            FaultKind::TimeoutThenApplyLater(Duration::from_secs(10)),
        )
        .times(3),
    );
    let first = run();
    assert_eq!(
        first.status.code(),
        Some(3),
        "{}",
        common::text(&first.stderr)
    );
    assert_eq!(
        report_row(dir.path()),
        ("not_sent".to_owned(), "proof".to_owned())
    );
    hosted.wait_for_delayed_effects();
    assert_eq!(ledger(&hosted), [(E2E.to_owned(), 1_500)], "landed once");

    let second = run();
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        common::text(&second.stderr)
    );
    let report = std::fs::read_to_string(dir.path().join("refunds.csv.report.csv")).unwrap();
    let fields: Vec<&str> = report.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        fields[4..7],
        ["partially_refunded", "1500", "3500"],
        "outcome, refunded and remaining: {report}"
    );
    assert_eq!(ledger(&hosted), [(E2E.to_owned(), 1_500)], "refunded once");
}
