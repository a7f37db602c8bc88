//! Server functions for browsing events.

use crate::error::AppError;
use evently::dto::EventSummary;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr;

/// Upcoming published events for the home page.
#[server(endpoint = "upcoming_events")]
pub async fn upcoming_events() -> Result<Vec<EventSummary>, AppError> {
    let core = ssr::core()?;
    match core.upcoming_events(48).await {
        Ok(list) => Ok(list),
        Err(e) => ssr::fail(e),
    }
}
