//! The bulk journal: what is known about every row of a run, written before each request is
//! sent and after its answer, so a run killed at any point can be resumed without refunding
//! anything twice.
//!
//! The engine talks to a [`Store`]; [`sqlite::SqliteJournal`] is the embedded one (a file
//! beside the CSV). Another store (a database shared by several workers) implements the same
//! trait with the same guarantees: a write returns only once it is durable, and an item is
//! marked `sending` only from `pending`, so no two processes can both send it.
//!
//! The life of an item:
//!
//! ```text
//! pending ──look-up──> done | failed | invalid | review     (nothing sent)
//!    │
//!    └─ intent written ─> sending ─> done | failed (rejected) | review
//!                              │
//!                              ├──> acknowledged  (accepted, effect not visible yet)
//!                              └──> unresolved    (no answer: may or may not have landed)
//!
//! acknowledged ─look-ups─> done | failed (a declared refusal state) | review | acknowledged
//! unresolved   ─look-ups─> done | review | unresolved
//!              ─an operator's --resend-unresolved, recorded─> pending
//!              ─its idempotency key, still kept by the provider, recorded─> pending
//! ```
//!
//! Nothing puts an `acknowledged` item back to `pending`, and only a recorded decision does
//! so for an `unresolved` one: an operator's, or the engine's where the item's idempotency key
//! makes the same request safe to send again. A waiting period proves nothing.

pub mod group;
pub mod postgres;
pub mod sqlite;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub use sqlite::SqliteJournal;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum State {
    /// Not sent yet: safe to send after a look-up.
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
    /// Sent, and nobody knows whether it landed. Never sent again without an operator's
    /// recorded decision.
    Unresolved,
    /// Money moved, but not as asked, or the look-up cannot be trusted: a person must look.
    /// Never sent again.
    Review,
    /// Sent and accepted by the provider, whose look-up does not show it yet. Never sent
    /// again; each run looks again.
    Acknowledged,
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
            State::Acknowledged => "acknowledged",
        }
    }

    /// Whether the item is finished for good: nothing will ever be sent for it again.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            State::Done | State::Invalid | State::Failed | State::Review
        )
    }

    /// Whether a request for the item may have reached the provider and its effect is still
    /// to be seen: each run looks these up before sending anything.
    pub const fn in_doubt(self) -> bool {
        matches!(
            self,
            State::Sending | State::Unresolved | State::Acknowledged
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
            "acknowledged" => State::Acknowledged,
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
    /// Cancellations sent for this item, over every run.
    pub sends: u64,
    /// When the last one was sent (Unix ms).
    pub sent_at_ms: Option<i64>,
    /// Look-ups made to follow a sent cancellation, over every run.
    pub lookups: u64,
    /// The recorded decision to send an unresolved item again.
    pub resend_decision: Option<String>,
    /// Who made that decision.
    pub resent_by: Option<ResentBy>,
    /// The idempotency key the item's cancellation carries, stored before its first send
    /// and reused on every resend; a new attempt after a refusal gets a new one.
    pub idempotency_key: Option<String>,
    /// When that key was first sent (Unix ms): the provider's retention counts from there.
    pub key_sent_at_ms: Option<i64>,
}

/// Who decided to send an unresolved item again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResentBy {
    /// An operator, with `--resend-unresolved --older-than`.
    Operator,
    /// The engine, because the request carries an idempotency key the provider honours and
    /// still keeps: the same request again cannot refund twice.
    Key,
    /// The engine, because the provider's look-up proves the request did not land.
    Proof,
}

impl ResentBy {
    pub const fn as_str(self) -> &'static str {
        match self {
            ResentBy::Operator => "operator",
            ResentBy::Key => "key",
            ResentBy::Proof => "proof",
        }
    }
}

impl FromStr for ResentBy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "operator" => ResentBy::Operator,
            "key" => ResentBy::Key,
            "proof" => ResentBy::Proof,
            other => return Err(format!("unknown resend decision maker `{other}`")),
        })
    }
}

