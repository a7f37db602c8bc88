//! The operator commands behind `server <command>`.

pub mod bench;
pub mod bench_analytics;
pub mod bench_common;
pub mod bench_live;
pub mod bench_notify;
pub mod bench_queries;
pub mod bench_reads;
pub mod bench_sweep;
pub mod bench_waitlist;
pub mod progress;

use crate::config::Config;
use crate::startup::{Application, BuildOptions, build_core, open_database, shutdown_signal};
use evently::clock::Clock;
use std::io::Read;
use std::process::ExitCode;

/// `serve`: run until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let app = Application::build(config, BuildOptions::default()).await?;
    // The only server in this process: metrics recorded outside its scopes count here too.
    if !app.metrics().install_global() {
        tracing::warn!("a process-wide metrics recorder was already set; keeping it");
    }
    tracing::info!(addr = %app.local_addr(), engine = app.core().db().engine().as_str(), "Evently is listening on http://{}", app.local_addr());
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

/// `migrate`.
pub async fn migrate(config: Config) -> anyhow::Result<ExitCode> {
    let db = open_database(&config).await?;
    println!("migrations applied ({})", db.engine().as_str());
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `create-admin`.
pub async fn create_admin(
    config: Config,
    email: &str,
    password_stdin: bool,
    password: Option<String>,
    name: &str,
) -> anyhow::Result<ExitCode> {
    let password = match (password_stdin, password) {
        (true, _) => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s.trim_end_matches(['\n', '\r']).to_string()
        }
        (false, Some(p)) => p,
        (false, None) => anyhow::bail!("give the password with --password-stdin (or --password)"),
    };
    let core = build_core(&config, Clock::System, None).await?;
    match core.accounts().ensure_admin(email, &password, name).await {
        Ok(user) => {
            println!("admin ready: {} (id {})", user.email, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let api: evently::ApiError = e.into();
            anyhow::bail!("{}", api.message)
        }
    }
}

/// `seed-demo`: events, then (unless `bookings` is `Some(0)`) their sales history.
pub async fn seed_demo(
    config: Config,
    events: usize,
    bookings: Option<usize>,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !config.production(),
        "seed-demo never runs in production (EVENTLY_ENV=production)"
    );
    let core = build_core(&config, Clock::System, None).await?;
    let started = std::time::Instant::now();
    let mut bar = progress::Progress::new("seeding", "events", events as u64);
    let inserted = evently::seed::seed_demo(&core, events, &mut |d, t| bar.set(d, t)).await?;
    bar.finish();
    println!(
        "seeded {inserted} new events ({} already present) in {:.1}s; demo sign-in: {} / {}",
        events - inserted,
        started.elapsed().as_secs_f64(),
        evently::seed::DEMO_ATTENDEE_EMAIL,
        evently::seed::DEMO_PASSWORD
    );
    let bookings = bookings.unwrap_or_else(|| {
        (events * evently::seed_history::BOOKINGS_PER_EVENT).min(DEFAULT_BOOKINGS_CAP)
    });
    if bookings > 0 {
        seed_history(&core, bookings).await?;
    }
    core.db().close().await;
    Ok(ExitCode::SUCCESS)
}

/// The most bookings `seed-demo` makes unless `--bookings` says otherwise.
pub const DEFAULT_BOOKINGS_CAP: usize = 1_000_000;

async fn seed_history(core: &evently::Core, bookings: usize) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut bar = progress::Progress::new("sales history", "bookings", bookings as u64);
    let mut announced = false;
    let report = evently::seed::seed_history(core, bookings, &mut |d, t| {
        bar.set(d, t);
        if d == t && !announced {
            announced = true;
            println!(
                "bookings written in {:.1}s; recounting the sales rollups",
                started.elapsed().as_secs_f64()
            );
        }
    })
    .await?;
    bar.finish();
    match report.existing {
        Some(n) => {
            println!("sales history already present ({n} bookings by demo buyers); nothing added")
        }
        None => println!(
            "seeded sales history in {:.1}s: {} bookings ({} cancelled), {} tickets ({} checked in), \
             {} ticket types sold out, {} sales_hourly rows",
            started.elapsed().as_secs_f64(),
            report.bookings,
            report.cancelled,
            report.tickets,
            report.checked_in,
            report.sold_out_types,
            report.sales_hourly_rows
        ),
    }
    Ok(())
}

/// `seed-users`: many signed-in people for a benchmark, with a progress line every two
/// seconds (also when the output is not a terminal).
pub async fn seed_users(
    config: Config,
    count: usize,
    prefix: &str,
    tokens: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !config.production(),
        "seed-users never runs in production (EVENTLY_ENV=production)"
    );
    anyhow::ensure!(
        (1..=1_000_000).contains(&count),
        "--count must be 1..=1000000"
    );
    let core = build_core(&config, Clock::System, None).await?;
    let started = std::time::Instant::now();
    let mut last = started;
    let mut progress = move |done: usize| {
        if last.elapsed() >= std::time::Duration::from_secs(2) || done == count {
            last = std::time::Instant::now();
            eprintln!(
                "seed-users: {done}/{count} people ({:.0}/s)",
                done as f64 / started.elapsed().as_secs_f64().max(0.001)
            );
        }
    };
    let people = core
        .accounts()
        .seed_signed_in(prefix, count, evently::seed::DEMO_PASSWORD, &mut progress)
        .await
        .map_err(|e| anyhow::anyhow!("{}", evently::ApiError::from(e).message))?;
    let mut text = String::with_capacity(people.len() * 300);
    for (email, token) in &people {
        text.push_str(email);
        text.push('\t');
        text.push_str(token);
        text.push('\n');
    }
    std::fs::write(tokens, text)?;
    println!(
        "seeded {} signed-in people in {:.1}s; tokens in {}",
        people.len(),
        started.elapsed().as_secs_f64(),
        tokens.display()
    );
    core.db().close().await;
    Ok(ExitCode::SUCCESS)
}

/// `check`.
pub async fn check(config: Config, event: Option<i64>) -> anyhow::Result<ExitCode> {
    let core = build_core(&config, Clock::System, None).await?;
    let report = core.invariants().check(event).await?;
    for v in &report.violations {
        println!("VIOLATION {}: {}", v.rule, v.detail);
    }
    println!(
        "checked {} ticket types: {}",
        report.ticket_types_checked,
        if report.ok() {
            "all invariants hold".to_string()
        } else {
            format!("{} violations", report.violations.len())
        }
    );
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
