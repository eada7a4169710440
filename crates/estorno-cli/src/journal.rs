//! The bulk journal: a SQLite file (WAL, `synchronous=FULL`, mode 0600) that records each
//! item's intent before its request is sent and its outcome after, so a run killed at any
//! point can be resumed without refunding anything twice.
//!
//! Schema (`PRAGMA user_version = 1`):
//!
//! ```sql
//! run   (id = 1, csv_sha256, csv_bytes, backend)
//! items (row PRIMARY KEY,            -- the row's line in the CSV
//!        provider, payment, amount,  -- amount in cents, NULL for a total cancel
//!        fields,                     -- provider fields as JSON (ids only)
//!        state,                      -- pending | sending | done | invalid | failed
//!                                    -- | unresolved | review
//!        baseline_refunded,          -- refunded before this item's request, in cents
//!        baseline_outcome,           -- the payment's outcome before it (for providers that
//!                                    -- report no amounts)
//!        requested, outcome, already_done, refunded, remaining,
//!        reference,                  -- the provider's id of the payment (status look-up)
//!        cancel_reference,           -- the provider's id of the cancellation, when answered
//!        reason, review, field,      -- why, what to look at, the CSV column at fault
//!        sends,                      -- cancellations sent for this item
//!        sent_at_ms)                 -- when the last one was sent (Unix ms)
//! ```
//!
//! Every write is its own transaction and returns only once SQLite has synced it, so when
//! [`Journal::mark_sending`] returns the intent is on disk before a byte of the request
//! leaves. The connection holds SQLite's exclusive lock for its whole life: a second `estorno`
//! on the same journal is refused instead of sending the same refunds alongside.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};

use crate::files;

/// The schema version in `PRAGMA user_version`.
const FORMAT: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    csv_sha256 TEXT NOT NULL,
    csv_bytes INTEGER NOT NULL,
    backend TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    row INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    payment TEXT NOT NULL,
    amount INTEGER,
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'sending', 'done', 'invalid', 'failed', 'unresolved', 'review')),
    baseline_refunded INTEGER,
    baseline_outcome TEXT,
    requested INTEGER,
    outcome TEXT,
    already_done INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER,
    remaining INTEGER,
    reference TEXT,
    cancel_reference TEXT,
    reason TEXT,
    review TEXT,
    field TEXT,
    sends INTEGER NOT NULL DEFAULT 0,
    sent_at_ms INTEGER
);
";

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum State {
    /// Not sent yet (or known not to have taken effect): safe to send.
    #[default]
    Pending,
    /// Its request may have been sent: reconcile before anything else.
    Sending,
    /// Finished: refunded, voided, or found already so.
    Done,
    /// Refused before sending: a bad row.
    Invalid,
    /// The provider refused, or it failed without anything being sent.
    Failed,
    /// Sent, and nobody knows yet whether it took effect.
    Unresolved,
    /// Money moved, but not as asked: a person must look. Never sent again.
    Review,
}

impl State {
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sending => "sending",
            State::Done => "done",
            State::Invalid => "invalid",
            State::Failed => "failed",
            State::Unresolved => "unresolved",
            State::Review => "review",
        }
    }

    /// Whether the item is finished for good: nothing will ever be sent for it again.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            State::Done | State::Invalid | State::Failed | State::Review
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "pending" => State::Pending,
            "sending" => State::Sending,
            "done" => State::Done,
            "invalid" => State::Invalid,
            "failed" => State::Failed,
            "unresolved" => State::Unresolved,
            "review" => State::Review,
            other => return Err(format!("unknown item state `{other}`")),
        })
    }
}

/// Which file and which backend a journal belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub csv_sha256: String,
    pub csv_bytes: u64,
    pub backend: String,
}