/// What is written before a cancellation is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// Refunded before the request, as the look-up reported it (0 if it reported none).
    pub baseline_refunded: u64,
    /// The look-up's outcome, `Outcome::name()`.
    pub baseline_outcome: &'static str,
    /// Cents asked for: the row's amount, or what the look-up said remains.
    pub requested: Option<u64>,
    /// The provider's id of the payment, from the look-up.
    pub reference: Option<String>,
    /// When it is sent, Unix milliseconds.
    pub sent_at_ms: i64,
    /// The idempotency key it carries, where the provider takes one.
    pub idempotency_key: Option<String>,
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
    /// Replaces the recorded cancellation reference, when known.
    pub cancel_reference: Option<String>,
    pub reason: Option<String>,
    pub review: Option<String>,
    pub field: Option<String>,
    /// Look-ups made while reaching this resolution, added to the item's count.
    pub lookups: u64,
}

/// One write of a run, owned, so that the writes of many rows can wait together for one
/// synced commit ([`Store::apply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// [`Store::mark_sending`].
    Sending { row: u64, intent: Intent },
    /// [`Store::resolve`].
    Resolve { row: u64, resolution: Resolution },
    /// [`Store::set_pending`].
    Pending {
        row: u64,
        reason: Option<String>,
        outcome: Option<String>,
    },
    /// [`Store::decide_resend`].
    Resend {
        row: u64,
        by: ResentBy,
        decision: String,
    },
}

impl Write {
    /// Applies this write alone, through the method it stands for.
    pub fn apply_to(&self, store: &mut (impl Store + ?Sized)) -> Result<(), JournalError> {
        match self {
            Write::Sending { row, intent } => store.mark_sending(*row, intent),
            Write::Resolve { row, resolution } => store.resolve(*row, resolution),
            Write::Pending {
                row,
                reason,
                outcome,
            } => store.set_pending(*row, reason.as_deref(), outcome.as_deref()),
            Write::Resend { row, by, decision } => store.decide_resend(*row, *by, decision),
        }
    }
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
    #[error(
        "journal {location}: row {row}: this worker's lease on its payment has ended or was \
         taken over by another worker; it writes and sends nothing more for it"
    )]
    Fenced { location: String, row: u64 },
    #[error("journal {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

/// A count or an amount as a database integer: cents and line numbers are far below
/// `i64::MAX`.
pub(crate) fn to_sql(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A database integer as a count or an amount; a negative one is none.
pub(crate) fn from_sql(value: Option<i64>) -> Option<u64> {
    value.and_then(|value| u64::try_from(value).ok())
}

/// How many items a page of the journal holds.
pub const PAGE: usize = 1_024;

/// Where an item stands in the order of chains: its payment, then its row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChainKey {
    pub provider: String,
    pub payment: String,
    pub row: u64,
}

impl ChainKey {
    pub fn of(item: &Item) -> ChainKey {
        ChainKey {
            provider: item.provider.clone(),
            payment: item.payment.clone(),
            row: item.row,
        }
    }

    /// Whether `item` is of the same payment.
    pub fn same_payment(&self, item: &Item) -> bool {
        self.provider == item.provider && self.payment == item.payment
    }
}

/// What is left of a run when it starts ([`Store::open_work`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenWork {
    /// Rows not final.
    pub rows: u64,
    /// Look-ups made to follow sent cancellations, over every run.
    pub lookups: u64,
    /// Rows followed with at least one look-up.
    pub followed: u64,
    /// The providers of the rows not final, sorted.
    pub providers: Vec<String>,
}

/// Where a run's journal lives. Every write is durable when it returns.
pub trait Store: Send + fmt::Debug {
    /// Where the journal is, for messages.
    fn location(&self) -> String;

