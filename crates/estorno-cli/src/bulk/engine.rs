//! The bulk engine: the shared state of a run, and the protocol each item goes through (see
//! the module documentation of [`super`]).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use estorno::spec::{KeyRetention, ProviderSpec, ResendProof};
use estorno::{AnyProvider, Cancel, CancelError, CancelRequest, Cancellation, Cents, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::resolution::{
    done, failed, in_doubt, invalid, invalid_input, outcome_from_name, rejected, request_for,
    request_of, review, sent_request, transient_label, unix_ms, without_sending,
};
use super::{BulkError, Options, join_all};
use crate::backend::{Backend, SetupError};
use crate::follow::{self, Followed, Policy};
use crate::journal::group::GroupCommit;
use crate::journal::{ChainKey, Intent, Item, PAGE, ResentBy, Resolution, State, Store, Write};
use crate::rate::{SharedTokens, TokenBucket};
use crate::rows;

/// Tries of a look-up or a send that failed without anything being processed (network down,
/// a 429, a 5xx on the look-up) before the item waits for the next run.
const TRANSIENT_TRIES: u32 = 3;

/// Longest a `Retry-After` is waited out between two tries of an item.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The provider clients a run uses, built once each.
pub(super) struct Providers<'a> {
    backend: &'a Backend,
    built: Mutex<HashMap<String, Result<Arc<AnyProvider>, SetupError>>>,
}

