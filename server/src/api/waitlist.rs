//! Waitlists: joining a sold-out ticket type's queue, offers, and the organizer's controls.

use super::bookings::{created, idempotency_key};
use crate::auth::CurrentUser;
use crate::error::{ApiResult, Body, HttpError, Id, Json, Query};
use crate::state::AppState;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use evently::ApiError;
use evently::dto::{
    AcceptOfferRequest, BookingView, JoinWaitlistRequest, OrganizerWaitlistEntry, Page,
    WaitlistControl, WaitlistEntryView, WaitlistQueueView,
};
use evently::error::{ErrorBody, ErrorCode};
use serde::Deserialize;

/// `POST /api/v1/events/{id}/waitlist` with `{ticket_type_id, quantity}`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/waitlist",
    tag = "waitlist",
    operation_id = "join_waitlist",
    summary = "Join a sold-out ticket type's waitlist",
    description = "Only while the ticket type has no seats left to the public (else 409 \
        `seats_available`: book instead). Joining again is idempotent: the same entry comes \
        back (200). A changed quantity updates the entry: it keeps its place if the quantity \
        did not grow, and moves to the back of the queue if it grew. The place is assigned \
        by the database in commit order; `position` is the rank among the people in the \
        queue (1, 2, 3... without gaps). Rate limited like booking.\n\n\
        Offers go in queue order. When seats come back, the first entry not yet served gets \
        an offer: a hold of all the seats it asked for, for the event's `offer_minutes` \
        (default 30). If it wants more seats than have come back, the seats are set aside for \
        it (a hold owned by the entry, `offered_quantity` < `quantity`) for at most one offer \
        lifetime while more come back; it may accept the smaller number at once, or decline \
        them and keep waiting. When that time runs out, the set-aside seats go to the entries \
        after it and it keeps its place. An organizer may switch a ticket type to `first_fit` \
        (seats go to the first entries whose quantity fits; nothing is set aside) and may \
        pause a queue (no offers; returned seats go on public sale). Declining an offer or \
        letting it expire passes its seats on at once. Offers cannot be renewed.",
    params(Id),
    request_body = JoinWaitlistRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "Joined: the new entry", body = WaitlistEntryView),
        (status = 200, description = "Already in the queue: the entry (updated if the quantity changed)", body = WaitlistEntryView),
        (status = 404, description = "`not_found`: no such event or ticket type", body = ErrorBody),
        (status = 409, description = "`seats_available` (book instead), `sale_closed`, `event_not_bookable` (cancelled), `seat_limit`, or `conflict` (an offer is waiting for your answer)", body = ErrorBody),
        (status = 422, description = "`invalid_input`: quantity outside 1 to the ticket type's per-booking maximum", body = ErrorBody),
    ),
)]
pub async fn join(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    Json(req): Json<JoinWaitlistRequest>,
) -> ApiResult<(StatusCode, Json<WaitlistEntryView>)> {
    let (entry, new) = s
        .core
        .waitlist()
        .join(&actor, event_id, req.ticket_type_id, req.quantity)
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(entry)))
}