    /// What opening the journal changed, if anything (an older format migrated), for stderr.
    fn migration_note(&self) -> Option<String>;

    /// The file and backend this journal belongs to, once a run has started.
    fn run(&self) -> Result<Option<RunInfo>, JournalError>;

    /// Records the run and every item — valid ones `pending`, invalid ones `invalid` — at
    /// once, as `items` yields them, so that a file of any size is loaded in flat memory: a
    /// crash, or an item that is an error (the file turned out unreadable halfway), leaves
    /// none of them. Unless `allow_duplicates`, a valid row that repeats an earlier valid row
    /// exactly (provider, payment, amount and fields) is recorded invalid, naming the first
    /// ([`crate::rows::duplicate_reason`]).
    fn load(
        &mut self,
        run: &RunInfo,
        items: &mut dyn Iterator<Item = Result<Item, String>>,
        allow_duplicates: bool,
    ) -> Result<(), JournalError>;

    /// [`Store::load`] of items already checked against each other.
    fn start(&mut self, run: &RunInfo, items: &[Item]) -> Result<(), JournalError> {
        self.load(run, &mut items.iter().cloned().map(Ok), true)
    }

    /// The first `limit` invalid items, by row, and how many there are in all.
    fn invalid(&self, limit: usize) -> Result<(Vec<Item>, u64), JournalError> {
        let invalid: Vec<Item> = self
            .items()?
            .into_iter()
            .filter(|item| item.state == State::Invalid)
            .collect();
        let count = invalid.len() as u64;
        Ok((invalid.into_iter().take(limit).collect(), count))
    }

    /// At most `limit` items after row `after`, by row: the journal a page at a time, so
    /// that a run of any size is read in flat memory.
    fn items_after(&self, after: u64, limit: usize) -> Result<Vec<Item>, JournalError>;

    /// Every item, by row.
    fn items(&self) -> Result<Vec<Item>, JournalError> {
        let mut items = Vec::new();
        loop {
            let page = self.items_after(items.last().map_or(0, |item: &Item| item.row), PAGE)?;
            if page.is_empty() {
                return Ok(items);
            }
            items.extend(page);
        }
    }

    /// The items that may have been sent (`sending`, `unresolved`, `acknowledged`), by row.
    fn in_doubt(&self) -> Result<Vec<Item>, JournalError> {
        Ok(self
            .items()?
            .into_iter()
            .filter(|item| item.state.in_doubt())
            .collect())
    }

    /// At most `limit` items not final, by payment (provider, payment) and then by row, from
    /// the first after `after`: the chains of a run, a page at a time.
    fn unfinished_after(
        &self,
        after: Option<&ChainKey>,
        limit: usize,
    ) -> Result<Vec<Item>, JournalError> {
        let mut items: Vec<Item> = self
            .items()?
            .into_iter()
            .filter(|item| !item.state.is_final())
            .filter(|item| after.is_none_or(|after| &ChainKey::of(item) > after))
            .collect();
        items.sort_by_key(ChainKey::of);
        items.truncate(limit);
        Ok(items)
    }

    /// What is left of the run: rows not final, look-ups made so far, and the providers of
    /// the rows not final.
    fn open_work(&self) -> Result<OpenWork, JournalError> {
        let mut work = OpenWork::default();
        for item in self.items()? {
            work.lookups += item.lookups;
            work.followed += u64::from(item.lookups > 0);
            if !item.state.is_final() {
                work.rows += 1;
                if !work.providers.contains(&item.provider) {
                    work.providers.push(item.provider);
                }
            }
        }
        work.providers.sort();
        Ok(work)
    }

    /// Durably records that `row`'s cancellation is about to be sent, with the baseline that
    /// reconciliation compares against. Only a `pending` item can be sent.
    fn mark_sending(&mut self, row: u64, intent: &Intent) -> Result<(), JournalError>;

