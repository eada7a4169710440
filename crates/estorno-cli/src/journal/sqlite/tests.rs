//! The SQLite journal's tests: states, reopening, locking, file modes and migration.

use std::collections::BTreeMap;

use super::*;
use crate::journal::{ResentBy, State};

fn run() -> RunInfo {
    RunInfo {
        csv_sha256: "ab".repeat(32),
        csv_bytes: 42,
        backend: "embedded-sandbox".into(),
    }
}

fn item(row: u64, state: State) -> Item {
    Item {
        row,
        provider: "zoop".into(),
        payment: format!("txn-{row}"),
        amount: Some(100),
        fields: BTreeMap::from([("marketplace_id".into(), "mkt".into())]),
        state,
        reason: (state == State::Invalid).then(|| "bad".into()),
        field: (state == State::Invalid).then(|| "amount".into()),
        ..Item::default()
    }
}

#[test]
fn items_go_through_their_states_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    {
        let mut journal = SqliteJournal::open(&path).unwrap();
        assert_eq!(journal.run().unwrap(), None);
        journal
            .start(&run(), &[item(2, State::Pending), item(3, State::Invalid)])
            .unwrap();
        let intent = Intent {
            baseline_refunded: 50,
            baseline_outcome: "PartiallyRefunded",
            requested: Some(100),
            reference: Some("ref-2".into()),
            sent_at_ms: 1_700_000_000_000,
            idempotency_key: None,
        };
        journal.mark_sending(2, &intent).unwrap();
        // An item can be sent only from `pending`.
        assert!(journal.mark_sending(2, &intent).is_err());
        assert!(journal.mark_sending(3, &intent).is_err());
    }
    let mut journal = SqliteJournal::open(&path).unwrap();
    assert_eq!(journal.run().unwrap(), Some(run()));
    let items = journal.items().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].state, State::Sending);
    assert_eq!(items[0].baseline_refunded, Some(50));
    assert_eq!(
        items[0].baseline_outcome.as_deref(),
        Some("PartiallyRefunded")
    );
    assert_eq!(items[0].reference.as_deref(), Some("ref-2"));
    assert_eq!(items[0].sends, 1);
    assert_eq!(
        items[0].fields.get("marketplace_id").map(String::as_str),
        Some("mkt")
    );
    assert_eq!(items[1].state, State::Invalid);
    assert_eq!(items[1].field.as_deref(), Some("amount"));

    journal
        .resolve(
            2,
            &Resolution {
                state: State::Done,
                outcome: Some("partially_refunded".into()),
                refunded: Some(150),
                remaining: Some(850),
                cancel_reference: Some("refund-1".into()),
                ..Resolution::default()
            },
        )
        .unwrap();
    let done = &journal.items().unwrap()[0];
    assert_eq!(done.state, State::Done);
    assert_eq!(done.requested, Some(100), "kept from mark_sending");
    assert_eq!(
        done.reference.as_deref(),
        Some("ref-2"),
        "kept from mark_sending"
    );
    assert_eq!(done.remaining, Some(850));

    journal
        .resolve(
            3,
            &Resolution {
                state: State::Failed,
                ..Resolution::default()
            },
        )
        .unwrap();
    assert_eq!(journal.requeue_failed().unwrap(), 1);
    assert_eq!(journal.items().unwrap()[1].state, State::Pending);
}

#[test]
fn a_second_process_is_refused_while_the_first_holds_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let _first = SqliteJournal::open(&path).unwrap();
    match SqliteJournal::open(&path) {
        Err(JournalError::InUse { .. }) => {}
        other => panic!("expected InUse, got {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn the_journal_and_its_wal_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let mut journal = SqliteJournal::open(&path).unwrap();
    journal.start(&run(), &[item(2, State::Pending)]).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let file = files::sibling(&path, suffix);
        if let Ok(metadata) = std::fs::metadata(&file) {
            assert_eq!(
                metadata.permissions().mode() & 0o777,
                0o600,
                "{}",
                file.display()
            );
        }
    }
    assert!(files::sibling(&path, "-wal").exists(), "WAL mode");
}