/// One row of the bulk file and everything known about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Item {
    pub row: u64,
    pub provider: String,
    pub payment: String,
    pub amount: Option<u64>,
    pub fields: BTreeMap<String, String>,
    pub state: State,
    pub baseline_refunded: Option<u64>,
    /// `Outcome::name()` of the payment before this item's request.
    pub baseline_outcome: Option<String>,
    pub requested: Option<u64>,
    pub outcome: Option<String>,
    pub already_done: bool,
    pub refunded: Option<u64>,
    pub remaining: Option<u64>,
    pub reference: Option<String>,
    pub cancel_reference: Option<String>,
    pub reason: Option<String>,
    pub review: Option<String>,
    pub field: Option<String>,
    pub sends: u64,
    pub sent_at_ms: Option<i64>,
}

/// What is written before a cancellation is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent<'a> {
    /// Refunded before the request, as the look-up reported it (0 if it reported none).
    pub baseline_refunded: u64,
    /// The look-up's outcome, `Outcome::name()`.
    pub baseline_outcome: &'a str,
    /// Cents asked for: the row's amount, or what the look-up said remains.
    pub requested: Option<u64>,
    /// The provider's id of the payment, from the look-up.
    pub reference: Option<&'a str>,
    /// When it is sent, Unix milliseconds.
    pub sent_at_ms: i64,
}

/// What an item ends as (or goes back to), written in one statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resolution {
    pub state: State,
    pub outcome: Option<String>,
    pub already_done: bool,
    /// Replaces the recorded amount asked for, when known.
    pub requested: Option<u64>,
    pub refunded: Option<u64>,
    pub remaining: Option<u64>,
    /// Replaces the recorded payment reference, when known.
    pub reference: Option<String>,
    pub cancel_reference: Option<String>,
    pub reason: Option<String>,
    pub review: Option<String>,
    pub field: Option<String>,
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("journal {path} is in use by another estorno process; wait for it to finish")]
    InUse { path: PathBuf },
    #[error("journal {path}: {reason}")]
    Unusable { path: PathBuf, reason: String },
    #[error("journal {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

/// An open journal, locked for this process.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

