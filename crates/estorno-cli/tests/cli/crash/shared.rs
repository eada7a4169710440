//! Shared runs on PostgreSQL: four workers on one run, workers killed with SIGKILL at random
//! and others started in their place; their leases run out and the other workers reconcile
//! their rows before anything is resent. The sandbox ledger then shows every row refunded
//! exactly once, nothing lost, and the report is the one an uninterrupted one-worker run
//! gives.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use super::common::{self, text};
use super::postgres;
use super::{
    Journal, assert_same_report, audit, bulk, csv, joined, plan, run_to_completion, sandbox_for,
    uninterrupted,
};

/// How many workers share the run at any time.
const WORKERS: usize = 4;

fn spawn_worker(url: &str, file: &Path, report: &Path, journal: &Journal) -> Child {
    bulk(url, file, report, journal).spawn().unwrap()
}

fn shared_run(target_rows: usize, kills: usize, seed: u64) {
    let Some(server) = postgres::server() else {
        return;
    };
    let planned = plan(target_rows, seed);
    let rows = csv(&planned);
    // The uninterrupted one-worker run goes on beside the shared one.
    std::thread::scope(|scope| {
        let reference = scope.spawn(|| uninterrupted(&planned, &rows));

        let dir = tempfile::tempdir().unwrap();
        let file = common::write(dir.path(), "refunds.csv", &rows);
        let report = dir.path().join("report.csv");
        let journal = Journal::Shared {
            url: server.url.clone(),
            password: server.password.clone(),
        };
        let hosted = sandbox_for(&planned);
        let url = hosted.url();
        // Four workers started at once: one loads the file, the others wait for it and join.
        let mut workers: Vec<Child> = (0..WORKERS)
            .map(|_| spawn_worker(&url, &file, &report, &journal))
            .collect();
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5ba2ed);
        let mut killed = 0;
        let mut outputs = Vec::new();
        let started = Instant::now();
        while killed < kills && started.elapsed() < Duration::from_secs(120) {
            // A point in the sandbox's work, so that kills land while rows are in flight.
            let target = hosted.all_requests() + rng.u64(5..40);
            while hosted.all_requests() < target && started.elapsed() < Duration::from_secs(120) {
                if workers
                    .iter_mut()
                    .all(|worker| worker.try_wait().unwrap().is_some())
                {
                    break;
                }
                std::thread::sleep(Duration::from_micros(500));
            }
            let running: Vec<usize> = (0..workers.len())
                .filter(|index| workers[*index].try_wait().unwrap().is_none())
                .collect();
            if running.is_empty() {
                break;
            }
            let victim = running[rng.usize(0..running.len())];
            // SIGKILL: no destructor, no flush, its leases left to run out.
            workers[victim].kill().unwrap();
            workers[victim].wait().unwrap();
            killed += 1;
            // Another worker takes its place, as an operator's supervisor would start one.
            workers[victim] = spawn_worker(&url, &file, &report, &journal);
        }
        for worker in workers {
            outputs.push(worker.wait_with_output().unwrap());
        }
        for output in &outputs {
            assert!(
                output.status.code().is_some_and(|code| code <= 3),
                "a worker failed: {}",
                text(&output.stderr)
            );
        }
        assert!(
            killed >= kills.min(2),
            "only {killed} workers were killed: {:?}",
            outputs
                .iter()
                .map(|output| (output.status, text(&output.stderr)))
                .collect::<Vec<_>>()
        );
        // Then as for one worker: rerun while rows are in doubt, an operator resends what stays
        // unresolved; every run a worker of the same shared run.
        let (status, resent) =
            run_to_completion(&hosted, &planned, &file, &report, &journal, "shared run");
        audit(
            &hosted,
            &planned,
            &format!("shared run, {killed} workers killed"),
        );
        assert_same_report(&joined(reference), status, &report);
        eprintln!(
            "{} rows, {WORKERS} workers, {killed} killed, {resent} rows resent by the operator",
            rows.lines().count() - 1
        );
    });
}

// 120 rows and 6 workers killed in all, as two plans of their own that run side by side.
#[test]
fn four_workers_share_a_run_and_refund_every_row_once() {
    shared_run(60, 3, 20_261_202);
}

#[test]
fn four_workers_share_another_run_and_refund_every_row_once() {
    shared_run(60, 3, 20_251_123);
}

#[test]
#[ignore = "the full version: 1 000 rows, 20 workers killed; run with --ignored"]
fn four_workers_share_a_large_run_and_refund_every_row_once() {
    shared_run(1_000, 20, 7_700_202);
}

mod journal {
    //! The shared journal's guarantees, one at a time, on the library's own types.

    use std::time::Duration;

    use estorno_cli::journal::postgres::{PgJournal, Target};
    use estorno_cli::journal::{Intent, Item, JournalError, Resolution, RunInfo, State, Store};
    use estorno_cli::rate::RateSpec;

    use super::postgres;

    fn run_info() -> RunInfo {
        RunInfo {
            csv_sha256: String::from("ab12"),
            csv_bytes: 42,
            backend: String::from("sandbox"),
        }
    }

