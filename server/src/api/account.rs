//! `/api/v1/me/*` (your own account) and `/api/v1/admin/*` (user management, audit log).

use crate::auth::{CurrentUser, SetCookies, clear_cookies};
use crate::error::Query;
use crate::error::{ApiResult, HttpError, Id, Json};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use evently::domain::Role;
use evently::dto::AuditEntryView;
use evently::dto::{SessionView, UserView};
use evently::error::ErrorBody;
use evently::store::users::UserCursor;
use serde::Deserialize;

/// `POST /api/v1/me/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// `POST /api/v1/me/password`: signs out every other session.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "accounts",
    operation_id = "change_password",
    summary = "Change your password; other sessions are signed out",
    request_body = PasswordChange,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "`invalid_input`: the current password is wrong, or the new one too short or long", body = ErrorBody),
    ),
)]
pub async fn change_password(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Json(req): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    s.core
        .accounts()
        .change_password(&actor, &req.current_password, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/v1/me/marketing`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Marketing {
    pub opt_in: bool,
}

/// `PUT /api/v1/me/marketing` with `{opt_in}`.
#[utoipa::path(
    put,
    path = "/api/v1/me/marketing",
    tag = "accounts",
    operation_id = "set_marketing_consent",
    summary = "Give or withdraw marketing consent",
    request_body = Marketing,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Your account", body = UserView),
    ),
)]
pub async fn marketing(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Json(req): Json<Marketing>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        s.core
            .accounts()
            .set_marketing_consent(&actor, req.opt_in)
            .await?,
    ))
}

/// `PUT /api/v1/me/reminders`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Reminders {
    /// Reminder e-mails before events you booked: on or off.
    pub email: bool,
}

/// `PUT /api/v1/me/reminders` with `{email}`.
#[utoipa::path(
    put,
    path = "/api/v1/me/reminders",
    tag = "accounts",
    operation_id = "set_reminders",
    summary = "Turn reminder e-mails before your booked events on or off",
    description = "Reminders go out the event's `reminder_hours` before it starts (24 unless \
        its organizer changed it), once per booking. Confirmations, cancellations and notices \
        of a changed time or place are always sent. Every reminder also carries a one-click \
        unsubscribe link (RFC 8058) that turns them off without signing in.",
    request_body = Reminders,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Your account", body = UserView),
    ),
)]
pub async fn reminders(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Json(req): Json<Reminders>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        s.core
            .accounts()
            .set_email_reminders(&actor, req.email)
            .await?,
    ))
}

/// `GET /api/v1/me/export`: everything stored about you, as a JSON download.
#[utoipa::path(
    get,
    path = "/api/v1/me/export",
    tag = "accounts",
    operation_id = "export_my_data",
    summary = "Everything stored about you, as a JSON download (GDPR)",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Your account, bookings, holds, sessions, consents and the audit entries about you",
            body = Object,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"evently-my-data.json\"`"))),
    ),
)]
pub async fn export(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, HttpError> {
    let data = s.core.accounts().export_my_data(&actor).await?;
    let mut res = axum::Json(data).into_response();
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"evently-my-data.json\""),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `DELETE /api/v1/me`: your password, to confirm.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeleteAccount {
    pub password: String,
}

/// `DELETE /api/v1/me` with `{password}`: erases your personal data and ends every session.
#[utoipa::path(
    delete,
    path = "/api/v1/me",
    tag = "accounts",
    operation_id = "delete_my_account",
    summary = "Erase your account: personal data is removed, bookings are kept anonymised, every session ends",
    request_body = DeleteAccount,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Erased"),
        (status = 422, description = "`invalid_input`: the password is wrong", body = ErrorBody),
    ),
)]
pub async fn delete_me(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Json(req): Json<DeleteAccount>,
) -> Result<Response, HttpError> {
    s.core
        .accounts()
        .delete_my_account(&actor, &req.password)
        .await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.extensions_mut()
        .insert(SetCookies(clear_cookies(&s.config)));
    Ok(res)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Any part of an e-mail address or name, case-insensitively (at most 100 characters;
    /// `%` and `_` match themselves).
    pub q: Option<String>,
    /// The next (older) page: the `cursor` of the `Link` header's `rel="next"`, which is the
    /// id of the last user of the page before.
    pub cursor: Option<i64>,
    /// The previous (newer) page: the `after` of the `Link` header's `rel="prev"`, which is
    /// the id of the first user of the page after.
    pub after: Option<i64>,
    /// The same as `cursor` (its older name).
    pub before: Option<i64>,
    /// Page size, 1 to 200 (default 50; other values are clamped).
    pub limit: Option<i64>,
}

/// `GET /api/v1/admin/users?q=&cursor=&after=&limit=` (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    tag = "admin",
    operation_id = "list_users",
    summary = "Users, newest first, optionally searched by e-mail or name (admins)",
    description = "Keyset pages: follow the `Link` header (`rel=\"next\"` for older users, \
        `rel=\"prev\"` for newer ones); there is no `next` link on the last page.",
    params(UserQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of users", body = Vec<UserView>,
            headers(("Link" = String, description = "`rel=\"next\"` and `rel=\"prev\"` links to the neighbouring pages, where there are any"))),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 422, description = "`invalid_input`: a search longer than 100 characters, or both `cursor` and `after`", body = ErrorBody),
    ),
)]
pub async fn users(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<UserQuery>,
) -> ApiResult<Response> {
    let cursor = match (q.cursor.or(q.before), q.after) {
        (None, None) => UserCursor::First,
        (Some(id), None) => UserCursor::Before(id),
        (None, Some(id)) => UserCursor::After(id),
        (Some(_), Some(_)) => {
            return Err(HttpError(evently::ApiError::invalid(
                "after",
                "send either cursor or after, not both",
            )));
        }
    };
    let limit = q.limit.unwrap_or(50);
    let page = s
        .core
        .accounts()
        .user_page(&actor, q.q.as_deref(), cursor, limit)
        .await?;
    let base = format!(
        "/api/v1/admin/users?q={}&limit={}",
        evently::dto::url_encode(q.q.as_deref().unwrap_or("").trim()),
        limit.clamp(1, 200)
    );
    let links: Vec<String> = [
        page.older
            .map(|id| format!("<{base}&cursor={id}>; rel=\"next\"")),
        page.newer
            .map(|id| format!("<{base}&after={id}>; rel=\"prev\"")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut res = Json(page.users).into_response();
    if !links.is_empty()
        && let Ok(v) = HeaderValue::from_str(&links.join(", "))
    {
        res.headers_mut().insert(header::LINK, v);
    }
    Ok(res)
}

/// `POST /api/v1/admin/users/{id}/role`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoleChange {
    #[schema(value_type = Role)]
    pub role: String,
}

/// `POST /api/v1/admin/users/{id}/role` with `{role}` (admins).
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/role",
    tag = "admin",
    operation_id = "set_role",
    summary = "Change a user's role (admins)",
    params(Id),
    request_body = RoleChange,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The user with the new role", body = UserView),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such user", body = ErrorBody),
        (status = 422, description = "`invalid_input`: an unknown role, or removing your own admin role", body = ErrorBody),
    ),
)]
pub async fn set_role(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    Json(req): Json<RoleChange>,
) -> ApiResult<Json<UserView>> {
    let role = Role::parse(&req.role).map_err(HttpError)?;
    Ok(Json(s.core.accounts().set_role(&actor, id, role).await?))
}