#[test]
fn only_an_unresolved_row_can_be_resent_and_the_decision_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let mut journal = SqliteJournal::open(&path).unwrap();
    journal
        .start(&run(), &[item(2, State::Pending), item(3, State::Pending)])
        .unwrap();
    let intent = Intent {
        baseline_refunded: 0,
        baseline_outcome: "Active",
        requested: Some(100),
        reference: None,
        sent_at_ms: 1_700_000_000_000,
        idempotency_key: None,
    };
    journal.mark_sending(2, &intent).unwrap();
    journal.mark_sending(3, &intent).unwrap();
    let left = |state| Resolution {
        state,
        lookups: 2,
        ..Resolution::default()
    };
    journal.resolve(2, &left(State::Unresolved)).unwrap();
    journal.resolve(3, &left(State::Acknowledged)).unwrap();
    // Neither goes back to pending by the ordinary path.
    assert!(journal.set_pending(2, None, None).is_err());
    assert!(journal.set_pending(3, None, None).is_err());
    // An acknowledged row is never resent, even by an operator's decision.
    assert!(
        journal
            .decide_resend(3, ResentBy::Operator, "operator")
            .is_err()
    );
    journal
        .decide_resend(2, ResentBy::Operator, "resent by --resend-unresolved")
        .unwrap();
    let items = journal.items().unwrap();
    assert_eq!(items[0].state, State::Pending);
    assert_eq!(
        items[0].resend_decision.as_deref(),
        Some("resent by --resend-unresolved")
    );
    assert_eq!(items[0].resent_by, Some(ResentBy::Operator));
    assert_eq!(items[0].lookups, 2);
    assert_eq!(items[1].state, State::Acknowledged);
}

#[test]
fn an_idempotency_key_is_stored_before_the_first_send_and_kept_for_every_resend() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let key = "3f2c1e9a-7b4d-4c2e-9a1f-0b8d6e4c2a10";
    let intent = |sent_at_ms, idempotency_key: Option<&str>| Intent {
        baseline_refunded: 0,
        baseline_outcome: "Active",
        requested: Some(100),
        reference: None,
        sent_at_ms,
        idempotency_key: idempotency_key.map(String::from),
    };
    {
        let mut journal = SqliteJournal::open(&path).unwrap();
        journal.start(&run(), &[item(2, State::Pending)]).unwrap();
        journal
            .mark_sending(2, &intent(1_700_000_000_000, Some(key)))
            .unwrap();
    }
    // A crash right after the intent: the key is on disk before the request leaves.
    let mut journal = SqliteJournal::open(&path).unwrap();
    let sending = &journal.items().unwrap()[0];
    assert_eq!(sending.idempotency_key.as_deref(), Some(key));
    assert_eq!(sending.key_sent_at_ms, Some(1_700_000_000_000));

    // Resent with the same key an hour later: the key's first send still counts.
    let unresolved = Resolution {
        state: State::Unresolved,
        ..Resolution::default()
    };
    journal.resolve(2, &unresolved).unwrap();
    journal
        .decide_resend(2, ResentBy::Key, "resent with the same idempotency key")
        .unwrap();
    let pending = &journal.items().unwrap()[0];
    assert_eq!(
        (
            pending.state,
            pending.resent_by,
            pending.idempotency_key.as_deref()
        ),
        (State::Pending, Some(ResentBy::Key), Some(key)),
        "the decision keeps the key"
    );
    journal
        .mark_sending(2, &intent(1_700_003_600_000, Some(key)))
        .unwrap();
    let resent = &journal.items().unwrap()[0];
    assert_eq!(resent.sent_at_ms, Some(1_700_003_600_000));
    assert_eq!(resent.key_sent_at_ms, Some(1_700_000_000_000));

    // Refused, then retried with --retry-failed: a new request, so a new key and a new clock.
    journal
        .resolve(
            2,
            &Resolution {
                state: State::Failed,
                ..Resolution::default()
            },
        )
        .unwrap();
    assert_eq!(journal.requeue_failed().unwrap(), 1);
    let requeued = &journal.items().unwrap()[0];
    assert_eq!(
        (requeued.idempotency_key.as_deref(), requeued.key_sent_at_ms),
        (None, None)
    );
    journal
        .mark_sending(2, &intent(1_700_007_200_000, Some("another-key")))
        .unwrap();
    let fresh = &journal.items().unwrap()[0];
    assert_eq!(fresh.idempotency_key.as_deref(), Some("another-key"));
    assert_eq!(fresh.key_sent_at_ms, Some(1_700_007_200_000));
}

