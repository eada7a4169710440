//! The shared journal: a run's rows in PostgreSQL (`--journal postgres://…`), so that any
//! number of `estorno bulk` workers, on any machines, share one run and refund every row
//! once.
//!
//! - **A run is named** (`--run NAME`, by default the file's name) and joined by that name.
//!   The first worker to connect takes the run's lock, loads the file and releases it; the
//!   others wait on the lock, then check that their file is the same (its SHA-256 and size)
//!   and the same backend, as a resumed SQLite journal is checked.
//! - **A lease covers a payment's whole chain of rows** (they run in order). A worker claims
//!   chains with `SELECT … FOR UPDATE SKIP LOCKED`, each under a lease it renews while it
//!   lives. A worker that dies stops renewing; once its leases run out another worker claims
//!   those chains and reconciles every row that may have been sent before anything else.
//! - **A fencing token** comes with each claim, from one sequence. Every write of a row's
//!   state locks its chain and checks that the chain's token is still the writer's; a write
//!   of intent also checks the lease has not run out. A worker that lost a lease but is still
//!   alive writes nothing more about those rows, and never sends for them again.
//! - **Rounds.** Each invocation of the workers is a round: it goes through every open chain
//!   once, as one run of a SQLite journal does. Workers started together join the same round;
//!   a worker started once a round is over starts the next one for what is left.
//! - **Rate limits live in the database**, per run and provider: a token bucket each worker
//!   takes from in small batches, so all workers together stay within `--rate`.
//! - **The report** is written by every worker once the round is over, from the journal:
//!   each writes the same one, the report a one-worker run would give.
//! - **The password** comes from `PGPASSWORD`, never from the URL: a command line shows in
//!   `ps`, shell histories and logs.

mod connection;
mod leases;
mod schema;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use postgres::Config;
use postgres::config::Host;

pub use leases::{Claimed, Leases, RoundState};

use self::connection::{Connection, Session, describe};
use super::{
    Intent, Item, JournalError, ResentBy, Resolution, RunInfo, STORED_REASON, Store, Stored, Write,
    capped, from_sql, to_sql,
};
use crate::rate::RateSpec;
use crate::rows;

