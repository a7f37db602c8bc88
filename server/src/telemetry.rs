//! Logging: `tracing` with `RUST_LOG` filtering; JSON lines in production, readable text in
//! development. Every line of a request carries its request id (from the request span).

use std::io::IsTerminal;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber, writing to standard output (once; later calls are
/// ignored). For tests: every line is written as it happens.
pub fn init(json: bool) {
    install(json, std::io::stdout);
}

/// Installs the global subscriber for the server process: lines are handed to a writer
/// thread, which writes them in batches (one system call per batch, not per line, as a busy
/// server logs every request). Nothing is dropped: a full queue makes the logger wait. Keep
/// the guard until the process ends; dropping it writes what is left.
pub fn init_buffered(json: bool) -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("evently-log")
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        ));
    install(json, writer);
    guard
}

fn install<W>(json: bool, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,tower_http=info,leptos=warn,tachys=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(false)
        // Colours only for a person at a terminal, not in log files.
        .with_ansi(std::io::stdout().is_terminal())
        .with_writer(writer);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.compact().try_init()
    };
}
