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
use evently::dto::UserView;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// `POST /api/v1/me/password`: signs out every other session.
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

#[derive(Debug, Deserialize)]
pub struct Marketing {
    pub opt_in: bool,
}

/// `PUT /api/v1/me/marketing` with `{opt_in}`.
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

/// `GET /api/v1/me/export`: everything stored about you, as a JSON download.
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

#[derive(Debug, Deserialize)]
pub struct DeleteAccount {
    pub password: String,
}

/// `DELETE /api/v1/me` with `{password}`: erases your personal data and ends every session.
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

#[derive(Debug, Deserialize)]
pub struct UserQuery {
    pub q: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// `GET /api/v1/admin/users?q=&before=&limit=` (admins).
pub async fn users(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<UserQuery>,
) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(
        s.core
            .accounts()
            .list_users(&actor, q.q.as_deref(), q.before, q.limit.unwrap_or(50))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct RoleChange {
    pub role: String,
}

/// `POST /api/v1/admin/users/{id}/role` with `{role}` (admins).
pub async fn set_role(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Id(id): Id,
    Json(req): Json<RoleChange>,
) -> ApiResult<Json<UserView>> {
    let role = Role::parse(&req.role).map_err(HttpError)?;
    Ok(Json(s.core.accounts().set_role(&actor, id, role).await?))
}

#[derive(Debug, Deserialize)]
pub struct Disable {
    pub disabled: bool,
}

/// `POST /api/v1/admin/users/{id}/disable` with `{disabled}` (admins).
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

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// `GET /api/v1/admin/audit?action=&before=&limit=` (admins).
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