/// Where a shared run lives: the database and the run's name.
#[derive(Clone)]
pub struct Target {
    config: Config,
    /// The URL without any secret, for messages.
    shown: String,
    pub run: String,
    /// How long a claim lasts unless renewed.
    pub lease: Duration,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("database", &self.shown)
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

/// Whether `--journal` names a PostgreSQL database rather than a SQLite file.
pub fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

impl Target {
    /// Reads `--journal postgres://user@host:port/database`, with the password from
    /// `password` (the environment's `PGPASSWORD`). A URL that holds a password is refused.
    pub fn parse(
        url: &str,
        password: Option<String>,
        run: String,
        lease: Duration,
    ) -> Result<Target, String> {
        // The URL is not echoed: it may hold the secret this refuses.
        let mut config: Config = url.parse().map_err(|_| {
            String::from(
                "--journal: not a PostgreSQL URL; write postgres://USER@HOST:PORT/DATABASE",
            )
        })?;
        if config.get_password().is_some() {
            return Err(String::from(
                "--journal: the URL holds a password, which would show in `ps`, shell history \
                 and logs; remove it and give it in PGPASSWORD",
            ));
        }
        if config.get_dbname().is_none() {
            return Err(String::from(
                "--journal: name the database, postgres://USER@HOST:PORT/DATABASE",
            ));
        }
        if run.is_empty() || run.len() > 200 || run.chars().any(char::is_control) {
            return Err(String::from(
                "--run: a run's name is 1 to 200 printable characters",
            ));
        }
        if let Some(password) = password.filter(|password| !password.is_empty()) {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("estorno bulk");
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
            .map(|(host, port)| match host {
                Host::Tcp(name) => format!("{name}:{port}"),
                Host::Unix(path) => format!("{}:{port}", path.display()),
            })
            .collect();
        let shown = format!(
            "postgres://{}@{}/{}",
            config.get_user().unwrap_or(""),
            hosts.join(","),
            config.get_dbname().unwrap_or("")
        );
        Ok(Target {
            config,
            shown,
            run,
            lease,
        })
    }

    /// The database and run, for messages (no secret).
    pub fn describe(&self) -> String {
        format!("{} (run `{}`)", self.shown, self.run)
    }

    fn connect(&self) -> Result<Connection, JournalError> {
        Connection::open(self.config.clone()).map_err(|reason| self.unusable(reason))
    }

    fn unusable(&self, reason: impl Into<String>) -> JournalError {
        JournalError::Unusable {
            path: self.describe().into(),
            reason: reason.into(),
        }
    }
}

/// The rows this worker holds a lease on, with their chain and its fencing token.
pub(crate) type Held = Arc<Mutex<HashMap<u64, (i64, i64)>>>;

fn held(map: &Held) -> MutexGuard<'_, HashMap<u64, (i64, i64)>> {
    map.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// A shared run's journal, through one connection; its writes are fenced by the leases this
/// worker holds ([`Leases`], on a connection of its own).
pub struct PgJournal {
    target: Target,
    conn: Connection,
    run_id: Option<i64>,
    rates: Vec<RateSpec>,
    held: Held,
    migrated: Option<String>,
}

impl fmt::Debug for PgJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgJournal")
            .field("target", &self.target)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

/// The lock a worker holds while it loads a run, by the run's name.
const RUN_LOCK: &str = "SELECT pg_advisory_lock(hashtextextended('estorno run ' || $1, 0))";
const RUN_UNLOCK: &str = "SELECT pg_advisory_unlock(hashtextextended('estorno run ' || $1, 0))";

impl PgJournal {
    /// Connects, migrates the schema and joins the run named by `target`: if another worker
    /// is loading it, waits until it has. A run nobody has loaded yet is left locked for
    /// this worker's [`Store::start`].
    pub fn open(target: &Target, rates: Vec<RateSpec>) -> Result<PgJournal, JournalError> {
        let conn = target.connect()?;
        let name = target.run.clone();
        let joined = conn
            .call(move |session| -> Result<_, String> {
                let migrated = schema::migrate(&mut session.client)?;
                let client = &mut session.client;
                client
                    .execute(RUN_LOCK, &[&name])
                    .map_err(|error| describe(&error))?;
                let id: Option<i64> = client
                    .query_opt("SELECT id FROM estorno_runs WHERE name = $1", &[&name])
                    .map_err(|error| describe(&error))?
                    .map(|row| row.get(0));
                if id.is_some() {
                    client
                        .execute(RUN_UNLOCK, &[&name])
                        .map_err(|error| describe(&error))?;
                }
                Ok((id, migrated))
            })
            .and_then(|joined| joined)
            .map_err(|reason| target.unusable(reason))?;
        Ok(PgJournal {
            target: target.clone(),
            conn,
            run_id: joined.0,
            rates,
            held: Arc::default(),
            migrated: joined.1,
        })
    }

    /// The run's leases, on a second connection, sharing this journal's record of the rows
    /// held.
    pub fn leases(&self, worker: String) -> Result<Leases, JournalError> {
        let run = self
            .run_id
            .ok_or_else(|| self.target.unusable("the run has not been loaded"))?;
        Ok(Leases::new(
            self.target.connect()?,
            run,
            worker,
            self.target.lease,
            Arc::clone(&self.held),
            self.target.describe(),
        ))
    }

    /// The rates the run was started with (`provider=N/s`, sorted), to compare with a
    /// joining worker's.
    pub fn recorded_rates(&self) -> Result<Vec<RateSpec>, JournalError> {
        let run = self.run_id()?;
        let text: String = self.query(move |session| {
            session
                .client
                .query_one("SELECT rates FROM estorno_runs WHERE id = $1", &[&run])
                .map(|row| row.get(0))
        })?;
        text.split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|reason: String| self.target.unusable(reason))
    }

