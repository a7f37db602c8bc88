//! `/api/v1/auth` and `/api/v1/me`.

use crate::auth::{ClientIp, CurrentUser, SetCookies, clear_cookies};
use crate::error::{ApiResult, HttpError, Json};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use evently::accounts::{ClientInfo, TokenPair};
use evently::dto::UserView;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub name: String,
    #[serde(default)]
    pub marketing_opt_in: bool,
}

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn client(ip: ClientIp, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        ip: ip.0.map(|i| i.to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect()),
    }
}

/// `POST /api/v1/auth/register` -> 201 with the user.
pub async fn register(
    State(s): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = s
        .core
        .accounts()
        .sign_up(
            &client(ip, &headers),
            &req.email,
            &req.password,
            &req.name,
            req.marketing_opt_in,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `POST /api/v1/auth/login` -> 200 with an access token (and a refresh token).
pub async fn login(
    State(s): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(
        s.core
            .accounts()
            .login(&req.email, &req.password, &client(ip, &headers))
            .await?,
    ))
}

/// `POST /api/v1/auth/refresh` with `{refresh_token}` -> a new pair; the old token is spent.
pub async fn refresh(
    State(s): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(s.core.accounts().refresh(&req.refresh_token).await?))
}

/// `POST /api/v1/auth/logout`: ends this session (and clears browser cookies).
pub async fn logout(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, HttpError> {
    s.core.accounts().logout(&actor).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.extensions_mut()
        .insert(SetCookies(clear_cookies(&s.config)));
    Ok(res)
}

/// `GET /api/v1/me`.
pub async fn me(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<UserView>> {
    Ok(Json(s.core.accounts().me(&actor).await?))
}