/// `GET /api/v1/me/waitlist`.
#[utoipa::path(
    get,
    path = "/api/v1/me/waitlist",
    tag = "waitlist",
    operation_id = "my_waitlist",
    summary = "Your waitlist entries (those in a queue first)",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "Your entries", body = Vec<WaitlistEntryView>)),
)]
pub async fn mine(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<Vec<WaitlistEntryView>>> {
    Ok(Json(s.core.waitlist().mine(&actor).await?))
}

/// `GET /api/v1/waitlist/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/waitlist/{id}",
    tag = "waitlist",
    operation_id = "get_waitlist_entry",
    summary = "One of your waitlist entries",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The entry", body = WaitlistEntryView),
        (status = 404, description = "`not_found`: no such entry of yours", body = ErrorBody),
    ),
)]
pub async fn get(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<WaitlistEntryView>> {
    Ok(Json(s.core.waitlist().entry(&actor, id).await?))
}

/// `DELETE /api/v1/waitlist/{id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/waitlist/{id}",
    tag = "waitlist",
    operation_id = "leave_waitlist",
    summary = "Leave the queue (an offer's seats pass on at once)",
    description = "Leaving twice returns the entry as it is.",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The entry, now `left`", body = WaitlistEntryView),
        (status = 404, description = "`not_found`: no such entry of yours", body = ErrorBody),
    ),
)]
pub async fn leave(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<WaitlistEntryView>> {
    Ok(Json(s.core.waitlist().leave(&actor, id).await?))
}

/// `POST /api/v1/waitlist/{id}/accept` with `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/{id}/accept",
    tag = "waitlist",
    operation_id = "accept_offer",
    summary = "Accept an offer: its seats are booked",
    description = "Books the offer's hold through the booking engine (the same as \
        `POST /api/v1/holds/{hold_id}/confirm`). Seats set aside (fewer than asked for) may \
        be accepted as they are. A retry with the same `Idempotency-Key` returns the same \
        booking with `Idempotent-Replayed: true`. The booking is an ordinary booking from then \
        on (in My bookings, cancellable).",
    params(Id, super::bookings::IdempotencyKey),
    request_body(content = Option<AcceptOfferRequest>, description = "Optional attendee names, one per seat"),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The booking", body = BookingView,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to a retried key"))),
        (status = 400, description = "`missing_idempotency_key`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such entry of yours", body = ErrorBody),
        (status = 409, description = "`conflict`: no offer to accept (still waiting, or the entry ended)", body = ErrorBody),
        (status = 410, description = "`hold_expired`: the offer expired and its seats went on", body = ErrorBody),
        (status = 422, description = "`invalid_input` (attendee names, Idempotency-Key) or `idempotency_mismatch`", body = ErrorBody),
    ),
)]
pub async fn accept(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Response> {
    let super::bookings::IdempotencyKey(key) = idempotency_key(&headers)?;
    let req: AcceptOfferRequest = super::bookings::optional_body(&body)?;
    let (booking, replayed): (BookingView, bool) = s
        .core
        .waitlist()
        .accept(&actor, id, &key, &req.attendee_names)
        .await?;
    Ok(created(booking, replayed))
}

/// `POST /api/v1/waitlist/{id}/decline`.
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/{id}/decline",
    tag = "waitlist",
    operation_id = "decline_offer",
    summary = "Decline an offer: its seats pass on at once",
    description = "Declining a complete offer leaves the queue (`left`). Declining seats set \
        aside (fewer than asked for) keeps the entry waiting for all it asked for, at its place.",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The entry", body = WaitlistEntryView),
        (status = 404, description = "`not_found`: no such entry of yours", body = ErrorBody),
        (status = 409, description = "`conflict`: no offer to decline", body = ErrorBody),
        (status = 410, description = "`hold_expired`: the offer already expired", body = ErrorBody),
    ),
)]
pub async fn decline(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<WaitlistEntryView>> {
    Ok(Json(s.core.waitlist().decline(&actor, id).await?))
}

/// Query of the organizer's entry list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntriesQuery {
    /// Only this ticket type's queue.
    pub ticket_type_id: Option<i64>,
    /// `true`: only entries still in a queue (waiting or offered).
    #[serde(default)]
    pub active: bool,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Entries per page (1 to 200, default 50).
    pub limit: Option<i64>,
}

/// `GET /api/v1/events/{id}/waitlist`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/waitlist",
    tag = "waitlist",
    operation_id = "event_waitlist",
    summary = "An event's waitlist entries (organizer), by ticket type and place",
    params(Id, EntriesQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of entries", body = Page<OrganizerWaitlistEntry>),
        (status = 404, description = "`not_found`: no such event of yours", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a bad cursor or query", body = ErrorBody),
    ),
)]
pub async fn entries(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    Query(q): Query<EntriesQuery>,
) -> ApiResult<Json<Page<OrganizerWaitlistEntry>>> {
    Ok(Json(
        s.core
            .waitlist()
            .entries(
                &actor,
                event_id,
                q.ticket_type_id,
                q.active,
                q.cursor.as_deref(),
                q.limit.unwrap_or(50),
            )
            .await?,
    ))
}

