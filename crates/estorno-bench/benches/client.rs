//! The client bench: the generated PicPay Checkout and Zoop clients beside what a careful
//! engineer writes by hand with reqwest for the same calls, against one loopback HTTP server in
//! its own process. For each it prints the instructions per request (callgrind, client process
//! only, start-up subtracted) and a paired wall-clock ratio.
//!
//! `cargo bench -p estorno-bench --bench client`. The instruction counts need `valgrind` on the
//! `PATH` (skipped with a message otherwise); `ESTORNO_BENCH_REQUESTS` sets how many requests
//! the wall-clock rounds send (default 2000 per client and round).
//!
//! Before measuring, the bench checks that both clients of a provider send the same request
//! bytes (method, path, headers, body) and decode the same answer, so the two do the same work.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use estorno::auth::{ApiKey, ClientCredentials};
use estorno::{Amount, picpay_checkout, zoop};
use estorno_bench::{hand, runtime, server};

const CHARGE_ID: &str = "8086bfd7-6241-4f76-81d8-70460533ce74";
const MARKETPLACE_ID: &str = "3249465a7753536b62545a6a684b0000";
const TRANSACTION_ID: &str = "84824e3160a7431fb5004d41eaca4e76";
const SELLER_ID: &str = "cfa96058daa74d279d17f4908e7f6578";
const ZOOP_KEY: &str = "zpk_test_XXXXXXXXXXXXXXXXXXXXXXXX";
/// Requests counted in the short and the long callgrind run: their difference divided by the
/// difference in requests is the cost of one request, start-up and warm-up cancelled out.
const CALLGRIND_SHORT: usize = 50;
const CALLGRIND_LONG: usize = 550;
const ROUNDS: usize = 15;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Provider {
    PicPayCheckout,
    Zoop,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Generated,
    HandWritten,
}

impl Provider {
    const ALL: [Provider; 2] = [Provider::PicPayCheckout, Provider::Zoop];

    fn name(self) -> &'static str {
        match self {
            Provider::PicPayCheckout => "PicPay Checkout refund",
            Provider::Zoop => "Zoop void",
        }
    }

    fn arg(self) -> &'static str {
        match self {
            Provider::PicPayCheckout => "picpay-checkout",
            Provider::Zoop => "zoop",
        }
    }

    fn from_arg(arg: &str) -> Provider {
        Provider::ALL
            .into_iter()
            .find(|provider| provider.arg() == arg)
            .unwrap_or_else(|| panic!("unknown provider {arg}"))
    }
}

impl Kind {
    fn arg(self) -> &'static str {
        match self {
            Kind::Generated => "generated",
            Kind::HandWritten => "hand-written",
        }
    }

    fn from_arg(arg: &str) -> Kind {
        [Kind::Generated, Kind::HandWritten]
            .into_iter()
            .find(|kind| kind.arg() == arg)
            .unwrap_or_else(|| panic!("unknown client {arg}"))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => server::serve(),
        Some("client") => {
            let provider = Provider::from_arg(&args[1]);
            let kind = Kind::from_arg(&args[2]);
            let requests: usize = args[3].parse().expect("a number of requests");
            let url = &args[4];
            runtime().block_on(async {
                let client = Bench::new(provider, kind, url).await;
                for _ in 0..requests {
                    client.call().await;
                }
            });
        }
        // `cargo bench` passes `--bench`; anything else runs the whole bench.
        _ => orchestrate(),
    }
}

