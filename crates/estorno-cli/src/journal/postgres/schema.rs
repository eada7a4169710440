//! The shared journal's tables, and the migrations that create and upgrade them: applied by
//! the first worker that connects, under a lock, so workers of one version never race.
//!
//! ```sql
//! estorno_schema (version)             -- the migrations applied
//! estorno_runs   (id, name UNIQUE,     -- a run, joined by its name
//!                 csv_sha256, csv_bytes, backend, rates,
//!                 round)               -- each invocation of the workers is a round
//! estorno_chains (run, id,             -- a payment's rows; id = its first row
//!                 provider, payment, first_row,
//!                 settled,             -- every row final
//!                 round_done,          -- the last round that went through it
//!                 lease_owner, lease_token, lease_until)
//! estorno_items  (run, line, chain,    -- a row of the file; the columns of the SQLite
//!                 ...)                 -- journal's `items`
//! estorno_rates  (run, provider, per_second, tokens, refilled_at)
//! estorno_lease_tokens                 -- the fencing tokens, one per claim
//! ```

use postgres::Client;

use super::connection::describe;

/// The migrations, in order; `estorno_schema.version` counts those applied.
const MIGRATIONS: &[&str] = &["
CREATE TABLE estorno_runs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    csv_sha256 TEXT NOT NULL,
    csv_bytes BIGINT NOT NULL,
    backend TEXT NOT NULL,
    rates TEXT NOT NULL,
    round BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE estorno_chains (
    run BIGINT NOT NULL REFERENCES estorno_runs (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    payment TEXT NOT NULL,
    first_row BIGINT NOT NULL,
    settled BOOLEAN NOT NULL DEFAULT false,
    round_done BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_token BIGINT NOT NULL DEFAULT 0,
    lease_until TIMESTAMPTZ,
    PRIMARY KEY (run, id)
);
CREATE INDEX estorno_chains_open ON estorno_chains (run, first_row) WHERE NOT settled;
CREATE TABLE estorno_items (
    run BIGINT NOT NULL REFERENCES estorno_runs (id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    chain BIGINT,
    provider TEXT NOT NULL,
    payment TEXT NOT NULL,
    amount BIGINT,
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'sending', 'done', 'invalid', 'failed', 'unresolved', 'review',
         'acknowledged')),
    baseline_refunded BIGINT,
    baseline_outcome TEXT,
    requested BIGINT,
    outcome TEXT,
    already_done BOOLEAN NOT NULL DEFAULT false,
    refunded BIGINT,
    remaining BIGINT,
    reference TEXT,
    cancel_reference TEXT,
    reason TEXT,
    review TEXT,
    field TEXT,
    sends BIGINT NOT NULL DEFAULT 0,
    sent_at_ms BIGINT,
    lookups BIGINT NOT NULL DEFAULT 0,
    resend_decision TEXT,
    resent_by TEXT CHECK (resent_by IN ('operator', 'key', 'proof')),
    idempotency_key TEXT,
    key_sent_at_ms BIGINT,
    PRIMARY KEY (run, line)
);
CREATE INDEX estorno_items_chain ON estorno_items (run, chain);
CREATE TABLE estorno_rates (
    run BIGINT NOT NULL REFERENCES estorno_runs (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    per_second DOUBLE PRECISION NOT NULL,
    tokens DOUBLE PRECISION NOT NULL,
    refilled_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run, provider)
);
CREATE SEQUENCE estorno_lease_tokens;
"];

/// A lock key of the journal's own: held while the schema is checked and migrated.
const MIGRATION_LOCK: i64 = 0x6573_746f_726e_6f00;

/// Brings the schema to this version's; refuses a database a newer version has migrated.
/// Returns what was done, if anything.
pub(super) fn migrate(client: &mut Client) -> Result<Option<String>, String> {
    let mut tx = client.transaction().map_err(|error| describe(&error))?;
    let step = |tx: &mut postgres::Transaction<'_>, sql: &str| {
        tx.batch_execute(sql).map_err(|error| describe(&error))
    };
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(|error| describe(&error))?;
    step(
        &mut tx,
        "CREATE TABLE IF NOT EXISTS estorno_schema (version INTEGER NOT NULL)",
    )?;
    let applied: i32 = tx
        .query_opt("SELECT version FROM estorno_schema", &[])
        .map_err(|error| describe(&error))?
        .map_or(0, |row| row.get(0));
    let known = MIGRATIONS.len() as i32;
    if applied > known {
        return Err(format!(
            "the database holds estorno tables of a newer version (schema {applied}, this one \
             knows {known})"
        ));
    }
    for sql in &MIGRATIONS[applied as usize..] {
        step(&mut tx, sql)?;
    }
    if applied == 0 {
        tx.execute(
            "INSERT INTO estorno_schema (version) VALUES ($1)",
            &[&known],
        )
    } else {
        tx.execute("UPDATE estorno_schema SET version = $1", &[&known])
    }
    .map_err(|error| describe(&error))?;
    tx.commit().map_err(|error| describe(&error))?;
    Ok((applied < known).then(|| {
        format!("the shared journal's tables were brought to schema {known} (from {applied})")
    }))
}