impl<'a> Providers<'a> {
    pub(super) fn new(backend: &'a Backend) -> Self {
        Providers {
            backend,
            built: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn get(&self, slug: &str) -> Result<Arc<AnyProvider>, SetupError> {
        let mut built = self
            .built
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        built
            .entry(slug.to_owned())
            .or_insert_with(|| self.backend.provider(slug).map(Arc::new))
            .clone()
    }

    /// The row checks that need the provider: it exists and is configured, and the whole
    /// request the row stands for passes the provider's declared rules (its fields, its id,
    /// a partial amount). Answers the column at fault and why.
    pub(super) fn check(&self, row: &rows::Row) -> Result<(), (String, String)> {
        let provider = self
            .get(&row.provider)
            .map_err(|error| (rows::PROVIDER.to_owned(), error.to_string()))?;
        let request = request_for(&row.payment, row.amount, &row.fields)
            .map_err(|reason| (rows::AMOUNT.to_owned(), reason))?;
        provider.check(&request).map_err(|error| {
            invalid_input(&provider, &row.fields, &error)
                .unwrap_or_else(|| (String::from("row"), error.to_string()))
        })
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
    /// This row is in doubt (or could not be sent): later rows of its payment wait.
    Block,
}

/// The shared state of a run.
pub(super) struct Engine {
    journal: Option<GroupCommit>,
    providers: HashMap<String, Result<Arc<AnyProvider>, SetupError>>,
    limits: HashMap<String, Arc<TokenBucket>>,
    pub(super) slots: Semaphore,
    /// `--dry-run`: chains are checked, never sent.
    dry_run: bool,
    /// How many rows are processed at once (`--concurrency`).
    concurrency: usize,
    pub(super) progress: ProgressBar,
    /// Set when the journal cannot be written: nothing more may be sent.
    stopped: AtomicBool,
}

impl Engine {
    pub(super) fn new(
        options: &Options,
        providers: Providers<'_>,
        work: usize,
        journal: Option<Box<dyn Store>>,
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
            journal: journal.map(GroupCommit::new),
            providers: providers.into_map(),
            limits,
            slots: Semaphore::new(options.concurrency.max(1)),
            dry_run: options.dry_run,
            concurrency: options.concurrency.max(1),
            progress,
            stopped: AtomicBool::new(false),
        }
    }

    /// In a shared run: every `--rate` bucket takes its tokens from `source`, shared by every
    /// worker of the run.
    pub(super) fn share_limits(&mut self, source: &Arc<dyn SharedTokens>) {
        for (provider, bucket) in &mut self.limits {
            *bucket = Arc::new(TokenBucket::shared(
                bucket.per_second(),
                Arc::clone(source),
                provider,
            ));
        }
    }

    /// Whether the journal could not be written: nothing more may be sent.
    pub(super) fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// The journal, for reads and for the writes made between the phases of a run.
    pub(super) fn journal(&self) -> Result<std::sync::MutexGuard<'_, Box<dyn Store>>, BulkError> {
        self.journal
            .as_ref()
            .map(GroupCommit::store)
            .ok_or_else(|| BulkError::Internal(String::from("no journal in this run")))
    }

    /// Writes `write` durably, in a group with the other rows' writes of the moment; a
    /// failure stops every further send.
    pub(super) async fn commit(&self, write: Write) -> Result<(), BulkError> {
        let journal = self
            .journal
            .as_ref()
            .ok_or_else(|| BulkError::Internal(String::from("no journal in this run")))?;
        journal.write(write).await.map_err(|error| {
            self.stopped.store(true, Ordering::SeqCst);
            BulkError::Journal(error)
        })
    }

    /// Writes an item's resolution.
    pub(super) async fn record(&self, row: u64, resolution: &Resolution) -> Result<(), BulkError> {
        let resolution = resolution.clone();
        self.commit(Write::Resolve { row, resolution }).await
    }

    /// Puts an item back to `pending` (nothing was processed for it), with why it waits.
    async fn wait_pending(
        &self,
        row: u64,
        reason: Option<&str>,
        label: Option<&str>,
    ) -> Result<(), BulkError> {
        self.commit(Write::Pending {
            row,
            reason: reason.map(str::to_owned),
            outcome: label.map(str::to_owned),
        })
        .await
    }

    pub(super) fn provider(&self, slug: &str) -> Result<Arc<AnyProvider>, String> {
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

    /// A look-up, tried again a few times when it failed without an answer about the
    /// payment (waiting out a 429's `Retry-After`).
    pub(super) async fn look_up(
        &self,
        provider: &AnyProvider,
        slug: &str,
        request: &CancelRequest,
    ) -> Result<Cancellation, CancelError> {
        let mut tries = 0;
        loop {
            self.wait_turn(slug).await;
            match provider.before_sending(request).await {
                Err(error) if error.is_transient() && tries + 1 < TRANSIENT_TRIES => {
                    tries += 1;
                    tokio::time::sleep(pause(tries, &error)).await;
                }
                other => return other,
            }
        }
    }

    /// Phase 1: an item that may have been sent, followed through the status operation.
    pub(super) async fn resolve_in_doubt(&self, item: Item) -> Result<(), BulkError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|error| BulkError::Internal(error.to_string()))?;
        let provider = self.provider(&item.provider);
        let request = sent_request(&item);
        match (provider, request) {
            (Ok(provider), Ok(request)) => {
                let (_, state) = self
                    .follow_up(&provider, &item, item.state, &request, item.requested, None)
                    .await?;
                if state == State::Unresolved
                    && let Some(decision) =
                        keyed_resend(provider.spec(), &item, &request, SystemTime::now())
                {
                    // Still no effect after a run: the same request with the same key, which
                    // the provider still keeps, cannot refund twice. It goes back to pending,
                    // recorded, and this run sends it again (looked up first, like any row).
                    self.commit(Write::Resend {
                        row: item.row,
                        by: ResentBy::Key,
                        decision,
                    })
                    .await?;
                }
            }
            (Err(why), _) | (_, Err(why)) => {
                let mut resolution = in_doubt(item.state, format!("cannot look it up: {why}"));
                resolution.outcome = item.outcome.clone();
                self.record(item.row, &resolution).await?;
            }
        }
        self.progress.inc(1);
        Ok(())
    }

