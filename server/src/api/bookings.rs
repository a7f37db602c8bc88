//! Bookings and holds.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, HttpError, Id, Json};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use evently::ApiError;
use evently::dto::{BookRequest, BookingView, CancelOutcome, HoldView, MyBooking};
use evently::error::ErrorCode;
use serde::Deserialize;

fn idempotency_key(headers: &HeaderMap) -> Result<String, HttpError> {
    match headers.get("idempotency-key") {
        None => Err(HttpError(
            ApiError::new(
                ErrorCode::MissingIdempotencyKey,
                "send an Idempotency-Key header (for example a UUID) so retries are safe",
            )
            .with_field("Idempotency-Key"),
        )),
        Some(v) => v.to_str().map(|s| s.trim().to_string()).map_err(|_| {
            HttpError(ApiError::invalid(
                "Idempotency-Key",
                "Idempotency-Key must be printable ASCII",
            ))
        }),
    }
}

fn created<T: serde::Serialize>(body: T, replayed: bool) -> Response {
    let mut res = (StatusCode::CREATED, axum::Json(body)).into_response();
    if replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}

/// `POST /api/v1/events/{id}/bookings` with `{ticket_type_id, quantity}` and `Idempotency-Key`.
pub async fn book(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    headers: HeaderMap,
    Json(req): Json<BookRequest>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let (booking, replayed) = s
        .core
        .bookings()
        .book(&actor, event_id, req.ticket_type_id, req.quantity, &key)
        .await?;
    Ok(created(booking, replayed))
}

/// `POST /api/v1/events/{id}/holds` with `{ticket_type_id, quantity}` and `Idempotency-Key`.
pub async fn hold(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    headers: HeaderMap,
    Json(req): Json<BookRequest>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let (hold, replayed) = s
        .core
        .bookings()
        .hold(&actor, event_id, req.ticket_type_id, req.quantity, &key)
        .await?;
    Ok(created(hold, replayed))
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmRequest {
    #[serde(default)]
    pub attendee_names: Vec<String>,
}

/// `POST /api/v1/holds/{id}/confirm` with optional `{attendee_names: [...]}`.
pub async fn confirm(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<BookingView>)> {
    let req: ConfirmRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ConfirmRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            HttpError(ApiError::invalid(
                "attendee_names",
                format!("invalid body: {e}"),
            ))
        })?
    };
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
pub async fn renew(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(s.core.bookings().renew_hold(&actor, id).await?))
}

/// `DELETE /api/v1/holds/{id}`.
pub async fn release(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(s.core.bookings().release_hold(&actor, id).await?))
}

/// `GET /api/v1/holds/{id}`.
pub async fn get_hold(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<HoldView>> {
    Ok(Json(s.core.bookings().hold_for(&actor, id).await?))
}

/// `GET /api/v1/bookings/{id}`.
pub async fn get(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<BookingView>> {
    Ok(Json(s.core.bookings().booking_for(&actor, id).await?))
}

/// `POST /api/v1/bookings/{id}/cancel`.
pub async fn cancel(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<CancelOutcome>> {
    Ok(Json(s.core.bookings().cancel_booking(&actor, id).await?))
}

/// `GET /api/v1/me/bookings`.
pub async fn mine(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<Vec<MyBooking>>> {
    Ok(Json(s.core.bookings().my_bookings(&actor).await?))
}
