//! Bookings and holds.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Body, HttpError, Id, Json};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use evently::ApiError;
use evently::dto::{BookRequest, BookingView, CancelOutcome, HoldView, MyBooking};
use evently::error::{ErrorBody, ErrorCode};
use serde::Deserialize;

/// The `Idempotency-Key` header of a booking or hold request.
#[derive(utoipa::IntoParams)]
#[into_params(names("Idempotency-Key"), parameter_in = Header)]
pub struct IdempotencyKey(
    /// 1 to 255 visible ASCII characters, unique per attempt (a UUID is a good choice). A
    /// retry with the same key and body returns the first answer (with `Idempotent-Replayed:
    /// true`) and never books twice; the same key with another body is refused with 422
    /// `idempotency_mismatch`.
    #[param(min_length = 1, max_length = 255, pattern = "^[!-~]+$")]
    pub String,
);

pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<IdempotencyKey, HttpError> {
    match headers.get("idempotency-key") {
        None => Err(HttpError(
            ApiError::new(
                ErrorCode::MissingIdempotencyKey,
                "send an Idempotency-Key header (for example a UUID) so retries are safe",
            )
            .with_field("Idempotency-Key"),
        )),
        Some(v) => v
            .to_str()
            .map(|s| IdempotencyKey(s.trim().to_string()))
            .map_err(|_| {
                HttpError(ApiError::invalid(
                    "Idempotency-Key",
                    "Idempotency-Key must be printable ASCII",
                ))
            }),
    }
}

pub(crate) fn created<T: serde::Serialize>(body: T, replayed: bool) -> Response {
    let mut res = (StatusCode::CREATED, axum::Json(body)).into_response();
    if replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}

/// `POST /api/v1/events/{id}/bookings` with `{ticket_type_id, quantity}` and `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/bookings",
    tag = "bookings",
    operation_id = "book",
    summary = "Book seats in one step",
    description = "Takes the seats and confirms them at once. Retries with the same \
        `Idempotency-Key` return the first answer and never book twice.",
    params(Id, IdempotencyKey),
    request_body = BookRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The booking (or, for a retried key, the first answer)", body = BookingView,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to a retried key"))),
        (status = 400, description = "`missing_idempotency_key`: send an `Idempotency-Key` header", body = ErrorBody),
        (status = 404, description = "`not_found`: no such event or ticket type", body = ErrorBody),
        (status = 409, description = "`sold_out` (the message says how many seats are left), `sale_closed` or `event_not_bookable`", body = ErrorBody),
        (status = 422, description = "`invalid_input` (quantity, Idempotency-Key) or `idempotency_mismatch` (the key was used for another request)", body = ErrorBody),
    ),
)]
pub async fn book(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    headers: HeaderMap,
    Json(req): Json<BookRequest>,
) -> ApiResult<Response> {
    let IdempotencyKey(key) = idempotency_key(&headers)?;
    let (booking, replayed) = s
        .core
        .bookings()
        .book(&actor, event_id, req.ticket_type_id, req.quantity, &key)
        .await?;
    Ok(created(booking, replayed))
}

/// `POST /api/v1/events/{id}/holds` with `{ticket_type_id, quantity}` and `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/holds",
    tag = "holds",
    operation_id = "hold",
    summary = "Hold seats for checkout",
    description = "The seats count as taken until the hold is confirmed, released or expires \
        (after the event's `hold_minutes`). Retries with the same `Idempotency-Key` return \
        the first hold.",
    params(Id, IdempotencyKey),
    request_body = BookRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The hold (or, for a retried key, the first answer)", body = HoldView,
            headers(("Idempotent-Replayed" = String, description = "`true` when this is the stored answer to a retried key"))),
        (status = 400, description = "`missing_idempotency_key`: send an `Idempotency-Key` header", body = ErrorBody),
        (status = 404, description = "`not_found`: no such event or ticket type", body = ErrorBody),
        (status = 409, description = "`sold_out` (the message says how many seats are left), `sale_closed` or `event_not_bookable`", body = ErrorBody),
        (status = 422, description = "`invalid_input` (quantity, Idempotency-Key) or `idempotency_mismatch` (the key was used for another request)", body = ErrorBody),
    ),
)]
pub async fn hold(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    headers: HeaderMap,
    Json(req): Json<BookRequest>,
) -> ApiResult<Response> {
    let IdempotencyKey(key) = idempotency_key(&headers)?;
    let (hold, replayed) = s
        .core
        .bookings()
        .hold(&actor, event_id, req.ticket_type_id, req.quantity, &key)
        .await?;
    Ok(created(hold, replayed))
}