    /// Follows a sent cancellation (in `state`: sending, acknowledged or unresolved) and
    /// writes what the look-ups show. `reference` is the payment's id from the look-up before
    /// sending, when this run made it.
    async fn follow_up(
        &self,
        provider: &AnyProvider,
        item: &Item,
        state: State,
        request: &CancelRequest,
        requested: Option<u64>,
        reference: Option<String>,
    ) -> Result<(Flow, State), BulkError> {
        tracing::info!(row = item.row, state = %state, "following");
        let (followed, lookups) = follow::follow(
            provider,
            request,
            requested,
            Policy::DEFAULT,
            self.limiter(&item.provider),
        )
        .await;
        let (mut resolution, flow) = match followed {
            Followed::Done(now) => (done(&now, reference, None), Flow::Continue),
            Followed::Review(now, why) => (review(&now, why, reference), Flow::Continue),
            Followed::Refused(now, why) => {
                let mut refused = rejected(&now, format!("the provider refused it: {why}"));
                refused.reference = reference.or(refused.reference);
                (refused, Flow::Continue)
            }
            Followed::NotLanded(_) if state == State::Acknowledged => {
                // The provider acknowledged this very request, so a look-up that finds nothing
                // under its key yet cannot mean it never arrived: it is still being applied,
                // and an acknowledged request is never sent again.
                let mut resolution = in_doubt(
                    state,
                    String::from(
                        "acknowledged, and the provider's look-up finds no cancellation under its key yet",
                    ),
                );
                resolution.outcome = Some(String::from("acknowledged"));
                (resolution, Flow::Block)
            }
            Followed::NotLanded(_) => {
                // Only a declared proof gets here: the same request may go again.
                let decision = "the provider's look-up proves the cancellation did not land";
                if state == State::Unresolved {
                    self.commit(Write::Resend {
                        row: item.row,
                        by: ResentBy::Proof,
                        decision: decision.to_owned(),
                    })
                    .await?;
                } else {
                    self.wait_pending(item.row, Some(decision), None).await?;
                }
                return Ok((Flow::Block, State::Pending));
            }
            Followed::InDoubt(_, why) => {
                let mut resolution = in_doubt(state, why);
                resolution.outcome = Some(String::from(match resolution.state {
                    State::Acknowledged => "acknowledged",
                    _ => "ambiguous",
                }));
                (resolution, Flow::Block)
            }
        };
        resolution.lookups = lookups;
        self.record(item.row, &resolution).await?;
        Ok((flow, resolution.state))
    }

    /// Phase 2: every chain of rows (one per payment) that has pending rows, read from the
    /// journal a page at a time by payment: only the chains under way are in memory.
    pub(super) async fn run_chains(self: &Arc<Self>) -> Result<(), BulkError> {
        let mut tasks = JoinSet::new();
        let mut first = None;
        let mut after: Option<ChainKey> = None;
        let mut chain: Vec<Item> = Vec::new();
        loop {
            let page = self.journal()?.unfinished_after(after.as_ref(), PAGE)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(ChainKey::of(last));
            for item in page {
                let same = chain
                    .first()
                    .is_some_and(|first| ChainKey::of(first).same_payment(&item));
                if !same {
                    let whole = std::mem::take(&mut chain);
                    self.dispatch(whole, &mut tasks, &mut first).await;
                }
                chain.push(item);
            }
        }
        self.dispatch(chain, &mut tasks, &mut first).await;
        let rest = join_all(&mut tasks).await;
        first.map_or(rest, Err)
    }

    /// Starts a chain that has a pending row, once fewer than `--concurrency` are under way:
    /// a task per chain of a million-row file, each holding its state while it waits, would
    /// be most of the run's memory.
    async fn dispatch(
        self: &Arc<Self>,
        chain: Vec<Item>,
        tasks: &mut JoinSet<Result<(), BulkError>>,
        first: &mut Option<BulkError>,
    ) {
        if !chain.iter().any(|item| item.state == State::Pending) {
            return;
        }
        while tasks.len() >= self.concurrency {
            if let Some(Err(error)) = next_done(tasks).await {
                first.get_or_insert(error);
            }
        }
        let engine = Arc::clone(self);
        if engine.dry_run {
            tasks.spawn(async move { engine.dry_chain(chain).await });
        } else {
            tasks.spawn(async move { engine.run_chain(chain).await });
        }
    }