    fn run_id(&self) -> Result<i64, JournalError> {
        self.run_id
            .ok_or_else(|| self.target.unusable("the run has not been loaded"))
    }

    /// Runs `work` on the journal's connection.
    fn query<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, JournalError> {
        self.conn
            .call(work)
            .and_then(|result| result.map_err(|error| describe(&error)))
            .map_err(|reason| self.target.unusable(reason))
    }
}

/// The rates as stored with the run: `provider=N/s` each, sorted, space-separated.
pub fn rates_text(rates: &[RateSpec]) -> String {
    let mut texts: Vec<String> = rates.iter().map(ToString::to_string).collect();
    texts.sort();
    texts.join(" ")
}

/// The columns an item is read from, in [`read_item`]'s order.
pub(crate) const ITEM_COLUMNS: &str = "line, provider, payment, amount, fields, state, \
     baseline_refunded, requested, outcome, already_done, refunded, remaining, reference, \
     cancel_reference, reason, review, field, sends, sent_at_ms, baseline_outcome, lookups, \
     resend_decision, resent_by, idempotency_key, key_sent_at_ms";

pub(crate) fn read_item(row: &postgres::Row) -> Result<Item, String> {
    let line: i64 = row.get(0);
    let state: String = row.get(5);
    let fields: String = row.get(4);
    let resent_by: Option<String> = row.get(22);
    Ok(Item {
        row: from_sql(Some(line)).unwrap_or(0),
        provider: row.get(1),
        payment: row.get(2),
        amount: from_sql(row.get(3)),
        fields: serde_json::from_str::<BTreeMap<String, String>>(&fields)
            .map_err(|_| format!("row {line}: fields are not JSON"))?,
        state: state.parse()?,
        baseline_refunded: from_sql(row.get(6)),
        requested: from_sql(row.get(7)),
        outcome: row.get(8),
        already_done: row.get(9),
        refunded: from_sql(row.get(10)),
        remaining: from_sql(row.get(11)),
        reference: row.get(12),
        cancel_reference: row.get(13),
        reason: row.get(14),
        review: row.get(15),
        field: row.get(16),
        sends: from_sql(row.get(17)).unwrap_or(0),
        sent_at_ms: row.get(18),
        baseline_outcome: row.get(19),
        lookups: from_sql(row.get(20)).unwrap_or(0),
        resend_decision: row.get(21),
        resent_by: resent_by.as_deref().map(str::parse).transpose()?,
        idempotency_key: row.get(23),
        key_sent_at_ms: row.get(24),
    })
}

/// How many rows go to the server in one chunk of a load.
const COPY_CHUNK: usize = 1_024;

/// An item as a line of a `COPY … (FORMAT csv)`.
fn copy_line(copy: &mut String, run: i64, item: &Item) {
    use std::fmt::Write as _;
    let stored = Stored::of(item);
    let _ = write!(copy, "{run},{},", item.row);
    csv_field(copy, Some(&stored.provider));
    copy.push(',');
    csv_field(copy, Some(&stored.payment));
    copy.push(',');
    if let Some(amount) = item.amount {
        let _ = write!(copy, "{amount}");
    }
    copy.push(',');
    csv_field(copy, Some(&stored.fields));
    copy.push(',');
    csv_field(copy, Some(item.state.as_str()));
    copy.push(',');
    csv_field(copy, stored.reason.as_deref());
    copy.push(',');
    csv_field(copy, stored.field.as_deref());
    copy.push('\n');
}

/// On the connection's thread: the run, its rows as `chunks` brings them (`None` aborts),
/// duplicates refused, the chains and the rate buckets, in one transaction; then the run's
/// lock is let go.
fn load_run(
    session: &mut Session,
    id: i64,
    (name, run, rates_text, rates): (&str, &RunInfo, &str, &[(String, f64)]),
    chunks: &std::sync::mpsc::Receiver<Option<String>>,
    allow_duplicates: bool,
) -> Result<(), postgres::Error> {
    use std::io::Write as _;
    let mut tx = session.client.transaction()?;
    tx.execute(
        "INSERT INTO estorno_runs (id, name, csv_sha256, csv_bytes, backend, rates)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &id,
            &name,
            &run.csv_sha256,
            &to_sql(run.csv_bytes),
            &run.backend,
            &rates_text,
        ],
    )?;
    let mut writer = tx.copy_in(
        "COPY estorno_items (run, line, provider, payment, amount, fields, state, reason, \
         field) FROM STDIN (FORMAT csv)",
    )?;
    while let Ok(chunk) = chunks.recv() {
        let Some(chunk) = chunk else {
            // Dropped unfinished, the copy is aborted, and the transaction rolls back.
            return Ok(());
        };
        // A write into the copy only fails once the server has refused it; `finish` says why.
        if writer.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    writer.finish()?;
    if !allow_duplicates {
        tx.execute(
            "UPDATE estorno_items i SET state = 'invalid', field = 'row',
                    reason = $2 || repeated.first || $3
             FROM (SELECT line, min(line) OVER (PARTITION BY provider, payment, amount, fields)
                          AS first
                   FROM estorno_items WHERE run = $1 AND state = 'pending') AS repeated
             WHERE i.run = $1 AND i.line = repeated.line AND repeated.first < repeated.line",
            &[&id, &rows::DUPLICATE_BEFORE, &rows::DUPLICATE_AFTER],
        )?;
    }
    // Each valid row belongs to its payment's chain, named by the chain's first row.
    tx.execute(
        "UPDATE estorno_items i SET chain = chains.first
         FROM (SELECT provider, payment, min(line) AS first FROM estorno_items
               WHERE run = $1 AND state = 'pending' GROUP BY provider, payment) AS chains
         WHERE i.run = $1 AND i.state = 'pending' AND i.provider = chains.provider
           AND i.payment = chains.payment",
        &[&id],
    )?;
    tx.execute(
        "INSERT INTO estorno_chains (run, id, provider, payment, first_row)
         SELECT run, chain, min(provider), min(payment), chain FROM estorno_items
         WHERE run = $1 AND chain IS NOT NULL GROUP BY run, chain",
        &[&id],
    )?;
    for (provider, per_second) in rates {
        tx.execute(
            "INSERT INTO estorno_rates (run, provider, per_second, tokens)
             VALUES ($1, $2, $3, $3)",
            &[&id, provider, per_second],
        )?;
    }
    tx.commit()?;
    session.client.execute(RUN_UNLOCK, &[&name])?;
    Ok(())
}

/// One value of a `COPY … (FORMAT csv)` line: quoted text, or nothing for NULL.
fn csv_field(out: &mut String, value: Option<&str>) {
    if let Some(value) = value {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    }
}

impl Store for PgJournal {
    fn location(&self) -> String {
        self.target.describe()
    }

