//! The `estorno` binary: parses the command line, sets up logging and the async runtime, runs
//! the command and exits with its code (0 done, 1 failed or rejected, 2 invalid input,
//! 3 in doubt, 4 nothing sent: try later).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use estorno_cli::backend::{Backend, Plan};
use estorno_cli::cli::{Cli, Command, SandboxCommand};
use estorno_cli::{bulk, catalogue, exit, single};
use tracing_subscriber::filter::LevelFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("estorno: cannot start the async runtime: {error}");
            return ExitCode::from(exit::FAILED);
        }
    };
    let code = runtime.block_on(run(cli));
    // Requests held open by a sandbox fault must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    ExitCode::from(code)
}

async fn run(cli: Cli) -> u8 {
    let plan = Plan::choose(cli.sandbox, cli.sandbox_url.as_deref());
    let command = match cli.command {
        Command::Providers { json } => return catalogue::print(&plan, json),
        Command::Sandbox {
            command:
                SandboxCommand::Serve {
                    port,
                    host,
                    synthetic,
                },
        } => return serve(SocketAddr::new(host, port), synthetic).await,
        other => other,
    };
    let backend = match Backend::start(plan).await {
        Ok(backend) => backend,
        Err(error) => {
            eprintln!("estorno: cannot start the embedded sandbox: {error}");
            return exit::FAILED;
        }
    };
    if let Some(notice) = backend.notice() {
        eprintln!("estorno: {notice}");
    }
    match command {
        Command::Cancel {
            target,
            amount,
            json,
        } => {
            let target = single::Target {
                provider: target.provider,
                payment: target.payment,
                amount,
                fields: target.fields,
            };
            single::cancel(&backend, &target, json).await
        }
        Command::Status { target, json } => {
            let target = single::Target {
                provider: target.provider,
                payment: target.payment,
                amount: None,
                fields: target.fields,
            };
            single::status(&backend, &target, json).await
        }
        Command::Bulk(args) => {
            let shared_url = args
                .journal
                .as_deref()
                .is_some_and(estorno_cli::journal::postgres::is_url);
            if !shared_url && args.run.is_some() {
                eprintln!("estorno: --run names a shared run: give --journal postgres://…");
                return exit::INVALID;
            }
            let (journal, shared) = match args.journal {
                Some(url) if shared_url => (
                    None,
                    Some(bulk::SharedJournal {
                        url,
                        run: args.run,
                        lease: args.lease,
                    }),
                ),
                Some(path) => (Some(std::path::PathBuf::from(path)), None),
                None => (None, None),
            };
            let options = bulk::Options {
                file: args.file,
                journal,
                shared,
                report: args.report,
                concurrency: usize::from(args.concurrency),
                rates: args.rates,
                dry_run: args.dry_run,
                resume: args.resume,
                allow_duplicates: args.allow_duplicates,
                max_invalid: args.max_invalid,
                retry_failed: args.retry_failed,
                quiet: args.quiet,
                json: args.json,
                resend_unresolved: args.older_than.filter(|_| args.resend_unresolved),
            };
            match bulk::run(options, &backend).await {
                Ok(code) => code,
                Err(error) => {
                    eprintln!("estorno: {error}");
                    error.exit_code()
                }
            }
        }
        Command::Providers { .. } | Command::Sandbox { .. } => exit::OK,
    }
}

/// `estorno sandbox serve`: the sandbox over HTTP until Ctrl-C.
async fn serve(addr: SocketAddr, synthetic: bool) -> u8 {
    let sandbox = match estorno_sandbox::Sandbox::bind(addr).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("estorno: cannot listen on {addr}: {error}");
            return exit::FAILED;
        }
    };
    sandbox.synthesize_unknown(synthetic);
    println!("estorno sandbox listening on {}", sandbox.url());
    if synthetic {
        println!("  any id nobody added is a paid payment, made on its first request");
    }
    for provider in estorno_sandbox::Provider::ALL {
        let slug = provider.slug();
        let base = sandbox.base_url(slug).unwrap_or_default();
        match sandbox.token_url(slug) {
            Some(token) => println!("  {slug:<17} {base}  (tokens: {token})"),
            None => println!("  {slug:<17} {base}"),
        }
    }
    println!(
        "point the command line at it with {}={}",
        estorno_cli::backend::SANDBOX_URL_VAR,
        sandbox.url()
    );
    tokio::select! {
        () = sandbox.serve() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    exit::OK
}
