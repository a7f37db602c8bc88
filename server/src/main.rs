//! `server`: the Evently binary.

use clap::{Parser, Subcommand};
use server::commands;
use server::config::Config;
use std::process::ExitCode;

/// mimalloc: the server allocates per request (headers, page-cache lookups, log lines); with
/// glibc's malloc that was a fifth of a cached page's CPU time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "server",
    version,
    about = "Evently: event booking that never oversells"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site and the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an admin account, or promote an existing one.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (recommended).
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
        /// The password (visible in the process list; prefer --password-stdin).
        #[arg(long)]
        password: Option<String>,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
    /// Fill the database with realistic demo events (development only).
    SeedDemo {
        /// How many events to create.
        #[arg(long, default_value_t = evently::seed::DEFAULT_EVENTS)]
        events: usize,
        /// Bookings of sales history to add over the past year (default: 20 per event, at
        /// most a million; 0 for none). Skipped when the demo buyers have bookings already.
        #[arg(long)]
        bookings: Option<usize>,
    },
    /// Create many signed-in attendees fast, for benchmarks (development only): one
    /// password hash for all, a session each; writes `email<TAB>access token` lines to
    /// `--tokens` (tokens live for the access token lifetime, 15 minutes by default).
    SeedUsers {
        /// How many people.
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// Their addresses are `<prefix>-<n>@example.com`.
        #[arg(long, default_value = "bench")]
        prefix: String,
        /// Where to write the tokens.
        #[arg(long)]
        tokens: std::path::PathBuf,
    },
    /// Verify the booking invariants; prints violations and exits non-zero if any.
    Check {
        /// Only this event.
        #[arg(long)]
        event: Option<i64>,
    },
    /// Benchmarks against a running server (they print one JSON line of figures).
    Bench {
        #[command(subcommand)]
        which: commands::bench::Bench,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Benchmarks are clients: they need no server configuration.
    if let Some(Command::Bench { which }) = cli.command {
        return commands::bench::run(which);
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("evently: {e}");
            return ExitCode::from(2);
        }
    };
    let _log = server::telemetry::init_buffered(config.production());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("evently: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => commands::serve(config).await,
            Command::Migrate => commands::migrate(config).await,
            Command::CreateAdmin {
                email,
                password_stdin,
                password,
                name,
            } => commands::create_admin(config, &email, password_stdin, password, &name).await,
            Command::SeedDemo { events, bookings } => {
                commands::seed_demo(config, events, bookings).await
            }
            Command::Check { event } => commands::check(config, event).await,
            Command::SeedUsers {
                count,
                prefix,
                tokens,
            } => commands::seed_users(config, count, &prefix, &tokens).await,
            Command::Bench { .. } => Ok(ExitCode::SUCCESS),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            // One line, with the causes, and no panic trace.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            let mut msg = chain.join(": ");
            msg = msg.replace('\n', " ");
            eprintln!("evently: {msg}");
            ExitCode::FAILURE
        }
    }
}