    /// The rows of one payment, in row order.
    pub(super) async fn run_chain(&self, chain: Vec<Item>) -> Result<(), BulkError> {
        let mut blocker: Option<(u64, State)> = None;
        for item in chain {
            match item.state {
                state if state.is_final() => continue,
                state if state.in_doubt() => {
                    blocker.get_or_insert((item.row, state));
                    continue;
                }
                _ => {}
            }
            if let Some((row, state)) = blocker {
                let reason = format!(
                    "not sent: row {row} of the same payment is {state}; it must be settled first"
                );
                self.wait_pending(item.row, Some(&reason), None).await?;
                self.progress.inc(1);
                continue;
            }
            if self.stopped.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (flow, state) = {
                let _slot = self
                    .slots
                    .acquire()
                    .await
                    .map_err(|error| BulkError::Internal(error.to_string()))?;
                self.process(&item).await?
            };
            self.progress.inc(1);
            if let Flow::Block = flow {
                blocker = Some((item.row, state));
            }
        }
        Ok(())
    }

    /// One pending item, through the protocol in the module documentation. Returns what the
    /// chain may do next and the state the item was left in.
    async fn process(&self, item: &Item) -> Result<(Flow, State), BulkError> {
        let slug = item.provider.as_str();
        let provider = match self.provider(slug) {
            Ok(provider) => provider,
            Err(why) => {
                self.wait_pending(item.row, Some(&format!("not sent: {why}")), None)
                    .await?;
                return Ok((Flow::Block, State::Pending));
            }
        };
        let request = match request_of(item) {
            Ok(request) => request,
            Err(why) => {
                self.record(item.row, &invalid(rows::AMOUNT.into(), why))
                    .await?;
                return Ok((Flow::Continue, State::Invalid));
            }
        };
        let mut failures = 0;
        let mut key = item.idempotency_key.clone();
        loop {
            // 1. Look up.
            let before = match self.look_up(&provider, slug, &request).await {
                Ok(before) => before,
                Err(error) => return self.not_sent(&provider, item, &error).await,
            };
            if let Some(resolution) = without_sending(&before, item.amount) {
                self.record(item.row, &resolution).await?;
                return Ok((Flow::Continue, resolution.state));
            }
            // The look-up as it was before sending, for the journal and the report.
            let snapshot = before.clone();

            // 2. Intent, durably, before sending.
            if self.stopped.load(Ordering::SeqCst) {
                return Ok((Flow::Block, State::Pending));
            }
            // A row sent before under the key it still holds is that same request sent
            // again: its effect counts from what was refunded before it first left, which the
            // journal kept. (A late landing may show in this look-up already; measured from
            // it, the request would seem to have moved nothing.)
            let first_send = item.idempotency_key.as_ref().and(item.baseline_refunded);
            let baseline = first_send.unwrap_or_else(|| snapshot.refunded.map_or(0, Cents::get));
            let baseline_outcome = item
                .baseline_outcome
                .as_deref()
                .and_then(outcome_from_name)
                .filter(|_| first_send.is_some())
                .unwrap_or(snapshot.outcome);
            let requested = item
                .amount
                .or(snapshot.remaining.map(Cents::get))
                .or_else(|| {
                    let whole = snapshot.amount?.get();
                    Some(whole.saturating_sub(baseline))
                });
            // One key per logical request, stored before the first send and kept for every
            // resend of it, across runs.
            if key.is_none() {
                key = provider.new_idempotency_key();
            }
            let intent = Intent {
                baseline_refunded: baseline,
                baseline_outcome: baseline_outcome.name(),
                requested,
                reference: snapshot.reference.clone(),
                sent_at_ms: unix_ms(SystemTime::now()),
                idempotency_key: key.clone(),
            };
            self.commit(Write::Sending {
                row: item.row,
                intent,
            })
            .await?;

            // 3. Send.
            let mut sent = request
                .clone()
                .with_baseline_refunded(Cents::new(baseline))
                .with_baseline_outcome(baseline_outcome);
            if let Some(key) = &key {
                sent = sent.with_idempotency_key(key);
            }
            self.wait_turn(slug).await;
            let result = provider.cancel_from(&sent, before).await;

            // 4. The outcome.
            let answered = match result {
                Ok(now) => now,
                Err(error) if error.is_transient() => {
                    // A 429, a request that never left, a token endpoint down: nothing was
                    // processed, so the item is safe to send again.
                    failures += 1;
                    if failures >= TRANSIENT_TRIES {
                        return self.not_sent(&provider, item, &error).await;
                    }
                    self.wait_pending(item.row, None, None).await?;
                    tokio::time::sleep(pause(failures, &error)).await;
                    continue;
                }
                Err(
                    error @ (CancelError::InvalidRequest { .. }
                    | CancelError::PartialNotSupported { .. }
                    | CancelError::Auth { .. }
                    | CancelError::Provider { .. }),
                ) => return self.not_sent(&provider, item, &error).await,
                Err(error) => {
                    // An error this version does not know: it may have been sent.
                    self.record(item.row, &in_doubt(State::Unresolved, error.to_string()))
                        .await?;
                    return Ok((Flow::Block, State::Unresolved));
                }
            };
            let cancel_reference = answered.reference.clone();
            let resolution = match answered.outcome {
                _ if answered.review.is_some() => {
                    let why = answered.review.clone().unwrap_or_default();
                    let mut resolution = review(&answered, why, snapshot.reference.clone());
                    resolution.cancel_reference = cancel_reference;
                    resolution
                }
                Outcome::Refunded | Outcome::PartiallyRefunded | Outcome::Voided => {
                    done(&answered, snapshot.reference.clone(), cancel_reference)
                }
                Outcome::Rejected => {
                    let reason = answered
                        .reason
                        .clone()
                        .unwrap_or_else(|| String::from("the provider refused the cancellation"));
                    let mut resolution = rejected(&snapshot, reason);
                    resolution.cancel_reference = cancel_reference;
                    resolution
                }
                outcome => {
                    // Accepted but not visible yet, or no answer at all: in doubt. Written
                    // first, then followed.
                    let state = if matches!(outcome, Outcome::Acknowledged | Outcome::Pending) {
                        State::Acknowledged
                    } else {
                        State::Unresolved
                    };
                    let why = answered
                        .reason
                        .clone()
                        .unwrap_or_else(|| format!("the provider answered {outcome}"));
                    let mut resolution = in_doubt(state, why);
                    resolution.outcome = Some(super::outcome_name(outcome).to_owned());
                    resolution.cancel_reference = cancel_reference;
                    self.record(item.row, &resolution).await?;
                    let (flow, _) = self
                        .follow_up(
                            &provider,
                            item,
                            state,
                            &sent,
                            requested,
                            snapshot.reference.clone(),
                        )
                        .await?;
                    return Ok((flow, state));
                }
            };
            self.record(item.row, &resolution).await?;
            return Ok((Flow::Continue, resolution.state));
        }
    }