    fn migration_note(&self) -> Option<String> {
        self.migrated.clone()
    }

    fn run(&self) -> Result<Option<RunInfo>, JournalError> {
        let Some(run) = self.run_id else {
            return Ok(None);
        };
        self.query(move |session| {
            session.client.query_one(
                "SELECT csv_sha256, csv_bytes, backend FROM estorno_runs WHERE id = $1",
                &[&run],
            )
        })
        .map(|row| {
            Some(RunInfo {
                csv_sha256: row.get(0),
                csv_bytes: from_sql(Some(row.get(1))).unwrap_or(0),
                backend: row.get(2),
            })
        })
    }

    fn load(
        &mut self,
        run: &RunInfo,
        items: &mut dyn Iterator<Item = Result<Item, String>>,
        allow_duplicates: bool,
    ) -> Result<(), JournalError> {
        if self.run_id.is_some() {
            return Err(self.target.unusable("the run is already loaded"));
        }
        // The run's id first, so that every line of the copy carries it.
        let id: i64 = self.query(|session| {
            session
                .client
                .query_one(
                    "SELECT nextval(pg_get_serial_sequence('estorno_runs', 'id'))",
                    &[],
                )
                .map(|row| row.get(0))
        })?;
        let name = self.target.run.clone();
        let run = run.clone();
        let rates: Vec<(String, f64)> = self
            .rates
            .iter()
            .map(|rate| (rate.provider.clone(), rate.per_second))
            .collect();
        let rates_text = rates_text(&self.rates);
        // The rows go to the connection's thread in chunks, as they are read, into one COPY;
        // an unreadable file aborts it, and the transaction with it.
        let (feed, chunks) = std::sync::mpsc::sync_channel::<Option<String>>(4);
        let loaded = self
            .conn
            .spawn(move |session| {
                load_run(
                    session,
                    id,
                    (&name, &run, &rates_text, &rates),
                    &chunks,
                    allow_duplicates,
                )
            })
            .map_err(|reason| self.target.unusable(reason))?;
        let mut chunk = String::with_capacity(COPY_CHUNK * 128);
        let mut unreadable = None;
        let mut count = 0;
        for item in items {
            match item {
                Ok(item) => copy_line(&mut chunk, id, &item),
                Err(reason) => {
                    unreadable = Some(reason);
                    break;
                }
            }
            count += 1;
            if count % COPY_CHUNK == 0 {
                // A closed feed means the load failed; its answer says why.
                if feed.send(Some(std::mem::take(&mut chunk))).is_err() {
                    break;
                }
            }
        }
        let _ = match &unreadable {
            None => feed.send(Some(chunk)),
            Some(_) => feed.send(None),
        };
        drop(feed);
        let answer = loaded
            .recv()
            .map_err(|_| self.target.unusable(connection::STOPPED))?;
        if let Some(reason) = unreadable {
            return Err(self.target.unusable(reason));
        }
        answer.map_err(|error| self.target.unusable(describe(&error)))?;
        self.run_id = Some(id);
        Ok(())
    }

