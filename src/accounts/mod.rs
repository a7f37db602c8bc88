//! Accounts: sign-up, sign-in, sessions with rotating refresh tokens, and who is asking.

mod admin;
pub mod password;
mod privacy;
pub mod recovery;
mod sessions;
mod signin;
mod throttle;
pub mod tokens;

pub use crate::actor::Actor;
use crate::clock::to_datetime;
use crate::context::Ctx;
use crate::domain::{self, Email, Role};
use crate::dto::UserView;
use crate::error::{ApiError, ErrorCode};
use crate::ratelimit::{Verdict, tiers};
use crate::store;
use crate::store::users::UserRow;

/// Refresh tokens (and the sessions they keep alive) last this long.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3_600_000;
/// A refresh token used again this soon after its first use, while it is the newest one its
/// session used, is a concurrent refresh of one browser rather than theft.
pub const REFRESH_GRACE_MS: i64 = 30_000;

/// Account failures.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input")]
    Invalid(ApiError),
    #[error("email taken")]
    EmailTaken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("rate limited")]
    RateLimited(u64),
    #[error("internal error")]
    Internal,
}

impl AccountError {
    pub(crate) fn db(context: &str, e: sqlx::Error) -> Self {
        crate::db::log_failure(context, &e);
        AccountError::Internal
    }
}

impl From<ApiError> for AccountError {
    fn from(e: ApiError) -> Self {
        AccountError::Invalid(e)
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid(api) => api,
            AccountError::EmailTaken => ApiError::new(
                ErrorCode::EmailTaken,
                "an account with this e-mail address already exists",
            )
            .with_field("email"),
            AccountError::InvalidCredentials => {
                ApiError::new(ErrorCode::InvalidCredentials, "wrong e-mail or password")
            }
            AccountError::Unauthenticated => ApiError::unauthenticated(),
            AccountError::NotFound => ApiError::not_found("user"),
            AccountError::Forbidden => ApiError::forbidden(),
            AccountError::RateLimited(secs) => crate::ratelimit::too_many(secs, "attempts"),
            AccountError::Internal => ApiError::internal(),
        }
    }
}

/// Tokens handed out at sign-in and refresh.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
    pub user: UserView,
}

/// Checks a new password's length (in characters).
/// Checks a new password: its length, then its strength (an estimate that knows about 30,000
/// common passwords and words, keyboard patterns, dates, and the person's own e-mail and
/// name, passed in `about_user`).
pub fn check_password(field: &str, pw: &str, about_user: &[&str]) -> Result<(), ApiError> {
    let n = pw.chars().count();
    if n < password::MIN_LEN {
        return Err(ApiError::invalid(
            field,
            format!("password must be at least {} characters", password::MIN_LEN),
        ));
    }
    if n > password::MAX_LEN {
        return Err(ApiError::invalid(
            field,
            format!("password must be at most {} characters", password::MAX_LEN),
        ));
    }
    password::check_strength(pw, about_user).map_err(|why| ApiError::invalid(field, why))
}

/// The API view of a user row.
pub fn user_view(u: &UserRow) -> UserView {
    UserView {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role.clone(),
        disabled: u.disabled,
        created_at: to_datetime(u.created_at),
        marketing_opt_in_at: u.marketing_opt_in_at.map(to_datetime),
        email_reminders: u.email_reminders,
        email_verified_at: u.email_verified_at.map(to_datetime),
    }
}

/// The accounts feature.
pub struct AccountService {
    ctx: Ctx,
}

/// Where a request came from, for sessions and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The full address, for the audit log and the sessions list.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// What rate limits count this client under (an IPv6 client's network rather than its
    /// address); the address when unset.
    pub rate_key: Option<String>,
}

impl ClientInfo {
    /// The subject rate limits count this client under.
    pub fn rate_subject(&self) -> &str {
        self.rate_key
            .as_deref()
            .or(self.ip.as_deref())
            .unwrap_or("unknown")
    }
}

impl AccountService {
    pub(crate) fn new(ctx: Ctx) -> Self {
        AccountService { ctx }
    }

