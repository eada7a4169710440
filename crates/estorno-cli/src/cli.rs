//! The command line's arguments (clap derive). Help texts here are what `estorno --help`
//! shows.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::rate::RateSpec;

/// Cancel and refund payments at Brazilian payment providers.
///
/// Credentials come from environment variables named per provider (`estorno providers`
/// lists them). With none set, every command runs against an embedded sandbox that simulates
/// the providers, so nothing leaves the machine.
#[derive(Debug, Parser)]
#[command(name = "estorno", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Run against the embedded sandbox even if credentials are configured.
    #[arg(long, global = true)]
    pub sandbox: bool,

    /// Run against a sandbox at this root URL (e.g. one from `estorno sandbox serve`).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "ESTORNO_SANDBOX_URL",
        hide_env_values = true
    )]
    pub sandbox_url: Option<String>,

    /// Log more on stderr: -v for info, -vv for debug (each provider call), -vvv for trace.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the registered providers, their operations and their environment variables.
    Providers {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Cancel or refund one payment, in full or in part.
    Cancel {
        #[command(flatten)]
        target: TargetArgs,
        /// Refund this many cents (1050 is R$ 10,50); without it, cancel what remains.
        #[arg(long, value_name = "CENTS", allow_hyphen_values = true)]
        amount: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Look one payment up: its state, refunded and remaining amounts.
    Status {
        #[command(flatten)]
        target: TargetArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Refund every row of a CSV file, journaled so it can be killed and resumed safely.
    Bulk(BulkArgs),
    /// Run the provider sandbox.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
}

/// The payment a single command is about.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The provider's slug (`estorno providers` lists them).
    pub provider: String,
    /// The payment's id, as the provider names it.
    pub payment: String,
    /// A provider field, e.g. --field marketplace_id=abc; repeatable.
    #[arg(long = "field", value_name = "NAME=VALUE")]
    pub fields: Vec<String>,
}

#[derive(Debug, Args)]
pub struct BulkArgs {
    /// The CSV file: a header row, then `provider,payment,amount` and provider fields.
    pub file: PathBuf,

    /// The journal: a SQLite file (default: FILE.journal.sqlite beside the file), or
    /// postgres://USER@HOST:PORT/DATABASE for a run shared by several workers (the password
    /// in PGPASSWORD, never in the URL).
    #[arg(long, value_name = "PATH|URL")]
    pub journal: Option<String>,

    /// With a postgres journal: the shared run to start or join. Default: the file's name.
    #[arg(long, value_name = "NAME")]
    pub run: Option<String>,

    /// With a postgres journal: how long a worker's claim on a payment lasts unless it
    /// renews it (it does, three times a lease, while it lives), e.g. 30s.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::bulk::parse_duration)]
    pub lease: std::time::Duration,

    /// Write the report here, as CSV or JSON by its extension. Default: FILE.report.csv.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,

    /// How many payments are processed at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// At most N calls a second to one provider, e.g. --rate zoop=5/s; repeatable.
    #[arg(long = "rate", value_name = "PROVIDER=N/s")]
    pub rates: Vec<RateSpec>,

    /// Check every row and look each payment up, but send no cancellation.
    #[arg(long)]
    pub dry_run: bool,

    /// Resume the run recorded in the journal (rerunning the same command does it too).
    #[arg(long)]
    pub resume: bool,

    /// Accept rows that repeat an earlier row exactly (each is a refund of its own).
    #[arg(long)]
    pub allow_duplicates: bool,

    /// Refuse the whole file, loading and sending nothing, when more than N of its rows fail
    /// their checks: a file that wrong is the wrong file. Below that, each invalid row is
    /// journaled and reported, and the valid rows go ahead.
    #[arg(long, value_name = "N", default_value_t = crate::bulk::MAX_INVALID)]
    pub max_invalid: u64,

    /// Put rows that failed without moving money (refused, or never sent) back in the queue;
    /// each goes out as a new request. Acknowledged and unresolved rows are never among them.
    #[arg(long)]
    pub retry_failed: bool,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// Print the report as JSON instead of the summary table.
    #[arg(long)]
    pub json: bool,

    /// Send again the rows left unresolved (sent, outcome unknown) for longer than
    /// --older-than: an operator's decision, recorded per row in the journal and marked in the
    /// report. Each is looked up first, and sent only if that still shows no effect.
    #[arg(long, requires = "older_than")]
    pub resend_unresolved: bool,

    /// With --resend-unresolved: how long a row must have been unresolved, e.g. 30m, 24h, 2d.
    #[arg(long, value_name = "DURATION", requires = "resend_unresolved", value_parser = crate::bulk::parse_duration)]
    pub older_than: Option<std::time::Duration>,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox over HTTP until interrupted, printing each provider's base URL.
    Serve {
        /// The port (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: IpAddr,
        /// Make any id nobody added a paid payment on its first request, its amount decided
        /// by the id, so a bulk file of any size needs no data loaded first.
        #[arg(long)]
        synthetic: bool,
    },
}