fn to_sql(value: u64) -> i64 {
    // Amounts are cents and rows are line numbers: far below i64::MAX.
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn from_sql(value: Option<i64>) -> Option<u64> {
    value.and_then(|value| u64::try_from(value).ok())
}

impl Journal {
    /// Opens (creating if needed) the journal at `path`, private to the user, and locks it.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        // SQLite would create the file with the umask's mode; create it private first.
        files::create_private(path).map_err(io)?;
        let conn = Connection::open(path).map_err(|source| JournalError::Sqlite {
            path: path.to_owned(),
            source,
        })?;
        let mut journal = Journal {
            conn,
            path: path.to_owned(),
        };
        journal.setup()?;
        // The WAL (and the shared-memory index, if SQLite made one) hold the same data.
        for suffix in ["-wal", "-shm"] {
            files::restrict(&files::sibling(path, suffix)).map_err(io)?;
        }
        Ok(journal)
    }

    fn sqlite(&self, source: rusqlite::Error) -> JournalError {
        classify(&self.path, source)
    }

    fn unusable(&self, reason: impl Into<String>) -> JournalError {
        JournalError::Unusable {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    fn setup(&mut self) -> Result<(), JournalError> {
        // Exclusive locking before the first access: held until the connection closes, and
        // with it SQLite keeps the WAL index in memory rather than in a `-shm` file.
        self.conn
            .execute_batch("PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE;")
            .map_err(|error| self.sqlite(error))?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|error| self.sqlite(error))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(self.unusable(format!("SQLite refused WAL mode (got {mode})")));
        }
        self.conn
            .execute_batch("PRAGMA synchronous = FULL;")
            .map_err(|error| self.sqlite(error))?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(|source| classify(&path, source))?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|source| classify(&path, source))?;
        if version != 0 && version != FORMAT {
            return Err(JournalError::Unusable {
                path,
                reason: format!(
                    "written by another version of estorno (format {version}, this one reads {FORMAT})"
                ),
            });
        }
        tx.execute_batch(SCHEMA)
            .and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {FORMAT};")))
            .and_then(|()| tx.commit())
            .map_err(|source| classify(&path, source))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file and backend this journal belongs to, once a run has started.
    pub fn run(&self) -> Result<Option<RunInfo>, JournalError> {
        self.conn
            .query_row(
                "SELECT csv_sha256, csv_bytes, backend FROM run WHERE id = 1",
                [],
                |row| {
                    Ok(RunInfo {
                        csv_sha256: row.get(0)?,
                        csv_bytes: from_sql(row.get(1)?).unwrap_or(0),
                        backend: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(|error| self.sqlite(error))
    }

    /// Records the run and every item — valid ones `pending`, invalid ones `invalid` — in one
    /// transaction: a crash leaves either all of them or none.
    pub fn start(&mut self, run: &RunInfo, items: &[Item]) -> Result<(), JournalError> {
        let path = self.path.clone();
        let sqlite = |source| classify(&path, source);
        let tx = self.conn.transaction().map_err(sqlite)?;
        tx.execute(
            "INSERT INTO run (id, csv_sha256, csv_bytes, backend) VALUES (1, ?1, ?2, ?3)",
            params![run.csv_sha256, to_sql(run.csv_bytes), run.backend],
        )
        .map_err(sqlite)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO items (row, provider, payment, amount, fields, state, reason,
                                        field)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(sqlite)?;
            for item in items {
                let fields = serde_json::to_string(&item.fields).unwrap_or_else(|_| "{}".into());
                insert
                    .execute(params![
                        to_sql(item.row),
                        item.provider,
                        item.payment,
                        item.amount.map(to_sql),
                        fields,
                        item.state.as_str(),
                        item.reason,
                        item.field,
                    ])
                    .map_err(sqlite)?;
            }
        }
        tx.commit().map_err(sqlite)
    }

    /// Every item, by row.
    pub fn items(&self) -> Result<Vec<Item>, JournalError> {
        let mut select = self
            .conn
            .prepare(
                "SELECT row, provider, payment, amount, fields, state, baseline_refunded,
                        requested, outcome, already_done, refunded, remaining, reference,
                        cancel_reference, reason, review, field, sends, sent_at_ms,
                        baseline_outcome
                 FROM items ORDER BY row",
            )
            .map_err(|error| self.sqlite(error))?;
        let rows = select
            .query_map([], read_item)
            .map_err(|error| self.sqlite(error))?;
        let mut items = Vec::new();
        for row in rows {
            let (item, state, fields) = row.map_err(|error| self.sqlite(error))?;
            let state = state
                .parse()
                .map_err(|reason: String| self.unusable(reason))?;
            let fields = serde_json::from_str(&fields)
                .map_err(|_| self.unusable(format!("row {}: fields are not JSON", item.row)))?;
            items.push(Item {
                state,
                fields,
                ..item
            });
        }
        Ok(items)
    }

    /// Durably records that `row`'s cancellation is about to be sent, with the refunded
    /// baseline that reconciliation compares against. Only a `pending` item can be sent.
    pub fn mark_sending(&self, row: u64, intent: &Intent<'_>) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE items SET state = 'sending', baseline_refunded = ?2,
                        baseline_outcome = ?3, requested = ?4,
                        reference = COALESCE(?5, reference), sends = sends + 1, sent_at_ms = ?6,
                        outcome = NULL, reason = NULL, review = NULL
                 WHERE row = ?1 AND state = 'pending'",
                params![
                    to_sql(row),
                    to_sql(intent.baseline_refunded),
                    intent.baseline_outcome,
                    intent.requested.map(to_sql),
                    intent.reference,
                    intent.sent_at_ms
                ],
            )
            .map_err(|error| self.sqlite(error))?;
        if changed == 1 {
            Ok(())
        } else {
            Err(self.unusable(format!("row {row} is not pending; refusing to send it")))
        }
    }

    /// Records what `row` ended as (or went back to).
    pub fn resolve(&self, row: u64, resolution: &Resolution) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE items SET state = ?2, outcome = ?3, already_done = ?4,
                        requested = COALESCE(?5, requested), refunded = ?6, remaining = ?7,
                        reference = COALESCE(?8, reference), cancel_reference = ?9, reason = ?10,
                        review = ?11, field = ?12
                 WHERE row = ?1",
                params![
                    to_sql(row),
                    resolution.state.as_str(),
                    resolution.outcome,
                    resolution.already_done,
                    resolution.requested.map(to_sql),
                    resolution.refunded.map(to_sql),
                    resolution.remaining.map(to_sql),
                    resolution.reference,
                    resolution.cancel_reference,
                    resolution.reason,
                    resolution.review,
                    resolution.field,
                ],
            )
            .map_err(|error| self.sqlite(error))?;
        if changed == 1 {
            Ok(())
        } else {
            Err(self.unusable(format!("row {row} is not in the journal")))
        }
    }

    /// Puts `row` back to `pending` — its cancellation is known not to have taken effect, or
    /// was never sent — with an optional note on why it is waiting. The baseline and amount
    /// asked are forgotten: the next attempt looks the payment up again.
    pub fn set_pending(&self, row: u64, reason: Option<&str>) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE items SET state = 'pending', baseline_refunded = NULL,
                        baseline_outcome = NULL, requested = NULL, outcome = NULL, review = NULL,
                        reason = ?2
                 WHERE row = ?1 AND state IN ('pending', 'sending', 'unresolved')",
                params![to_sql(row), reason],
            )
            .map_err(|error| self.sqlite(error))?;
        if changed == 1 {
            Ok(())
        } else {
            Err(self.unusable(format!("row {row} cannot go back to pending")))
        }
    }

    /// Puts every `failed` item back to `pending` (`--retry-failed`): a failed item moved no
    /// money, and it is looked up again before anything is sent. Returns how many.
    pub fn requeue_failed(&self) -> Result<usize, JournalError> {
        self.conn
            .execute(
                "UPDATE items SET state = 'pending', outcome = NULL, reason = NULL
                 WHERE state = 'failed'",
                [],
            )
            .map_err(|error| self.sqlite(error))
    }
}