    /// Records what `row` ended as, or where it stands now.
    fn resolve(&mut self, row: u64, resolution: &Resolution) -> Result<(), JournalError>;

    /// Puts `row` back to `pending` — nothing was sent for it, or it was refused — with an
    /// optional note on why it waits, and the outcome label the report shows meanwhile
    /// (`throttled`, `unavailable`). Refused for an item that may have been sent.
    fn set_pending(
        &mut self,
        row: u64,
        reason: Option<&str>,
        outcome: Option<&str>,
    ) -> Result<(), JournalError>;

    /// Puts every `failed` item back to `pending` (`--retry-failed`): a failed item moved no
    /// money (refused or never sent), and it is looked up again before anything is sent; a
    /// new attempt is a new request. Returns how many.
    fn requeue_failed(&mut self) -> Result<usize, JournalError>;

    /// Records a decision to send an `unresolved` item again (an operator's, or one an
    /// idempotency key or a look-up proves safe) and puts it back to `pending`, keeping its
    /// idempotency key. Refused for any other state.
    fn decide_resend(&mut self, row: u64, by: ResentBy, decision: &str)
    -> Result<(), JournalError>;

    /// Applies `writes` in order and makes them durable together: when it returns, every
    /// write that succeeded is on disk, in one synced commit where the store can (SQLite);
    /// each write's own refusal (a row not pending) is its own result and leaves the others
    /// in. The default applies them one by one, each durable on its own.
    fn apply(&mut self, writes: &[Write]) -> Vec<Result<(), JournalError>> {
        writes.iter().map(|write| write.apply_to(self)).collect()
    }
}

/// What a journal keeps of a row when the run starts: an invalid row's values capped (it
/// holds what could be read of it, which may be anything), a valid row's as they are (they
/// already met the provider's rules).
pub(crate) struct Stored<'a> {
    pub provider: Cow<'a, str>,
    pub payment: Cow<'a, str>,
    /// The provider fields as a JSON object.
    pub fields: String,
    pub reason: Option<Cow<'a, str>>,
    pub field: Option<Cow<'a, str>>,
}

impl<'a> Stored<'a> {
    pub(crate) fn of(item: &'a Item) -> Stored<'a> {
        let invalid = item.state == State::Invalid;
        let fields: BTreeMap<&str, Cow<'_, str>> = item
            .fields
            .iter()
            .take(if invalid { STORED_FIELDS } else { usize::MAX })
            .map(|(name, value)| (name.as_str(), kept(invalid, value)))
            .collect();
        Stored {
            provider: kept(invalid, &item.provider),
            payment: kept(invalid, &item.payment),
            fields: serde_json::to_string(&fields).unwrap_or_else(|_| "{}".into()),
            reason: item
                .reason
                .as_deref()
                .map(|reason| capped(reason, STORED_REASON)),
            field: item.field.as_deref().map(|field| kept(invalid, field)),
        }
    }
}

/// The longest value kept of an invalid row's cell, in characters.
const STORED_VALUE: usize = 256;
/// The most provider fields kept of an invalid row.
const STORED_FIELDS: usize = 16;
/// The longest reason or review note kept, in characters: a provider's words, which an
/// answer of any size could otherwise fill.
pub(crate) const STORED_REASON: usize = 512;

/// What the journal keeps of a cell: an invalid row's capped, a valid row's as it is.
fn kept(invalid: bool, text: &str) -> Cow<'_, str> {
    if invalid {
        capped(text, STORED_VALUE)
    } else {
        text.into()
    }
}

/// `text`, or its first `limit - 1` characters and `…`.
pub(crate) fn capped(text: &str, limit: usize) -> Cow<'_, str> {
    match text.char_indices().nth(limit) {
        None => text.into(),
        Some(_) => {
            let end = text
                .char_indices()
                .nth(limit - 1)
                .map_or(text.len(), |(at, _)| at);
            format!("{}…", &text[..end]).into()
        }
    }
}