    /// An item for which nothing was sent (or nothing processed), by why.
    async fn not_sent(
        &self,
        provider: &AnyProvider,
        item: &Item,
        error: &CancelError,
    ) -> Result<(Flow, State), BulkError> {
        if let Some((column, reason)) = invalid_input(provider, &item.fields, error) {
            self.record(item.row, &invalid(column, reason)).await?;
            return Ok((Flow::Continue, State::Invalid));
        }
        if error.is_transient() {
            // Retried automatically by the next run; later rows of the payment wait for it.
            let reason = format!("not sent, try later: {error}");
            self.wait_pending(item.row, Some(&reason), Some(transient_label(error)))
                .await?;
            return Ok((Flow::Block, State::Pending));
        }
        self.record(item.row, &failed(error.to_string())).await?;
        Ok((Flow::Continue, State::Failed))
    }
}

/// The next task to end, as its result; `None` when there is none.
pub(super) async fn next_done(
    tasks: &mut JoinSet<Result<(), BulkError>>,
) -> Option<Result<(), BulkError>> {
    let joined = tasks.join_next().await?;
    Some(joined.unwrap_or_else(|error| Err(BulkError::Internal(error.to_string()))))
}

/// Why `item`, unresolved after sending `request`, may be sent again without an operator:
/// the provider honours the idempotency key it carries (`ResendProof::Key`) and still keeps
/// it at `now`. `None` when there is no such key, or when the provider has forgotten it.
fn keyed_resend(
    provider: &ProviderSpec,
    item: &Item,
    request: &CancelRequest,
    now: SystemTime,
) -> Option<String> {
    let key = request.idempotency_key()?;
    let ResendProof::Key(kept) = provider.cancel.as_ref()?.resend else {
        return None;
    };
    // The key was first sent when the journal says, or just now by this run.
    let first_sent = item
        .key_sent_at_ms
        .filter(|_| item.idempotency_key.as_deref() == Some(key))
        .map_or(now, super::resolution::from_unix_ms);
    let age = now.duration_since(first_sent).unwrap_or(Duration::ZERO);
    kept.covers(age).then(|| {
        format!(
            "resent with the same idempotency key, which {} keeps {}",
            provider.name,
            kept_text(kept)
        )
    })
}

