//! Group commit: the journal writes of many rows made durable by one synced transaction.
//!
//! Each row still waits for its own write to be on disk (its intent before its request
//! leaves, its outcome before the next row of its payment goes), but rows no longer wait for
//! each other's syncs one at a time. A write joins a queue; whoever finds no commit running
//! takes every write queued so far and applies them in one transaction ([`Store::apply`]) on
//! a blocking thread, and the rows that arrive while that commit syncs form the next group.
//! With N rows in flight, a sync carries up to N writes instead of one.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use super::{JournalError, Store, Write};

/// The most writes one transaction carries: enough for any concurrency, small enough that
/// one slow sync does not hold many rows.
const MAX_GROUP: usize = 1_024;

type Waiter = oneshot::Sender<Result<(), JournalError>>;

/// A journal shared by a run's tasks, whose writes are committed in groups.
pub struct GroupCommit {
    store: Arc<Mutex<Box<dyn Store>>>,
    queue: Mutex<Vec<(Write, Waiter)>>,
    /// Held by the task committing a group; the next group forms while it is held.
    committing: tokio::sync::Mutex<()>,
}

impl GroupCommit {
    pub fn new(store: Box<dyn Store>) -> Self {
        GroupCommit {
            store: Arc::new(Mutex::new(store)),
            queue: Mutex::new(Vec::new()),
            committing: tokio::sync::Mutex::new(()),
        }
    }

    /// The journal itself, for reads and the writes made outside the run's tasks. Every
    /// queued write is committed before it is handed out (none is queued between the
    /// phases of a run, when this is called).
    pub fn store(&self) -> MutexGuard<'_, Box<dyn Store>> {
        self.store
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Writes `write` and returns once it is durable (or refused).
    pub async fn write(&self, write: Write) -> Result<(), JournalError> {
        let (done, result) = oneshot::channel();
        lock(&self.queue).push((write, done));
        self.drive().await;
        match result.await {
            Ok(outcome) => outcome,
            // The committing task was cancelled before it could answer.
            Err(_) => Err(JournalError::Unusable {
                path: std::path::PathBuf::new(),
                reason: String::from("a journal write was abandoned before it was committed"),
            }),
        }
    }

    /// Commits what is queued unless another task is committing it. The committing task
    /// lets go before it looks at the queue a last time, so a write queued while it let go
    /// is committed either by it or by the task that queued it: never left waiting.
    async fn drive(&self) {
        loop {
            let Ok(guard) = self.committing.try_lock() else {
                return;
            };
            self.commit_queued().await;
            drop(guard);
            if lock(&self.queue).is_empty() {
                return;
            }
        }
    }

