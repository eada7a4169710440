//! `estorno bulk FILE.csv`: one refund per row, journaled so that a run killed at any point
//! and resumed refunds every row at most once and loses none.
//!
//! The protocol, per item (a valid row):
//!
//! 1. Look the payment up (`Cancel::status`; safe to repeat). Already refunded or voided →
//!    `done` without sending. Refused, failed, disputed, pending at the provider, or less
//!    left than asked → `failed` without sending; a look-up that cannot be trusted (a status
//!    the spec does not know, an answer about another payment) → `review` without sending; a
//!    look-up that failed (a 5xx, a 429, a timeout) → back to `pending`, retried next run.
//! 2. Write `sending` with the baseline (what the look-up reported as refunded, and its
//!    outcome) and, where the provider takes one, the request's idempotency key (made once
//!    per logical request and kept for every resend of it), and commit, synced, **before**
//!    sending. A resend under the same key keeps the baseline of the first send: it is the
//!    same request, and an earlier attempt that landed late may already show in the look-up.
//! 3. Send (`Cancel::cancel_from` with that baseline and the look-up).
//! 4. Write the outcome: refunded, partially refunded or voided → `done`; rejected →
//!    `failed`; money moved but not as asked → `review`; accepted but not visible yet →
//!    `acknowledged`; no answer (a timeout, a reset, a 5xx after sending) → `unresolved`.
//!    A 429, or a request that never left, moved nothing: back to `pending`.
//! 5. An `acknowledged` or `unresolved` item is followed with a few look-ups (see
//!    [`crate::follow`]): its effect shows → `done`; the provider shows it refused →
//!    `failed` (rejected); still nothing → it stays as it is.
//!
//! A run on an existing journal (`--resume`, or simply the same command again) first follows
//! every item that may have been sent (`sending`, `acknowledged`, `unresolved`) — before
//! sending anything — then carries on with the `pending` ones. Nothing is ever sent again for
//! an item the provider acknowledged. An `unresolved` one is sent again only by a recorded
//! decision: the engine's, when its idempotency key is one the provider honours
//! (`ResendProof::Key`) and still keeps, so the same request cannot refund twice (a run that
//! finds it still unresolved sends it again, with the same key); otherwise an operator's
//! (`--resend-unresolved --older-than`), and only once it has been unresolved for longer than
//! that. `done`, `invalid`, `failed` and `review` items are never sent again
//! (`--retry-failed` puts `failed` ones back: they moved no money, and the new attempt is a
//! new request, with a new key).
//!
//! Rows of the same payment are never in flight together: they run one after the other in
//! row order, because each one's baseline depends on the ones before; and a row waits behind
//! an earlier row of its payment that is in doubt. Different payments run concurrently, up
//! to `--concurrency`, within each provider's `--rate`.

mod dry;
mod engine;
pub(crate) mod resolution;
mod shared;

use std::fs;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::task::JoinSet;

use crate::backend::Backend;
use crate::exit;
use crate::files::{self, PrivateFile};
use crate::journal::{Item, JournalError, PAGE, ResentBy, RunInfo, SqliteJournal, State, Store};
use crate::rate::RateSpec;
use crate::report::{Format, ReportRow, ReportWriter, Tally};
use crate::rows::{self, FileError, Parsed};

pub use resolution::outcome_name;
pub use shared::{PASSWORD_VAR, SharedJournal};

use engine::{Engine, Providers};

/// What `estorno bulk` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub file: PathBuf,
    pub journal: Option<PathBuf>,
    /// `--journal postgres://…`: a run shared by any number of workers.
    pub shared: Option<SharedJournal>,
    pub report: Option<PathBuf>,
    pub concurrency: usize,
    pub rates: Vec<RateSpec>,
    pub dry_run: bool,
    pub resume: bool,
    pub allow_duplicates: bool,
    /// `--max-invalid N`: more invalid rows than this refuse the file.
    pub max_invalid: u64,
    pub retry_failed: bool,
    /// `--resend-unresolved --older-than D`: send again the rows unresolved for longer than
    /// `D`, recording the decision per row.
    pub resend_unresolved: Option<Duration>,
    pub quiet: bool,
    pub json: bool,
}

