//! The one state passed through the router.

use crate::config::Config;
use crate::live::Hub;
use crate::metrics::Metrics;
use crate::redis_link::RedisLink;
use axum::extract::FromRef;
use evently::Core;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a handler may need; cheap to clone (one `Arc`: every middleware and handler
/// that takes the state clones it, on every request).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    pub core: Core,
    pub leptos: LeptosOptions,
    /// The built site's file names (content-hashed after `scripts/build-site.sh`).
    pub assets: app::AssetPaths,
    pub config: Arc<Config>,
    pub metrics: Metrics,
    /// Redis when configured (and reachable); live fan-out, shared limits, health.
    pub redis: Option<RedisLink>,
    pub hub: Hub,
    /// Rendered public pages for anonymous visitors.
    pub pages: crate::page_cache::PageCache,
    /// The mail transport (SMTP, or `.eml` files in the data dir).
    pub mailer: evently::notifications::Mailer,
    /// Requests being answered right now (the delivery worker steps aside when there are
    /// many: an on-sale).
    pub in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}
