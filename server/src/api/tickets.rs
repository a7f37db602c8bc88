//! Tickets and the door: the public key that verifies ticket QR codes, a booking's PDF,
//! the scanner's offline list and check-in by scan. Also the admin view of the outbox.

use crate::auth::CurrentUser;
use crate::error::{ApiResult, HttpError, Id, Json, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use evently::ApiError;
use evently::dto::{CheckInOutcome, CheckInRequest, OutboxOverview, ScannerList, TicketPublicKey};
use evently::error::{ErrorBody, ErrorCode};
use evently::store::outbox::OutboxFilter;
use serde::Deserialize;
use serde_json::json;

/// `GET /api/v1/tickets/public-key`.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/public-key",
    tag = "tickets",
    operation_id = "ticket_public_key",
    summary = "The Ed25519 key that verifies ticket QR codes",
    description = "A ticket's QR code carries `T1.<payload>.<signature>` (both unpadded \
        base64url). `payload` is the byte 0x01, the event id as 8 bytes big-endian and the \
        ticket code in ASCII; `signature` is Ed25519 over `\"evently-ticket\\n\" || payload`. \
        A scanner verifies it offline with `x` (the 32-byte public key, base64url, as in a \
        JWK) and refuses codes on the event's revocation list.",
    responses((status = 200, description = "The key", body = TicketPublicKey)),
)]
pub async fn public_key(State(s): State<AppState>) -> Response {
    (
        [(header::CACHE_CONTROL, "public, max-age=300")],
        axum::Json(s.core.tickets().public_key()),
    )
        .into_response()
}

/// `GET /api/v1/bookings/{id}/tickets.pdf`.
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{id}/tickets.pdf",
    tag = "tickets",
    operation_id = "booking_tickets_pdf",
    summary = "A booking's tickets as a PDF, one page per ticket with its QR code",
    description = "For the booking's owner and the event's organizer (anyone else: 404).",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 410, description = "`ticket_revoked`: the booking was cancelled", body = ErrorBody),
    ),
)]
pub async fn pdf(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(booking_id): Id,
) -> ApiResult<Response> {
    let pdf = s.core.tickets().pdf_for(&actor, booking_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", pdf.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        pdf.bytes,
    )
        .into_response())
}

/// `GET /api/v1/events/{id}/scanner-list`.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/scanner-list",
    tag = "tickets",
    operation_id = "scanner_list",
    summary = "What a door scanner keeps to check tickets in offline",
    description = "The public key, every valid ticket with its attendee, and the revoked \
        codes (cancelled bookings). For the event's organizer and admins.",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The list", body = ScannerList),
        (status = 404, description = "`not_found`", body = ErrorBody),
    ),
)]
pub async fn scanner_list(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
) -> ApiResult<Response> {
    let list = s.core.tickets().scanner_list(&actor, event_id).await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        axum::Json(list),
    )
        .into_response())
}

/// `POST /api/v1/events/{id}/check-ins` with `{token}`.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/check-ins",
    tag = "tickets",
    operation_id = "check_in",
    summary = "Check a ticket in by its scanned QR code (or its printed code)",
    description = "The first scan checks the ticket in (200). Concurrent scans of one ticket \
        check it in exactly once; every later one is 409 `already_checked_in` with when and \
        by whom (`checked_in_at`, `checked_in_by`). Rate limited per staff account.",
    params(Id),
    request_body = CheckInRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Checked in: `{result: \"checked_in\", attendee}`", body = CheckInOutcome),
        (status = 404, description = "`not_found`: no such event, or no ticket with this code for it", body = ErrorBody),
        (status = 409, description = "`already_checked_in`", body = ErrorBody),
        (status = 410, description = "`ticket_revoked`: the booking was cancelled", body = ErrorBody),
        (status = 422, description = "`invalid_ticket` (forged or damaged code), `wrong_event` (another event's ticket), `invalid_input`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
)]
pub async fn check_in(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(event_id): Id,
    Json(req): Json<CheckInRequest>,
) -> ApiResult<Response> {
    let outcome = s
        .core
        .events()
        .check_in(&actor, event_id, &req.token)
        .await?;
    Ok(match outcome {
        CheckInOutcome::CheckedIn { .. } => (StatusCode::OK, axum::Json(outcome)).into_response(),
        CheckInOutcome::AlreadyCheckedIn { attendee, by } => {
            let when = attendee.checked_in_label.clone().unwrap_or_default();
            let message = match &by {
                Some(b) => format!("already checked in on {when} by {b}"),
                None => format!("already checked in on {when}"),
            };
            let body = json!({
                "error": { "code": ErrorCode::AlreadyCheckedIn, "message": message },
                "checked_in_at": attendee.checked_in_at,
                "checked_in_by": by,
                "attendee": attendee,
            });
            (StatusCode::CONFLICT, axum::Json(body)).into_response()
        }
        CheckInOutcome::Cancelled { .. } => HttpError(ApiError::new(
            ErrorCode::TicketRevoked,
            "this ticket belongs to a cancelled booking: do not admit",
        ))
        .into_response(),
        CheckInOutcome::NotFound { .. } => HttpError(ApiError::new(
            ErrorCode::NotFound,
            "no ticket with this code for this event",
        ))
        .into_response(),
    })
}

/// Which outbox messages to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `dead` (default), `retrying`, `queued` (due now), `scheduled` (due later: reminders)
    /// or `delivered`.
    #[serde(default)]
    pub state: Option<String>,
    /// Only messages with a smaller id (the next page).
    #[serde(default)]
    pub before: Option<i64>,
}

/// `GET /api/v1/admin/outbox`.
#[utoipa::path(
    get,
    path = "/api/v1/admin/outbox",
    tag = "admin",
    operation_id = "admin_outbox",
    summary = "The outbox: counts by state and the newest messages of one state",
    params(OutboxQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Counts and messages", body = OutboxOverview),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 422, description = "`invalid_input`: unknown state", body = ErrorBody),
    ),
)]
pub async fn outbox(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<OutboxOverview>> {
    let Some(filter) = OutboxFilter::parse(q.state.as_deref().unwrap_or("dead")) else {
        return Err(ApiError::invalid(
            "state",
            "state is one of dead, retrying, queued, scheduled, delivered",
        )
        .into());
    };
    Ok(Json(
        s.core
            .notifications()
            .overview(&actor, filter, q.before)
            .await?,
    ))
}

/// `POST /api/v1/admin/outbox/{id}/retry`.
#[utoipa::path(
    post,
    path = "/api/v1/admin/outbox/{id}/retry",
    tag = "admin",
    operation_id = "admin_outbox_retry",
    summary = "Send a dead message again (its attempts start over)",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Queued again"),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 404, description = "`not_found`: no dead message with this id", body = ErrorBody),
    ),
)]
pub async fn retry(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    s.core.notifications().retry_dead(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