/// Why a bulk run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: FileError,
    },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Refused(String),
    #[error(
        "{path}: more than {limit} rows are invalid (the first are named above), so nothing was loaded or sent; fix the file, or raise --max-invalid"
    )]
    TooManyInvalid { path: PathBuf, limit: u64 },
    #[error("cannot write the report {path}: {source}")]
    Report {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl BulkError {
    /// Bad input is 2; anything else that stops a run is 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            BulkError::Read { .. }
            | BulkError::File { .. }
            | BulkError::Refused(_)
            | BulkError::TooManyInvalid { .. } => exit::INVALID,
            BulkError::Journal(JournalError::InUse { .. }) => exit::INVALID,
            _ => exit::FAILED,
        }
    }
}

/// Where the report goes and in which form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportFormat {
    Csv,
    Json,
}

fn report_target(options: &Options) -> Result<Option<(PathBuf, ReportFormat)>, BulkError> {
    let path = match &options.report {
        Some(path) => path.clone(),
        // A dry run writes a report only when asked, so it never replaces a real run's.
        None if options.dry_run => return Ok(None),
        None => files::sibling(&options.file, ".report.csv"),
    };
    let format = match path.extension().and_then(|ext| ext.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("csv") => ReportFormat::Csv,
        Some(ext) if ext.eq_ignore_ascii_case("json") => ReportFormat::Json,
        _ => {
            return Err(BulkError::Refused(format!(
                "--report {}: the report's name must end in .csv or .json",
                path.display()
            )));
        }
    };
    Ok(Some((path, format)))
}

