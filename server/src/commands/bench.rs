//! Benchmarks: commands that drive a running server over HTTP and print figures.

use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum Bench {
    /// Many buyers racing for the last seats of one event.
    FlashSale {
        /// The server to test (loopback only).
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
    },
}

pub fn run(_which: Bench) -> ExitCode {
    eprintln!("not implemented yet");
    ExitCode::FAILURE
}