#[test]
fn a_format_2_journal_gains_keys_and_its_decisions_were_operators() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    format_1_journal(&path);
    // Format 1 migrates to the current format; take it back to format 2's columns.
    drop(SqliteJournal::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "ALTER TABLE items DROP COLUMN resent_by;
         ALTER TABLE items DROP COLUMN idempotency_key;
         ALTER TABLE items DROP COLUMN key_sent_at_ms;
         UPDATE items SET state = 'pending', resend_decision = 'resent by operator decision'
             WHERE row = 2;
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);
    let journal = SqliteJournal::open(&path).unwrap();
    let items = journal.items().unwrap();
    assert_eq!(items[0].resent_by, Some(ResentBy::Operator));
    assert_eq!(items[1].resent_by, None);
    assert!(items.iter().all(|item| item.idempotency_key.is_none()));
}

/// A journal as the previous release wrote it: format 1, with a row it sent three times and
/// put back to `pending` after "did not take effect".
fn format_1_journal(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
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
         INSERT INTO run VALUES (1, 'abab', 42, 'embedded-sandbox');
         INSERT INTO items (row, provider, payment, amount, fields, state, reason, sends,
                            sent_at_ms)
             VALUES (2, 'zoop', 'txn-2', 100, '{}', 'pending',
                     'not sent: 3 cancellations did not take effect; rerun to try again', 3,
                     1700000000000);
         INSERT INTO items (row, provider, payment, amount, fields, state, sends)
             VALUES (3, 'zoop', 'txn-3', NULL, '{}', 'pending', 0);
         INSERT INTO items (row, provider, payment, amount, fields, state, outcome, sends)
             VALUES (4, 'zoop', 'txn-4', NULL, '{}', 'done', 'refunded', 1);
         PRAGMA user_version = 1;",
    )
    .unwrap();
}

#[test]
fn a_format_1_journal_is_migrated_and_its_resent_rows_become_unresolved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    format_1_journal(&path);
    let journal = SqliteJournal::open(&path).unwrap();
    let note = journal.migration_note().unwrap();
    assert!(note.contains("1 row(s)"), "{note}");
    let items = journal.items().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].state, State::Unresolved);
    assert_eq!(items[0].sends, 3);
    assert_eq!(items[0].reason.as_deref(), Some(MIGRATED_REASON));
    assert_eq!(items[1].state, State::Pending, "never sent: still pending");
    assert_eq!(items[2].state, State::Done);
    assert_eq!(journal.run().unwrap().unwrap().backend, "embedded-sandbox");
    drop(journal);
    // Opened again, it is the current format and nothing more changes.
    let journal = SqliteJournal::open(&path).unwrap();
    assert_eq!(journal.migration_note(), None);
    assert_eq!(journal.items().unwrap()[0].state, State::Unresolved);
}

#[test]
fn a_journal_of_an_unknown_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 9;")
        .unwrap();
    match SqliteJournal::open(&path) {
        Err(JournalError::Unusable { reason, .. }) => {
            assert!(reason.contains("format 9"), "{reason}")
        }
        other => panic!("expected Unusable, got {other:?}"),
    }
}

#[test]
fn a_group_of_writes_is_one_commit_and_a_refused_write_leaves_the_others_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let intent = Intent {
        baseline_refunded: 0,
        baseline_outcome: "Active",
        requested: Some(100),
        reference: None,
        sent_at_ms: 1_700_000_000_000,
        idempotency_key: None,
    };
    {
        let mut journal = SqliteJournal::open(&path).unwrap();
        journal
            .start(&run(), &[item(2, State::Pending), item(3, State::Pending)])
            .unwrap();
        let results = journal.apply(&[
            Write::Sending {
                row: 2,
                intent: intent.clone(),
            },
            // Row 3 is pending, not unresolved: this write alone is refused.
            Write::Resend {
                row: 3,
                by: ResentBy::Operator,
                decision: "no".into(),
            },
            Write::Sending {
                row: 3,
                intent: intent.clone(),
            },
            Write::Resolve {
                row: 2,
                resolution: Resolution {
                    state: State::Done,
                    outcome: Some("refunded".into()),
                    ..Resolution::default()
                },
            },
        ]);
        assert!(results[0].is_ok() && results[2].is_ok() && results[3].is_ok());
        assert!(
            matches!(&results[1], Err(JournalError::Unusable { reason, .. })
                if reason == "row 3 is not unresolved; only an unresolved row can be resent"),
            "{results:?}"
        );
    }
    // Reopened: every write that succeeded is on disk.
    let journal = SqliteJournal::open(&path).unwrap();
    let states: Vec<(u64, State, u64)> = journal
        .items()
        .unwrap()
        .iter()
        .map(|item| (item.row, item.state, item.sends))
        .collect();
    assert_eq!(states, [(2, State::Done, 1), (3, State::Sending, 1)]);
}