/// Runs `estorno bulk`; returns the exit code.
pub async fn run(options: Options, backend: &Backend) -> Result<u8, BulkError> {
    let report_to = report_target(&options)?;
    for rate in &options.rates {
        if estorno::registry::find(&rate.provider).is_none() {
            return Err(BulkError::Refused(format!(
                "--rate {rate}: unknown provider `{}`; known providers: {}",
                rate.provider,
                crate::backend::known_providers()
            )));
        }
    }
    let read_failed = |source| BulkError::Read {
        path: options.file.clone(),
        source,
    };
    let shared = options
        .shared
        .as_ref()
        .map(|shared| shared::target(&options, shared))
        .transpose()?;
    let providers = Providers::new(backend);

    if options.dry_run {
        return dry::run(&options, providers, backend, report_to.as_ref()).await;
    }
    let (csv_sha256, csv_bytes) = rows::fingerprint_file(&options.file).map_err(read_failed)?;
    let run_info = RunInfo {
        csv_sha256,
        csv_bytes,
        backend: backend.plan().journal_key(),
    };
    if let Some(target) = shared {
        return shared::run(
            &options,
            providers,
            backend,
            target,
            run_info,
            report_to.as_ref(),
        )
        .await;
    }

    let journal_path = options
        .journal
        .clone()
        .unwrap_or_else(|| files::sibling(&options.file, ".journal.sqlite"));
    if options.resume && !journal_path.exists() {
        return Err(BulkError::Refused(format!(
            "--resume: there is no journal at {}",
            journal_path.display()
        )));
    }
    // A first run checks the file's header before creating its journal, so a file with a bad
    // header leaves nothing behind; one unreadable further down leaves an empty journal.
    let mut reader = if journal_path.exists() {
        None
    } else {
        Some(open_rows(&options.file)?)
    };
    let mut journal: Box<dyn Store> = Box::new(SqliteJournal::open(&journal_path)?);
    if let Some(note) = journal.migration_note() {
        eprintln!("estorno: {note}");
    }
    match journal.run()? {
        Some(recorded) => check_run(&recorded, &run_info, journal.as_ref(), backend)?,
        None if options.resume => {
            return Err(BulkError::Refused(format!(
                "--resume: the journal {} holds no run",
                journal_path.display()
            )));
        }
        None => {
            let reader = match reader.take() {
                Some(reader) => reader,
                None => open_rows(&options.file)?,
            };
            load(journal.as_mut(), &run_info, reader, &providers, &options)?;
        }
    }
    if options.retry_failed {
        let count = journal.requeue_failed()?;
        if count > 0 {
            eprintln!(
                "estorno: --retry-failed: {count} failed rows go back to pending (each is a new request)"
            );
        }
    }

    // What the run starts from; only the rows in doubt are read in full.
    let work = journal.open_work()?;
    // A resumed run parsed nothing: set up every provider that still has work.
    for provider in &work.providers {
        let _ = providers.get(provider);
    }
    let in_doubt = journal.in_doubt()?;
    let open = usize::try_from(work.rows).unwrap_or(usize::MAX);
    let lookups_before = work.lookups;
    let engine = Arc::new(Engine::new(&options, providers, open, Some(journal)));

    // Phase 1: every item that may have been sent is followed before anything is sent.
    if !in_doubt.is_empty() {
        engine.progress.set_message("reconciling");
        let mut tasks = JoinSet::new();
        let mut first = None;
        for item in in_doubt {
            // As many under way as rows may be, as in phase 2.
            while tasks.len() >= options.concurrency.max(1) {
                if let Some(Err(error)) = engine::next_done(&mut tasks).await {
                    first.get_or_insert(error);
                }
            }
            let engine = Arc::clone(&engine);
            tasks.spawn(async move { engine.resolve_in_doubt(item).await });
        }
        let rest = join_all(&mut tasks).await;
        first.map_or(rest, Err)?;
    }

    // An operator's decision: rows still unresolved after that, and for longer than the
    // threshold, are sent again (looked up first, like any pending row).
    if let Some(older_than) = options.resend_unresolved {
        let now = SystemTime::now();
        let items = engine.journal()?.in_doubt()?;
        let mut resent = 0;
        for item in &items {
            let Some(decision) = operator_decision(item, older_than, now) else {
                continue;
            };
            engine
                .journal()?
                .decide_resend(item.row, ResentBy::Operator, &decision)?;
            resent += 1;
        }
        eprintln!(
            "estorno: --resend-unresolved: {resent} unresolved row(s) older than {} will be looked up and sent again",
            humanize(older_than)
        );
    }

    // Phase 2: the pending items, one chain per payment.
    engine.progress.set_message("refunding");
    engine.run_chains().await?;
    engine.progress.finish_and_clear();

    let work = engine.journal()?.open_work()?;
    let lookups = work.lookups - lookups_before;
    if lookups > 0 {
        eprintln!(
            "estorno: {lookups} look-up(s) made this run to follow sent cancellations; \
             {} row(s) have been followed so far (the journal keeps each row's count)",
            work.followed
        );
    }
    let journal = engine.journal()?;
    finish(
        &options,
        |after| Ok(journal.items_after(after, PAGE)?),
        report_to.as_ref(),
    )
}

/// The operator's decision to send `item` again (`--resend-unresolved --older-than`), as
/// recorded: for an unresolved row that has been so for longer than `older_than` at `now`.
fn operator_decision(item: &Item, older_than: Duration, now: SystemTime) -> Option<String> {
    if item.state != State::Unresolved {
        return None;
    }
    let sent_at = resolution::from_unix_ms(item.sent_at_ms.unwrap_or(0));
    let unresolved_for = now.duration_since(sent_at).unwrap_or(Duration::ZERO);
    (unresolved_for >= older_than).then(|| {
        format!(
            "resent by operator decision (--resend-unresolved --older-than {}) after {} unresolved",
            humanize(older_than),
            humanize(unresolved_for)
        )
    })
}