    /// Rows 2 and 3 refund payment `pay-1` (one chain), row 4 `pay-2`, row 5 is invalid.
    fn items() -> Vec<Item> {
        let row = |row: u64, payment: &str, state: State| Item {
            row,
            provider: String::from("zoop"),
            payment: payment.to_owned(),
            amount: Some(100),
            state,
            ..Item::default()
        };
        vec![
            row(2, "pay-1", State::Pending),
            row(3, "pay-1", State::Pending),
            row(4, "pay-2", State::Pending),
            Item {
                reason: Some(String::from("bad amount")),
                field: Some(String::from("amount")),
                ..row(5, "pay-3", State::Invalid)
            },
        ]
    }

    fn intent() -> Intent {
        Intent {
            baseline_refunded: 0,
            baseline_outcome: "paid",
            requested: Some(100),
            reference: None,
            sent_at_ms: 1_700_000_000_000,
            idempotency_key: None,
        }
    }

    fn target(server: &postgres::Server, lease: Duration) -> Target {
        Target::parse(
            &server.url,
            Some(server.password.clone()),
            String::from("refunds.csv"),
            lease,
        )
        .unwrap()
    }

    /// A loaded run and a second worker joined to it.
    fn two_workers(server: &postgres::Server, lease: Duration) -> (PgJournal, PgJournal) {
        let target = target(server, lease);
        let mut first = PgJournal::open(&target, vec![]).unwrap();
        assert_eq!(first.run().unwrap(), None);
        first.start(&run_info(), &items()).unwrap();
        let second = PgJournal::open(&target, vec![]).unwrap();
        assert_eq!(second.run().unwrap(), Some(run_info()));
        (first, second)
    }

