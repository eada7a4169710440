//! What `estorno cancel` remembers between runs: a cancellation it sent whose effect is not
//! known yet, so that the same command run again looks it up instead of sending it twice.
//!
//! Each payment (per backend) has its own small journal, the bulk journal's format with one
//! item, under the state directory: `ESTORNO_STATE_DIR`, else `$XDG_STATE_HOME/estorno`, else
//! `~/.local/state/estorno`. It is written before the cancellation is sent, kept while the
//! cancellation is in doubt (acknowledged or unresolved), and removed once it is settled. Its
//! lock also keeps two `estorno cancel` of the same payment from running at once. Nothing is
//! remembered for the embedded sandbox, which lives only as long as the process.

use std::path::PathBuf;

use crate::backend::Plan;
use crate::files;
use crate::journal::{
    Intent, Item, JournalError, Resolution, RunInfo, SqliteJournal, State, Store,
};
use crate::rows;

/// The variable that names the state directory.
pub const STATE_DIR_VAR: &str = "ESTORNO_STATE_DIR";

/// Where the journals of single cancellations live, if anywhere.
pub fn state_dir() -> Option<PathBuf> {
    let from = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    from(STATE_DIR_VAR)
        .map(PathBuf::from)
        .or_else(|| from("XDG_STATE_HOME").map(|dir| PathBuf::from(dir).join("estorno")))
        .or_else(|| from("HOME").map(|home| PathBuf::from(home).join(".local/state/estorno")))
}

/// One payment's memory. Its journal is opened when it exists and created only when a
/// cancellation is about to be sent, so looking a payment up leaves no file behind.
#[derive(Debug)]
pub struct Memory {
    journal: Option<SqliteJournal>,
    path: PathBuf,
    backend: String,
}

/// The journal's only item.
const ROW: u64 = 1;

impl Memory {
    /// Opens (and locks) the memory of `payment` at `provider` on this backend; `None` for the
    /// embedded sandbox.
    pub fn open(plan: &Plan, provider: &str, payment: &str) -> Result<Option<Memory>, String> {
        if matches!(plan, Plan::Embedded { .. }) {
            return Ok(None);
        }
        let Some(dir) = state_dir() else {
            return Err(format!(
                "no state directory for remembering cancellations in doubt: set {STATE_DIR_VAR} \
                 (or HOME)"
            ));
        };
        let dir = dir.join("cancellations");
        std::fs::create_dir_all(&dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        let backend = plan.journal_key();
        let name = rows::fingerprint(format!("{backend}\n{provider}\n{payment}").as_bytes());
        let path = dir.join(format!("{}.sqlite", &name[..32]));
        let journal = if path.exists() {
            Some(SqliteJournal::open(&path).map_err(|error| error.to_string())?)
        } else {
            None
        };
        Ok(Some(Memory {
            journal,
            path,
            backend,
        }))
    }

    /// The cancellation sent earlier that is still in doubt, if any.
    pub fn in_doubt(&self) -> Result<Option<Item>, JournalError> {
        let Some(journal) = &self.journal else {
            return Ok(None);
        };
        Ok(journal
            .items()?
            .into_iter()
            .find(|item| item.row == ROW && item.state.in_doubt()))
    }

    /// Durably records, before sending, that `item`'s cancellation goes out with `intent`.
    pub fn record_intent(&mut self, item: &Item, intent: &Intent) -> Result<(), JournalError> {
        let journal = match &mut self.journal {
            Some(journal) => journal,
            slot => slot.insert(SqliteJournal::open(&self.path)?),
        };
        if journal.run()?.is_some() {
            // A settled cancellation of this payment from before: start afresh.
            journal.clear()?;
        }
        let run = RunInfo {
            csv_sha256: String::new(),
            csv_bytes: 0,
            backend: self.backend.clone(),
        };
        let item = Item {
            row: ROW,
            state: State::Pending,
            ..item.clone()
        };
        journal.start(&run, &[item])?;
        journal.mark_sending(ROW, intent)
    }

    /// Records where the cancellation stands.
    pub fn resolve(&mut self, resolution: &Resolution) -> Result<(), JournalError> {
        match &mut self.journal {
            Some(journal) => journal.resolve(ROW, resolution),
            None => Ok(()),
        }
    }

    /// Forgets a settled cancellation: its journal is removed.
    pub fn forget(self) {
        let Memory { journal, path, .. } = self;
        if journal.is_none() {
            return;
        }
        drop(journal);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(files::sibling(&path, suffix));
        }
    }
}