/// A duration as an operator writes it: `90s`, `15m`, `24h`, `2d`.
pub fn humanize(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 86_400 && seconds.is_multiple_of(86_400) {
        format!("{}d", seconds / 86_400)
    } else if seconds >= 3_600 {
        format!("{}h", seconds / 3_600)
    } else if seconds >= 60 {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// Reads `--older-than`: a whole number with a unit, `s`, `m`, `h` or `d` (`24h`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|ch: char| !ch.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30m, 24h or 2d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!("`{text}`: give the unit, s, m, h or d (e.g. 24h)"));
        }
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

/// Waits for every task; the first error (a journal that cannot be written) wins.
async fn join_all(tasks: &mut JoinSet<Result<(), BulkError>>) -> Result<(), BulkError> {
    let mut first = None;
    while let Some(joined) = tasks.join_next().await {
        let result = joined.unwrap_or_else(|error| Err(BulkError::Internal(error.to_string())));
        if let Err(error) = result {
            first.get_or_insert(error);
        }
    }
    first.map_or(Ok(()), Err)
}

/// The start of a fingerprint, for messages.
fn short(sha256: &str) -> String {
    sha256.chars().take(12).collect()
}

/// Refuses a journal that belongs to another file or another backend.
fn check_run(
    recorded: &RunInfo,
    now: &RunInfo,
    journal: &dyn Store,
    backend: &Backend,
) -> Result<(), BulkError> {
    if recorded.csv_sha256 != now.csv_sha256 || recorded.csv_bytes != now.csv_bytes {
        return Err(BulkError::Refused(format!(
            "the journal {} belongs to another version of this file (SHA-256 {}…, {} bytes); \
             the file now has SHA-256 {}… and {} bytes. Restore the file, or give another \
             --journal to start a new run",
            journal.location(),
            short(&recorded.csv_sha256),
            recorded.csv_bytes,
            short(&now.csv_sha256),
            now.csv_bytes
        )));
    }
    if recorded.backend != now.backend {
        return Err(BulkError::Refused(format!(
            "the journal {} was written against `{}`, and this run would use {} (`{}`): \
             resuming it there would refund the wrong payments or skip the right ones",
            journal.location(),
            recorded.backend,
            backend.plan().describe(),
            now.backend
        )));
    }
    Ok(())
}

/// How many invalid rows stderr names one by one; the rest are counted (every one is in the
/// report, with its line and reason).
const INVALID_ECHOED: usize = 20;

/// Names the first invalid rows on stderr (`first`), one by one, and counts the rest of
/// the `count`.
fn print_invalid(first: &[String], count: u64) {
    for row in first.iter().take(INVALID_ECHOED) {
        eprintln!("estorno: {row} (nothing is sent for this row)");
    }
    let more = count.saturating_sub(first.len().min(INVALID_ECHOED) as u64);
    if more > 0 {
        eprintln!(
            "estorno: and {more} more invalid row(s), each in the report with its line and reason; nothing is sent for them"
        );
    }
}

/// `--max-invalid`'s default: a file with more invalid rows than this is refused whole.
pub const MAX_INVALID: u64 = 1000;

/// Opens the bulk file and checks its header.
fn open_rows(path: &Path) -> Result<rows::Reader<fs::File, io::BufReader<fs::File>>, BulkError> {
    rows::Reader::open(path)
        .map_err(|source| BulkError::Read {
            path: path.to_owned(),
            source,
        })?
        .map_err(|source| BulkError::File {
            path: path.to_owned(),
            source,
        })
}

/// Loads the file into the journal as it is read, each row checked against its provider,
/// and names the invalid rows on stderr. A file unreadable halfway loads nothing.
fn load<R: io::Read, B: io::BufRead>(
    journal: &mut dyn Store,
    run: &RunInfo,
    mut reader: rows::Reader<R, B>,
    providers: &Providers<'_>,
    options: &Options,
) -> Result<(), BulkError> {
    let check = |row: &rows::Row| providers.check(row);
    let mut unreadable = None;
    // Rows that fail their checks, counted as they are read: past the cap the load stops and
    // is rolled back, so a wrong file costs neither disk nor time.
    let mut invalid = 0u64;
    let mut first_invalid = Vec::new();
    let mut items = std::iter::from_fn(|| match reader.next_row(&check)? {
        Ok(Parsed::Invalid(_)) if invalid >= options.max_invalid => {
            invalid += 1;
            Some(Err(String::from("too many invalid rows")))
        }
        Ok(parsed) => {
            if let Parsed::Invalid(row) = &parsed {
                invalid += 1;
                if first_invalid.len() < INVALID_ECHOED {
                    first_invalid.push(row.to_string());
                }
            }
            Some(Ok(item_of(parsed)))
        }
        Err(error) => {
            let reason = error.to_string();
            unreadable = Some(error);
            Some(Err(reason))
        }
    });
    let loaded = journal.load(run, &mut items, options.allow_duplicates);
    if let Some(source) = unreadable {
        return Err(BulkError::File {
            path: options.file.clone(),
            source,
        });
    }
    if invalid > options.max_invalid {
        print_invalid(&first_invalid, 0);
        return Err(BulkError::TooManyInvalid {
            path: options.file.clone(),
            limit: options.max_invalid,
        });
    }
    loaded?;
    let (first, count) = journal.invalid(INVALID_ECHOED)?;
    let named: Vec<String> = first
        .iter()
        .map(|item| {
            format!(
                "row {}: `{}`: {}",
                item.row,
                item.field.as_deref().unwrap_or("row"),
                item.reason.as_deref().unwrap_or("invalid")
            )
        })
        .collect();
    print_invalid(&named, count);
    Ok(())
}

/// A row of the file as the journal's first record of it: valid rows pending, invalid ones
/// with their error. The row moves into the item.
fn item_of(parsed: Parsed) -> Item {
    match parsed {
        Parsed::Valid(row) => Item {
            row: row.line,
            provider: row.provider,
            payment: row.payment,
            amount: row.amount,
            fields: row.fields,
            state: State::Pending,
            ..Item::default()
        },
        Parsed::Invalid(row) => Item {
            row: row.line,
            provider: row.provider,
            payment: row.payment,
            amount: row.amount,
            fields: row.fields,
            state: State::Invalid,
            field: Some(row.field),
            reason: Some(row.reason),
            ..Item::default()
        },
    }
}

/// Writes the report and prints the summary (or the JSON report) as the rows come, a page
/// at a time from `next_page` (the rows after the row it is given, by row, none at the end);
/// returns the exit code.
fn finish(
    options: &Options,
    mut next_page: impl FnMut(u64) -> Result<Vec<Item>, BulkError>,
    report_to: Option<&(PathBuf, ReportFormat)>,
) -> Result<u8, BulkError> {
    let failed = |path: &Path| {
        let path = path.to_owned();
        move |source| BulkError::Report { path, source }
    };
    let mut file = match report_to {
        Some((path, format)) => {
            let format = match format {
                ReportFormat::Csv => Format::Csv,
                ReportFormat::Json => Format::Json,
            };
            let out = BufWriter::new(PrivateFile::create(path).map_err(failed(path))?);
            Some((path, ReportWriter::new(format, out).map_err(failed(path))?))
        }
        None => None,
    };
    let stdout = Path::new("standard output");
    let mut printed = match options.json {
        true => Some(
            ReportWriter::new(Format::Json, BufWriter::new(io::stdout().lock()))
                .map_err(failed(stdout))?,
        ),
        false => None,
    };
    let mut tally = Tally::default();
    let mut after = 0;
    loop {
        let page = next_page(after)?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.row;
        for item in &page {
            let row = ReportRow::of(item);
            tally.add(&row);
            if let Some((path, writer)) = &mut file {
                writer.add(&row).map_err(failed(path))?;
            }
            if let Some(writer) = &mut printed {
                writer.add(&row).map_err(failed(stdout))?;
            }
        }
    }
    if let Some((path, writer)) = file {
        writer
            .finish(&tally)
            .and_then(|out| out.into_inner().map_err(io::IntoInnerError::into_error))
            .and_then(PrivateFile::commit)
            .map_err(failed(path))?;
    }
    match printed {
        Some(writer) => {
            writer.finish(&tally).map_err(failed(stdout))?;
        }
        None => {
            print!("{}", tally.summary());
            if let Some((path, _)) = report_to {
                println!("\nreport: {}", path.display());
            }
            if options.dry_run {
                println!("dry run: nothing was sent");
            }
        }
    }
    Ok(tally.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print_as_operators_write_them() {
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert!(parse_duration("24").unwrap_err().contains("unit"));
        assert!(parse_duration("h").is_err());
        assert_eq!(humanize(Duration::from_secs(86_400)), "1d");
        assert_eq!(humanize(Duration::from_secs(26 * 3_600 + 5)), "26h");
        assert_eq!(humanize(Duration::from_secs(59)), "59s");
    }
}