    fn fenced_row(result: Result<(), JournalError>) -> u64 {
        match result {
            Err(JournalError::Fenced { row, .. }) => row,
            other => panic!("expected a fenced write, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn workers_claim_different_payments_and_write_only_their_own() {
        let Some(server) = postgres::server() else {
            return;
        };
        let (mut first, mut second) = two_workers(&server, Duration::from_secs(30));
        let (a, b) = (
            first.leases(String::from("a")).unwrap(),
            second.leases(String::from("b")).unwrap(),
        );
        let round = a.join_round().await.unwrap();
        assert_eq!(b.join_round().await.unwrap(), round);
        let claimed_a = a.claim(1, 0, round).await.unwrap();
        let claimed_b = b.claim(8, 0, round).await.unwrap();
        // Chains by their first row: payment 1's rows 2 and 3 together; the invalid row in none.
        assert_eq!(
            claimed_a
                .iter()
                .map(|claim| (
                    claim.chain,
                    claim.items.iter().map(|item| item.row).collect()
                ))
                .collect::<Vec<(i64, Vec<u64>)>>(),
            vec![(2, vec![2, 3])]
        );
        assert_eq!(
            claimed_b
                .iter()
                .map(|claim| claim.chain)
                .collect::<Vec<_>>(),
            vec![4]
        );
        assert!(claimed_b[0].token > claimed_a[0].token);
        // Each writes its own rows; neither can write the other's.
        first.mark_sending(2, &intent()).unwrap();
        assert_eq!(fenced_row(second.mark_sending(3, &intent())), 3);
        assert_eq!(fenced_row(first.resolve(4, &Resolution::default())), 4);
        second.mark_sending(4, &intent()).unwrap();
        // Nothing is left to claim while both hold their leases.
        assert!(a.claim(8, 0, round).await.unwrap().is_empty());
        let left = a.round_state(round).await.unwrap();
        assert_eq!((left.claimable, left.held), (0, 2));
    }

    #[tokio::test]
    async fn a_lease_that_ran_out_sends_nothing_and_a_taken_over_one_writes_nothing() {
        let Some(server) = postgres::server() else {
            return;
        };
        let (mut first, second) = two_workers(&server, Duration::from_secs(1));
        let (a, b) = (
            first.leases(String::from("a")).unwrap(),
            second.leases(String::from("b")).unwrap(),
        );
        let round = a.join_round().await.unwrap();
        let claimed = a.claim(8, 0, round).await.unwrap();
        assert_eq!(claimed.len(), 2);
        first.mark_sending(2, &intent()).unwrap();
        // The worker stalls past its lease without renewing it: it may not send any more.
        tokio::time::sleep(Duration::from_millis(1_300)).await;
        assert_eq!(fenced_row(first.mark_sending(4, &intent())), 4);
        // Another worker takes the chains over and finds row 2 in doubt, to reconcile first.
        let taken = b.claim(8, 0, round).await.unwrap();
        assert_eq!(taken.len(), 2);
        let row_2 = taken[0].items.iter().find(|item| item.row == 2).unwrap();
        assert_eq!(row_2.state, State::Sending);
        assert_eq!(row_2.sends, 1);
        // The first worker, alive again, cannot write the outcome it got: the token moved on.
        let resolution = Resolution {
            state: State::Done,
            ..Resolution::default()
        };
        assert_eq!(fenced_row(first.resolve(2, &resolution)), 2);
        // Its renewal no longer covers those chains either.
        assert_eq!(a.renew().await.unwrap(), 0);
        let held = b.round_state(round).await.unwrap();
        assert_eq!((held.claimable, held.held), (0, 2));
    }

    #[tokio::test]
    async fn a_joining_worker_needs_the_same_file_and_shares_the_rate() {
        let Some(server) = postgres::server() else {
            return;
        };
        let target = target(&server, Duration::from_secs(30));
        let rate = RateSpec {
            provider: String::from("zoop"),
            per_second: 2.0,
        };
        let mut first = PgJournal::open(&target, vec![rate.clone()]).unwrap();
        first.start(&run_info(), &items()).unwrap();
        let second = PgJournal::open(&target, vec![]).unwrap();
        assert_eq!(second.recorded_rates().unwrap(), vec![rate]);
        // A second load of the same run is refused: the first worker loaded it.
        let mut again = PgJournal::open(&target, vec![]).unwrap();
        assert!(matches!(
            again.start(&run_info(), &items()),
            Err(JournalError::Unusable { reason, .. }) if reason == "the run is already loaded"
        ));
        // Both workers take from one bucket of 2 a second: 2 now between them, then a wait.
        let (a, b) = (
            first.leases(String::from("a")).unwrap(),
            second.leases(String::from("b")).unwrap(),
        );
        assert_eq!(a.take_tokens(String::from("zoop"), 1).await.unwrap(), Ok(1));
        assert_eq!(b.take_tokens(String::from("zoop"), 5).await.unwrap(), Ok(1));
        let wait = a
            .take_tokens(String::from("zoop"), 1)
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
    }

    #[tokio::test]
    async fn a_load_refuses_duplicates_and_one_that_fails_halfway_leaves_no_run() {
        let Some(server) = postgres::server() else {
            return;
        };
        let target = target(&server, Duration::from_secs(30));
        let mut first = PgJournal::open(&target, vec![]).unwrap();
        let mut unreadable = items()
            .into_iter()
            .map(Ok)
            .chain([Err(String::from("line 6: the file cannot be read as CSV"))]);
        assert!(matches!(
            first.load(&run_info(), &mut unreadable, false),
            Err(JournalError::Unusable { reason, .. }) if reason == "line 6: the file cannot be read as CSV"
        ));
        drop(first);
        // The next worker finds no run, and loads it; row 3 repeating row 2 is refused.
        let mut second = PgJournal::open(&target, vec![]).unwrap();
        assert_eq!(second.run().unwrap(), None);
        let mut repeated = items();
        repeated[1].amount = repeated[0].amount;
        second
            .load(&run_info(), &mut repeated.into_iter().map(Ok), false)
            .unwrap();
        let states: Vec<(u64, State, Option<String>)> = second
            .items()
            .unwrap()
            .into_iter()
            .map(|item| (item.row, item.state, item.reason))
            .collect();
        assert_eq!(
            states,
            [
                (2, State::Pending, None),
                (
                    3,
                    State::Invalid,
                    Some(estorno_cli::rows::duplicate_reason(2))
                ),
                (4, State::Pending, None),
                (5, State::Invalid, Some(String::from("bad amount"))),
            ]
        );
        // Its chains: payment 1 is row 2 alone now, payment 2 is row 4.
        let leases = second.leases(String::from("a")).unwrap();
        let round = leases.join_round().await.unwrap();
        let claimed = leases.claim(8, 0, round).await.unwrap();
        assert_eq!(
            claimed
                .iter()
                .map(|claim| (claim.chain, claim.items.len()))
                .collect::<Vec<_>>(),
            [(2, 1), (4, 1)]
        );
    }

    #[test]
    fn a_password_in_the_url_is_refused_without_echoing_it() {
        let error = Target::parse(
            "postgres://estorno:hunter2@db.example/estorno",
            None,
            String::from("run"),
            Duration::from_secs(30),
        )
        .unwrap_err();
        assert_eq!(
            error,
            "--journal: the URL holds a password, which would show in `ps`, shell history and \
             logs; remove it and give it in PGPASSWORD"
        );
        let error = Target::parse(
            "postgres://estorno@db.example",
            None,
            String::from("run"),
            Duration::from_secs(30),
        )
        .unwrap_err();
        assert_eq!(
            error,
            "--journal: name the database, postgres://USER@HOST:PORT/DATABASE"
        );
    }
}

#[test]
fn the_command_refuses_a_password_on_its_line_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(
        dir.path(),
        "refunds.csv",
        "provider,payment,amount\nzoop,t-1,100\n",
    );
    let output = common::estorno()
        .args([
            "bulk",
            "--journal",
            "postgres://estorno:hunter2@127.0.0.1:1/estorno",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the URL holds a password") && !stderr.contains("hunter2"),
        "{stderr}"
    );
    // `--run` without a shared journal names nothing.
    let output = common::estorno()
        .args(["bulk", "--run", "monday"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr)
            .ends_with("estorno: --run names a shared run: give --journal postgres://…\n"),
        "{}",
        text(&output.stderr)
    );
    assert!(!dir.path().join("refunds.csv.journal.sqlite").exists());
}
