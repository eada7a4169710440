//! `--dry-run`: every valid row is checked against a look-up, and nothing is sent.

use std::collections::BTreeMap;
use std::sync::Arc;

use estorno::{CancelError, Cancellation, Cents, Outcome};
use tokio::task::JoinSet;

use super::engine::Engine;
use super::resolution::{column_for, failed, invalid, request_of, without_sending};
use super::{BulkError, initial_items};
use crate::journal::{Item, Resolution, State};
use crate::rows::{self, BulkFile};

fn pending(reason: Option<String>) -> Resolution {
    Resolution {
        state: State::Pending,
        reason,
        ..Resolution::default()
    }
}

impl Engine {
    /// `--dry-run`: every valid row is checked against a look-up (the first of its payment;
    /// later rows against the earlier ones applied), and nothing is sent.
    pub(super) async fn dry_run(self: Arc<Self>, file: BulkFile) -> Result<Vec<Item>, BulkError> {
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
