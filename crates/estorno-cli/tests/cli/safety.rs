//! The command line against a provider played by httpmock (PicPay E-commerce, its real
//! paths): an acknowledged cancellation is never sent again, an unresolved one only by an
//! operator's recorded decision, a look-up that cannot be trusted sends nothing, transient
//! failures say "try later", and bad fields never leave.

use crate::common;
mod keys;

use std::path::Path;

use httpmock::prelude::*;
use serde_json::Value;

const ORDER: &str = "order-1";
const AUTHORIZATION: &str = "auth-1";

/// `estorno` with PicPay E-commerce's credentials, pointed at `server`.
fn estorno(server: &MockServer) -> assert_cmd::Command {
    let mut command = common::estorno();
    command
        .env("ESTORNO_PICPAY_ECOMMERCE_TOKEN", "canary-token-value")
        .env("ESTORNO_PICPAY_ECOMMERCE_BASE_URL", server.base_url())
        .env("ESTORNO_PICPAY_ECOMMERCE_TIMEOUT_SECS", "2");
    command
}

fn status_body(status: &str) -> String {
    format!(
        r#"{{"referenceId":"{ORDER}","status":"{status}","authorizationId":"{AUTHORIZATION}"}}"#
    )
}

fn status_mock<'a>(server: &'a MockServer, status: &str) -> httpmock::Mock<'a> {
    let body = status_body(status);
    server.mock(move |when, then| {
        when.method(GET).path(format!("/payments/{ORDER}/status"));
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    })
}

fn cancellations_mock(server: &MockServer, status: u16) -> httpmock::Mock<'_> {
    server.mock(move |when, then| {
        when.method(POST)
            .path(format!("/payments/{ORDER}/cancellations"));
        if status == 200 {
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"referenceId":"{ORDER}","cancellationId":"cancel-1"}}"#
                ));
        } else {
            then.status(status)
                .header("content-type", "application/json")
                .body(r#"{"message":"Problema geral"}"#);
        }
    })
}

/// `estorno cancel --json` of the test order; asserts the exit code, returns what it printed.
fn cancel_json(server: &MockServer, code: i32) -> Value {
    let output = estorno(server)
        .args(["cancel", "picpay-ecommerce", ORDER, "--json"])
        .args(["--field", &format!("authorizationId={AUTHORIZATION}")])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        common::text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn bulk_file(dir: &Path) -> std::path::PathBuf {
    common::write(
        dir,
        "refunds.csv",
        &format!(
            "provider,payment,amount,authorizationId\npicpay-ecommerce,{ORDER},,{AUTHORIZATION}\n"
        ),
    )
}

/// The one row of the report: its outcome and its `resent` column.
pub(crate) fn report_row(dir: &Path) -> (String, String) {
    let report = std::fs::read_to_string(dir.join("refunds.csv.report.csv")).unwrap();
    let line = report.lines().nth(1).unwrap().to_owned();
    let fields: Vec<&str> = line.split(',').collect();
    (fields[4].to_owned(), fields[fields.len() - 1].to_owned())
}

/// A column of the journal's only item.
pub(crate) fn journal_value(dir: &Path, column: &str) -> rusqlite::types::Value {
    let conn = rusqlite::Connection::open(dir.join("refunds.csv.journal.sqlite")).unwrap();
    conn.query_row(&format!("SELECT {column} FROM items"), [], |row| row.get(0))
        .unwrap()
}

#[test]
fn an_acknowledged_cancellation_is_never_sent_again_and_each_run_looks_again() {
    let server = MockServer::start();
    let mut status = status_mock(&server, "paid");
    let cancel = cancellations_mock(&server, 200);
    let dir = tempfile::tempdir().unwrap();
    let file = bulk_file(dir.path());

    let first = estorno(&server).arg("bulk").arg(&file).output().unwrap();
    let stderr = common::text(&first.stderr);
    assert_eq!(first.status.code(), Some(3), "{stderr}");
    assert_eq!(report_row(dir.path()).0, "acknowledged");
    assert!(stderr.contains("look-up(s) made this run"), "{stderr}");
    cancel.assert_calls(1);
    let lookups = |dir: &Path| match journal_value(dir, "lookups") {
        rusqlite::types::Value::Integer(count) => count,
        other => panic!("{other:?}"),
    };
    let after_first = lookups(dir.path());
    assert!(after_first >= 1);

    // Rerun, and again with --retry-failed: still never sent again, looked up again.
    for extra in [None, Some("--retry-failed")] {
        let mut command = estorno(&server);
        command.arg("bulk").arg(&file);
        if let Some(flag) = extra {
            command.arg(flag);
        }
        let again = command.output().unwrap();
        assert_eq!(again.status.code(), Some(3));
        assert_eq!(report_row(dir.path()).0, "acknowledged");
    }
    cancel.assert_calls(1);
    assert!(lookups(dir.path()) > after_first);

    // The provider applies it: the next run finds it done, still without sending.
    status.delete();
    status_mock(&server, "refunded");
    let last = estorno(&server).arg("bulk").arg(&file).output().unwrap();
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        common::text(&last.stderr)
    );
    assert_eq!(report_row(dir.path()).0, "refunded");
    cancel.assert_calls(1);
}

