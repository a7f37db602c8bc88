//! [`Ctx`]: what every feature service shares (database, clock, live bus, rate limiter,
//! settings). Features depend on this, never on [`Core`](crate::Core), so the facade and the
//! features do not import each other.

use crate::accounts::tokens::TokenKeys;
use crate::clock::Clock;
use crate::db::Db;
use crate::live::LiveBus;
use crate::ratelimit::RateLimiter;
use std::sync::Arc;

/// Tunables of the domain.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    /// How many times a hold may be extended.
    pub max_hold_renewals: i64,
    pub token_keys: TokenKeys,
    /// Signs the tokens in tickets' QR codes.
    pub ticket_keys: crate::tickets::TicketKeys,
    /// How the outbox is delivered.
    pub outbox: crate::notifications::OutboxSettings,
    /// Whether holding or booking seats (and joining a waitlist) needs a confirmed e-mail
    /// address (`EVENTLY_REQUIRE_VERIFIED_EMAIL`; off by default).
    pub require_verified_email: bool,
    /// Web push (the VAPID key and the push services allowed); `None` turns push off.
    pub push: Option<crate::notifications::push::PushSettings>,
}

/// Rung after every commit that wrote to the outbox: wakes the local delivery worker, and
/// counts the messages written, so the worker can tell a burst (an on-sale) from a trickle.
#[derive(Default)]
pub struct OutboxBell {
    notify: tokio::sync::Notify,
    rings: std::sync::atomic::AtomicU64,
}

impl OutboxBell {
    /// After a commit that wrote one message.
    pub fn ring(&self) {
        self.ring_for(1);
    }

    /// After a commit that wrote `messages` messages (a batch of bookings writes many).
    pub fn ring_for(&self, messages: u64) {
        self.rings
            .fetch_add(messages, std::sync::atomic::Ordering::Relaxed);
        self.notify.notify_one();
    }

    /// Waits for the next ring (or one that came since the last wait).
    pub async fn notified(&self) {
        self.notify.notified().await;
    }

    /// Messages rung for so far.
    pub fn rings(&self) -> u64 {
        self.rings.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The shared handles; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Ctx {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Clock,
    live: LiveBus,
    limiter: RateLimiter,
    settings: CoreSettings,
    /// Bumped whenever what public pages show changes (not seat counts: those are live).
    pages: std::sync::atomic::AtomicU64,
    /// Rung after a commit that wrote to the outbox, so the local delivery worker starts at once.
    outbox_bell: Arc<OutboxBell>,
}

impl Ctx {
    pub fn new(
        db: Db,
        clock: Clock,
        settings: CoreSettings,
        live: LiveBus,
        limiter: RateLimiter,
    ) -> Ctx {
        Ctx {
            inner: Arc::new(Inner {
                db,
                clock,
                live,
                limiter,
                settings,
                pages: std::sync::atomic::AtomicU64::new(0),
                outbox_bell: Arc::new(OutboxBell::default()),
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Announces committed seat changes; only the inventory publishes on it.
    pub fn live(&self) -> &LiveBus {
        &self.inner.live
    }

    /// The rate limiter (Redis-backed when configured).
    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    pub fn settings(&self) -> &CoreSettings {
        &self.inner.settings
    }

    /// Rung after every commit that wrote to the outbox; the delivery worker waits on it.
    pub fn outbox_bell(&self) -> &Arc<OutboxBell> {
        &self.inner.outbox_bell
    }

    /// The version of what public pages show: a page rendered at an older version is stale
    /// (the server's page cache compares it). Seat counts are not part of it.
    pub fn pages_version(&self) -> u64 {
        self.inner.pages.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Called after a committed change to an event that pages show.
    pub(crate) fn pages_changed(&self) {
        self.inner
            .pages
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    pub(crate) fn token_keys(&self) -> &TokenKeys {
        &self.inner.settings.token_keys
    }
}
