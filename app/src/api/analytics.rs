//! Server functions for the analytics pages: the admin's platform dashboard and an event's
//! dashboard. Each: who is asking, one core call, map the error.

use crate::error::AppError;
use evently::dto::analytics::{EventAnalytics, PlatformAnalytics};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr;

/// The platform dashboard for a range (`range`, `from`, `to`, `by` as in the URL).
#[server(endpoint = "platform_analytics")]
pub async fn load_platform_analytics(
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
) -> Result<PlatformAnalytics, AppError> {
    let actor = ssr::require_actor()?;
    let q = evently::analytics::range::RangeQuery {
        range,
        from,
        to,
        by,
    };
    match ssr::core()?.analytics().platform(&actor, &q).await {
        Ok(p) => Ok(p),
        Err(e) => ssr::fail(e),
    }
}

/// One event's dashboard (its organizer and admins).
#[server(endpoint = "event_analytics")]
pub async fn load_event_analytics(event_id: i64) -> Result<EventAnalytics, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.analytics().event(&actor, event_id).await {
        Ok(e) => Ok(e),
        Err(e) => ssr::fail(e),
    }
}