fn orchestrate() {
    let (mut server, url) = start_server();
    runtime().block_on(check_equivalence(&url));
    let requests: usize = std::env::var("ESTORNO_BENCH_REQUESTS")
        .map(|n| n.parse().expect("ESTORNO_BENCH_REQUESTS: a number"))
        .unwrap_or(2000);

    let callgrind = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    println!(
        "| call | generated, instructions/request | hand-written | ratio | wall-clock ratio (median of {ROUNDS} rounds) |"
    );
    println!("|---|---|---|---|---|");
    for provider in Provider::ALL {
        let instructions = callgrind.then(|| {
            let generated = instructions_per_request(provider, Kind::Generated, &url);
            let hand = instructions_per_request(provider, Kind::HandWritten, &url);
            (generated, hand)
        });
        let wall = runtime().block_on(wall_clock_ratio(provider, &url, requests));
        match instructions {
            Some((generated, hand)) => println!(
                "| {} | {generated:.0} | {hand:.0} | {:.3} | {wall:.3} |",
                provider.name(),
                generated / hand
            ),
            None => println!(
                "| {} | (no valgrind) | (no valgrind) | | {wall:.3} |",
                provider.name()
            ),
        }
    }
    let _ = server.kill();
    let _ = server.wait();
}

/// Instructions one request costs: two callgrind runs of the client alone, apart only in how
/// many requests they send.
fn instructions_per_request(provider: Provider, kind: Kind, url: &str) -> f64 {
    let run = |requests: usize| -> u64 {
        let output = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(std::env::current_exe().expect("the bench binary"))
            .args([
                "client",
                provider.arg(),
                kind.arg(),
                &requests.to_string(),
                url,
            ])
            .output()
            .expect("valgrind runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "callgrind run failed: {stderr}");
        stderr
            .lines()
            .find_map(|line| line.split_once("Collected :").map(|(_, n)| n.trim()))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no instruction count in callgrind's output: {stderr}"))
    };
    let short = run(CALLGRIND_SHORT);
    let long = run(CALLGRIND_LONG);
    (long - short) as f64 / (CALLGRIND_LONG - CALLGRIND_SHORT) as f64
}

/// Generated time over hand-written time, the median of rounds that alternate which goes
/// first, both clients in this process on one thread.
async fn wall_clock_ratio(provider: Provider, url: &str, requests: usize) -> f64 {
    let generated = Bench::new(provider, Kind::Generated, url).await;
    let hand = Bench::new(provider, Kind::HandWritten, url).await;
    let time = |client: &Bench| {
        let client = client.clone();
        async move {
            let started = Instant::now();
            for _ in 0..requests {
                client.call().await;
            }
            started.elapsed()
        }
    };
    // Warm both connections and caches before the first round.
    time(&generated).await;
    time(&hand).await;
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (generated_time, hand_time) = if round % 2 == 0 {
            let generated_time = time(&generated).await;
            (generated_time, time(&hand).await)
        } else {
            let hand_time = time(&hand).await;
            (time(&generated).await, hand_time)
        };
        ratios.push(generated_time.as_secs_f64() / hand_time.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    ratios[ROUNDS / 2]
}

/// Both clients of each provider send the same bytes and read the same values.
async fn check_equivalence(url: &str) {
    for provider in Provider::ALL {
        let mut seen = Vec::new();
        for kind in [Kind::Generated, Kind::HandWritten] {
            let client = Bench::new(provider, kind, url).await;
            let decoded = Decoded::of(client.call().await);
            let request = reqwest::get(format!("{url}/__last"))
                .await
                .and_then(reqwest::Response::error_for_status)
                .expect("the server's record of the last request")
                .text()
                .await
                .expect("a text record");
            seen.push((request, decoded));
        }
        assert_eq!(
            seen[0].0,
            seen[1].0,
            "{}: the generated and hand-written clients send different requests",
            provider.name()
        );
        assert_eq!(
            seen[0].1,
            seen[1].1,
            "{}: the generated and hand-written clients decode different values",
            provider.name()
        );
    }
}

/// A client of either kind for one provider, ready to send the bench's call.
#[derive(Clone)]
enum Bench {
    PicPay(picpay_checkout::Client),
    Zoop(zoop::Client),
    HandPicPay(Arc<hand::PicPay>),
    HandZoop(Arc<hand::Zoop>),
}

/// What a call decoded, in common terms: the values the check compares.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    id: String,
    status: String,
    remaining: u64,
    original: u64,
    parts: usize,
}

impl Bench {
    async fn new(provider: Provider, kind: Kind, url: &str) -> Bench {
        match (provider, kind) {
            (Provider::PicPayCheckout, Kind::Generated) => Bench::PicPay(
                picpay_checkout::Client::builder()
                    .credentials(ClientCredentials::new("client-id", "client-secret"))
                    .base_url(format!("{url}/picpay"))
                    .build()
                    .expect("a PicPay Checkout client"),
            ),
            (Provider::Zoop, Kind::Generated) => Bench::Zoop(
                zoop::Client::builder()
                    .credentials(ApiKey::new(ZOOP_KEY))
                    .base_url(format!("{url}/zoop"))
                    .build()
                    .expect("a Zoop client"),
            ),
            (Provider::PicPayCheckout, Kind::HandWritten) => Bench::HandPicPay(Arc::new(
                hand::PicPay::new(&format!("{url}/picpay"), "client-id", "client-secret").await,
            )),
            (Provider::Zoop, Kind::HandWritten) => {
                Bench::HandZoop(Arc::new(hand::Zoop::new(&format!("{url}/zoop"), ZOOP_KEY)))
            }
        }
    }

    /// One refund (PicPay Checkout) or void (Zoop) of R$ 10.00, its answer decoded.
    async fn call(&self) -> Answer {
        let amount = Amount::from_cents(1000).expect("a positive amount");
        match self {
            Bench::PicPay(client) => Answer::PicPay(
                client
                    .refund(
                        CHARGE_ID,
                        Some("vtex"),
                        &picpay_checkout::RefundRequest { amount },
                    )
                    .await
                    .expect("a refunded charge"),
            ),
            Bench::HandPicPay(client) => Answer::HandPicPay(
                client
                    .refund(CHARGE_ID, "vtex", 1000)
                    .await
                    .expect("a refunded charge"),
            ),
            Bench::Zoop(client) => Answer::Zoop(
                client
                    .void(
                        MARKETPLACE_ID,
                        TRANSACTION_ID,
                        &zoop::VoidRequest {
                            amount,
                            on_behalf_of: SELLER_ID.to_owned(),
                        },
                    )
                    .await
                    .expect("a voided transaction"),
            ),
            Bench::HandZoop(client) => Answer::HandZoop(
                client
                    .void(MARKETPLACE_ID, TRANSACTION_ID, 1000, SELLER_ID)
                    .await
                    .expect("a voided transaction"),
            ),
        }
    }
}

/// A call's decoded answer, as each client types it.
enum Answer {
    PicPay(picpay_checkout::Charge),
    HandPicPay(hand::Charge),
    Zoop(zoop::Transaction),
    HandZoop(hand::Transaction),
}

impl Decoded {
    /// The values the check compares, read out of either client's types.
    fn of(answer: Answer) -> Decoded {
        match answer {
            Answer::PicPay(charge) => Decoded {
                id: charge.id,
                status: format!("{:?}", charge.charge_status).to_uppercase(),
                remaining: charge.amount.get(),
                original: charge.original_amount.get(),
                parts: charge.transactions.len(),
            },
            Answer::HandPicPay(charge) => Decoded {
                id: charge.id,
                status: format!("{:?}", charge.charge_status).to_uppercase(),
                remaining: charge.amount,
                original: charge.original_amount,
                parts: charge.transactions.len(),
            },
            Answer::Zoop(transaction) => Decoded {
                id: transaction.id,
                status: format!("{:?}", transaction.status).to_uppercase(),
                remaining: transaction.amount.get(),
                original: transaction.original_amount.get(),
                parts: transaction.history.len(),
            },
            Answer::HandZoop(transaction) => Decoded {
                id: transaction.id,
                status: format!("{:?}", transaction.status).to_uppercase(),
                remaining: transaction.amount,
                original: transaction.original_amount,
                parts: transaction.history.len(),
            },
        }
    }
}

/// This binary as the loopback server, in its own process, and its URL.
fn start_server() -> (Child, String) {
    let mut child = Command::new(std::env::current_exe().expect("the bench binary"))
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("the server's stdout"))
        .read_line(&mut line)
        .expect("the server's address");
    (child, line.trim().to_owned())
}
