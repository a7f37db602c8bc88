//! `/api/v1/auth` and `/api/v1/me`.

use crate::auth::{CurrentUser, SetCookies, clear_cookies};
use crate::error::{ApiResult, HttpError, Json};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use evently::accounts::{ClientInfo, TokenPair};
use evently::dto::UserView;
use evently::error::ErrorBody;
use serde::Deserialize;

/// `POST /api/v1/auth/register`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    pub name: String,
    /// Whether you agree to receive news by e-mail (withdraw at any time).
    #[serde(default)]
    pub marketing_opt_in: bool,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// `POST /api/v1/auth/refresh`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// What sign-up answers, whether or not the address has an account.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SignUpAccepted {
    pub message: String,
}

/// The one sign-up answer.
pub const SIGN_UP_ACCEPTED: &str = "Thanks. If this address can be used for a new account, it now has one: sign in with the password you chose. Either way we sent a message to the address.";

/// `POST /api/v1/auth/register` -> 202, the same for every well-formed request.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "accounts",
    operation_id = "register",
    summary = "Create an account (then sign in)",
    description = "Answers the same, after the same work, whether or not the address already \
        has an account, so that sign-up does not tell who is registered. A new address gets \
        an account and a link to confirm the address (the account works before that); the \
        owner of a registered address gets a mail saying someone tried (at most one an \
        hour). Sign in next with `POST /api/v1/auth/login`. 20 sign-ups an hour per client.",
    request_body = RegisterRequest,
    responses(
        (status = 202, description = "Accepted (new account or not: the answer is the same)", body = SignUpAccepted),
        (status = 422, description = "`invalid_input`: a malformed address or name, or a weak password", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
)]
pub async fn register(
    State(s): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<SignUpAccepted>)> {
    s.core
        .accounts()
        .sign_up(
            &client,
            &req.email,
            &req.password,
            &req.name,
            req.marketing_opt_in,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(SignUpAccepted {
            message: SIGN_UP_ACCEPTED.into(),
        }),
    ))
}

/// `POST /api/v1/auth/login` -> 200 with an access token (and a refresh token).
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "accounts",
    operation_id = "login",
    summary = "Sign in; returns a Bearer access token and a refresh token",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "The tokens: send `Authorization: Bearer <access_token>`", body = TokenPair),
        (status = 401, description = "`invalid_credentials`: wrong e-mail or password", body = ErrorBody),
    ),
)]
pub async fn login(
    State(s): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(
        s.core
            .accounts()
            .login(&req.email, &req.password, &client)
            .await?,
    ))
}

/// `POST /api/v1/auth/refresh` with `{refresh_token}` -> a new pair; the old token is spent.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "accounts",
    operation_id = "refresh",
    summary = "Swap a refresh token for a new pair (reuse revokes the session)",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair; the old refresh token is spent", body = TokenPair),
        (status = 401, description = "`unauthenticated`: the refresh token is unknown, spent or expired", body = ErrorBody),
    ),
)]
pub async fn refresh(
    State(s): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    Ok(Json(s.core.accounts().refresh(&req.refresh_token).await?))
}

/// `POST /api/v1/auth/logout`: ends this session (and clears browser cookies).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "accounts",
    operation_id = "logout",
    summary = "End this session (and clear browser cookies)",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Signed out"),
    ),
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    operation_id = "me",
    summary = "Your account",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Your account", body = UserView),
    ),
)]
pub async fn me(
    State(s): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<Json<UserView>> {
    Ok(Json(s.core.accounts().me(&actor).await?))
}

/// `POST /api/v1/auth/password-reset`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    pub email: String,
}

/// What a request for mail about an account answers, whatever the address.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub message: String,
}

/// `POST /api/v1/auth/password-reset`: mails a single-use link to set a new password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset",
    tag = "accounts",
    operation_id = "request_password_reset",
    summary = "Forgot password: mail a link to set a new one",
    description = "Answers `202` the same whether or not the address has an account. The \
        link works once, for one hour; asking again ends the older link. At most 3 links an \
        hour go to one address, and a client may ask 10 times an hour.",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "If the address has an account, a link is on its way", body = Accepted),
        (status = 422, description = "`invalid_input`: not an e-mail address", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
)]
pub async fn password_reset(
    State(s): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Json(req): Json<ResetRequest>,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    s.core
        .accounts()
        .request_password_reset(&client, &req.email)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: RESET_SENT.into(),
        }),
    ))
}

/// What "forgot password" says, whether or not the address has an account.
pub const RESET_SENT: &str = "If an account uses this address, we are sending it a link to set a new password. The link works once, for one hour.";

/// `POST /api/v1/auth/password-reset/confirm`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetConfirm {
    /// The token from the mailed link (`/reset-password/<token>`).
    pub token: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// `POST /api/v1/auth/password-reset/confirm`: sets the new password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset/confirm",
    tag = "accounts",
    operation_id = "reset_password",
    summary = "Set a new password with a mailed link; every session ends",
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "The new password is set; sign in with it"),
        (status = 422, description = "`invalid_input`: the link expired or was used (`field` token), or the password is too weak (`field` new_password)", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
)]
pub async fn password_reset_confirm(
    State(s): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Json(req): Json<ResetConfirm>,
) -> ApiResult<StatusCode> {
    s.core
        .accounts()
        .reset_password(&client, &req.token, &req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/auth/verify-email`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// The token from the mailed link (`/verify-email/<token>`).
    pub token: String,
}

/// `POST /api/v1/auth/verify-email`: confirms an address with its mailed link.
#[utoipa::path(
    post,
    path = "/api/v1/auth/verify-email",
    tag = "accounts",
    operation_id = "verify_email",
    summary = "Confirm your e-mail address with the mailed link",
    description = "New accounts are mailed a link (valid 7 days). Unconfirmed accounts work \
        as usual, bookings included; the account shows `email_verified_at`.",
    request_body = VerifyRequest,
    responses(
        (status = 204, description = "Confirmed"),
        (status = 422, description = "`invalid_input`: the link expired or was used", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
)]
pub async fn verify_email(
    State(s): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    Json(req): Json<VerifyRequest>,
) -> ApiResult<StatusCode> {
    s.core.accounts().verify_email(&client, &req.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/verification-email`: mails the confirmation link again.
#[utoipa::path(
    post,
    path = "/api/v1/me/verification-email",
    tag = "accounts",
    operation_id = "resend_verification",
    summary = "Mail the address confirmation link again",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Being sent (nothing is sent when the address is already confirmed)", body = Accepted),
        (status = 429, description = "`rate_limited`", body = ErrorBody),
    ),
)]
pub async fn resend_verification(
    State(s): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    CurrentUser(actor): CurrentUser,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    s.core
        .accounts()
        .resend_verification(&actor, &client)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: "We are sending a new confirmation link to your address (unless it is already confirmed).".into(),
        }),
    ))
}
