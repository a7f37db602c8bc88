//! `/api/v1/admin/analytics/platform` (the admin's dashboard) and
//! `/api/v1/events/{id}/analytics` (an event's dashboard, for its organizer and admins): the
//! same figures the pages draw, as JSON.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Id, Json, Query};
use crate::state::AppState;
use axum::extract::State;
use evently::analytics::range::RangeQuery;
use evently::dto::analytics::{EventAnalytics, PlatformAnalytics};
use evently::error::ErrorBody;

/// `GET /api/v1/admin/analytics/platform`.
#[utoipa::path(
    get,
    path = "/api/v1/admin/analytics/platform",
    tag = "analytics",
    operation_id = "platform_analytics",
    summary = "The platform's sales over a date range (admins)",
    description = "Headline figures with the change against the previous period of the same \
        length, tickets and ticket value over time (ticket value per currency: the sum of \
        ticket prices booked, never summed across currencies; Evently takes no payments), \
        sales by category and city, the top 10 events by tickets and by ticket value, the \
        funnel from event page views to bookings, and waitlist figures. Days are UTC. The \
        figures are folded from the per-event rollups every 20 seconds (`as_of`).",
    params(RangeQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The dashboard's figures", body = PlatformAnalytics),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a bad range, date or granularity", body = ErrorBody),
    ),
)]
pub async fn platform(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<PlatformAnalytics>> {
    Ok(Json(s.core.analytics().platform(&actor, &q).await?))
}

/// `GET /api/v1/events/{id}/analytics`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/analytics",
    tag = "analytics",
    operation_id = "event_analytics",
    summary = "One event's sales dashboard (its organizer and admins)",
    description = "The sales curve since sales opened (cumulative tickets less cancellations \
        per ticket type), sold / held / left per ticket type, ticket value per currency, \
        cancellations, check-ins per hour around the event, the waitlist and the funnel. Read \
        live: exact at the moment of the request. Another organizer's event answers 404.",
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The event's figures", body = EventAnalytics),
        (status = 404, description = "`not_found`: no such event, or not yours", body = ErrorBody),
    ),
)]
pub async fn event(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<EventAnalytics>> {
    Ok(Json(s.core.analytics().event(&actor, id).await?))
}