    /// Commits every queued write, group after group, until the queue is empty.
    async fn commit_queued(&self) {
        loop {
            let group: Vec<(Write, Waiter)> = {
                let mut queue = lock(&self.queue);
                let take = queue.len().min(MAX_GROUP);
                queue.drain(..take).collect()
            };
            if group.is_empty() {
                return;
            }
            let (writes, waiters): (Vec<Write>, Vec<Waiter>) = group.into_iter().unzip();
            let store = Arc::clone(&self.store);
            let applied = tokio::task::spawn_blocking(move || {
                store
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner())
                    .apply(&writes)
            })
            .await;
            match applied {
                Ok(results) => {
                    for (waiter, result) in waiters.into_iter().zip(results) {
                        let _ = waiter.send(result);
                    }
                }
                Err(join) => {
                    for waiter in waiters {
                        let _ = waiter.send(Err(JournalError::Unusable {
                            path: std::path::PathBuf::new(),
                            reason: format!("the journal writer stopped: {join}"),
                        }));
                    }
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::journal::{
        Intent, Item, ResentBy, Resolution, RunInfo, SqliteJournal, State, Write,
    };

    /// The SQLite journal, counting the groups it is handed.
    #[derive(Debug)]
    struct Counting {
        inner: SqliteJournal,
        groups: Arc<AtomicUsize>,
    }

    impl Store for Counting {
        fn location(&self) -> String {
            self.inner.location()
        }
        fn migration_note(&self) -> Option<String> {
            self.inner.migration_note()
        }
        fn run(&self) -> Result<Option<RunInfo>, JournalError> {
            self.inner.run()
        }
        fn load(
            &mut self,
            run: &RunInfo,
            items: &mut dyn Iterator<Item = Result<Item, String>>,
            allow_duplicates: bool,
        ) -> Result<(), JournalError> {
            self.inner.load(run, items, allow_duplicates)
        }
        fn items_after(&self, after: u64, limit: usize) -> Result<Vec<Item>, JournalError> {
            self.inner.items_after(after, limit)
        }
        fn mark_sending(&mut self, row: u64, intent: &Intent) -> Result<(), JournalError> {
            self.inner.mark_sending(row, intent)
        }
        fn resolve(&mut self, row: u64, resolution: &Resolution) -> Result<(), JournalError> {
            self.inner.resolve(row, resolution)
        }
        fn set_pending(
            &mut self,
            row: u64,
            reason: Option<&str>,
            outcome: Option<&str>,
        ) -> Result<(), JournalError> {
            self.inner.set_pending(row, reason, outcome)
        }
        fn requeue_failed(&mut self) -> Result<usize, JournalError> {
            self.inner.requeue_failed()
        }
        fn decide_resend(
            &mut self,
            row: u64,
            by: ResentBy,
            decision: &str,
        ) -> Result<(), JournalError> {
            self.inner.decide_resend(row, by, decision)
        }
        fn apply(&mut self, writes: &[Write]) -> Vec<Result<(), JournalError>> {
            self.groups.fetch_add(1, Ordering::SeqCst);
            self.inner.apply(writes)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_rows_share_commits_and_each_waits_for_its_own() {
        const ROWS: u64 = 200;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let mut inner = SqliteJournal::open(&path).unwrap();
        let items: Vec<Item> = (1..=ROWS)
            .map(|row| Item {
                row,
                provider: "zoop".into(),
                payment: format!("txn-{row}"),
                amount: Some(100),
                fields: BTreeMap::new(),
                state: State::Pending,
                ..Item::default()
            })
            .collect();
        let run = RunInfo {
            csv_sha256: "ab".repeat(32),
            csv_bytes: 42,
            backend: "embedded-sandbox".into(),
        };
        inner.start(&run, &items).unwrap();
        let groups = Arc::new(AtomicUsize::new(0));
        let journal = Arc::new(GroupCommit::new(Box::new(Counting {
            inner,
            groups: Arc::clone(&groups),
        })));

        let mut tasks = tokio::task::JoinSet::new();
        for row in 1..=ROWS {
            let journal = Arc::clone(&journal);
            tasks.spawn(async move {
                let intent = Intent {
                    baseline_refunded: 0,
                    baseline_outcome: "Active",
                    requested: Some(100),
                    reference: None,
                    sent_at_ms: 1_700_000_000_000,
                    idempotency_key: None,
                };
                journal.write(Write::Sending { row, intent }).await.unwrap();
                // Durable when answered: the journal itself shows it.
                let sending = journal
                    .store()
                    .items()
                    .unwrap()
                    .iter()
                    .any(|item| item.row == row && item.state == State::Sending);
                assert!(sending, "row {row}");
                let resolution = Resolution {
                    state: State::Done,
                    ..Resolution::default()
                };
                journal
                    .write(Write::Resolve { row, resolution })
                    .await
                    .unwrap();
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.unwrap();
        }
        // A write refused alone is answered alone.
        let refused = journal
            .write(Write::Pending {
                row: 999,
                reason: None,
                outcome: None,
            })
            .await;
        assert!(
            matches!(&refused, Err(JournalError::Unusable { reason, .. })
                if reason == "row 999 cannot go back to pending"),
            "{refused:?}"
        );

        let states = journal.store().items().unwrap();
        assert!(states.iter().all(|item| item.state == State::Done));
        let commits = groups.load(Ordering::SeqCst);
        assert!(
            commits < 2 * ROWS as usize,
            "{commits} commits for {} writes",
            2 * ROWS
        );
    }
}
