//! [`Core`]: the one handle to everything the domain needs, passed to every adapter.

use crate::accounts::tokens::TokenKeys;
use crate::bookings::engine::Engine;
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
}

/// The core services; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Clock,
    settings: CoreSettings,
    engine: Engine,
    live: LiveBus,
    limiter: RateLimiter,
    facets: crate::search::FacetCache,
}

impl Core {
    pub fn new(
        db: Db,
        clock: Clock,
        settings: CoreSettings,
        live: LiveBus,
        limiter: RateLimiter,
    ) -> Core {
        let engine = Engine::new(db.clone(), clock.clone(), live.clone());
        Core {
            inner: Arc::new(Inner {
                db,
                clock,
                settings,
                engine,
                live,
                limiter,
                facets: Default::default(),
            }),
        }
    }

    /// The rate limiter (Redis-backed when configured).
    pub fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn settings(&self) -> &CoreSettings {
        &self.inner.settings
    }

    pub fn live(&self) -> &LiveBus {
        &self.inner.live
    }

    pub(crate) fn facet_cache(&self) -> &crate::search::FacetCache {
        &self.inner.facets
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn token_keys(&self) -> &TokenKeys {
        &self.inner.settings.token_keys
    }
}