    fn items_after(&self, after: u64, limit: usize) -> Result<Vec<Item>, JournalError> {
        let run = self.run_id()?;
        let (after, limit) = (to_sql(after), to_sql(limit as u64));
        let rows = self.query(move |session| {
            session.client.query(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM estorno_items WHERE run = $1 AND line > $2
                     ORDER BY line LIMIT $3"
                ),
                &[&run, &after, &limit],
            )
        })?;
        rows.iter()
            .map(read_item)
            .collect::<Result<_, _>>()
            .map_err(|reason| self.target.unusable(reason))
    }

    fn mark_sending(&mut self, row: u64, intent: &Intent) -> Result<(), JournalError> {
        let intent = intent.clone();
        single(self.apply(&[Write::Sending { row, intent }]))
    }

    fn resolve(&mut self, row: u64, resolution: &Resolution) -> Result<(), JournalError> {
        let resolution = resolution.clone();
        single(self.apply(&[Write::Resolve { row, resolution }]))
    }

    fn set_pending(
        &mut self,
        row: u64,
        reason: Option<&str>,
        outcome: Option<&str>,
    ) -> Result<(), JournalError> {
        single(self.apply(&[Write::Pending {
            row,
            reason: reason.map(str::to_owned),
            outcome: outcome.map(str::to_owned),
        }]))
    }

    fn requeue_failed(&mut self) -> Result<usize, JournalError> {
        let run = self.run_id()?;
        self.query(move |session| {
            let mut tx = session.client.transaction()?;
            // A new attempt is a new request: with a new key, where there is one. Its chain
            // opens again, in this round.
            let chains = tx.query(
                "UPDATE estorno_items SET state = 'pending', outcome = NULL, reason = NULL,
                        idempotency_key = NULL, key_sent_at_ms = NULL
                 WHERE run = $1 AND state = 'failed' RETURNING chain",
                &[&run],
            )?;
            let ids: Vec<i64> = chains.iter().filter_map(|row| row.get(0)).collect();
            tx.execute(
                "UPDATE estorno_chains SET settled = false, round_done = 0
                 WHERE run = $1 AND id = ANY($2)",
                &[&run, &ids],
            )?;
            tx.commit()?;
            Ok(chains.len())
        })
    }

