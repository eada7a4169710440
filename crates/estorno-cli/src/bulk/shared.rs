//! A shared run (`--journal postgres://…`): this worker's part of a run that any number of
//! workers share, a payment's chain of rows at a time under a lease (the design is in
//! [`crate::journal::postgres`]).
//!
//! Per chain, the protocol is the one-worker run's: every row that may have been sent is
//! reconciled before anything else (here, before any row of that payment goes), then the
//! chain's rows go in order. What a one-worker run does per run, a shared run does per round.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tokio::task::JoinSet;

use super::engine::{self, Engine, Providers};
use super::{
    BulkError, Options, ReportFormat, check_run, finish, join_all, load, open_rows,
    operator_decision,
};
use crate::backend::Backend;
use crate::journal::postgres::{Claimed, Leases, PgJournal, Target, rates_text};
use crate::journal::{PAGE, ResentBy, RunInfo, Store, Write};
use crate::rate::SharedTokens;

/// `--journal postgres://…` and what goes with it.
#[derive(Debug, Clone)]
pub struct SharedJournal {
    pub url: String,
    /// `--run`: the run's name; by default the file's name.
    pub run: Option<String>,
    /// `--lease`: how long a worker's claim on a payment lasts unless renewed.
    pub lease: Duration,
}

/// The environment variable the database password is read from (libpq's own).
pub const PASSWORD_VAR: &str = "PGPASSWORD";

/// Where `options` says the shared run is; refused with why when it cannot be.
pub(super) fn target(options: &Options, shared: &SharedJournal) -> Result<Target, BulkError> {
    let run = match &shared.run {
        Some(run) => run.clone(),
        None => options
            .file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if shared.lease < Duration::from_secs(1) {
        return Err(BulkError::Refused(String::from(
            "--lease: a lease lasts at least 1s",
        )));
    }
    Target::parse(
        &shared.url,
        std::env::var(PASSWORD_VAR).ok(),
        run,
        shared.lease,
    )
    .map_err(BulkError::Refused)
}

/// This worker's name in the leases it holds: its host and process, unique per start.
fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| String::from("host"));
    let started = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{host}:{}:{started}", std::process::id())
}

/// Runs this worker's part of the shared run at `target`; returns the exit code once the
/// round is over, with the report written from the journal.
pub(super) async fn run(
    options: &Options,
    providers: Providers<'_>,
    backend: &Backend,
    target: Target,
    run_info: RunInfo,
    report_to: Option<&(PathBuf, ReportFormat)>,
) -> Result<u8, BulkError> {
    // Waits here while another worker loads the run.
    let mut journal = PgJournal::open(&target, options.rates.clone())?;
    if let Some(note) = journal.migration_note() {
        eprintln!("estorno: {note}");
    }
    match journal.run()? {
        Some(recorded) => check_run(&recorded, &run_info, &journal, backend)?,
        None if options.resume => {
            return Err(BulkError::Refused(format!(
                "--resume: there is no run `{}` in {}",
                target.run,
                journal.location()
            )));
        }
        None => {
            let reader = open_rows(&options.file)?;
            load(&mut journal, &run_info, reader, &providers, options)?;
        }
    }
    // The run's rates are the ones it was started with: every worker must agree.
    let recorded = journal.recorded_rates()?;
    if !options.rates.is_empty() && rates_text(&options.rates) != rates_text(&recorded) {
        return Err(BulkError::Refused(format!(
            "--rate: the run `{}` was started with `{}`; its workers share those limits, so \
             give the same --rate or none",
            target.run,
            rates_text(&recorded)
        )));
    }
    if options.retry_failed {
        let count = journal.requeue_failed()?;
        if count > 0 {
            eprintln!(
                "estorno: --retry-failed: {count} failed rows go back to pending (each is a new request)"
            );
        }
    }
    let leases = Arc::new(journal.leases(worker_name())?);
    let round = leases.join_round().await?;
    let (open, slugs) = leases.open_work().await?;
    for slug in &slugs {
        let _ = providers.get(slug);
    }
    let mut options = options.clone();
    options.rates = recorded;
    let mut engine = Engine::new(
        &options,
        providers,
        usize::try_from(open).unwrap_or(usize::MAX),
        Some(Box::new(journal)),
    );
    let source: Arc<dyn SharedTokens> = Arc::clone(&leases) as Arc<dyn SharedTokens>;
    engine.share_limits(&source);
    let engine = Arc::new(engine);

    // The leases are renewed three times a lease while this worker lives.
    let heartbeat = tokio::spawn({
        let leases = Arc::clone(&leases);
        let every = target.lease / 3;
        async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(error) = leases.renew().await {
                    tracing::warn!(%error, "could not renew this worker's leases");
                }
            }
        }
    });
    engine.progress.set_message("refunding");
    let decided = Arc::new(AtomicUsize::new(0));
    let worked = work(&engine, &leases, round, &options, target.lease, &decided).await;
    heartbeat.abort();
    engine.progress.finish_and_clear();
    worked?;
    if let Some(older_than) = options.resend_unresolved {
        eprintln!(
            "estorno: --resend-unresolved: this worker resent {} unresolved row(s) older than {}, each looked up first",
            decided.load(Ordering::SeqCst),
            super::humanize(older_than)
        );
    }
    let journal = engine.journal()?;
    finish(
        &options,
        |after| Ok(journal.items_after(after, PAGE)?),
        report_to,
    )
}

