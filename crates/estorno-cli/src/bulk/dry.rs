//! `--dry-run`: every valid row is checked against a look-up, and nothing is sent.
//!
//! The rows go through a scratch journal of their own, in a private temporary directory that
//! is removed when the run ends, so a dry run reads the file as a stream and holds only the
//! payments under way, as a real run does. The run's own journal is never touched.

use std::path::PathBuf;
use std::sync::Arc;

use estorno::{CancelError, Cancellation, Cents, Outcome};

use super::engine::{Engine, Providers};
use super::resolution::{column_for, failed, invalid, request_of, without_sending};
use super::{BulkError, Options, ReportFormat, finish, load, open_rows};
use crate::backend::Backend;
use crate::journal::{Item, PAGE, Resolution, RunInfo, SqliteJournal, State, Store};
use crate::rows;

fn pending(reason: Option<String>) -> Resolution {
    Resolution {
        state: State::Pending,
        reason,
        ..Resolution::default()
    }
}

/// Runs `--dry-run` and writes its report; returns the exit code.
pub(super) async fn run(
    options: &Options,
    providers: Providers<'_>,
    backend: &Backend,
    report_to: Option<&(PathBuf, ReportFormat)>,
) -> Result<u8, BulkError> {
    // Private to the user (0700) and removed, with the journal, when it is dropped.
    let scratch = tempfile::Builder::new()
        .prefix("estorno-dry-run-")
        .tempdir()
        .map_err(|source| BulkError::Read {
            path: std::env::temp_dir(),
            source,
        })?;
    let mut journal = SqliteJournal::scratch(&scratch.path().join("dry-run.sqlite"))?;
    // Only this process reads the scratch journal: the file needs no fingerprint.
    let run = RunInfo {
        csv_sha256: String::new(),
        csv_bytes: 0,
        backend: backend.plan().journal_key(),
    };
    load(
        &mut journal,
        &run,
        open_rows(&options.file)?,
        &providers,
        options,
    )?;
    let work = journal.open_work()?;
    let rows = usize::try_from(work.rows).unwrap_or(usize::MAX);
    let engine = Arc::new(Engine::new(
        options,
        providers,
        rows,
        Some(Box::new(journal)),
    ));
    engine.progress.set_message("checking");
    engine.run_chains().await?;
    engine.progress.finish_and_clear();
    let journal = engine.journal()?;
    finish(
        options,
        |after| Ok(journal.items_after(after, PAGE)?),
        report_to,
    )
}

impl Engine {
    /// One payment's rows, in order: the first checked against its look-up, the later ones
    /// against the earlier ones applied. What each would do is journaled; nothing is sent.
    pub(super) async fn dry_chain(&self, chain: Vec<Item>) -> Result<(), BulkError> {
        let mut state: Option<Cancellation> = None;
        for item in chain {
            if item.state != State::Pending {
                continue;
            }
            let resolution = {
                let _slot = self
                    .slots
                    .acquire()
                    .await
                    .map_err(|error| BulkError::Internal(error.to_string()))?;
                self.dry_item(&item, &mut state).await
            };
            self.record(item.row, &resolution).await?;
            self.progress.inc(1);
        }
        Ok(())
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
                    return invalid(column_for(&provider, &item.fields, &field), reason);
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
