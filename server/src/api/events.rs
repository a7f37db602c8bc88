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

/// `GET /api/v1/events?q=&category=&city=&from=&to=&min_price=&max_price=&free=&available=&sort=&cursor=&limit=`:
/// published events, keyset-paginated by `next_cursor`.
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Page<EventSummary>>> {
    Ok(Json(s.core.search().search_events(&q).await?))
}

/// `POST /api/v1/events`: a new draft event (organizers and admins).
pub async fn create(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Json(req): Json<CreateEventRequest>,
) -> ApiResult<(StatusCode, Json<EventDetail>)> {
    let event = s.core.events().create_event(&actor, &req).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

/// `GET /api/v1/events/{id}`.
pub async fn get(
    State(s): State<AppState>,
    MaybeUser(actor): MaybeUser,
    Id(id): Id,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(s.core.events().event_for(actor.as_ref(), id).await?))
}

/// `POST /api/v1/events/{id}/publish`.
pub async fn publish(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(s.core.events().publish_event(&actor, id).await?))
}

/// `POST /api/v1/events/{id}/cancel`.
pub async fn cancel(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<EventDetail>> {
    Ok(Json(s.core.events().cancel_event(&actor, id).await?))
}

/// `POST /api/v1/ticket-types/{id}/capacity` with `{capacity}`.
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
