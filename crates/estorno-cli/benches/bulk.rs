//! The bulk bench: `estorno bulk` (release build) on generated files of 10k and 100k rows
//! (`ESTORNO_BENCH_ROWS=10000,100000,1000000` for others), journal on disk, against
//! `estorno sandbox serve --synthetic` in its own process. For each size it prints rows per
//! second and the bulk process's peak RSS for a first run, and for a rerun of the finished
//! journal, plus the sandbox's memory per payment it holds.
//!
//! `cargo bench -p estorno-cli --bench bulk`. Linux only: peak RSS comes from `wait4`, the
//! sandbox's resident memory from `/proc`.

use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Row `n`'s payment id at one provider: one the synthetic sandbox makes a payment of.
type PaymentId = fn(usize) -> String;

/// The providers the rows rotate over.
const PROVIDERS: [(&str, PaymentId); 4] = [
    ("pagbank", |n| format!("CHAR_BENCH_{n:08}")),
    ("pagarme", |n| format!("ch_bench_{n:08}")),
    ("rede", |n| format!("3{n:019}")),
    ("mercado-pago", |n| format!("9{n:011}")),
];

const ESTORNO: &str = env!("CARGO_BIN_EXE_estorno");

fn main() {
    let sizes: Vec<usize> = std::env::var("ESTORNO_BENCH_ROWS")
        .unwrap_or_else(|_| String::from("10000,100000"))
        .split(',')
        .map(|size| {
            size.trim()
                .parse()
                .expect("ESTORNO_BENCH_ROWS: numbers, comma-separated")
        })
        .collect();
    let concurrency = std::env::var("ESTORNO_BENCH_CONCURRENCY").unwrap_or_else(|_| "8".into());
    println!(
        "| rows | run | seconds | rows/s | peak RSS of `estorno bulk` | sandbox RSS per payment |"
    );
    println!("|---|---|---|---|---|---|");
    for rows in sizes {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("refunds.csv");
        write_file(&file, rows);
        let (mut sandbox, url) = start_sandbox();
        let before = resident_kib(sandbox.id());
        for run in ["first", "rerun"] {
            let (elapsed, peak_kib, ok) = bulk(&file, &url, &concurrency);
            let per_payment = resident_kib(sandbox.id())
                .zip(before)
                .map(|(now, then)| format!("{} B", now.saturating_sub(then) * 1024 / rows as u64))
                .unwrap_or_else(|| String::from("?"));
            println!(
                "| {rows} | {run}{} | {:.2} | {:.0} | {:.1} MiB | {per_payment} |",
                if ok { "" } else { " (failed)" },
                elapsed.as_secs_f64(),
                rows as f64 / elapsed.as_secs_f64(),
                peak_kib as f64 / 1024.0,
            );
        }
        let _ = sandbox.kill();
        let _ = sandbox.wait();
    }
}

/// `provider,payment,amount`, one total refund per synthetic payment.
fn write_file(path: &Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("the bench file"));
    writeln!(out, "provider,payment,amount").unwrap();
    for n in 0..rows {
        let (provider, id) = PROVIDERS[n % PROVIDERS.len()];
        writeln!(out, "{provider},{},", id(n)).unwrap();
    }
    out.flush().unwrap();
}

/// `estorno sandbox serve --synthetic` on a free port, and its root URL.
fn start_sandbox() -> (Child, String) {
    let mut child = Command::new(ESTORNO)
        .args(["sandbox", "serve", "--synthetic", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sandbox starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("it says where it listens");
    // The rest of what it prints is read and dropped: a closed pipe would end it.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first.trim().rsplit(' ').next().expect("a URL").to_owned();
    (child, url)
}

/// Runs `estorno bulk` to the end: its wall time, its own peak RSS (KiB) and whether it
/// exited successfully.
// `wait4` reaps the child, with its own resource usage, which `Child::wait` does not give.
#[allow(clippy::zombie_processes)]
fn bulk(file: &Path, url: &str, concurrency: &str) -> (Duration, u64, bool) {
    let started = Instant::now();
    let child = Command::new(ESTORNO)
        .arg("bulk")
        .arg(file)
        .args([
            "--quiet",
            "--concurrency",
            concurrency,
            "--sandbox-url",
            url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("estorno bulk starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in; the child is ours and not waited
    // for anywhere else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = started.elapsed();
    assert_eq!(waited, pid, "wait4 on estorno bulk");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (elapsed, u64::try_from(usage.ru_maxrss).unwrap_or(0), ok)
}

/// A process's resident memory now, in KiB (`VmRSS`).
fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