fn kept_text(kept: KeyRetention) -> String {
    match kept {
        KeyRetention::Permanent => String::from("for good"),
        KeyRetention::Undocumented => String::from("for a time it does not document"),
        KeyRetention::For(duration) => format!("for {}", super::humanize(duration)),
    }
}

/// The wait before try `attempt + 1`: what a 429 asked for (capped), or a doubling pause.
fn pause(attempt: u32, error: &CancelError) -> Duration {
    if let CancelError::Throttled {
        retry_after: Some(wait),
        ..
    } = error
    {
        return (*wait).min(MAX_RETRY_AFTER);
    }
    Duration::from_millis(500).saturating_mul(1 << attempt.min(4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use estorno::spec::{AuthScheme, CancelSpec};

    /// A provider whose cancellations carry a key it keeps `kept`, or proves nothing.
    const fn spec(resend: ResendProof) -> ProviderSpec {
        ProviderSpec {
            name: "Keyed Pay",
            slug: "keyed-pay",
            doc: "",
            production: None,
            sandbox: None,
            auth: AuthScheme::Bearer,
            auths: &[],
            headers: &[],
            client_certificate: false,
            credentials: &["token"],
            hosts: &[],
            endpoints: &[],
            cancel: Some(CancelSpec {
                payment: &[],
                fields: &[],
                partial: false,
                key: None,
                resend,
                reconcile_by_key: false,
                looks_up: true,
                windows: &[],
            }),
        }
    }

    const DAY: Duration = Duration::from_secs(86_400);
    static KEPT_A_DAY: ProviderSpec = spec(ResendProof::Key(KeyRetention::For(DAY)));
    static KEPT_FOR_GOOD: ProviderSpec = spec(ResendProof::Key(KeyRetention::Permanent));
    static UNPROVEN: ProviderSpec = spec(ResendProof::Unproven);

    fn sent_at(ms: i64, key: &str) -> Item {
        Item {
            idempotency_key: Some(key.to_owned()),
            key_sent_at_ms: Some(ms),
            ..Item::default()
        }
    }

    #[test]
    fn an_unresolved_row_is_resent_only_with_its_key_while_the_provider_keeps_it() {
        let first = 1_700_000_000_000;
        let item = sent_at(first, "k-1");
        let request = CancelRequest::total("p-1").with_idempotency_key("k-1");
        let at = |elapsed: Duration| super::super::resolution::from_unix_ms(first) + elapsed;

        assert_eq!(
            keyed_resend(&KEPT_A_DAY, &item, &request, at(Duration::from_secs(3_600))).as_deref(),
            Some("resent with the same idempotency key, which Keyed Pay keeps for 1d")
        );
        // Past the provider's retention the key proves nothing: an operator decides.
        assert_eq!(keyed_resend(&KEPT_A_DAY, &item, &request, at(DAY)), None);
        assert!(keyed_resend(&KEPT_FOR_GOOD, &item, &request, at(DAY * 400)).is_some());
        // No proof declared, or no key sent: never.
        assert_eq!(
            keyed_resend(&UNPROVEN, &item, &request, at(Duration::ZERO)),
            None
        );
        let unkeyed = CancelRequest::total("p-1");
        assert_eq!(
            keyed_resend(&KEPT_A_DAY, &Item::default(), &unkeyed, at(Duration::ZERO)),
            None
        );
    }
}