/// Claims chains and works through them until the round has none left, neither to claim
/// nor held by a live worker.
async fn work(
    engine: &Arc<Engine>,
    leases: &Arc<Leases>,
    round: i64,
    options: &Options,
    lease: Duration,
    decided: &Arc<AtomicUsize>,
) -> Result<(), BulkError> {
    let mut tasks = JoinSet::new();
    let mut first = None;
    let mut after = 0_i64;
    // How often a worker with nothing to do looks for leases that ran out.
    let poll = Duration::from_millis(200).min(lease / 4);
    while !engine.stopped() && first.is_none() {
        let free = options.concurrency.max(1).saturating_sub(tasks.len());
        let claimed = if free > 0 {
            match leases.claim(free, after, round).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    first = Some(BulkError::Journal(error));
                    break;
                }
            }
        } else {
            Vec::new()
        };
        if !claimed.is_empty() {
            for claim in claimed {
                after = after.max(claim.chain);
                let (engine, leases, decided) =
                    (Arc::clone(engine), Arc::clone(leases), Arc::clone(decided));
                let resend = options.resend_unresolved;
                tasks.spawn(async move {
                    chain(&engine, &leases, claim, round, resend, &decided).await
                });
            }
            continue;
        }
        if tasks.is_empty() {
            match leases.round_state(round).await {
                Ok(left) if left.claimable == 0 && left.held == 0 => break,
                Ok(_) => tokio::time::sleep(poll).await,
                Err(error) => first = Some(BulkError::Journal(error)),
            }
            continue;
        }
        tokio::select! {
            done = engine::next_done(&mut tasks) => {
                if let Some(Err(error)) = done {
                    first.get_or_insert(error);
                }
            }
            () = tokio::time::sleep(poll) => {}
        }
    }
    // Whatever stopped the loop, the chains under way finish their writes.
    let rest = join_all(&mut tasks).await;
    first.map_or(rest, Err)
}

/// One claimed chain: its rows in doubt reconciled, an operator's decisions recorded, its
/// pending rows in order; then the lease is let go.
async fn chain(
    engine: &Engine,
    leases: &Leases,
    claim: Claimed,
    round: i64,
    resend_unresolved: Option<Duration>,
    decided: &AtomicUsize,
) -> Result<(), BulkError> {
    let mut items = claim.items;
    let in_doubt: Vec<_> = items
        .iter()
        .filter(|item| item.state.in_doubt())
        .cloned()
        .collect();
    let mut changed = !in_doubt.is_empty();
    for item in in_doubt {
        engine.resolve_in_doubt(item).await?;
    }
    if changed {
        items = leases.chain_items(claim.chain).await?;
    }
    if let Some(older_than) = resend_unresolved {
        changed = false;
        let now = SystemTime::now();
        for item in &items {
            if let Some(decision) = operator_decision(item, older_than, now) {
                engine
                    .commit(Write::Resend {
                        row: item.row,
                        by: ResentBy::Operator,
                        decision,
                    })
                    .await?;
                decided.fetch_add(1, Ordering::SeqCst);
                changed = true;
            }
        }
        if changed {
            items = leases.chain_items(claim.chain).await?;
        }
    }
    engine.run_chain(items).await?;
    if !engine.stopped() {
        leases.release(claim.chain, claim.token, round).await?;
    }
    Ok(())
}
