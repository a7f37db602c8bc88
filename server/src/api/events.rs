//! `/api/v1/events` and ticket types.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::Query;
use crate::error::{ApiResult, Id, Json};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use evently::dto::{
    CapacityRequest, CreateEventRequest, EventDetail, EventSummary, Page, SearchQuery,
    TicketTypeView,
};
use evently::error::ErrorBody;

/// `GET /api/v1/events?q=&category=&city=&from=&to=&min_price=&max_price=&free=&available=&sort=&cursor=&limit=`:
/// published events, keyset-paginated by `next_cursor`.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    operation_id = "search_events",
    summary = "Search upcoming published events",
    description = "Keyset pages: pass `next_cursor` back as `cursor` (with the same other \
        parameters) for the next page; `next_cursor` is null on the last page.",
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of events", body = Page<EventSummary>),
        (status = 422, description = "`invalid_input`: a parameter is invalid; `field` names it", body = ErrorBody),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Page<EventSummary>>> {
    Ok(Json(s.core.search().search_events(&q).await?))
}

/// `POST /api/v1/events`: a new draft event (organizers and admins).
#[utoipa::path(
    post,
    path = "/api/v1/events",
    tag = "events",
    operation_id = "create_event",
    summary = "Create a draft event with its ticket types (organizer or admin)",
    request_body = CreateEventRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The draft event", body = EventDetail),
        (status = 403, description = "`forbidden`: only organizers and admins create events", body = ErrorBody),
    ),
)]
pub async fn create(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Json(req): Json<CreateEventRequest>,
) -> ApiResult<(StatusCode, Json<EventDetail>)> {
    let event = s.core.events().create_event(&actor, &req).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

/// `GET /api/v1/events/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    operation_id = "get_event",
    summary = "An event with its ticket types and live availability",
    description = "Published events are public; drafts only to their organizer and admins.",
    params(Id),
    security((), ("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The event", body = EventDetail),
        (status = 404, description = "`not_found`: no such event, or a draft of someone else", body = ErrorBody),
    ),
)]
pub async fn get(
    State(s): State<AppState>,
    MaybeUser(actor): MaybeUser,
    Id(id): Id,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(s.core.events().event_for(actor.as_ref(), id).await?))
}

/// `PUT /api/v1/events/{id}`: edits an event (its organizer or an admin).
#[utoipa::path(
    put,
    path = "/api/v1/events/{id}",
    tag = "events",
    operation_id = "update_event",
    summary = "Edit an event and its ticket types (its organizer or an admin)",
    description = "The whole event as at creation. Ticket types with an `id` are edited, \
        those without are added; capacity goes up freely and down only to what is taken. \
        When the time or the place changes, every booker is e-mailed what changed, and the \
        bookings' reminders move with the start (as they do when `reminder_hours` changes).",
    params(Id),
    request_body = CreateEventRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The event as saved", body = EventDetail),
        (status = 404, description = "`not_found`: no such event, or not yours to manage", body = ErrorBody),
        (status = 409, description = "`conflict`: the event was cancelled; `capacity_below_taken`: fewer seats than are taken", body = ErrorBody),
        (status = 422, description = "`invalid_input`: every wrong field, each named", body = ErrorBody),
    ),
)]
pub async fn update(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    Json(req): Json<CreateEventRequest>,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(s.core.events().update_event(&actor, id, &req).await?))
}

/// `POST /api/v1/events/{id}/publish`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/publish",
    tag = "events",
    operation_id = "publish_event",
    summary = "Publish a draft event (its organizer or an admin)",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The published event (publishing twice is harmless)", body = EventDetail),
        (status = 404, description = "`not_found`: no such event, or not yours to manage", body = ErrorBody),
        (status = 409, description = "`conflict`: the event was cancelled", body = ErrorBody),
    ),
)]
pub async fn publish(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(s.core.events().publish_event(&actor, id).await?))
}

/// `POST /api/v1/events/{id}/cancel`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/cancel",
    tag = "events",
    operation_id = "cancel_event",
    summary = "Cancel an event: every booking is cancelled and every hold released",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The cancelled event (cancelling twice is harmless)", body = EventDetail),
        (status = 404, description = "`not_found`: no such event, or not yours to manage", body = ErrorBody),
    ),
)]
pub async fn cancel(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(s.core.events().cancel_event(&actor, id).await?))
}

/// `POST` or `PUT /api/v1/ticket-types/{id}/capacity` with `{capacity}`.
#[utoipa::path(
    method(post, put),
    path = "/api/v1/ticket-types/{id}/capacity",
    tag = "events",
    operation_id = "set_capacity",
    summary = "Change capacity (down only to what is taken)",
    params(Id),
    request_body = CapacityRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The ticket type with its new capacity", body = TicketTypeView),
        (status = 404, description = "`not_found`: no such ticket type, or not yours to manage", body = ErrorBody),
        (status = 409, description = "`conflict`: more seats are taken than the new capacity, or the event was cancelled", body = ErrorBody),
        (status = 422, description = "`invalid_input`: capacity must be between 0 and 1,000,000", body = ErrorBody),
    ),
)]
pub async fn set_capacity(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    Json(req): Json<CapacityRequest>,
) -> ApiResult<Json<TicketTypeView>> {
    Ok(Json(
        s.core
            .events()
            .set_capacity(&actor, id, req.capacity)
            .await?,
    ))
}