/// An optional JSON body of attendee names: no body and a JSON `null` both mean "none".
pub(crate) fn optional_body<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, HttpError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice::<Option<T>>(body)
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            HttpError(ApiError::invalid(
                "attendee_names",
                format!("invalid body: {e}"),
            ))
        })
}

/// The optional body of `POST /api/v1/holds/{id}/confirm`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfirmRequest {
    /// One name per ticket, in order (at most the hold's quantity; blank leaves a ticket
    /// unnamed).
    #[serde(default)]
    pub attendee_names: Vec<String>,
}

/// `POST /api/v1/holds/{id}/confirm` with optional `{attendee_names: [...]}`.
#[utoipa::path(
    post,
    path = "/api/v1/holds/{id}/confirm",
    tag = "holds",
    operation_id = "confirm_hold",
    summary = "Confirm a hold into a booking",
    description = "The body is optional. Confirming a confirmed hold again returns its booking.",
    params(Id),
    request_body(content = Option<ConfirmRequest>, content_type = "application/json"),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The booking", body = BookingView),
        (status = 404, description = "`not_found`: no such hold of yours", body = ErrorBody),
        (status = 409, description = "`conflict`: the hold was released", body = ErrorBody),
        (status = 410, description = "`hold_expired`: the hold expired and its seats were released", body = ErrorBody),
        (status = 422, description = "`invalid_input`: an attendee name (`field` says which) or the body", body = ErrorBody),
    ),
)]
pub async fn confirm(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<BookingView>)> {
    let req: ConfirmRequest = optional_body(&body)?;
    Ok((
        StatusCode::CREATED,
        Json(
            s.core
                .bookings()
                .confirm_hold(&actor, id, &req.attendee_names)
                .await?,
        ),
    ))
}

/// `POST /api/v1/holds/{id}/renew`.
#[utoipa::path(
    post,
    path = "/api/v1/holds/{id}/renew",
    tag = "holds",
    operation_id = "renew_hold",
    summary = "Extend a hold (a bounded number of times)",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The hold with its new expiry", body = HoldView),
        (status = 404, description = "`not_found`: no such hold of yours", body = ErrorBody),
        (status = 409, description = "`renew_limit` (extended too often) or `conflict` (the hold was confirmed or released)", body = ErrorBody),
        (status = 410, description = "`hold_expired`: the hold expired and its seats were released", body = ErrorBody),
    ),
)]
pub async fn renew(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(s.core.bookings().renew_hold(&actor, id).await?))
}

/// `DELETE /api/v1/holds/{id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/holds/{id}",
    tag = "holds",
    operation_id = "release_hold",
    summary = "Release a hold; its seats return at once",
    description = "Releasing a hold that is no longer active returns it as it is.",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The released hold", body = HoldView),
        (status = 404, description = "`not_found`: no such hold of yours", body = ErrorBody),
        (status = 409, description = "`conflict`: the hold was confirmed", body = ErrorBody),
    ),
)]
pub async fn release(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(s.core.bookings().release_hold(&actor, id).await?))
}

/// `GET /api/v1/holds/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/holds/{id}",
    tag = "holds",
    operation_id = "get_hold",
    summary = "A hold of yours",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The hold", body = HoldView),
        (status = 404, description = "`not_found`: no such hold of yours", body = ErrorBody),
    ),
)]
pub async fn get_hold(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(s.core.bookings().hold_for(&actor, id).await?))
}

/// `GET /api/v1/bookings/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{id}",
    tag = "bookings",
    operation_id = "get_booking",
    summary = "A booking of yours",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The booking", body = BookingView),
        (status = 404, description = "`not_found`: no such booking of yours", body = ErrorBody),
    ),
)]
pub async fn get(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<BookingView>> {
    Ok(Json(s.core.bookings().booking_for(&actor, id).await?))
}

/// `POST /api/v1/bookings/{id}/cancel`.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{id}/cancel",
    tag = "bookings",
    operation_id = "cancel_booking",
    summary = "Cancel a booking; a second cancel says it already was",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The cancelled booking", body = CancelOutcome),
        (status = 404, description = "`not_found`: no such booking of yours", body = ErrorBody),
        (status = 409, description = "`cancellation_closed`: the organizer's cancellation deadline has passed", body = ErrorBody),
    ),
)]
pub async fn cancel(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<CancelOutcome>> {
    Ok(Json(s.core.bookings().cancel_booking(&actor, id).await?))
}

/// `GET /api/v1/me/bookings`.
#[utoipa::path(
    get,
    path = "/api/v1/me/bookings",
    tag = "bookings",
    operation_id = "my_bookings",
    summary = "Your bookings with their events and tickets",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Your bookings", body = Vec<MyBooking>),
    ),
)]
pub async fn mine(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<Vec<MyBooking>>> {
    Ok(Json(s.core.bookings().my_bookings(&actor).await?))
}
