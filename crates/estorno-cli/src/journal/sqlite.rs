//! The embedded journal: a SQLite file (WAL, `synchronous=FULL`, mode 0600) beside the bulk
//! file, locked for the process that has it open.
//!
//! Schema (`PRAGMA user_version = 3`):
//!
//! ```sql
//! run   (id = 1, csv_sha256, csv_bytes, backend)
//! items (row PRIMARY KEY,            -- the row's line in the CSV
//!        provider, payment, amount,  -- amount in cents, NULL for a total cancel
//!        fields,                     -- provider fields as JSON (ids only)
//!        state,                      -- pending | sending | done | invalid | failed
//!                                    -- | unresolved | review | acknowledged
//!        baseline_refunded,          -- refunded before this item's request, in cents
//!        baseline_outcome,           -- the payment's outcome before it (for providers that
//!                                    -- report no amounts)
//!        requested, outcome, already_done, refunded, remaining,
//!        reference,                  -- the provider's id of the payment (status look-up)
//!        cancel_reference,           -- the provider's id of the cancellation, when answered
//!        reason, review, field,      -- why, what to look at, the CSV column at fault
//!        sends,                      -- cancellations sent for this item
//!        sent_at_ms,                 -- when the last one was sent (Unix ms)
//!        lookups,                    -- look-ups made to follow it, over every run
//!        resend_decision,            -- the recorded decision to send it again, and
//!        resent_by,                  -- who made it: operator | key | proof
//!        idempotency_key,            -- the key its cancellation carries, stored before
//!                                    -- the first send and reused on every resend
//!        key_sent_at_ms)             -- when that key was first sent (Unix ms)
//! ```
//!
//! Every write returns only once SQLite has synced it, so when [`Store::mark_sending`]
//! returns the intent is on disk before a byte of the request leaves. The bulk engine hands
//! the writes of many rows to [`Store::apply`] at once: one transaction, one sync for all of
//! them ([`super::group`]).
//! The connection holds SQLite's exclusive lock for its whole life: a second `estorno` on the
//! same journal is refused instead of sending the same refunds alongside.
//!
//! A journal of format 1 or 2 is migrated when opened. Format 1 put a row back to `pending`
//! once a look-up a while after sending showed no effect, and sent it again; such rows
//! (pending, with sends made) become `unresolved`, never sent again without an operator's
//! decision. Format 2 had no idempotency keys, and every resend decision was an operator's.

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};

use super::{
    ChainKey, Intent, Item, JournalError, OpenWork, ResentBy, Resolution, RunInfo, STORED_REASON,
    Store, Stored, Write, capped, from_sql, to_sql,
};
use crate::{files, rows};

/// The schema version in `PRAGMA user_version`.
const FORMAT: i64 = 3;

const RUN_TABLE: &str = "
CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    csv_sha256 TEXT NOT NULL,
    csv_bytes INTEGER NOT NULL,
    backend TEXT NOT NULL
);
";

const ITEMS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS items (
    row INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    payment TEXT NOT NULL,
    amount INTEGER,
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'sending', 'done', 'invalid', 'failed', 'unresolved', 'review',
         'acknowledged')),
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
    sent_at_ms INTEGER,
    lookups INTEGER NOT NULL DEFAULT 0,
    resend_decision TEXT,
    resent_by TEXT CHECK (resent_by IN ('operator', 'key', 'proof')),
    idempotency_key TEXT,
    key_sent_at_ms INTEGER
);
";

/// The final states, as SQL.
const FINAL: &str = "('done', 'invalid', 'failed', 'review')";

/// Chains are read a page at a time by payment and row (any format).
const CHAIN_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS items_by_payment ON items (provider, payment, row);";

/// The columns formats 1 to 3 share, in order.
const SHARED_COLUMNS: &str = "row, provider, payment, amount, fields, state, baseline_refunded, \
     baseline_outcome, requested, outcome, already_done, refunded, remaining, reference, \
     cancel_reference, reason, review, field, sends, sent_at_ms";

