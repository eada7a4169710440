//! One PostgreSQL connection on a thread of its own, so that the journal can be used from
//! the run's async tasks: the synchronous client runs its own small runtime, which cannot be
//! started (or dropped) inside another one.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread::JoinHandle;

use postgres::{Client, Config, NoTls, Statement};

/// The connection and the statements prepared on it, owned by its thread.
pub(super) struct Session {
    pub client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Session {
    /// `sql`, prepared once per connection: the journal's statements are the same for every
    /// row, so each is parsed and planned by the server once.
    pub fn statement(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// A connection's thread, and the queue of work handed to it.
pub(super) struct Connection {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// Why a connection could not be used: its thread is gone (it can only panic).
pub(super) const STOPPED: &str = "the connection's thread stopped";

impl Connection {
    /// Connects on a new thread; returns once the connection is up, or why it is not.
    pub fn open(config: Config) -> Result<Connection, String> {
        let (ready, up) = mpsc::channel();
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name(String::from("estorno-journal"))
            .spawn(move || {
                let client = match config.connect(NoTls) {
                    Ok(client) => client,
                    Err(error) => {
                        let _ = ready.send(Err(describe(&error)));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                let mut session = Session {
                    client,
                    prepared: HashMap::new(),
                };
                // Ends when the handle is dropped; the client is dropped here, off any runtime.
                for job in queue {
                    job(&mut session);
                }
            })
            .map_err(|error| error.to_string())?;
        match up.recv() {
            Ok(Ok(())) => Ok(Connection {
                jobs: Some(jobs),
                thread: Some(thread),
            }),
            Ok(Err(reason)) => Err(reason),
            Err(_) => Err(STOPPED.to_owned()),
        }
    }

    fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Session) -> T + Send + 'static,
        answer: impl FnOnce(T) + Send + 'static,
    ) -> bool {
        let Some(jobs) = &self.jobs else {
            return false;
        };
        jobs.send(Box::new(move |session| answer(work(session))))
            .is_ok()
    }

    /// Starts `work` on the connection; its answer comes on the returned channel.
    pub fn spawn<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> Result<mpsc::Receiver<T>, String> {
        let (answer, answered) = mpsc::sync_channel(1);
        if !self.submit(work, move |result| {
            let _ = answer.send(result);
        }) {
            return Err(STOPPED.to_owned());
        }
        Ok(answered)
    }

    /// Runs `work` on the connection and waits for it, blocking this thread.
    pub fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> Result<T, String> {
        self.spawn(work)?.recv().map_err(|_| STOPPED.to_owned())
    }

    /// Runs `work` on the connection; the returned future waits for it without blocking.
    pub async fn call_async<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Session) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        if !self.submit(work, move |result| {
            let _ = answer.send(result);
        }) {
            return Err(STOPPED.to_owned());
        }
        answered.await.map_err(|_| STOPPED.to_owned())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A PostgreSQL error as one line: the server's message where it sent one.
pub(super) fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        }
    }
}