    fn decide_resend(
        &mut self,
        row: u64,
        by: ResentBy,
        decision: &str,
    ) -> Result<(), JournalError> {
        single(self.apply(&[Write::Resend {
            row,
            by,
            decision: decision.to_owned(),
        }]))
    }

    fn apply(&mut self, writes: &[Write]) -> Vec<Result<(), JournalError>> {
        let Ok(run) = self.run_id() else {
            return writes
                .iter()
                .map(|_| Err(self.target.unusable("the run has not been loaded")))
                .collect();
        };
        // Each write with the lease it is made under, if this worker holds one.
        let fenced: Vec<(Write, Option<(i64, i64)>)> = {
            let held = held(&self.held);
            writes
                .iter()
                .map(|write| (write.clone(), held.get(&write_row(write)).copied()))
                .collect()
        };
        let applied = self
            .conn
            .call(move |session| apply_fenced(session, run, fenced));
        let target = &self.target;
        match applied {
            Ok(Ok(results)) => results
                .into_iter()
                .map(|result| result.map_err(|refusal| refusal.into_error(target)))
                .collect(),
            Ok(Err(error)) => {
                let reason = format!("a group of writes failed: {}", describe(&error));
                writes
                    .iter()
                    .map(|_| Err(target.unusable(reason.clone())))
                    .collect()
            }
            Err(reason) => writes
                .iter()
                .map(|_| Err(target.unusable(reason.clone())))
                .collect(),
        }
    }
}

fn single(mut results: Vec<Result<(), JournalError>>) -> Result<(), JournalError> {
    results.pop().unwrap_or(Ok(()))
}

fn write_row(write: &Write) -> u64 {
    match write {
        Write::Sending { row, .. }
        | Write::Resolve { row, .. }
        | Write::Pending { row, .. }
        | Write::Resend { row, .. } => *row,
    }
}

/// Why one write of a group changed nothing.
enum Refusal {
    /// This worker holds no lease on the row's payment, or another worker has taken it over.
    Fenced(u64),
    /// The row is not in a state the write can start from.
    State(String),
}

impl Refusal {
    fn into_error(self, target: &Target) -> JournalError {
        match self {
            Refusal::Fenced(row) => JournalError::Fenced {
                location: target.describe(),
                row,
            },
            Refusal::State(reason) => target.unusable(reason),
        }
    }
}

const LOCK_CHAIN: &str = "SELECT lease_until > now() FROM estorno_chains
     WHERE run = $1 AND id = $2 AND lease_token = $3 FOR SHARE";

const MARK_SENDING: &str = "UPDATE estorno_items SET state = 'sending', baseline_refunded = $3,
        baseline_outcome = $4, requested = $5, reference = COALESCE($6, reference),
        sends = sends + 1, sent_at_ms = $7, outcome = NULL, reason = NULL, review = NULL,
        key_sent_at_ms = CASE
            WHEN $8::text IS NULL THEN NULL
            WHEN idempotency_key IS NOT DISTINCT FROM $8::text THEN COALESCE(key_sent_at_ms, $7)
            ELSE $7 END,
        idempotency_key = $8::text
     WHERE run = $1 AND line = $2 AND state = 'pending'";

const RESOLVE: &str = "UPDATE estorno_items SET state = $3, outcome = $4, already_done = $5,
        requested = COALESCE($6, requested), refunded = $7, remaining = $8,
        reference = COALESCE($9, reference), cancel_reference = COALESCE($10, cancel_reference),
        reason = $11, review = $12, field = $13, lookups = lookups + $14
     WHERE run = $1 AND line = $2";

// A row that keeps its idempotency key keeps the baseline of its first send too: sent again,
// it is the same request, whose effect counts from what was refunded before it first left.
const SET_PENDING: &str = "UPDATE estorno_items SET state = 'pending',
        baseline_refunded = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_refunded END,
        baseline_outcome = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_outcome END,
        requested = NULL, outcome = $4, review = NULL, reason = $3
     WHERE run = $1 AND line = $2 AND state IN ('pending', 'sending')";