#[test]
fn an_unresolved_cancellation_is_resent_only_by_an_operator_after_the_threshold() {
    let server = MockServer::start();
    status_mock(&server, "paid");
    let cancel = cancellations_mock(&server, 500);
    let dir = tempfile::tempdir().unwrap();
    let file = bulk_file(dir.path());

    for _ in 0..2 {
        let run = estorno(&server).arg("bulk").arg(&file).output().unwrap();
        assert_eq!(run.status.code(), Some(3), "{}", common::text(&run.stderr));
        assert_eq!(report_row(dir.path()), ("unresolved".into(), String::new()));
    }
    // Waiting is no proof, and --retry-failed does not touch it.
    let retried = estorno(&server)
        .args(["bulk", "--retry-failed"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(retried.status.code(), Some(3));
    cancel.assert_calls(1);

    // Too young for the operator's threshold: not resent.
    let young = estorno(&server)
        .args(["bulk", "--resend-unresolved", "--older-than", "24h"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        common::text(&young.stderr)
            .contains("--resend-unresolved: 0 unresolved row(s) older than 1d"),
        "{}",
        common::text(&young.stderr)
    );
    cancel.assert_calls(1);

    // Old enough: looked up, still nothing, sent once more; the decision is recorded.
    let resent = estorno(&server)
        .args(["bulk", "--resend-unresolved", "--older-than", "0s"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(resent.status.code(), Some(3));
    cancel.assert_calls(2);
    assert_eq!(
        report_row(dir.path()),
        ("unresolved".into(), "operator".into())
    );
    match journal_value(dir.path(), "resend_decision") {
        rusqlite::types::Value::Text(decision) => assert!(
            decision.starts_with(
                "resent by operator decision (--resend-unresolved --older-than 0s) after "
            ),
            "{decision}"
        ),
        other => panic!("{other:?}"),
    }
    // The option needs its threshold.
    let bare = estorno(&server)
        .args(["bulk", "--resend-unresolved"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(bare.status.code(), Some(2));
    cancel.assert_calls(2);
}

#[test]
fn a_status_the_spec_does_not_know_stops_the_cancel_before_sending() {
    let server = MockServer::start();
    status_mock(&server, "something_new");
    let cancel = cancellations_mock(&server, 200);
    let status = estorno(&server)
        .args(["status", "picpay-ecommerce", ORDER])
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(3));
    let shown = cancel_json(&server, 3);
    assert_eq!(shown["outcome"], "review");
    assert_eq!(
        shown["review"],
        "the provider reported a status this spec does not know; nothing was sent"
    );
    cancel.assert_calls(0);
}

#[test]
fn a_failing_look_up_is_try_later_not_rejected() {
    let server = MockServer::start();
    let status = server.mock(|when, then| {
        when.method(GET).path(format!("/payments/{ORDER}/status"));
        then.status(500)
            .header("content-type", "application/json")
            .body(r#"{"message":"Problema geral"}"#);
    });
    let cancel = cancellations_mock(&server, 200);
    let output = estorno(&server)
        .args(["status", "picpay-ecommerce", ORDER, "--json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        common::text(&output.stderr)
    );
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shown["error"]["kind"], "unavailable");
    let output = estorno(&server)
        .args(["cancel", "picpay-ecommerce", ORDER])
        .args(["--field", &format!("authorizationId={AUTHORIZATION}")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    assert!(status.calls() >= 2);
    cancel.assert_calls(0);

    // In a bulk run the row waits for the next run, labelled, and the run exits 4.
    let dir = tempfile::tempdir().unwrap();
    let file = bulk_file(dir.path());
    let run = estorno(&server).arg("bulk").arg(&file).output().unwrap();
    assert_eq!(run.status.code(), Some(4), "{}", common::text(&run.stderr));
    assert_eq!(report_row(dir.path()).0, "unavailable");
    cancel.assert_calls(0);
}

#[test]
fn throttling_is_try_later_with_retry_after_honoured() {
    let server = MockServer::start();
    status_mock(&server, "paid");
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/payments/{ORDER}/cancellations"));
        then.status(429).header("retry-after", "0");
    });
    let shown = cancel_json(&server, 4);
    assert_eq!(shown["error"]["kind"], "throttled");
    // Not processed, so retried even though a cancellation is not idempotent.
    cancel.assert_calls(3);

    let dir = tempfile::tempdir().unwrap();
    let file = bulk_file(dir.path());
    let run = estorno(&server).arg("bulk").arg(&file).output().unwrap();
    assert_eq!(run.status.code(), Some(4));
    assert_eq!(report_row(dir.path()).0, "throttled");
}

#[test]
fn unknown_repeated_and_spaced_input_is_refused_before_any_request() {
    let server = MockServer::start();
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let cases: [&[&str]; 4] = [
        &[
            "cancel",
            "picpay-ecommerce",
            ORDER,
            "--field",
            "authorisationId=x",
        ],
        &[
            "cancel",
            "picpay-ecommerce",
            ORDER,
            "--field",
            "authorizationId=a",
            "--field",
            "authorizationId=b",
        ],
        &["cancel", "picpay-ecommerce", " order-1"],
        &["cancel", "picpay-ecommerce", ORDER, "--amount", "+5"],
    ];
    let expected = [
        "`authorisationId` is not a field of PicPay E-commerce; its fields are `authorizationId`",
        "--field `authorizationId` is given twice",
        "the payment's id has spaces around it",
        "--amount `+5` has a sign",
    ];
    for (args, words) in cases.iter().zip(expected) {
        let output = estorno(&server).args(*args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = common::text(&output.stderr);
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }

    // A bulk file's cell for another provider's field is refused, naming the column.
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "refunds.csv",
        &format!("provider,payment,amount,on_behalf_of\npicpay-ecommerce,{ORDER},,seller-1\n"),
    );
    let run = estorno(&server).arg("bulk").arg(&file).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(
        common::text(&run.stderr)
            .contains("row 2: `on_behalf_of`: `on_behalf_of` is not a field of PicPay E-commerce"),
        "{}",
        common::text(&run.stderr)
    );
    any.assert_calls(0);
}

#[test]
fn estorno_cancel_remembers_a_cancellation_in_doubt_and_never_sends_it_twice() {
    let server = MockServer::start();
    let state = tempfile::tempdir().unwrap();
    let mut status = status_mock(&server, "paid");
    let cancel = cancellations_mock(&server, 200);
    let run = |args: &[&str]| {
        estorno(&server)
            .env("ESTORNO_STATE_DIR", state.path())
            .args(args)
            .output()
            .unwrap()
    };
    let field = format!("authorizationId={AUTHORIZATION}");
    let cancel_args = [
        "cancel",
        "picpay-ecommerce",
        ORDER,
        "--json",
        "--field",
        field.as_str(),
    ];

    let first = run(&cancel_args);
    assert_eq!(
        first.status.code(),
        Some(3),
        "{}",
        common::text(&first.stderr)
    );
    let shown: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(shown["outcome"], "acknowledged");
    cancel.assert_calls(1);

    // Again: looked up, not sent; the output counts the look-ups.
    let second = run(&cancel_args);
    assert_eq!(second.status.code(), Some(3));
    let stderr = common::text(&second.stderr);
    assert!(stderr.contains("sent earlier is acknowledged"), "{stderr}");
    let shown: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(shown["outcome"], "acknowledged");
    assert_eq!(shown["sent_earlier"]["state"], "acknowledged");
    assert!(shown["sent_earlier"]["lookups"].as_u64().unwrap() >= 2);
    cancel.assert_calls(1);

    // `status` follows it too, and says so with exit code 3.
    let looked = run(&["status", "picpay-ecommerce", ORDER, "--json"]);
    assert_eq!(looked.status.code(), Some(3));
    let shown: Value = serde_json::from_slice(&looked.stdout).unwrap();
    assert_eq!(shown["sent_earlier"]["state"], "acknowledged");

    // The provider applies it: settled, forgotten, still never sent again.
    status.delete();
    status = status_mock(&server, "refunded");
    let settled = run(&cancel_args);
    assert_eq!(
        settled.status.code(),
        Some(0),
        "{}",
        common::text(&settled.stderr)
    );
    let shown: Value = serde_json::from_slice(&settled.stdout).unwrap();
    assert_eq!(shown["outcome"], "refunded");
    cancel.assert_calls(1);
    let looked = run(&["status", "picpay-ecommerce", ORDER, "--json"]);
    assert_eq!(looked.status.code(), Some(0));
    let shown: Value = serde_json::from_slice(&looked.stdout).unwrap();
    assert!(shown["sent_earlier"].is_null());
    // Settled and looked up: nothing is left in the state directory.
    let left: Vec<_> = std::fs::read_dir(state.path().join("cancellations"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A new cancellation of a payment whose earlier one settled is a new request.
    status.delete();
    status_mock(&server, "paid");
    let again = run(&cancel_args);
    assert_eq!(again.status.code(), Some(3));
    cancel.assert_calls(2);
}

#[test]
fn a_journal_of_the_previous_format_is_migrated_and_its_resent_row_is_not_sent_again() {
    let server = MockServer::start();
    status_mock(&server, "paid");
    let cancel = cancellations_mock(&server, 200);
    let dir = tempfile::tempdir().unwrap();
    let file = bulk_file(dir.path());
    let bytes = std::fs::read(&file).unwrap();
    // What the previous release left after "3 cancellations did not take effect".
    let conn = rusqlite::Connection::open(dir.path().join("refunds.csv.journal.sqlite")).unwrap();
    conn.execute_batch(
        "CREATE TABLE run (id INTEGER PRIMARY KEY CHECK (id = 1), csv_sha256 TEXT NOT NULL,
             csv_bytes INTEGER NOT NULL, backend TEXT NOT NULL);
         CREATE TABLE items (row INTEGER PRIMARY KEY, provider TEXT NOT NULL,
             payment TEXT NOT NULL, amount INTEGER, fields TEXT NOT NULL,
             state TEXT NOT NULL CHECK (state IN
                 ('pending', 'sending', 'done', 'invalid', 'failed', 'unresolved', 'review')),
             baseline_refunded INTEGER, baseline_outcome TEXT, requested INTEGER, outcome TEXT,
             already_done INTEGER NOT NULL DEFAULT 0, refunded INTEGER, remaining INTEGER,
             reference TEXT, cancel_reference TEXT, reason TEXT, review TEXT, field TEXT,
             sends INTEGER NOT NULL DEFAULT 0, sent_at_ms INTEGER);
         PRAGMA user_version = 1;",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO run VALUES (1, ?1, ?2, 'providers')",
        rusqlite::params![estorno_cli::rows::fingerprint(&bytes), bytes.len() as i64],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO items (row, provider, payment, amount, fields, state, reason, sends,
                            sent_at_ms, baseline_refunded, baseline_outcome)
         VALUES (2, 'picpay-ecommerce', ?1, NULL, ?2, 'pending',
                 'not sent: 3 cancellations did not take effect; rerun to try again', 3,
                 1700000000000, 0, 'Active')",
        rusqlite::params![ORDER, format!(r#"{{"authorizationId":"{AUTHORIZATION}"}}"#)],
    )
    .unwrap();
    drop(conn);

    let run = estorno(&server).arg("bulk").arg(&file).output().unwrap();
    let stderr = common::text(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "migrated; 1 row(s) it had sent and would have sent again are now unresolved"
        ),
        "{stderr}"
    );
    assert_eq!(report_row(dir.path()).0, "unresolved");
    cancel.assert_calls(0);
}

#[test]
fn cancellations_the_sandbox_applies_late_are_followed_never_doubled() {
    use estorno_sandbox::{Fault, FaultKind, Payment, picpay_ecommerce, zoop};
    use std::time::Duration;

    let hosted = common::Hosted::start();
    let order: Payment = picpay_ecommerce::Order::paid("late-order-1", "late-auth-1", 5_000).into();
    let txn: Payment = zoop::Transaction::succeeded("late-txn-1", 7_000).into();
    hosted.sandbox.add_payment(order.clone());
    hosted.sandbox.add_payment(txn.clone());
    let (order, txn) = (order.describe(), txn.describe());
    // Accepted now, applied eight seconds later; and a void that times out and lands later
    // still: well after every look-up of the two runs below.
    hosted.sandbox.inject(
        Fault::new(
            "picpay-ecommerce",
            "cancel",
            FaultKind::AcceptThenApplyLater(Duration::from_secs(8)),
        )
        .payment("late-order-1"),
    );
    hosted.sandbox.inject(
        Fault::new(
            "zoop",
            "void",
            FaultKind::TimeoutThenApplyLater(Duration::from_secs(9)),
        )
        .payment("late-txn-1"),
    );
    let dir = tempfile::tempdir().unwrap();
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let file = common::write(
        dir.path(),
        "refunds.csv",
        &format!(
            "provider,payment,amount,authorizationId,marketplace_id,on_behalf_of\n\
             picpay-ecommerce,late-order-1,,{},,\n\
             zoop,late-txn-1,,,{},{}\n",
            text(&order.authorization_id),
            text(&txn.marketplace_id),
            text(&txn.on_behalf_of)
        ),
    );
    let run = || {
        common::estorno_at(&hosted.url())
            .env("ESTORNO_ZOOP_TIMEOUT_SECS", "1")
            .arg("bulk")
            .arg(&file)
            .output()
            .unwrap()
    };
    let outcomes = || {
        let report = std::fs::read_to_string(dir.path().join("refunds.csv.report.csv")).unwrap();
        report
            .lines()
            .skip(1)
            .take(2)
            .map(|line| line.split(',').nth(4).unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let sends = || hosted.count("picpay-ecommerce", "cancel") + hosted.count("zoop", "void");

    let first = run();
    assert_eq!(
        first.status.code(),
        Some(3),
        "{}",
        common::text(&first.stderr)
    );
    assert_eq!(outcomes(), ["acknowledged", "unresolved"]);
    assert_eq!(sends(), 2);
    // Rerun before the provider has applied them: looked up, not sent again.
    let second = run();
    assert_eq!(second.status.code(), Some(3));
    assert_eq!(outcomes(), ["acknowledged", "unresolved"]);
    assert_eq!(sends(), 2);

    hosted.wait_for_delayed_effects();
    let last = run();
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        common::text(&last.stderr)
    );
    assert_eq!(outcomes(), ["refunded", "refunded"]);
    assert_eq!(sends(), 2);
    // The ledger: each refunded exactly once.
    let mut effects: Vec<(String, i64)> = hosted
        .sandbox
        .ledger()
        .into_iter()
        .map(|entry| (entry.payment, entry.amount_cents))
        .collect();
    effects.sort();
    assert_eq!(
        effects,
        [
            ("late-order-1".to_owned(), 5_000),
            ("late-txn-1".to_owned(), 7_000)
        ]
    );
}

/// The registered providers the sandbox simulates.
fn simulated_providers() -> impl Iterator<Item = &'static str> {
    estorno::registry::ENTRIES
        .iter()
        .map(|entry| entry.spec.slug)
        .filter(|slug| estorno_sandbox::Provider::from_slug(slug).is_some())
}

#[test]
fn a_look_up_about_another_payment_stops_every_provider_before_sending() {
    use estorno_sandbox::{Fault, FaultKind};

    let hosted = common::Hosted::start();
    // A provider with no look-up of a payment (Getnet) reads nothing before sending.
    let looks_up = |slug: &&str| {
        estorno::registry::ENTRIES
            .iter()
            .find(|entry| entry.spec.slug == *slug)
            .and_then(|entry| entry.spec.cancel.as_ref())
            .is_some_and(|cancel| cancel.looks_up)
    };
    for slug in simulated_providers().filter(looks_up) {
        let payment = common::refundable(slug);
        hosted.sandbox.clear_faults();
        hosted
            .sandbox
            .inject(Fault::new(slug, "status", FaultKind::AnswerAnotherPayment));
        let before = hosted.cancellations_sent();
        let output = common::estorno_at(&hosted.url())
            .args(["cancel", slug, &payment.payment_id])
            .args(common::field_args(&payment))
            .output()
            .unwrap();
        let stdout = common::text(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{slug}: {stdout}{}",
            common::text(&output.stderr)
        );
        assert!(stdout.contains(": review\n"), "{slug}: {stdout}");
        assert!(
            stdout.contains("the provider answered about payment `"),
            "{slug}: {stdout}"
        );
        assert_eq!(hosted.cancellations_sent(), before, "{slug}: nothing sent");
    }
    assert!(hosted.sandbox.ledger().is_empty());
}
