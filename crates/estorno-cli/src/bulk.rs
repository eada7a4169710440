//! `estorno bulk FILE.csv`: one refund per row, journaled so that a run killed at any point
//! and resumed refunds every row exactly once.
//!
//! The protocol, per item (a valid row):
//!
//! 1. Look the payment up (`Cancel::status`; safe to repeat). Already refunded or voided →
//!    `done` without sending. Refused, failed, disputed, pending at the provider, or less
//!    left than asked → `failed` without sending. A bad id → `invalid`, named by its column.
//! 2. Write `sending` with the baseline (what the look-up reported as refunded, and its
//!    outcome) and commit, synced, **before** sending.
//! 3. Send (`Cancel::cancel_from` with that baseline and the look-up).
//! 4. Write the outcome: refunded, partially refunded or voided → `done`; rejected →
//!    `failed`; money moved but not as asked → `review`; ambiguous or pending → reconcile
//!    (look-ups with backoff; "not applied" is believed only once the request can no longer
//!    land, see [`crate::settle`]): took effect → `done`; did not → back to `pending` and
//!    sent again (at most three times a run); still unknown → `unresolved`.
//!
//! A run on an existing journal (`--resume`, or simply the same command again) first
//! reconciles every `sending` and `unresolved` item — before sending anything — then carries
//! on with the `pending` ones. `done`, `invalid`, `failed` and `review` items are never sent
//! again (`--retry-failed` puts `failed` ones back: they moved no money).
//!
//! Rows of the same payment are never in flight together: they run one after the other in
//! row order, because each one's baseline depends on the ones before; and a row waits behind
//! an earlier row of its payment that is unresolved. Different payments run concurrently, up
//! to `--concurrency`, within each provider's `--rate`.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use estorno::{
    Amount, AnyProvider, Cancel, CancelError, CancelRequest, Cancellation, Cents, Outcome, Precheck,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::backend::{Backend, SetupError};
use crate::exit;
use crate::files;
use crate::journal::{Intent, Item, Journal, JournalError, Resolution, RunInfo, State};
use crate::rate::{RateSpec, TokenBucket};
use crate::report::Report;
use crate::rows::{self, BulkFile, FileError, Parsed};
use crate::settle::{self, Policy, Settled};

/// Cancellations sent for one item in one run, at most: each resend follows a look-up that
/// proved the one before did not take effect.
const MAX_SENDS_PER_RUN: u64 = 3;

/// Tries of a look-up or a send that failed without anything being sent (network down, token
/// endpoint failing), before the item is left `failed`.
const TRANSIENT_TRIES: u32 = 3;