    /// Creates an account (as an attendee unless `role` says otherwise).
    #[tracing::instrument(skip_all)]
    pub async fn register(
        &self,
        email: &str,
        password: &str,
        name: &str,
        role: Role,
        marketing_opt_in: bool,
    ) -> Result<UserView, AccountError> {
        let email = Email::parse("email", email)?;
        let name = domain::person_name("name", name)?;
        check_password("password", password, &[email.as_str(), &name])?;
        if store::users::by_email(self.ctx.db(), email.as_str())
            .await
            .map_err(|e| AccountError::db("user lookup failed", e))?
            .is_some()
        {
            return Err(AccountError::EmailTaken);
        }
        let hash = password::hash(password.to_string()).await.map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AccountError::Internal
        })?;
        let now = self.ctx.clock().now_ms();
        let opt_in = marketing_opt_in.then_some(now);
        let row = store::users::insert(
            self.ctx.db(),
            email.as_str(),
            &name,
            &hash,
            role.as_str(),
            opt_in,
            now,
        )
        .await
        .map_err(|e| AccountError::db("creating a user failed", e))?
        .ok_or(AccountError::EmailTaken)?;
        Ok(user_view(&row))
    }

    /// Signs a visitor up, within the per-client sign-up limit. The answer is the same,
    /// after the same work (a password hash and one outbox message), whether or not the
    /// address has an account: a new address gets an account and the link that confirms it;
    /// a registered one gets no new account, and its owner a mail saying someone tried (at
    /// most one an hour). Only bad input (a malformed address, a weak password) is refused.
    /// The person signs in next, with their password.
    pub async fn sign_up(
        &self,
        client: &ClientInfo,
        email: &str,
        password: &str,
        name: &str,
        marketing_opt_in: bool,
    ) -> Result<(), AccountError> {
        if let Verdict::Limited { retry_after_secs } = self
            .ctx
            .limiter()
            .hit(tiers::REGISTER, client.rate_subject())
            .await
        {
            return Err(AccountError::RateLimited(retry_after_secs));
        }
        let parsed = Email::parse("email", email)?;
        let clean_name = domain::person_name("name", name)?;
        check_password("password", password, &[parsed.as_str(), &clean_name])?;
        let existing = store::users::by_email(self.ctx.db(), parsed.as_str())
            .await
            .map_err(|e| AccountError::db("user lookup failed", e))?;
        let owner = match existing {
            Some(u) => Some(u.id),
            None => match self
                .register(email, password, name, Role::Attendee, marketing_opt_in)
                .await
            {
                Ok(user) => {
                    // The confirmation link; the account works meanwhile, so a failure here
                    // is logged, not the visitor's problem (they can ask again later).
                    if let Err(e) = self.send_link(user.id, recovery::VERIFY, &user.email).await {
                        tracing::warn!(error = %e, "writing the address confirmation failed");
                    }
                    None
                }
                // Registered meanwhile by someone else: the same as registered before.
                Err(AccountError::EmailTaken) => {
                    store::users::by_email(self.ctx.db(), parsed.as_str())
                        .await
                        .map_err(|e| AccountError::db("user lookup failed", e))?
                        .map(|u| u.id)
                }
                Err(e) => return Err(e),
            },
        };
        if let Some(user_id) = owner {
            // The same cost as creating the account: hash the password, then write.
            let _ = password::hash(password.to_string()).await;
            let now = self.ctx.clock().now_ms();
            let fail = |e| AccountError::db("writing a sign-up notice failed", e);
            let mut tx = self.ctx.db().begin().await.map_err(fail)?;
            store::outbox::enqueue(
                &mut tx,
                &[crate::notifications::Message::SignupAttempt {
                    user_id,
                    hour: now / 3_600_000,
                }],
                now,
            )
            .await
            .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
            self.ctx.outbox_bell().ring();
        }
        Ok(())
    }

    /// The actor's own account.
    pub async fn me(&self, actor: &Actor) -> Result<UserView, AccountError> {
        store::users::by_id(self.ctx.db(), actor.user_id)
            .await
            .map_err(|e| AccountError::db("user lookup failed", e))?
            .map(|u| user_view(&u))
            .ok_or(AccountError::NotFound)
    }

    /// Creates or promotes an admin (the `create-admin` command).
    pub async fn ensure_admin(
        &self,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<UserView, AccountError> {
        let parsed = Email::parse("email", email)?;
        match store::users::by_email(self.ctx.db(), parsed.as_str())
            .await
            .map_err(|e| AccountError::db("user lookup failed", e))?
        {
            Some(u) => {
                check_password("password", password, &[&u.email, &u.name])?;
                let hash = password::hash(password.to_string())
                    .await
                    .map_err(|_| AccountError::Internal)?;
                let now = self.ctx.clock().now_ms();
                store::users::set_password_hash(self.ctx.db(), u.id, &hash, now)
                    .await
                    .map_err(|e| AccountError::db("update failed", e))?;
                store::users::set_role(self.ctx.db(), u.id, "admin", now)
                    .await
                    .map_err(|e| AccountError::db("update failed", e))?;
                let u = store::users::by_id(self.ctx.db(), u.id)
                    .await
                    .map_err(|e| AccountError::db("lookup failed", e))?
                    .ok_or(AccountError::NotFound)?;
                Ok(user_view(&u))
            }
            None => {
                self.register(email, password, name, Role::Admin, false)
                    .await
            }
        }
    }
}