const DECIDE_RESEND: &str = "UPDATE estorno_items SET state = 'pending', resend_decision = $3,
        resent_by = $4,
        baseline_refunded = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_refunded END,
        baseline_outcome = CASE WHEN idempotency_key IS NULL THEN NULL ELSE baseline_outcome END,
        requested = NULL, outcome = NULL, review = NULL, reason = NULL
     WHERE run = $1 AND line = $2 AND state = 'unresolved'";

type Results = Vec<Result<(), Refusal>>;

/// Applies a group of writes in one transaction, each under its lease: the chain's row is
/// locked (so a worker taking it over waits for this commit, and then sees these writes) and
/// its token compared with the writer's. A write of intent also needs the lease unexpired.
fn apply_fenced(
    session: &mut Session,
    run: i64,
    writes: Vec<(Write, Option<(i64, i64)>)>,
) -> Result<Results, postgres::Error> {
    let lock = session.statement(LOCK_CHAIN)?;
    let sending = session.statement(MARK_SENDING)?;
    let resolve = session.statement(RESOLVE)?;
    let pending = session.statement(SET_PENDING)?;
    let resend = session.statement(DECIDE_RESEND)?;
    let mut tx = session.client.transaction()?;
    let mut results = Vec::with_capacity(writes.len());
    for (write, lease) in writes {
        let row = write_row(&write);
        let line = to_sql(row);
        let Some((chain, token)) = lease else {
            results.push(Err(Refusal::Fenced(row)));
            continue;
        };
        let alive: Option<bool> = tx
            .query_opt(&lock, &[&run, &chain, &token])?
            .map(|lease| lease.get(0));
        let Some(alive) = alive else {
            results.push(Err(Refusal::Fenced(row)));
            continue;
        };
        let (changed, refusal) = match &write {
            Write::Sending { intent, .. } => {
                if !alive {
                    results.push(Err(Refusal::Fenced(row)));
                    continue;
                }
                let changed = tx.execute(
                    &sending,
                    &[
                        &run,
                        &line,
                        &to_sql(intent.baseline_refunded),
                        &intent.baseline_outcome,
                        &intent.requested.map(to_sql),
                        &intent.reference,
                        &intent.sent_at_ms,
                        &intent.idempotency_key,
                    ],
                )?;
                (changed, "is not pending; refusing to send it")
            }
            Write::Resolve { resolution, .. } => {
                let changed = tx.execute(
                    &resolve,
                    &[
                        &run,
                        &line,
                        &resolution.state.as_str(),
                        &resolution.outcome,
                        &resolution.already_done,
                        &resolution.requested.map(to_sql),
                        &resolution.refunded.map(to_sql),
                        &resolution.remaining.map(to_sql),
                        &resolution.reference,
                        &resolution.cancel_reference,
                        &resolution
                            .reason
                            .as_deref()
                            .map(|reason| capped(reason, STORED_REASON).into_owned()),
                        &resolution
                            .review
                            .as_deref()
                            .map(|review| capped(review, STORED_REASON).into_owned()),
                        &resolution.field,
                        &to_sql(resolution.lookups),
                    ],
                )?;
                (changed, "is not in the journal")
            }
            Write::Pending {
                reason, outcome, ..
            } => {
                let changed = tx.execute(&pending, &[&run, &line, reason, outcome])?;
                (changed, "cannot go back to pending")
            }
            Write::Resend { by, decision, .. } => {
                let changed = tx.execute(&resend, &[&run, &line, decision, &by.as_str()])?;
                (
                    changed,
                    "is not unresolved; only an unresolved row can be resent",
                )
            }
        };
        results.push(if changed == 1 {
            Ok(())
        } else {
            Err(Refusal::State(format!("row {row} {refusal}")))
        });
    }
    tx.commit()?;
    Ok(results)
}
