//! Analytics: the admin's platform dashboard and an organizer's event dashboard, the page
//! view counter, and the fold that keeps level 2 of the rollups up to date.
//!
//! Figures come from rollup tables, never from scanning bookings per request: level 1
//! (`sales_hourly`, per ticket type, hour and currency) is written by the same transactions
//! as the facts; level 2 (per day, category, city and currency; per platform hour; per event
//! and day) is folded from it every [`fold::FOLD_EVERY_SECONDS`]. `server check` verifies both.

pub mod event;
pub mod export;
pub mod figures;
pub mod fold;
pub mod platform;
pub mod range;
pub mod views;

use crate::actor::Actor;
use crate::context::Ctx;
use crate::domain::Role;
use crate::dto::analytics::{EventAnalytics, PlatformAnalytics};
use crate::error::{ApiError, ErrorCode};
use crate::store;
use range::{Range, RangeQuery};
use std::sync::Arc;

/// What can go wrong reading analytics.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AnalyticsError {
    #[error("not found")]
    NotFound,
    #[error("admins only")]
    Forbidden,
    #[error("invalid input: {0}")]
    Invalid(ApiError),
    #[error("internal error")]
    Internal,
}

impl AnalyticsError {
    fn db(context: &str, e: sqlx::Error) -> Self {
        crate::db::log_failure(context, &e);
        AnalyticsError::Internal
    }
}

impl From<AnalyticsError> for ApiError {
    fn from(e: AnalyticsError) -> Self {
        match e {
            AnalyticsError::NotFound => ApiError::not_found("event"),
            AnalyticsError::Forbidden => ApiError::new(
                ErrorCode::Forbidden,
                "only admins can see the platform's analytics",
            ),
            AnalyticsError::Invalid(api) => api,
            AnalyticsError::Internal => ApiError::internal(),
        }
    }
}

/// The analytics feature.
pub struct AnalyticsService {
    ctx: Ctx,
    views: Arc<views::PageViews>,
    /// Recent seats per event and hour as the last fold saw them (see [`fold::run`]).
    seen: Arc<std::sync::Mutex<fold::SeatSums>>,
}

impl AnalyticsService {
    pub(crate) fn new(ctx: Ctx) -> Self {
        AnalyticsService {
            ctx,
            views: Arc::default(),
            seen: Arc::default(),
        }
    }

    /// The platform dashboard for a range (admins only).
    pub async fn platform(
        &self,
        actor: &Actor,
        q: &RangeQuery,
    ) -> Result<PlatformAnalytics, AnalyticsError> {
        if actor.role != Role::Admin {
            return Err(AnalyticsError::Forbidden);
        }
        let today = self
            .ctx
            .clock()
            .now_ms()
            .div_euclid(24 * store::rollups::HOUR_MS);
        let r = Range::parse(q, today).map_err(AnalyticsError::Invalid)?;
        let db = self.ctx.db();
        let state = store::rollup_fold::state(db)
            .await
            .map_err(|e| AnalyticsError::db("reading the fold state failed", e))?;
        let as_of = if state.folded_at > 0 {
            let at = crate::clock::to_datetime(state.folded_at);
            (
                at.to_rfc3339(),
                at.format("%-d %b %Y %H:%M:%S UTC").to_string(),
            )
        } else {
            (String::new(), "not yet".to_string())
        };
        platform::build(db, r, as_of)
            .await
            .map_err(|e| AnalyticsError::db("reading platform analytics failed", e))
    }

    /// One event's dashboard: its organizer and admins; anyone else is told it does not
    /// exist.
    pub async fn event(
        &self,
        actor: &Actor,
        event_id: i64,
    ) -> Result<EventAnalytics, AnalyticsError> {
        let db = self.ctx.db();
        let events = crate::events::EventService::new(self.ctx.clone());
        let fail = |e| AnalyticsError::db("reading event analytics failed", e);
        // The rollup reads run beside the sales (which check who may see the event first);
        // their rows are dropped unread when the answer is no.
        let (sales, rest) = futures::join!(
            events.event_sales(actor, event_id),
            futures::future::try_join3(
                store::analytics::event_hours(db, event_id),
                store::analytics::event_page_views(db, event_id),
                store::analytics::event_waiting(db, event_id),
            )
        );
        let sales = sales.map_err(|e| match ApiError::from(e) {
            api if api.code == ErrorCode::Internal => AnalyticsError::Internal,
            _ => AnalyticsError::NotFound,
        })?;
        let (hours, views, waiting) = rest.map_err(fail)?;
        Ok(event::build(
            sales,
            hours,
            views,
            waiting,
            self.ctx.clock().now_ms(),
        ))
    }

    /// Folds level 2 now (the worker calls this every [`fold::FOLD_EVERY_SECONDS`]).
    pub async fn fold(&self) -> Result<fold::Folded, sqlx::Error> {
        // What the last committed fold saw; a failed fold leaves it as it was.
        let seen = self
            .seen
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default();
        match fold::run(&self.ctx, &seen).await {
            Ok((folded, now_seen)) => {
                if let Ok(mut s) = self.seen.lock() {
                    *s = now_seen;
                }
                Ok(folded)
            }
            Err(e) => {
                if let Ok(mut s) = self.seen.lock() {
                    *s = seen;
                }
                Err(e)
            }
        }
    }

    /// Counts a view of an event page by a person (not a bot; see [`views::is_bot`]).
    pub fn count_view(&self, slug: &str) {
        self.views.count(slug, self.ctx.clock().now_ms());
    }

    /// Writes the views counted so far; they are kept for the next try if that fails.
    pub async fn flush_views(&self) -> Result<usize, sqlx::Error> {
        let rows = self.views.take();
        if rows.is_empty() {
            return Ok(0);
        }
        let n = rows.len();
        match store::rollup_fold::add_page_views(self.ctx.db(), &rows, self.ctx.clock().now_ms())
            .await
        {
            Ok(()) => Ok(n),
            Err(e) => {
                self.views.restore(rows);
                Err(e)
            }
        }
    }
}