/// What `estorno bulk` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub file: PathBuf,
    pub journal: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub concurrency: usize,
    pub rates: Vec<RateSpec>,
    pub dry_run: bool,
    pub resume: bool,
    pub allow_duplicates: bool,
    pub retry_failed: bool,
    pub quiet: bool,
    pub json: bool,
    /// Overrides the settle time of every provider (see [`crate::settle`]).
    pub settle: Option<Duration>,
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
            BulkError::Read { .. } | BulkError::File { .. } | BulkError::Refused(_) => {
                exit::INVALID
            }
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
    let bytes = fs::read(&options.file).map_err(|source| BulkError::Read {
        path: options.file.clone(),
        source,
    })?;
    let providers = Providers::new(backend);

    if options.dry_run {
        let file = parse(&options.file, &bytes, &providers, options.allow_duplicates)?;
        print_invalid(&file);
        let engine = Arc::new(Engine::new(
            &options,
            providers,
            backend,
            count_valid(&file),
            None,
        ));
        let items = Arc::clone(&engine).dry_run(&file).await?;
        engine.progress.finish_and_clear();
        return finish(&options, &items, report_to.as_ref());
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
    // A first run checks the file before creating its journal, so a file with a bad header
    // leaves nothing behind.
    let mut parsed = if journal_path.exists() {
        None
    } else {
        Some(parse(
            &options.file,
            &bytes,
            &providers,
            options.allow_duplicates,
        )?)
    };
    let mut journal = Journal::open(&journal_path)?;
    let run_info = RunInfo {
        csv_sha256: rows::fingerprint(&bytes),
        csv_bytes: bytes.len() as u64,
        backend: backend.plan().journal_key(),
    };
    match journal.run()? {
        Some(recorded) => check_run(&recorded, &run_info, &journal_path, backend)?,
        None if options.resume => {
            return Err(BulkError::Refused(format!(
                "--resume: the journal {} holds no run",
                journal_path.display()
            )));
        }
        None => {
            let file = match parsed.take() {
                Some(file) => file,
                None => parse(&options.file, &bytes, &providers, options.allow_duplicates)?,
            };
            print_invalid(&file);
            journal.start(&run_info, &initial_items(&file))?;
        }
    }
    if options.retry_failed {
        let count = journal.requeue_failed()?;
        if count > 0 {
            eprintln!("estorno: --retry-failed: {count} failed rows go back to pending");
        }
    }

    let items = journal.items()?;
    let open = items.iter().filter(|item| !item.state.is_final()).count();
    // A resumed run parsed nothing: set up every provider that still has work.
    for item in items.iter().filter(|item| !item.state.is_final()) {
        let _ = providers.get(&item.provider);
    }
    let engine = Arc::new(Engine::new(
        &options,
        providers,
        backend,
        open,
        Some(journal),
    ));

    // Phase 1: every item that may have been sent is reconciled before anything is sent.
    let inflight: Vec<Item> = items
        .iter()
        .filter(|item| matches!(item.state, State::Sending | State::Unresolved))
        .cloned()
        .collect();
    if !inflight.is_empty() {
        engine.progress.set_message("reconciling");
        let mut tasks = JoinSet::new();
        for item in inflight {
            let engine = Arc::clone(&engine);
            tasks.spawn(async move { engine.resolve_inflight(item).await });
        }
        join_all(&mut tasks).await?;
    }

    // Phase 2: the pending items, one chain per payment.
    engine.progress.set_message("refunding");
    let items = engine.journal()?.items()?;
    let mut chains: BTreeMap<(String, String), Vec<Item>> = BTreeMap::new();
    for item in items {
        chains
            .entry((item.provider.clone(), item.payment.clone()))
            .or_default()
            .push(item);
    }
    let mut chains: Vec<Vec<Item>> = chains
        .into_values()
        .filter(|chain| chain.iter().any(|item| item.state == State::Pending))
        .collect();
    chains.sort_by_key(|chain| chain.first().map_or(0, |item| item.row));
    let mut tasks = JoinSet::new();
    for chain in chains {
        let engine = Arc::clone(&engine);
        tasks.spawn(async move { engine.run_chain(chain).await });
    }
    join_all(&mut tasks).await?;
    engine.progress.finish_and_clear();

    let items = engine.journal()?.items()?;
    finish(&options, &items, report_to.as_ref())
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
    journal: &Path,
    backend: &Backend,
) -> Result<(), BulkError> {
    if recorded.csv_sha256 != now.csv_sha256 || recorded.csv_bytes != now.csv_bytes {
        return Err(BulkError::Refused(format!(
            "the journal {} belongs to another version of this file (SHA-256 {}…, {} bytes); \
             the file now has SHA-256 {}… and {} bytes. Restore the file, or give another \
             --journal to start a new run",
            journal.display(),
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
            journal.display(),
            recorded.backend,
            backend.plan().describe(),
            now.backend
        )));
    }
    Ok(())
}

fn parse(
    path: &Path,
    bytes: &[u8],
    providers: &Providers<'_>,
    allow_duplicates: bool,
) -> Result<BulkFile, BulkError> {
    let check = |slug: &str, amount: Option<u64>| providers.check(slug, amount);
    rows::parse(bytes, &check, allow_duplicates).map_err(|source| BulkError::File {
        path: path.to_owned(),
        source,
    })
}

fn count_valid(file: &BulkFile) -> usize {
    file.rows
        .iter()
        .filter(|row| matches!(row, Parsed::Valid(_)))
        .count()
}

fn print_invalid(file: &BulkFile) {
    for row in &file.rows {
        if let Parsed::Invalid(invalid) = row {
            eprintln!("estorno: {invalid} (nothing is sent for this row)");
        }
    }
}

