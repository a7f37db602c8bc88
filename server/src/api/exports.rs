//! CSV downloads: an event's bookings, attendees and waitlist (for those who manage it), all
//! bookings and users (admins). The rows stream from the database page by page; see
//! [`evently::analytics::export`].

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Id, Query};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use evently::analytics::export::{self, CsvExport, DateRange, ExportRequest};
use evently::error::ErrorBody;
use serde::Deserialize;

/// A range of creation days.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day (UTC, `YYYY-MM-DD`) of bookings made, included; blank: from the start.
    #[param(format = Date, example = "2026-12-01")]
    pub from: Option<String>,
    /// Last day (UTC, `YYYY-MM-DD`), included; blank: up to now. Not before `from`.
    #[param(format = Date, example = "2026-12-31")]
    pub to: Option<String>,
}

/// All bookings, or one event's, in a range of creation days.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminBookingsQuery {
    /// Only this event's bookings; blank: every event.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub event_id: Option<String>,
    /// First day (UTC, `YYYY-MM-DD`) of bookings made, included; blank: from the start.
    #[param(format = Date, example = "2026-12-01")]
    pub from: Option<String>,
    /// Last day (UTC, `YYYY-MM-DD`), included; blank: up to now. Not before `from`.
    #[param(format = Date, example = "2026-12-31")]
    pub to: Option<String>,
}

/// A users export's search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserExportQuery {
    /// Part of an e-mail address or name (at most 100 characters); blank: everyone.
    pub q: Option<String>,
}

/// The download: `text/csv`, as an attachment named after what it holds.
fn csv(export: CsvExport) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", export.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from_stream(export.rows),
    )
        .into_response()
}

/// `GET /api/v1/events/{id}/bookings/export.csv?from=&to=`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/bookings/export.csv",
    tag = "events",
    operation_id = "export_event_bookings",
    summary = "An event's bookings as CSV (its organizer and admins)",
    description = "One row per booking, cancelled ones included (see `status`), in booking \
        order: code, ticket type, quantity, `unit_price` and `ticket_value` (decimals, with `currency`; Evently \
        takes no payment, so these are what the tickets are worth, not money received), \
        booker, times in ISO 8601 UTC. Cells a spreadsheet would run as a formula start with \
        `'`. Streamed; 20 exports per 10 minutes per user; each export is audit-logged.",
    params(Id, RangeQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The CSV (`bookings-<slug>-<date>.csv`)", content_type = "text/csv", body = String),
        (status = 404, description = "`not_found`: no such event, or not one you manage", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a bad `from` or `to`, or `from` after `to` (`field` says which)", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many exports; see `Retry-After`", body = ErrorBody),
    ),
)]
pub async fn event_bookings(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Response> {
    let range = DateRange::parse(q.from.as_deref(), q.to.as_deref())?;
    let req = ExportRequest::EventBookings { event_id, range };
    Ok(csv(export::start(&s.core, &actor, &req).await?))
}

/// `GET /api/v1/events/{id}/attendees/export.csv`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/attendees/export.csv",
    tag = "events",
    operation_id = "export_attendees",
    summary = "An event's attendees as CSV, one row per ticket (its organizer and admins)",
    description = "Tickets of confirmed bookings: code, booking, ticket type, attendee and \
        booker, `ticket_value` with `currency`, and check-in state (`checked_in`, \
        `checked_in_at`, `checked_in_by`). Streamed; rate limited and audit-logged like every \
        export.",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The CSV (`attendees-<slug>-<date>.csv`)", content_type = "text/csv", body = String),
        (status = 404, description = "`not_found`: no such event, or not one you manage", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many exports; see `Retry-After`", body = ErrorBody),
    ),
)]
pub async fn attendees(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
) -> ApiResult<Response> {
    let req = ExportRequest::Attendees { event_id };
    Ok(csv(export::start(&s.core, &actor, &req).await?))
}

/// `GET /api/v1/events/{id}/waitlist/export.csv`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/waitlist/export.csv",
    tag = "events",
    operation_id = "export_waitlist",
    summary = "An event's waitlist entries as CSV (its organizer and admins)",
    description = "Every entry, ended ones included (see `status`): ticket type, place, \
        quantity, person, offers, the booking an offer became. Streamed; rate limited and \
        audit-logged like every export.",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The CSV (`waitlist-<slug>-<date>.csv`)", content_type = "text/csv", body = String),
        (status = 404, description = "`not_found`: no such event, or not one you manage", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many exports; see `Retry-After`", body = ErrorBody),
    ),
)]
pub async fn waitlist(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
) -> ApiResult<Response> {
    let req = ExportRequest::Waitlist { event_id };
    Ok(csv(export::start(&s.core, &actor, &req).await?))
}

/// `GET /api/v1/admin/bookings/export.csv?event_id=&from=&to=` (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/bookings/export.csv",
    tag = "admin",
    operation_id = "export_all_bookings",
    summary = "Bookings of every event, or of one, as CSV (admins)",
    description = "The columns of `GET /api/v1/events/{id}/bookings/export.csv`; rows by \
        event, then booking.",
    params(AdminBookingsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The CSV (`bookings-all-events-<date>.csv`, or `bookings-<slug>-<date>.csv`)", content_type = "text/csv", body = String),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 404, description = "`not_found`: no event has that `event_id`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a bad `event_id`, `from` or `to`, or `from` after `to` (`field` says which)", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many exports; see `Retry-After`", body = ErrorBody),
    ),
)]
pub async fn all_bookings(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<AdminBookingsQuery>,
) -> ApiResult<Response> {
    let event_id = export::parse_event_id("event_id", q.event_id.as_deref())?;
    let range = DateRange::parse(q.from.as_deref(), q.to.as_deref())?;
    let req = ExportRequest::AllBookings { event_id, range };
    Ok(csv(export::start(&s.core, &actor, &req).await?))
}

/// `GET /api/v1/admin/users/export.csv?q=` (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/users/export.csv",
    tag = "admin",
    operation_id = "export_users",
    summary = "Accounts as CSV (admins)",
    description = "Every account not erased (never a password hash): e-mail, name, role, \
        whether disabled, when the address was confirmed and marketing consented to, when \
        it was created. Streamed; rate limited and audit-logged like every export.",
    params(UserExportQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The CSV (`users-<date>.csv`)", content_type = "text/csv", body = String),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `q` over 100 characters", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many exports; see `Retry-After`", body = ErrorBody),
    ),
)]
pub async fn users(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<UserExportQuery>,
) -> ApiResult<Response> {
    let req = ExportRequest::users(q.q.as_deref())?;
    Ok(csv(export::start(&s.core, &actor, &req).await?))
}