/// A SQLite error, with "locked by another process" told apart.
fn classify(path: &Path, source: rusqlite::Error) -> JournalError {
    if let rusqlite::Error::SqliteFailure(error, _) = &source
        && matches!(
            error.code,
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked
        )
    {
        return JournalError::InUse {
            path: path.to_owned(),
        };
    }
    JournalError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

type ItemRow = (Item, String, String);

fn read_item(row: &Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok((
        Item {
            row: from_sql(row.get(0)?).unwrap_or(0),
            provider: row.get(1)?,
            payment: row.get(2)?,
            amount: from_sql(row.get(3)?),
            baseline_refunded: from_sql(row.get(6)?),
            requested: from_sql(row.get(7)?),
            outcome: row.get(8)?,
            already_done: row.get(9)?,
            refunded: from_sql(row.get(10)?),
            remaining: from_sql(row.get(11)?),
            reference: row.get(12)?,
            cancel_reference: row.get(13)?,
            reason: row.get(14)?,
            review: row.get(15)?,
            field: row.get(16)?,
            sends: from_sql(row.get(17)?).unwrap_or(0),
            sent_at_ms: row.get(18)?,
            baseline_outcome: row.get(19)?,
            ..Item::default()
        },
        row.get(5)?,
        row.get(4)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let mut journal = Journal::open(&path).unwrap();
            assert_eq!(journal.run().unwrap(), None);
            journal
                .start(&run(), &[item(2, State::Pending), item(3, State::Invalid)])
                .unwrap();
            let intent = Intent {
                baseline_refunded: 50,
                baseline_outcome: "PartiallyRefunded",
                requested: Some(100),
                reference: Some("ref-2"),
                sent_at_ms: 1_700_000_000_000,
            };
            journal.mark_sending(2, &intent).unwrap();
            // An item can be sent only from `pending`.
            assert!(journal.mark_sending(2, &intent).is_err());
            assert!(journal.mark_sending(3, &intent).is_err());
        }
        let journal = Journal::open(&path).unwrap();
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
        let _first = Journal::open(&path).unwrap();
        match Journal::open(&path) {
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
        let mut journal = Journal::open(&path).unwrap();
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
}