/// The journal's first content: valid rows pending, invalid ones with their error.
fn initial_items(file: &BulkFile) -> Vec<Item> {
    file.rows
        .iter()
        .map(|parsed| match parsed {
            Parsed::Valid(row) => Item {
                row: row.line,
                provider: row.provider.clone(),
                payment: row.payment.clone(),
                amount: row.amount,
                fields: row.fields.clone(),
                state: State::Pending,
                ..Item::default()
            },
            Parsed::Invalid(row) => Item {
                row: row.line,
                provider: row.provider.clone(),
                payment: row.payment.clone(),
                amount: row.amount,
                fields: row.fields.clone(),
                state: State::Invalid,
                field: Some(row.field.clone()),
                reason: Some(row.reason.clone()),
                ..Item::default()
            },
        })
        .collect()
}

/// Writes the report and prints the summary (or the JSON report); returns the exit code.
fn finish(
    options: &Options,
    items: &[Item],
    report_to: Option<&(PathBuf, ReportFormat)>,
) -> Result<u8, BulkError> {
    let report = Report::from_items(items);
    if let Some((path, format)) = report_to {
        let contents = match format {
            ReportFormat::Csv => report.to_csv(),
            ReportFormat::Json => report.to_json().into_bytes(),
        };
        files::write_private(path, &contents).map_err(|source| BulkError::Report {
            path: path.clone(),
            source,
        })?;
    }
    if options.json {
        print!("{}", report.to_json());
    } else {
        print!("{}", report.summary());
        if let Some((path, _)) = report_to {
            println!("\nreport: {}", path.display());
        }
        if options.dry_run {
            println!("dry run: nothing was sent");
        }
    }
    Ok(report.exit_code())
}

/// The provider clients a run uses, built once each.
struct Providers<'a> {
    backend: &'a Backend,
    built: Mutex<HashMap<String, Result<Arc<AnyProvider>, SetupError>>>,
}

impl<'a> Providers<'a> {
    fn new(backend: &'a Backend) -> Self {
        Providers {
            backend,
            built: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, slug: &str) -> Result<Arc<AnyProvider>, SetupError> {
        let mut built = self
            .built
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        built
            .entry(slug.to_owned())
            .or_insert_with(|| self.backend.provider(slug).map(Arc::new))
            .clone()
    }

    /// The row checks that need the provider: it exists, it is configured, and it takes
    /// partial amounts when the row has one.
    fn check(&self, slug: &str, amount: Option<u64>) -> Result<(), (&'static str, String)> {
        let provider = self
            .get(slug)
            .map_err(|error| (rows::PROVIDER, error.to_string()))?;
        if amount.is_some() && !provider.supports_partial() {
            return Err((
                rows::AMOUNT,
                format!(
                    "{} cannot cancel part of a payment: leave `amount` empty to cancel in full",
                    provider.spec().name
                ),
            ));
        }
        Ok(())
    }

    fn into_map(self) -> HashMap<String, Result<Arc<AnyProvider>, SetupError>> {
        self.built
            .into_inner()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// What one item's processing lets its chain do next.
enum Flow {
    /// The next row of the same payment may go.
    Continue,
    /// This row is unresolved (or could not be sent): later rows of its payment wait.
    Block,
}

/// An outcome as the journal and the report write it.
pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Refunded => "refunded",
        Outcome::PartiallyRefunded => "partially_refunded",
        Outcome::Voided => "voided",
        Outcome::Pending => "pending",
        Outcome::Rejected => "rejected",
        Outcome::Active => "active",
        Outcome::Failed => "failed",
        Outcome::Chargeback => "chargeback",
        Outcome::Ambiguous => "ambiguous",
    }
}

fn unix_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |elapsed| {
        i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
    })
}

fn from_unix_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// The request an item stands for.
fn request_of(item: &Item) -> Result<CancelRequest, String> {
    let mut request = match item.amount {
        None => CancelRequest::total(item.payment.clone()),
        Some(cents) => CancelRequest::partial(
            item.payment.clone(),
            Amount::from_cents(cents).map_err(|error| error.to_string())?,
        ),
    };
    for (name, value) in &item.fields {
        request = request.field(name.clone(), value.clone());
    }
    Ok(request)
}

/// An outcome from its `Outcome::name()`, as the journal keeps it.
fn outcome_from_name(name: &str) -> Option<Outcome> {
    Outcome::ALL
        .into_iter()
        .find(|outcome| outcome.name() == name)
}

/// The request as it was sent: with the baseline the journal recorded before sending.
fn sent_request(item: &Item) -> Result<CancelRequest, String> {
    let mut request =
        request_of(item)?.with_baseline_refunded(Cents::new(item.baseline_refunded.unwrap_or(0)));
    if let Some(outcome) = item.baseline_outcome.as_deref().and_then(outcome_from_name) {
        request = request.with_baseline_outcome(outcome);
    }
    Ok(request)
}