/// Why a format-1 row that was sent and then put back to `pending` is unresolved now.
const MIGRATED_REASON: &str = "sent by an earlier version of estorno, which found no effect \
     yet and would have sent it again; it is never resent without an operator's decision \
     (--resend-unresolved)";

/// An open SQLite journal, locked for this process.
pub struct SqliteJournal {
    conn: Connection,
    path: PathBuf,
    migrated: Option<String>,
}

impl fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteJournal {
    /// Opens (creating if needed) the journal at `path`, private to the user, and locks it;
    /// an older format is migrated.
    pub fn open(path: &Path) -> Result<SqliteJournal, JournalError> {
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
        let mut journal = SqliteJournal {
            conn,
            path: path.to_owned(),
            migrated: None,
        };
        journal.setup()?;
        // The WAL (and the shared-memory index, if SQLite made one) hold the same data.
        for suffix in ["-wal", "-shm"] {
            files::restrict(&files::sibling(path, suffix)).map_err(io)?;
        }
        Ok(journal)
    }

    /// A journal for a dry run's rows alone: nothing in it is an intent, so it is not synced.
    pub fn scratch(path: &Path) -> Result<SqliteJournal, JournalError> {
        let journal = SqliteJournal::open(path)?;
        journal
            .conn
            .execute_batch("PRAGMA synchronous = OFF;")
            .map_err(|error| journal.sqlite(error))?;
        Ok(journal)
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
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
        let sqlite = |source| classify(&path, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(sqlite)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(sqlite)?;
        let mut migrated = None;
        match version {
            0 | FORMAT => {
                tx.execute_batch(RUN_TABLE).map_err(sqlite)?;
                tx.execute_batch(ITEMS_TABLE).map_err(sqlite)?;
            }
            1 => {
                // SQLite cannot change a CHECK constraint in place: copy into the new table.
                tx.execute_batch(&format!(
                    "ALTER TABLE items RENAME TO items_format_1;
                     {ITEMS_TABLE}
                     INSERT INTO items ({SHARED_COLUMNS})
                         SELECT {SHARED_COLUMNS} FROM items_format_1;
                     DROP TABLE items_format_1;"
                ))
                .map_err(sqlite)?;
                let unresolved = tx
                    .execute(
                        "UPDATE items SET state = 'unresolved', reason = ?1, outcome = NULL
                         WHERE state = 'pending' AND sends > 0",
                        params![MIGRATED_REASON],
                    )
                    .map_err(sqlite)?;
                migrated = Some(format!(
                    "the journal was written by an earlier version of estorno and has been \
                     migrated; {unresolved} row(s) it had sent and would have sent again are \
                     now unresolved"
                ));
            }
            2 => {
                tx.execute_batch(
                    "ALTER TABLE items ADD COLUMN resent_by TEXT
                         CHECK (resent_by IN ('operator', 'key', 'proof'));
                     ALTER TABLE items ADD COLUMN idempotency_key TEXT;
                     ALTER TABLE items ADD COLUMN key_sent_at_ms INTEGER;
                     UPDATE items SET resent_by = 'operator' WHERE resend_decision IS NOT NULL;",
                )
                .map_err(sqlite)?;
            }
            other => {
                return Err(JournalError::Unusable {
                    path,
                    reason: format!(
                        "written by another version of estorno (format {other}, this one reads {FORMAT})"
                    ),
                });
            }
        }
        tx.execute_batch(CHAIN_INDEX).map_err(sqlite)?;
        tx.execute_batch(&format!("PRAGMA user_version = {FORMAT};"))
            .and_then(|()| tx.commit())
            .map_err(sqlite)?;
        self.migrated = migrated;
        Ok(())
    }

    /// Empties the journal (its run and every item) in one transaction, for a journal that is
    /// reused for a new run once the old one is settled.
    pub fn clear(&mut self) -> Result<(), JournalError> {
        let path = self.path.clone();
        let sqlite = |source| classify(&path, source);
        let tx = self.conn.transaction().map_err(sqlite)?;
        tx.execute_batch("DELETE FROM items; DELETE FROM run;")
            .map_err(sqlite)?;
        tx.commit().map_err(sqlite)
    }

    /// The items `filter` (a `WHERE … ORDER BY …` clause) picks.
    fn select(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Item>, JournalError> {
        let mut select = self
            .conn
            .prepare_cached(&format!(
                "SELECT row, provider, payment, amount, fields, state, baseline_refunded,
                        requested, outcome, already_done, refunded, remaining, reference,
                        cancel_reference, reason, review, field, sends, sent_at_ms,
                        baseline_outcome, lookups, resend_decision, resent_by,
                        idempotency_key, key_sent_at_ms
                 FROM items {filter}"
            ))
            .map_err(|error| self.sqlite(error))?;
        let rows = select
            .query_map(params, read_item)
            .map_err(|error| self.sqlite(error))?;
        let mut items = Vec::new();
        for row in rows {
            let (mut item, state, fields, resent_by) = row.map_err(|error| self.sqlite(error))?;
            let state = state
                .parse()
                .map_err(|reason: String| self.unusable(reason))?;
            item.resent_by = resent_by
                .as_deref()
                .map(str::parse)
                .transpose()
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

    fn changed_one(
        &self,
        changed: usize,
        refusal: impl FnOnce() -> String,
    ) -> Result<(), JournalError> {
        if changed == 1 {
            Ok(())
        } else {
            Err(self.unusable(refusal()))
        }
    }
}

impl Store for SqliteJournal {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn migration_note(&self) -> Option<String> {
        self.migrated.clone()
    }

    fn run(&self) -> Result<Option<RunInfo>, JournalError> {
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

    fn load(
        &mut self,
        run: &RunInfo,
        items: &mut dyn Iterator<Item = Result<Item, String>>,
        allow_duplicates: bool,
    ) -> Result<(), JournalError> {
        let path = self.path.clone();
        let sqlite = |source| classify(&path, source);
        // Dropped without a commit (an unreadable file, a failed insert), it rolls back.
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
                let item = item.map_err(|reason| JournalError::Unusable {
                    path: path.clone(),
                    reason,
                })?;
                let stored = Stored::of(&item);
                insert
                    .execute(params![
                        to_sql(item.row),
                        stored.provider,
                        stored.payment,
                        item.amount.map(to_sql),
                        stored.fields,
                        item.state.as_str(),
                        stored.reason,
                        stored.field,
                    ])
                    .map_err(sqlite)?;
            }
        }
        if !allow_duplicates {
            tx.execute(
                "UPDATE items SET state = 'invalid', field = 'row',
                        reason = ?1 || repeated.first || ?2
                 FROM (SELECT row, min(row) OVER (PARTITION BY provider, payment, amount, fields)
                              AS first
                       FROM items WHERE state = 'pending') AS repeated
                 WHERE items.row = repeated.row AND repeated.first < repeated.row",
                params![rows::DUPLICATE_BEFORE, rows::DUPLICATE_AFTER],
            )
            .map_err(sqlite)?;
        }
        tx.commit().map_err(sqlite)
    }

    fn invalid(&self, limit: usize) -> Result<(Vec<Item>, u64), JournalError> {
        let count: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM items WHERE state = 'invalid'",
                [],
                |row| row.get(0),
            )
            .map_err(|error| self.sqlite(error))?;
        let first = self.select(
            "WHERE state = 'invalid' ORDER BY row LIMIT ?1",
            params![to_sql(limit as u64)],
        )?;
        Ok((first, from_sql(Some(count)).unwrap_or(0)))
    }

    fn items_after(&self, after: u64, limit: usize) -> Result<Vec<Item>, JournalError> {
        self.select(
            "WHERE row > ?1 ORDER BY row LIMIT ?2",
            params![to_sql(after), to_sql(limit as u64)],
        )
    }

    fn in_doubt(&self) -> Result<Vec<Item>, JournalError> {
        self.select(
            "WHERE state IN ('sending', 'unresolved', 'acknowledged') ORDER BY row",
            params![],
        )
    }

    fn unfinished_after(
        &self,
        after: Option<&ChainKey>,
        limit: usize,
    ) -> Result<Vec<Item>, JournalError> {
        let limit = to_sql(limit as u64);
        match after {
            None => self.select(
                &format!("WHERE state NOT IN {FINAL} ORDER BY provider, payment, row LIMIT ?1"),
                params![limit],
            ),
            Some(after) => self.select(
                &format!(
                    "WHERE state NOT IN {FINAL} AND (provider, payment, row) > (?1, ?2, ?3)
                     ORDER BY provider, payment, row LIMIT ?4"
                ),
                params![after.provider, after.payment, to_sql(after.row), limit],
            ),
        }
    }

    fn open_work(&self) -> Result<OpenWork, JournalError> {
        let (rows, lookups, followed) = self
            .conn
            .query_row(
                &format!(
                    "SELECT count(*) FILTER (WHERE state NOT IN {FINAL}),
                            coalesce(sum(lookups), 0), count(*) FILTER (WHERE lookups > 0)
                     FROM items"
                ),
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                },
            )
            .map_err(|error| self.sqlite(error))?;
        let mut select = self
            .conn
            .prepare(&format!(
                "SELECT DISTINCT provider FROM items WHERE state NOT IN {FINAL} ORDER BY provider"
            ))
            .map_err(|error| self.sqlite(error))?;
        let providers = select
            .query_map([], |row| row.get(0))
            .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
            .map_err(|error| self.sqlite(error))?;
        Ok(OpenWork {
            rows: from_sql(Some(rows)).unwrap_or(0),
            lookups: from_sql(Some(lookups)).unwrap_or(0),
            followed: from_sql(Some(followed)).unwrap_or(0),
            providers,
        })
    }

    fn mark_sending(&mut self, row: u64, intent: &Intent) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                // The key's first send is kept while the key stays the same: how long the
                // provider remembers it counts from there.
                "UPDATE items SET state = 'sending', baseline_refunded = ?2,
                        baseline_outcome = ?3, requested = ?4,
                        reference = COALESCE(?5, reference), sends = sends + 1, sent_at_ms = ?6,
                        outcome = NULL, reason = NULL, review = NULL,
                        key_sent_at_ms = CASE
                            WHEN ?7 IS NULL THEN NULL
                            WHEN idempotency_key IS ?7 THEN COALESCE(key_sent_at_ms, ?6)
                            ELSE ?6 END,
                        idempotency_key = ?7
                 WHERE row = ?1 AND state = 'pending'",
                params![
                    to_sql(row),
                    to_sql(intent.baseline_refunded),
                    intent.baseline_outcome,
                    intent.requested.map(to_sql),
                    intent.reference,
                    intent.sent_at_ms,
                    intent.idempotency_key,
                ],
            )
            .map_err(|error| self.sqlite(error))?;
        self.changed_one(changed, || {
            format!("row {row} is not pending; refusing to send it")
        })
    }

    fn resolve(&mut self, row: u64, resolution: &Resolution) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE items SET state = ?2, outcome = ?3, already_done = ?4,
                        requested = COALESCE(?5, requested), refunded = ?6, remaining = ?7,
                        reference = COALESCE(?8, reference),
                        cancel_reference = COALESCE(?9, cancel_reference), reason = ?10,
                        review = ?11, field = ?12, lookups = lookups + ?13
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
                    resolution
                        .reason
                        .as_deref()
                        .map(|reason| capped(reason, STORED_REASON)),
                    resolution
                        .review
                        .as_deref()
                        .map(|review| capped(review, STORED_REASON)),
                    resolution.field,
                    to_sql(resolution.lookups),
                ],
            )
            .map_err(|error| self.sqlite(error))?;
        self.changed_one(changed, || format!("row {row} is not in the journal"))
    }

    fn set_pending(
        &mut self,
        row: u64,
        reason: Option<&str>,
        outcome: Option<&str>,
    ) -> Result<(), JournalError> {
        // From `sending` only when the engine knows nothing was processed (a 429, a request
        // that never left); never from `unresolved` or `acknowledged`.
        let changed = self
            .conn
            .execute(
                "UPDATE items SET state = 'pending',
                        baseline_refunded = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_refunded END,
                        baseline_outcome = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_outcome END,
                        requested = NULL, outcome = ?3, review = NULL, reason = ?2
                 WHERE row = ?1 AND state IN ('pending', 'sending')",
                params![to_sql(row), reason, outcome],
            )
            .map_err(|error| self.sqlite(error))?;
        self.changed_one(changed, || format!("row {row} cannot go back to pending"))
    }

    fn requeue_failed(&mut self) -> Result<usize, JournalError> {
        self.conn
            .execute(
                // A new attempt is a new request: with a new key, where there is one.
                "UPDATE items SET state = 'pending', outcome = NULL, reason = NULL,
                        idempotency_key = NULL, key_sent_at_ms = NULL
                 WHERE state = 'failed'",
                [],
            )
            .map_err(|error| self.sqlite(error))
    }

    fn decide_resend(
        &mut self,
        row: u64,
        by: ResentBy,
        decision: &str,
    ) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE items SET state = 'pending', resend_decision = ?2, resent_by = ?3,
                        baseline_refunded = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_refunded END,
                        baseline_outcome = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_outcome END,
                        requested = NULL, outcome = NULL, review = NULL, reason = NULL
                 WHERE row = ?1 AND state = 'unresolved'",
                params![to_sql(row), decision, by.as_str()],
            )
            .map_err(|error| self.sqlite(error))?;
        self.changed_one(changed, || {
            format!("row {row} is not unresolved; only an unresolved row can be resent")
        })
    }

    fn apply(&mut self, writes: &[Write]) -> Vec<Result<(), JournalError>> {
        // One transaction, one sync: the writes of every row that reached this point while
        // the last commit was syncing. A row's own refusal changes nothing and stays its own;
        // a failure of SQLite itself undoes the whole group, and every write in it fails.
        if let Err(error) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            let error = self.sqlite(error);
            return writes
                .iter()
                .map(|_| Err(self.unusable(error.to_string())))
                .collect();
        }
        let mut results = Vec::with_capacity(writes.len());
        let mut broken = None;
        for write in writes {
            let result = write.apply_to(self);
            if let Err(JournalError::Sqlite { source, .. }) = &result {
                broken = Some(source.to_string());
                break;
            }
            results.push(result);
        }
        let committed = match broken {
            None => self
                .conn
                .execute_batch("COMMIT")
                .map_err(|error| error.to_string()),
            Some(reason) => Err(reason),
        };
        match committed {
            Ok(()) => results,
            Err(reason) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                writes
                    .iter()
                    .map(|_| Err(self.unusable(format!("a group of writes failed: {reason}"))))
                    .collect()
            }
        }
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

type ItemRow = (Item, String, String, Option<String>);

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
            lookups: from_sql(row.get(20)?).unwrap_or(0),
            resend_decision: row.get(21)?,
            idempotency_key: row.get(23)?,
            key_sent_at_ms: row.get(24)?,
            ..Item::default()
        },
        row.get(5)?,
        row.get(4)?,
        row.get(22)?,
    ))
}

#[cfg(test)]
mod tests;
