//! `/api/v1/me/notifications` (the notification centre) and `/api/v1/me/push-subscriptions`
//! (the browsers you get web push on).

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Id, Json, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use evently::dto::{NoticePage, PushDeviceView, PushSettingsView, PushSubscriptionInput};
use evently::error::ErrorBody;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// Id of the last notice of the previous page (`next_before`).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// Page size, 1 to 100 (default 30).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// `GET /api/v1/me/notifications`.
#[utoipa::path(
    get,
    path = "/api/v1/me/notifications",
    tag = "notifications",
    operation_id = "my_notifications",
    summary = "Your notifications, newest first, with the unread count",
    description = "What we told you about your bookings and waitlist places (confirmations, \
        cancellations, offers, reminders, changed events). The unread count also arrives over \
        the live WebSocket (`notifications` messages) whenever it changes.",
    params(NoticeQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of notifications", body = NoticePage),
        (status = 422, description = "`invalid_input`: a bad `before` or `limit`", body = ErrorBody),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Json<NoticePage>> {
    Ok(Json(
        s.core
            .notifications()
            .notices(&actor, q.before, q.limit)
            .await?,
    ))
}

/// How many notifications are unread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Unread {
    pub unread: i64,
}

/// `POST /api/v1/me/notifications/{id}/read`.
#[utoipa::path(
    post,
    path = "/api/v1/me/notifications/{id}/read",
    tag = "notifications",
    operation_id = "mark_notification_read",
    summary = "Mark one of your notifications read",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "How many are unread now", body = Unread),
        (status = 404, description = "`not_found`: no notification of yours has that id", body = ErrorBody),
    ),
)]
pub async fn mark_read(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<Json<Unread>> {
    let unread = s.core.notifications().mark_read(&actor, Some(id)).await?;
    Ok(Json(Unread { unread }))
}

/// `POST /api/v1/me/notifications/read-all`.
#[utoipa::path(
    post,
    path = "/api/v1/me/notifications/read-all",
    tag = "notifications",
    operation_id = "mark_all_notifications_read",
    summary = "Mark all your notifications read",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "How many are unread now (0)", body = Unread),
    ),
)]
pub async fn mark_all_read(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<Unread>> {
    let unread = s.core.notifications().mark_read(&actor, None).await?;
    Ok(Json(Unread { unread }))
}

/// `GET /api/v1/me/push-subscriptions`.
#[utoipa::path(
    get,
    path = "/api/v1/me/push-subscriptions",
    tag = "notifications",
    operation_id = "my_push_devices",
    summary = "The key to subscribe to web push with, and your devices that get it",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The VAPID public key and your devices", body = PushSettingsView),
    ),
)]
pub async fn devices(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<PushSettingsView>> {
    Ok(Json(s.core.notifications().push_devices(&actor).await?))
}

/// `POST /api/v1/me/push-subscriptions`.
#[utoipa::path(
    post,
    path = "/api/v1/me/push-subscriptions",
    tag = "notifications",
    operation_id = "subscribe_push",
    summary = "Get web push on this browser",
    description = "Send what `PushSubscription.toJSON()` gives (subscribed with the key from \
        `GET /api/v1/me/push-subscriptions`). Pushed: booking confirmed, waitlist offer and its \
        expiry warning (urgent), event changed or cancelled, reminders. Endpoints must be a \
        known push service over https. Subscribing the same endpoint again updates it. \
        At most 20 devices; 30 registrations an hour.",
    request_body = PushSubscriptionInput,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The device", body = PushDeviceView),
        (status = 409, description = "`conflict`: 20 devices already", body = ErrorBody),
        (status = 422, description = "`invalid_input`: an endpoint that is no known push service, or bad keys", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
        (status = 503, description = "`unavailable`: web push is off on this server", body = ErrorBody),
    ),
)]
pub async fn subscribe(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    headers: HeaderMap,
    Json(input): Json<PushSubscriptionInput>,
) -> ApiResult<(StatusCode, Json<PushDeviceView>)> {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let device = s
        .core
        .notifications()
        .subscribe_push(&actor, &input, ua)
        .await?;
    Ok((StatusCode::CREATED, Json(device)))
}

/// `DELETE /api/v1/me/push-subscriptions` with `{endpoint}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PushEndpoint {
    pub endpoint: String,
}

/// `DELETE /api/v1/me/push-subscriptions`.
#[utoipa::path(
    delete,
    path = "/api/v1/me/push-subscriptions",
    tag = "notifications",
    operation_id = "unsubscribe_push",
    summary = "Stop web push on this browser (by its endpoint)",
    request_body = PushEndpoint,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Stopped"),
        (status = 404, description = "`not_found`: no device of yours has that endpoint", body = ErrorBody),
    ),
)]
pub async fn unsubscribe(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Json(req): Json<PushEndpoint>,
) -> ApiResult<StatusCode> {
    s.core
        .notifications()
        .unsubscribe_push(&actor, None, Some(req.endpoint.trim()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/me/push-subscriptions/{id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/me/push-subscriptions/{id}",
    tag = "notifications",
    operation_id = "remove_push_device",
    summary = "Stop web push to one of your devices",
    params(Id),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Stopped"),
        (status = 404, description = "`not_found`: no device of yours has that id", body = ErrorBody),
    ),
)]
pub async fn remove_device(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    s.core
        .notifications()
        .unsubscribe_push(&actor, Some(id), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
