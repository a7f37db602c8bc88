//! What one client and the whole server may hold open, and how fast one connection may
//! talk: live connections are cheap but not free, and each message may cost a query.

use crate::client::ClientKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Messages per second one connection may send, on average.
pub const MESSAGES_PER_SECOND: f64 = 20.0;
/// Messages one connection may send at once before the average applies: enough for a page
/// that follows its [`MAX_SUBSCRIPTIONS`](evently::live_protocol::MAX_SUBSCRIPTIONS) events
/// with one `subscribe` each (the browser client subscribes per event card), and a few more.
pub const MESSAGE_BURST: f64 = 120.0;
/// Seconds a refused client is asked to wait before it tries again.
pub const RETRY_AFTER_SECS: u64 = 5;

/// Which limit refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The client (address, or IPv6 network) holds its share already.
    Client,
    /// The server holds as many as it takes.
    Server,
}

impl Refused {
    /// The `reason` label of [`crate::metrics::WS_REFUSED`].
    pub fn label(self) -> &'static str {
        match self {
            Refused::Client => "client",
            Refused::Server => "server",
        }
    }
}

/// Open live connections, per client and in all, within their caps. Cheap to clone.
#[derive(Clone)]
pub struct ConnLimits {
    inner: Arc<Counts>,
}

struct Counts {
    per_client: usize,
    total: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_client: HashMap<ClientKey, usize>,
}

/// One admitted connection; its place is given back when this is dropped (the connection
/// closed, or the upgrade never happened).
pub struct Permit {
    inner: Arc<Counts>,
    key: ClientKey,
}

impl ConnLimits {
    /// At most `per_client` connections per client and `total` in all.
    pub fn new(per_client: usize, total: usize) -> ConnLimits {
        ConnLimits {
            inner: Arc::new(Counts {
                per_client,
                total,
                open: Mutex::new(Open::default()),
            }),
        }
    }

    /// A place for one more connection of `key`, if both caps allow it.
    pub fn admit(&self, key: &ClientKey) -> Result<Permit, Refused> {
        let mut open = self.inner.lock();
        if open.total >= self.inner.total {
            return Err(Refused::Server);
        }
        let mine = open.by_client.entry(key.clone()).or_insert(0);
        if *mine >= self.inner.per_client {
            return Err(Refused::Client);
        }
        *mine += 1;
        open.total += 1;
        Ok(Permit {
            inner: Arc::clone(&self.inner),
            key: key.clone(),
        })
    }

    /// Connections admitted and not yet closed.
    pub fn open(&self) -> usize {
        self.inner.lock().total
    }
}

impl Counts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = self.inner.lock();
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_client.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.by_client.remove(&self.key);
            }
        }
    }
}

/// A token bucket over one connection's incoming messages: [`MESSAGE_BURST`] at once,
/// refilled at [`MESSAGES_PER_SECOND`].
pub struct MessageBudget {
    tokens: f64,
    at: Instant,
}

impl Default for MessageBudget {
    fn default() -> Self {
        MessageBudget {
            tokens: MESSAGE_BURST,
            at: Instant::now(),
        }
    }
}

impl MessageBudget {
    /// Spends one message; false when the connection is sending too fast.
    pub fn spend(&mut self, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * MESSAGES_PER_SECOND;
        self.tokens = (self.tokens + refill).min(MESSAGE_BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn key(s: &str) -> ClientKey {
        ClientKey::of(Some(s.parse().unwrap()), 64)
    }

    #[test]
    fn caps_per_client_and_in_all_and_gives_places_back() {
        let limits = ConnLimits::new(2, 3);
        let a1 = limits.admit(&key("2001:db8::1")).unwrap();
        let _a2 = limits.admit(&key("2001:db8::2")).unwrap();
        assert_eq!(
            limits.admit(&key("2001:db8::3")).err(),
            Some(Refused::Client),
            "the same /64"
        );
        let _b = limits.admit(&key("203.0.113.1")).unwrap();
        assert_eq!(
            limits.admit(&key("203.0.113.2")).err(),
            Some(Refused::Server)
        );
        drop(a1);
        assert_eq!(limits.open(), 2);
        assert!(limits.admit(&key("2001:db8::4")).is_ok());
    }

    #[test]
    fn a_burst_then_the_steady_rate() {
        let mut budget = MessageBudget::default();
        let t = budget.at;
        for _ in 0..MESSAGE_BURST as usize {
            assert!(budget.spend(t));
        }
        assert!(!budget.spend(t));
        // One and a half messages' worth of time later, one more (and half of the next).
        let later = t + Duration::from_secs_f64(1.5 / MESSAGES_PER_SECOND);
        assert!(budget.spend(later));
        assert!(!budget.spend(later));
    }
}