/// `POST /api/v1/admin/users/{id}/disable`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Disable {
    pub disabled: bool,
}

/// `POST /api/v1/admin/users/{id}/disable` with `{disabled}` (admins).
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/disable",
    tag = "admin",
    operation_id = "set_disabled",
    summary = "Disable or re-enable a user; disabling ends their sessions (admins)",
    params(Id),
    request_body = Disable,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The user", body = UserView),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 404, description = "`not_found`: no such user", body = ErrorBody),
        (status = 422, description = "`invalid_input`: disabling your own account", body = ErrorBody),
    ),
)]
pub async fn set_disabled(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    Json(req): Json<Disable>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        s.core
            .accounts()
            .set_disabled(&actor, id, req.disabled)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only actions starting with this, e.g. `user.role` or `user.`.
    pub action: Option<String>,
    /// Id of the last entry of the previous page.
    pub before: Option<i64>,
    /// Page size, 1 to 500 (default 100; other values are clamped).
    pub limit: Option<i64>,
}

/// `GET /api/v1/admin/audit?action=&before=&limit=` (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/audit",
    tag = "admin",
    operation_id = "audit_log",
    summary = "The audit log, newest first (admins)",
    params(AuditQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "A page of entries", body = Vec<AuditEntryView>),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
    ),
)]
pub async fn audit(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    Ok(Json(
        s.core
            .accounts()
            .audit_log(
                &actor,
                q.action.as_deref(),
                q.before,
                q.limit.unwrap_or(100),
            )
            .await?,
    ))
}