/// The CSV column an `InvalidRequest` is about: a provider field column, `amount`, or
/// `payment` (the one path id not given as a column).
fn column_for(provider: &AnyProvider, item: &Item, field: &str) -> String {
    if item.fields.contains_key(field) {
        return field.to_owned();
    }
    let param = provider
        .spec()
        .endpoints
        .iter()
        .flat_map(|endpoint| endpoint.params.iter())
        .find(|param| param.name == field);
    match param {
        Some(param) if item.fields.contains_key(param.wire) => param.wire.to_owned(),
        Some(param) if ["amount", "valor"].contains(&param.wire) => String::from(rows::AMOUNT),
        Some(_) => String::from(rows::PAYMENT),
        // A provider field the spec requires and the row does not have.
        None => field.to_owned(),
    }
}

/// A finished item. `reference` is the payment's id from a status look-up, never the
/// cancellation's own (which some providers derive from their sequence of operations, and
/// which would make the report depend on the order rows ran in): that goes in
/// `cancel_reference`.
fn done(
    now: &Cancellation,
    reference: Option<String>,
    cancel_reference: Option<String>,
) -> Resolution {
    Resolution {
        state: State::Done,
        outcome: Some(outcome_name(now.outcome).to_owned()),
        already_done: now.already_done,
        refunded: now.refunded.map(Cents::get),
        remaining: now.remaining.map(Cents::get),
        reference,
        cancel_reference,
        ..Resolution::default()
    }
}

/// How a row ends without anything being sent, if the look-up decides it: exactly what the
/// unified API would decide itself ([`Cancellation::precheck`]), so a row the runtime would
/// not send is finished here without a journal entry saying it was sent.
fn without_sending(before: &Cancellation, amount: Option<u64>) -> Option<Resolution> {
    match before.precheck(amount.map(Cents::new)) {
        Precheck::Send => None,
        Precheck::AlreadyDone => Some(Resolution {
            state: State::Done,
            outcome: Some(outcome_name(before.outcome).to_owned()),
            already_done: true,
            refunded: before.refunded.map(Cents::get),
            remaining: before.remaining.map(Cents::get),
            reference: before.reference.clone(),
            ..Resolution::default()
        }),
        Precheck::UnderWay => Some(Resolution {
            outcome: Some(String::from("pending")),
            ..rejected(
                before,
                String::from(
                    "the payment is pending at the provider (a cancellation may already be under \
                     way): nothing was sent; check it later with `estorno status`",
                ),
            )
        }),
        Precheck::Refuse(reason) => Some(rejected(before, reason)),
        // A decision added to the runtime later: not sending is the safe reading.
        _ => Some(rejected(
            before,
            String::from("not sent: the look-up does not allow it"),
        )),
    }
}

fn rejected(before: &Cancellation, reason: String) -> Resolution {
    Resolution {
        state: State::Failed,
        outcome: Some(String::from("rejected")),
        refunded: before.refunded.map(Cents::get),
        remaining: before.remaining.map(Cents::get),
        reference: before.reference.clone(),
        reason: Some(reason),
        ..Resolution::default()
    }
}

fn failed(reason: String) -> Resolution {
    Resolution {
        state: State::Failed,
        outcome: Some(String::from("failed")),
        reason: Some(reason),
        ..Resolution::default()
    }
}

fn invalid(field: String, reason: String) -> Resolution {
    Resolution {
        state: State::Invalid,
        field: Some(field),
        reason: Some(reason),
        ..Resolution::default()
    }
}

fn review(now: &Cancellation, why: String, reference: Option<String>) -> Resolution {
    Resolution {
        state: State::Review,
        outcome: Some(outcome_name(now.outcome).to_owned()),
        refunded: now.refunded.map(Cents::get),
        remaining: now.remaining.map(Cents::get),
        reference,
        review: Some(why),
        ..Resolution::default()
    }
}

fn pending(reason: Option<String>) -> Resolution {
    Resolution {
        state: State::Pending,
        reason,
        ..Resolution::default()
    }
}

/// Whether an error means nothing was sent and trying again may work.
fn transient(error: &CancelError) -> bool {
    matches!(
        error,
        CancelError::Unreachable { .. } | CancelError::Auth { .. } | CancelError::Provider { .. }
    )
}

