//! Progress of a long seeding step: a bar when standard output is a terminal, otherwise a
//! plain line every two seconds (logs and CI keep a record of how far it got).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Reports `done` of `total` units of one step.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    what: &'static str,
    unit: &'static str,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// A step called `what`, counting `unit`s.
    pub fn new(what: &'static str, unit: &'static str, total: u64) -> Progress {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{spinner}} {what} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            what,
            unit,
            started: now,
            last: now,
        }
    }

    /// Records progress.
    pub fn set(&mut self, done: usize, total: usize) {
        match &self.bar {
            Some(bar) => bar.set_position(done as u64),
            None => {
                if self.last.elapsed() >= Duration::from_secs(2) || done == total {
                    self.last = Instant::now();
                    println!(
                        "{}: {done}/{total} {} ({:.0}/s, {:.0}s)",
                        self.what,
                        self.unit,
                        done as f64 / self.started.elapsed().as_secs_f64().max(0.001),
                        self.started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    }

    /// Clears the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