#[test]
fn what_is_kept_of_an_invalid_row_and_of_a_providers_words_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let mut journal = SqliteJournal::open(&path).unwrap();
    let huge = "x".repeat(10_000);
    let mut invalid = item(3, State::Invalid);
    invalid.payment = huge.clone();
    invalid.reason = Some(huge.clone());
    invalid.fields = (0..100)
        .map(|n| (format!("field{n:03}"), huge.clone()))
        .collect();
    journal
        .start(&run(), &[item(2, State::Pending), invalid])
        .unwrap();
    journal
        .resolve(
            2,
            &Resolution {
                state: State::Failed,
                reason: Some(format!("ção{huge}")),
                ..Resolution::default()
            },
        )
        .unwrap();
    let items = journal.items().unwrap();
    let (rejected, invalid) = (&items[0], &items[1]);
    let reason = rejected.reason.as_deref().unwrap();
    assert_eq!(reason.chars().count(), 512);
    assert!(
        reason.starts_with("ção") && reason.ends_with('…'),
        "{reason}"
    );
    assert_eq!(invalid.payment.chars().count(), 256);
    assert!(invalid.payment.ends_with('…'));
    assert_eq!(invalid.reason.as_deref().unwrap().chars().count(), 512);
    assert_eq!(invalid.fields.len(), 16);
    assert!(
        invalid
            .fields
            .values()
            .all(|value| value.chars().count() == 256)
    );
    // A valid row's values are kept as they are (they met the provider's rules).
    assert_eq!(items.len(), 2);
}

#[test]
fn a_load_refuses_exact_duplicates_and_a_file_unreadable_halfway_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut journal = SqliteJournal::open(&dir.path().join("journal.sqlite")).unwrap();
    let again = |row: u64, of: u64| Item {
        payment: format!("txn-{of}"),
        ..item(row, State::Pending)
    };
    // The third row fails to read: nothing of the first two stays.
    let mut unreadable = [Ok(item(2, State::Pending)), Ok(again(3, 2))]
        .into_iter()
        .chain([Err(String::from("line 4: the file cannot be read as CSV"))]);
    assert!(matches!(
        journal.load(&run(), &mut unreadable, false),
        Err(JournalError::Unusable { reason, .. }) if reason == "line 4: the file cannot be read as CSV"
    ));
    assert_eq!(journal.run().unwrap(), None);
    assert!(journal.items().unwrap().is_empty());

    // Rows 3 and 5 repeat row 2; row 4 is another amount, row 6 an invalid row (never the
    // first of a group), row 7 repeats the invalid one's payment.
    let items = [
        item(2, State::Pending),
        again(3, 2),
        Item {
            amount: Some(200),
            ..again(4, 2)
        },
        again(5, 2),
        item(6, State::Invalid),
        again(7, 6),
    ];
    // With --allow-duplicates each repeat is a refund of its own.
    let allowing = tempfile::tempdir().unwrap();
    let mut allowed = SqliteJournal::open(&allowing.path().join("journal.sqlite")).unwrap();
    allowed
        .load(&run(), &mut items.clone().into_iter().map(Ok), true)
        .unwrap();
    let states: Vec<(u64, State)> = allowed
        .items()
        .unwrap()
        .into_iter()
        .map(|item| (item.row, item.state))
        .collect();
    assert_eq!(
        states,
        [2, 3, 4, 5, 6, 7].map(|row| (
            row,
            if row == 6 {
                State::Invalid
            } else {
                State::Pending
            }
        ))
    );

    journal
        .load(&run(), &mut items.into_iter().map(Ok), false)
        .unwrap();
    let states: Vec<(u64, State, Option<String>)> = journal
        .items()
        .unwrap()
        .into_iter()
        .map(|item| (item.row, item.state, item.reason))
        .collect();
    let repeats = Some(crate::rows::duplicate_reason(2));
    assert_eq!(
        states,
        [
            (2, State::Pending, None),
            (3, State::Invalid, repeats.clone()),
            (4, State::Pending, None),
            (5, State::Invalid, repeats),
            (6, State::Invalid, Some(String::from("bad"))),
            (7, State::Pending, None),
        ]
    );
    let (first, count) = journal.invalid(2).unwrap();
    assert_eq!(
        (first.iter().map(|item| item.row).collect::<Vec<_>>(), count),
        (vec![3, 5], 3)
    );
}