fn pause(attempt: u32) -> Duration {
    Duration::from_millis(500).saturating_mul(1 << attempt.min(4))
}

/// The shared state of a run.
struct Engine {
    journal: Option<Mutex<Journal>>,
    providers: HashMap<String, Result<Arc<AnyProvider>, SetupError>>,
    backend_timeouts: HashMap<String, Duration>,
    limits: HashMap<String, Arc<TokenBucket>>,
    slots: Semaphore,
    settle: Option<Duration>,
    progress: ProgressBar,
    /// Set when the journal cannot be written: nothing more may be sent.
    stopped: AtomicBool,
}

impl Engine {
    fn new(
        options: &Options,
        providers: Providers<'_>,
        backend: &Backend,
        work: usize,
        journal: Option<Journal>,
    ) -> Engine {
        let limits = options
            .rates
            .iter()
            .map(|rate| {
                (
                    rate.provider.clone(),
                    Arc::new(TokenBucket::new(rate.per_second)),
                )
            })
            .collect();
        let backend_timeouts = estorno::registry::ENTRIES
            .iter()
            .map(|entry| (entry.spec.slug.to_owned(), backend.timeout(entry.spec.slug)))
            .collect();
        let progress = if options.quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar =
                ProgressBar::with_draw_target(Some(work as u64), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {msg:12} [{bar:40}] {pos}/{len} rows ({eta} left)",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        };
        Engine {
            journal: journal.map(Mutex::new),
            providers: providers.into_map(),
            backend_timeouts,
            limits,
            slots: Semaphore::new(options.concurrency.max(1)),
            settle: options.settle,
            progress,
            stopped: AtomicBool::new(false),
        }
    }

    fn journal(&self) -> Result<std::sync::MutexGuard<'_, Journal>, BulkError> {
        self.journal
            .as_ref()
            .map(|journal| journal.lock().unwrap_or_else(|poison| poison.into_inner()))
            .ok_or_else(|| BulkError::Internal(String::from("no journal in this run")))
    }

    /// Writes an item's resolution; a failure stops every further send.
    fn record(&self, row: u64, resolution: &Resolution) -> Result<(), BulkError> {
        let result = self.journal()?.resolve(row, resolution);
        result.map_err(|error| {
            self.stopped.store(true, Ordering::SeqCst);
            BulkError::Journal(error)
        })
    }

    fn provider(&self, slug: &str) -> Result<Arc<AnyProvider>, String> {
        match self.providers.get(slug) {
            Some(Ok(provider)) => Ok(Arc::clone(provider)),
            Some(Err(error)) => Err(error.to_string()),
            None => Err(format!("provider `{slug}` was not set up")),
        }
    }

    fn limiter(&self, slug: &str) -> Option<&TokenBucket> {
        self.limits.get(slug).map(Arc::as_ref)
    }

    async fn wait_turn(&self, slug: &str) {
        if let Some(limiter) = self.limiter(slug) {
            limiter.acquire().await;
        }
    }

    fn policy(&self, slug: &str) -> Policy {
        let timeout = self
            .backend_timeouts
            .get(slug)
            .copied()
            .unwrap_or(crate::backend::DEFAULT_TIMEOUT);
        Policy::new(self.settle.unwrap_or_else(|| settle::settle_time(timeout)))
    }

    /// A look-up, tried again a few times when it failed without an answer.
    async fn look_up(
        &self,
        provider: &AnyProvider,
        slug: &str,
        request: &CancelRequest,
    ) -> Result<Cancellation, CancelError> {
        let mut tries = 0;
        loop {
            self.wait_turn(slug).await;
            match provider.status(request).await {
                Err(error) if transient(&error) && tries + 1 < TRANSIENT_TRIES => {
                    tries += 1;
                    tokio::time::sleep(pause(tries)).await;
                }
                other => return other,
            }
        }
    }

