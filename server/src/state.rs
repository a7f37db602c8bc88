//! The one state passed through the router.

use crate::config::Config;
use crate::metrics::Metrics;
use axum::extract::FromRef;
use evently::Core;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    pub leptos: LeptosOptions,
    pub config: Arc<Config>,
    pub metrics: Metrics,
    pub redis: Option<redis::aio::ConnectionManager>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}