/// `GET /api/v1/me/sessions`.
#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    tag = "accounts",
    operation_id = "my_sessions",
    summary = "Where you are signed in: your live sessions, this one first",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Your live sessions", body = [SessionView]),
    ),
)]
pub async fn sessions(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<Vec<SessionView>>> {
    Ok(Json(s.core.accounts().my_sessions(&actor).await?))
}

/// `DELETE /api/v1/me/sessions/{session_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{session_id}",
    tag = "accounts",
    operation_id = "sign_out_session",
    summary = "Sign one of your sessions out (another device, say)",
    params(("session_id" = String, Path, description = "A session id from `GET /api/v1/me/sessions`", max_length = 64)),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 404, description = "`not_found`: no live session of yours has that id", body = ErrorBody),
    ),
)]
pub async fn sign_out_session(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    axum::extract::Path(session_id): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    s.core
        .accounts()
        .sign_out_session(&actor, &session_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many sessions were signed out.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SignedOut {
    pub signed_out: u64,
}

/// `POST /api/v1/me/sessions/sign-out-others`.
#[utoipa::path(
    post,
    path = "/api/v1/me/sessions/sign-out-others",
    tag = "accounts",
    operation_id = "sign_out_other_sessions",
    summary = "Sign out every session but this one",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "How many sessions were signed out", body = SignedOut),
    ),
)]
pub async fn sign_out_others(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<SignedOut>> {
    let n = s.core.accounts().sign_out_other_sessions(&actor).await?;
    Ok(Json(SignedOut { signed_out: n }))
}

/// `POST /unsubscribe/{token}`: turns reminder e-mails off for the person the signed token
/// names: the one-click unsubscribe of RFC 8058 (mail clients post
/// `List-Unsubscribe=One-Click` as a form, from anywhere, with no session), and the button of
/// the page at the same address. It is the one write that needs neither a JSON body nor a
/// same-origin request: the token is its authority, and it can only turn reminders off.
/// Mail clients get `200` (`404` for a token that is not ours); the page's form comes back
/// to the page, which says what happened.
pub async fn unsubscribe(
    State(s): State<AppState>,
    axum::extract::Path(token): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let from_page = body.split(|b| *b == b'&').any(|pair| pair == b"from=page");
    let result = s.core.accounts().unsubscribe_reminders(&token).await;
    if from_page {
        let back = if app::pages::unsubscribe::plain_token(&token) {
            format!("/unsubscribe/{token}")
        } else {
            "/unsubscribe/link".to_string()
        };
        let to = match &result {
            Ok(_) => format!("{back}?done=1"),
            Err(_) => format!("{back}?invalid=1"),
        };
        return axum::response::Redirect::to(&to).into_response();
    }
    match result {
        Ok(_) => Json(serde_json::json!({ "email_reminders": false })).into_response(),
        Err(e) => HttpError(e.into()).into_response(),
    }
}