    /// Phase 1: an item that may have been sent, resolved through the status operation.
    async fn resolve_inflight(&self, item: Item) -> Result<(), BulkError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|error| BulkError::Internal(error.to_string()))?;
        let resolution = match (self.provider(&item.provider), sent_request(&item)) {
            (Ok(provider), Ok(request)) => {
                let sent_at = from_unix_ms(item.sent_at_ms.unwrap_or(0));
                let settled = settle::settle(
                    &provider,
                    &request,
                    item.requested,
                    sent_at,
                    self.policy(&item.provider),
                    self.limiter(&item.provider),
                )
                .await;
                match settled {
                    // The reference stays the one the look-up before sending recorded.
                    Settled::Done(now) => done(&now, None, item.cancel_reference.clone()),
                    Settled::NotApplied(_) => {
                        tracing::info!(row = item.row, "not applied: back to pending");
                        pending(None)
                    }
                    Settled::Review(now, why) => review(&now, why, None),
                    Settled::Unknown(why) => Resolution {
                        state: State::Unresolved,
                        reason: Some(why),
                        ..Resolution::default()
                    },
                }
            }
            (Err(why), _) | (_, Err(why)) => Resolution {
                state: State::Unresolved,
                reason: Some(format!("cannot look it up: {why}")),
                ..Resolution::default()
            },
        };
        if resolution.state == State::Pending {
            self.journal()?.set_pending(item.row, None)?;
        } else {
            self.record(item.row, &resolution)?;
            self.progress.inc(1);
        }
        Ok(())
    }

    /// Phase 2: the rows of one payment, in row order.
    async fn run_chain(&self, chain: Vec<Item>) -> Result<(), BulkError> {
        let mut blocker: Option<u64> = None;
        for item in chain {
            match item.state {
                state if state.is_final() => continue,
                State::Sending | State::Unresolved => {
                    blocker.get_or_insert(item.row);
                    continue;
                }
                _ => {}
            }
            if let Some(row) = blocker {
                let reason = format!(
                    "not sent: row {row} of the same payment is unresolved; rerun to resolve it first"
                );
                self.journal()?.set_pending(item.row, Some(&reason))?;
                self.progress.inc(1);
                continue;
            }
            if self.stopped.load(Ordering::SeqCst) {
                return Ok(());
            }
            let flow = {
                let _slot = self
                    .slots
                    .acquire()
                    .await
                    .map_err(|error| BulkError::Internal(error.to_string()))?;
                self.process(&item).await?
            };
            self.progress.inc(1);
            if let Flow::Block = flow {
                blocker = Some(item.row);
            }
        }
        Ok(())
    }

    /// One pending item, through the protocol in the module documentation.
    async fn process(&self, item: &Item) -> Result<Flow, BulkError> {
        let slug = item.provider.as_str();
        let provider = match self.provider(slug) {
            Ok(provider) => provider,
            Err(why) => {
                self.journal()?
                    .set_pending(item.row, Some(&format!("not sent: {why}")))?;
                return Ok(Flow::Block);
            }
        };
        let request = match request_of(item) {
            Ok(request) => request,
            Err(why) => {
                self.record(item.row, &invalid(rows::AMOUNT.into(), why))?;
                return Ok(Flow::Continue);
            }
        };
        let mut sends = 0;
        let mut failures = 0;
        loop {
            // 1. Look up.
            let before = match self.look_up(&provider, slug, &request).await {
                Ok(before) => before,
                Err(CancelError::InvalidRequest { field, reason }) => {
                    let column = column_for(&provider, item, &field);
                    self.record(item.row, &invalid(column, reason))?;
                    return Ok(Flow::Continue);
                }
                Err(CancelError::PartialNotSupported { provider }) => {
                    let why = format!("{provider} cannot cancel part of a payment");
                    self.record(item.row, &invalid(rows::AMOUNT.into(), why))?;
                    return Ok(Flow::Continue);
                }
                Err(error) => {
                    self.record(item.row, &failed(error.to_string()))?;
                    return Ok(Flow::Continue);
                }
            };
            if let Some(resolution) = without_sending(&before, item.amount) {
                self.record(item.row, &resolution)?;
                return Ok(Flow::Continue);
            }
            // The look-up as it was before sending, for the journal and the report.
            let snapshot = before.clone();

            // 2. Intent, durably, before sending.
            if self.stopped.load(Ordering::SeqCst) {
                return Ok(Flow::Block);
            }
            let baseline = snapshot.refunded.map_or(0, Cents::get);
            let requested = item.amount.or(snapshot.remaining.map(Cents::get));
            let sent_at = SystemTime::now();
            let intent = Intent {
                baseline_refunded: baseline,
                baseline_outcome: snapshot.outcome.name(),
                requested,
                reference: snapshot.reference.as_deref(),
                sent_at_ms: unix_ms(sent_at),
            };
            self.journal()?
                .mark_sending(item.row, &intent)
                .inspect_err(|_| self.stopped.store(true, Ordering::SeqCst))?;
            sends += 1;

            // 3. Send.
            let sent = request
                .clone()
                .with_baseline_refunded(Cents::new(baseline))
                .with_baseline_outcome(snapshot.outcome);
            self.wait_turn(slug).await;
            let result = provider.cancel_from(&sent, before).await;

            // 4. The outcome.
            let answered = match result {
                Ok(now) => now,
                Err(CancelError::InvalidRequest { field, reason }) => {
                    let column = column_for(&provider, item, &field);
                    self.record(item.row, &invalid(column, reason))?;
                    return Ok(Flow::Continue);
                }
                Err(CancelError::PartialNotSupported { provider }) => {
                    let why = format!("{provider} cannot cancel part of a payment");
                    self.record(item.row, &invalid(rows::AMOUNT.into(), why))?;
                    return Ok(Flow::Continue);
                }
                Err(error @ (CancelError::Unreachable { .. } | CancelError::Auth { .. })) => {
                    // Nothing was sent: safe to go back to pending and try again.
                    failures += 1;
                    if failures >= TRANSIENT_TRIES {
                        self.record(item.row, &failed(error.to_string()))?;
                        return Ok(Flow::Continue);
                    }
                    self.journal()?.set_pending(item.row, None)?;
                    tokio::time::sleep(pause(failures)).await;
                    continue;
                }
                Err(error @ CancelError::Provider { .. }) => {
                    self.record(item.row, &failed(error.to_string()))?;
                    return Ok(Flow::Continue);
                }
                Err(error) => {
                    // An error this version does not know: it may have been sent.
                    self.record(
                        item.row,
                        &Resolution {
                            state: State::Unresolved,
                            reason: Some(error.to_string()),
                            ..Resolution::default()
                        },
                    )?;
                    return Ok(Flow::Block);
                }
            };
            let cancel_reference = answered.reference.clone();
            match answered.outcome {
                Outcome::Refunded | Outcome::PartiallyRefunded | Outcome::Voided
                    if answered.review.is_none() =>
                {
                    let resolution = done(&answered, snapshot.reference.clone(), cancel_reference);
                    self.record(item.row, &resolution)?;
                    return Ok(Flow::Continue);
                }
                Outcome::Rejected => {
                    let reason = answered
                        .reason
                        .clone()
                        .unwrap_or_else(|| String::from("the provider refused the cancellation"));
                    let mut resolution = rejected(&snapshot, reason);
                    resolution.cancel_reference = cancel_reference;
                    self.record(item.row, &resolution)?;
                    return Ok(Flow::Continue);
                }
                _ if answered.review.is_some() => {
                    let why = answered.review.clone().unwrap_or_default();
                    let mut resolution = review(&answered, why, snapshot.reference.clone());
                    resolution.cancel_reference = cancel_reference;
                    self.record(item.row, &resolution)?;
                    return Ok(Flow::Continue);
                }
                _ => {}
            }

            // Ambiguous or pending: reconcile.
            tracing::info!(row = item.row, outcome = %answered.outcome, "reconciling");
            let settled = settle::settle(
                &provider,
                &sent,
                requested,
                sent_at,
                self.policy(slug),
                self.limiter(slug),
            )
            .await;
            match settled {
                Settled::Done(now) => {
                    let resolution = done(&now, snapshot.reference.clone(), cancel_reference);
                    self.record(item.row, &resolution)?;
                    return Ok(Flow::Continue);
                }
                Settled::Review(now, why) => {
                    let mut resolution = review(&now, why, snapshot.reference.clone());
                    resolution.cancel_reference = cancel_reference;
                    self.record(item.row, &resolution)?;
                    return Ok(Flow::Continue);
                }
                Settled::Unknown(why) => {
                    self.record(
                        item.row,
                        &Resolution {
                            state: State::Unresolved,
                            reason: Some(why),
                            cancel_reference,
                            ..Resolution::default()
                        },
                    )?;
                    return Ok(Flow::Block);
                }
                Settled::NotApplied(_) => {
                    tracing::info!(row = item.row, sends, "not applied");
                    if sends >= MAX_SENDS_PER_RUN {
                        let reason = format!(
                            "not sent: {sends} cancellations did not take effect; rerun to try again"
                        );
                        self.journal()?.set_pending(item.row, Some(&reason))?;
                        return Ok(Flow::Block);
                    }
                    self.journal()?.set_pending(item.row, None)?;
                }
            }
        }
    }

    /// `--dry-run`: every valid row is checked against a look-up (the first of its payment;
    /// later rows against the earlier ones applied), and nothing is sent.
    async fn dry_run(self: Arc<Self>, file: &BulkFile) -> Result<Vec<Item>, BulkError> {
        let mut items: Vec<Item> = initial_items(file);
        let mut chains: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for (index, item) in items.iter().enumerate() {
            if item.state == State::Pending {
                chains
                    .entry((item.provider.clone(), item.payment.clone()))
                    .or_default()
                    .push(index);
            }
        }
        let mut tasks = JoinSet::new();
        for indexes in chains.into_values() {
            let chain: Vec<(usize, Item)> = indexes
                .into_iter()
                .map(|index| (index, items[index].clone()))
                .collect();
            let engine = Arc::clone(&self);
            tasks.spawn(async move { engine.dry_chain(chain).await });
        }
        while let Some(joined) = tasks.join_next().await {
            let chain = joined.map_err(|error| BulkError::Internal(error.to_string()))?;
            for (index, item) in chain {
                items[index] = item;
            }
        }
        Ok(items)
    }

    async fn dry_chain(&self, chain: Vec<(usize, Item)>) -> Vec<(usize, Item)> {
        let mut out = Vec::with_capacity(chain.len());
        let mut state: Option<Cancellation> = None;
        for (index, mut item) in chain {
            let _slot = self.slots.acquire().await;
            let resolution = self.dry_item(&item, &mut state).await;
            apply(&mut item, resolution);
            self.progress.inc(1);
            out.push((index, item));
        }
        out
    }

    async fn dry_item(&self, item: &Item, state: &mut Option<Cancellation>) -> Resolution {
        let slug = item.provider.as_str();
        let provider = match self.provider(slug) {
            Ok(provider) => provider,
            Err(why) => return pending(Some(format!("not sent: {why}"))),
        };
        let request = match request_of(item) {
            Ok(request) => request,
            Err(why) => return invalid(rows::AMOUNT.into(), why),
        };
        if state.is_none() {
            match self.look_up(&provider, slug, &request).await {
                Ok(before) => *state = Some(before),
                Err(CancelError::InvalidRequest { field, reason }) => {
                    return invalid(column_for(&provider, item, &field), reason);
                }
                Err(error) => return failed(error.to_string()),
            }
        }
        let Some(snapshot) = state.as_mut() else {
            return failed(String::from("no look-up"));
        };
        if let Some(resolution) = without_sending(snapshot, item.amount) {
            return resolution;
        }
        let requested = item.amount.or(snapshot.remaining.map(Cents::get));
        // What the payment would look like after this row, for the next row of it.
        if let Some(requested) = requested.map(Cents::new) {
            let refunded = snapshot.refunded.unwrap_or(Cents::ZERO);
            snapshot.refunded = refunded.checked_add(requested).or(Some(refunded));
            snapshot.remaining = snapshot
                .remaining
                .map(|left| left.checked_sub(requested).unwrap_or(Cents::ZERO));
        }
        snapshot.outcome = if snapshot.remaining == Some(Cents::ZERO) || item.amount.is_none() {
            Outcome::Refunded
        } else {
            Outcome::PartiallyRefunded
        };
        Resolution {
            state: State::Done,
            outcome: Some(String::from("would_refund")),
            requested,
            refunded: snapshot.refunded.map(Cents::get),
            remaining: snapshot.remaining.map(Cents::get),
            reference: snapshot.reference.clone(),
            reason: Some(String::from("dry run: nothing sent")),
            ..Resolution::default()
        }
    }
}

/// Applies a resolution to an in-memory item (dry runs have no journal).
fn apply(item: &mut Item, resolution: Resolution) {
    item.state = resolution.state;
    item.outcome = resolution.outcome;
    item.already_done = resolution.already_done;
    item.requested = resolution.requested.or(item.requested);
    item.refunded = resolution.refunded;
    item.remaining = resolution.remaining;
    item.reference = resolution.reference.or(item.reference.take());
    item.reason = resolution.reason;
    item.review = resolution.review;
    item.field = resolution.field;
}