/// `GET /api/v1/events/{id}/waitlist/queues`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/waitlist/queues",
    tag = "waitlist",
    operation_id = "event_waitlist_queues",
    summary = "Each ticket type's queue figures (organizer)",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Queue length, seats set aside, offers out, accepted and expired", body = Vec<WaitlistQueueView>),
        (status = 404, description = "`not_found`: no such event of yours", body = ErrorBody),
    ),
)]
pub async fn queues(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
) -> ApiResult<Json<Vec<WaitlistQueueView>>> {
    Ok(Json(s.core.waitlist().queues(&actor, event_id).await?))
}

/// `POST /api/v1/events/{id}/waitlist/pause` with `{ticket_type_id}`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/waitlist/pause",
    tag = "waitlist",
    operation_id = "pause_waitlist",
    summary = "Pause a queue: no new offers (returned seats go on public sale)",
    params(Id),
    request_body = WaitlistControl,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The queue", body = WaitlistQueueView),
        (status = 404, description = "`not_found`: no such event or ticket type of yours", body = ErrorBody),
    ),
)]
pub async fn pause(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    Json(req): Json<WaitlistControl>,
) -> ApiResult<Json<WaitlistQueueView>> {
    Ok(Json(
        s.core
            .waitlist()
            .set_paused(&actor, event_id, req.ticket_type_id, true)
            .await?,
    ))
}

/// `POST /api/v1/events/{id}/waitlist/resume` with `{ticket_type_id}`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/waitlist/resume",
    tag = "waitlist",
    operation_id = "resume_waitlist",
    summary = "Resume a queue: free seats are offered at once",
    params(Id),
    request_body = WaitlistControl,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The queue", body = WaitlistQueueView),
        (status = 404, description = "`not_found`: no such event or ticket type of yours", body = ErrorBody),
    ),
)]
pub async fn resume(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    Json(req): Json<WaitlistControl>,
) -> ApiResult<Json<WaitlistQueueView>> {
    Ok(Json(
        s.core
            .waitlist()
            .set_paused(&actor, event_id, req.ticket_type_id, false)
            .await?,
    ))
}

/// `POST /api/v1/events/{id}/waitlist/order` with `{ticket_type_id, order}`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/waitlist/order",
    tag = "waitlist",
    operation_id = "order_waitlist",
    summary = "How a queue offers seats: `queue` (default) or `first_fit`",
    params(Id),
    request_body = WaitlistControl,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The queue", body = WaitlistQueueView),
        (status = 404, description = "`not_found`: no such event or ticket type of yours", body = ErrorBody),
        (status = 422, description = "`invalid_input`: order is not `queue` or `first_fit`", body = ErrorBody),
    ),
)]
pub async fn order(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    Json(req): Json<WaitlistControl>,
) -> ApiResult<Json<WaitlistQueueView>> {
    let order = req.order.as_deref().unwrap_or("");
    Ok(Json(
        s.core
            .waitlist()
            .set_order(&actor, event_id, req.ticket_type_id, order)
            .await?,
    ))
}

/// The event and entry ids of `/api/v1/events/{id}/waitlist/{entry_id}`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EventEntry {
    /// The event.
    #[param(minimum = 1)]
    pub id: i64,
    /// The waitlist entry.
    #[param(minimum = 1)]
    pub entry_id: i64,
}

impl<S: Send + Sync> FromRequestParts<S> for EventEntry {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = || HttpError(ApiError::new(ErrorCode::NotFound, "not found"));
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| not_found())?;
        match (a.parse::<i64>(), b.parse::<i64>()) {
            (Ok(id), Ok(entry_id)) if id > 0 && entry_id > 0 => Ok(EventEntry { id, entry_id }),
            _ => Err(not_found()),
        }
    }
}

/// `DELETE /api/v1/events/{id}/waitlist/{entry_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/events/{id}/waitlist/{entry_id}",
    tag = "waitlist",
    operation_id = "remove_waitlist_entry",
    summary = "Remove an entry from a queue (organizer); an offer's seats pass on at once",
    params(EventEntry),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The entry, now `removed` (or as it was, if it had ended)", body = OrganizerWaitlistEntry),
        (status = 404, description = "`not_found`: no such entry of an event of yours", body = ErrorBody),
    ),
)]
pub async fn remove(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    ids: EventEntry,
) -> ApiResult<Json<OrganizerWaitlistEntry>> {
    Ok(Json(
        s.core
            .waitlist()
            .remove(&actor, ids.id, ids.entry_id)
            .await?,
    ))
}
