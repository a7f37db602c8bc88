//! Time, injectable: every rule that depends on "now" asks a [`Clock`], so tests can move
//! time forward instead of sleeping.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time in UTC milliseconds.
#[derive(Clone)]
pub enum Clock {
    System,
    /// A clock that only moves when told to; shared by clones.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    /// A manual clock starting at `start_ms`.
    pub fn manual(start_ms: i64) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => Utc::now().timestamp_millis(),
            Clock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        to_datetime(self.now_ms())
    }

    /// Moves a manual clock forward; a no-op on the system clock.
    pub fn advance_ms(&self, ms: i64) {
        if let Clock::Manual(t) = self {
            t.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Clock::System => f.write_str("Clock::System"),
            Clock::Manual(t) => write!(f, "Clock::Manual({})", t.load(Ordering::SeqCst)),
        }
    }
}

/// Milliseconds to a `DateTime`, clamping nonsense to the epoch rather than panicking.
pub fn to_datetime(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
