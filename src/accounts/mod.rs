//! Accounts: sign-up, sign-in, sessions with rotating refresh tokens, and who is asking.

mod admin;
pub mod password;
mod privacy;
mod sessions;
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
                "an account with this e-mail already exists; sign in instead",
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

    /// Creates an attendee account for a visitor, within the per-address sign-up limit.
    pub async fn sign_up(
        &self,
        client: &ClientInfo,
        email: &str,
        password: &str,
        name: &str,
        marketing_opt_in: bool,
    ) -> Result<UserView, AccountError> {
        if let Verdict::Limited { retry_after_secs } = self
            .ctx
            .limiter()
            .hit(tiers::REGISTER, client.rate_subject())
            .await
        {
            return Err(AccountError::RateLimited(retry_after_secs));
        }
        self.register(email, password, name, Role::Attendee, marketing_opt_in)
            .await
    }

    /// Checks credentials and opens a session. Unknown e-mails cost the same time as wrong
    /// passwords and get the same answer. Every attempt is counted before the password is
    /// checked, per account and per client (`throttle`): after a few, attempts on one
    /// account wait growing delays, and a client is refused with 429 past its allowance.
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AccountError> {
        let account_key = throttle::account_key(email);
        let client_key = client.rate_subject().to_string();
        throttle::admit(self.ctx.limiter(), &account_key, &client_key).await?;
        let user = match Email::parse("email", email) {
            Ok(e) => store::users::by_email(self.ctx.db(), e.as_str())
                .await
                .map_err(|e| AccountError::db("user lookup failed", e))?,
            Err(_) => None,
        };
        let too_long = password.chars().count() > password::MAX_LEN;
        let stored = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(password::dummy_hash);
        let candidate = if too_long {
            String::new()
        } else {
            password.to_string()
        };
        let ok = password::verify(candidate, stored).await && !too_long;
        let now = self.ctx.clock().now_ms();
        let user = match user {
            Some(u) if ok && !u.disabled && u.deleted_at.is_none() => u,
            other => {
                let entry = store::audit::NewEntry {
                    actor_id: None,
                    action: "auth.login_failed",
                    target_type: "user",
                    target_id: other.as_ref().map(|u| u.id.to_string()),
                    subject_id: other.as_ref().map(|u| u.id),
                    detail: serde_json::json!({ "reason": if other.as_ref().is_some_and(|u| u.disabled) { "disabled" } else { "credentials" } }).to_string(),
                    ip: client.ip.clone(),
                };
                let _ = store::audit::record(self.ctx.db(), &entry, now).await;
                throttle::failed(self.ctx.limiter(), &account_key).await;
                return Err(AccountError::InvalidCredentials);
            }
        };
        throttle::succeeded(self.ctx.limiter(), &account_key, &client_key).await;
        let pair = self.open_session(&user, client, now).await?;
        let entry = store::audit::NewEntry {
            actor_id: Some(user.id),
            action: "auth.login",
            target_type: "user",
            target_id: Some(user.id.to_string()),
            subject_id: Some(user.id),
            detail: "{}".into(),
            ip: client.ip.clone(),
        };
        let _ = store::audit::record(self.ctx.db(), &entry, now).await;
        Ok(pair)
    }

    async fn open_session(
        &self,
        user: &UserRow,
        client: &ClientInfo,
        now: i64,
    ) -> Result<TokenPair, AccountError> {
        let fail = |e| AccountError::db("opening a session failed", e);
        let sid = uuid::Uuid::new_v4().to_string();
        let refresh = tokens::new_refresh_token();
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        store::sessions::insert_session(
            &mut tx,
            &sid,
            user.id,
            now,
            now + SESSION_TTL_MS,
            client.ip.as_deref(),
            client.user_agent.as_deref(),
        )
        .await
        .map_err(fail)?;
        store::sessions::insert_refresh(
            &mut tx,
            &tokens::hash_refresh_token(&refresh),
            &sid,
            now,
            now + SESSION_TTL_MS,
        )
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        self.token_pair(user, &sid, refresh, now)
    }

    fn token_pair(
        &self,
        user: &UserRow,
        sid: &str,
        refresh: String,
        now: i64,
    ) -> Result<TokenPair, AccountError> {
        let keys = self.ctx.token_keys();
        let access = keys
            .issue(user.id, sid, &user.role, now / 1000)
            .map_err(|_| AccountError::Internal)?;
        Ok(TokenPair {
            access_token: access,
            refresh_token: refresh,
            token_type: "Bearer".into(),
            expires_in: keys.access_ttl_secs,
            user: user_view(user),
        })
    }

    /// Swaps a refresh token for a new pair. A token used twice is a theft signal and the
    /// whole session is revoked, except within [`REFRESH_GRACE_MS`] of its first use when it
    /// is the newest token the session used: that is two requests of one browser at once
    /// after the access token expired, and both get a fresh pair.
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AccountError> {
        let fail = |e| AccountError::db("refreshing a session failed", e);
        let now = self.ctx.clock().now_ms();
        let hash = tokens::hash_refresh_token(refresh_token);
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        let sid = match store::sessions::use_refresh(&mut tx, &hash, now)
            .await
            .map_err(fail)?
        {
            Some(sid) => sid,
            None => {
                let prior = store::sessions::refresh_by_hash(&mut tx, &hash)
                    .await
                    .map_err(fail)?;
                let Some((row, used_at)) = prior.and_then(|r| r.used_at.map(|u| (r, u))) else {
                    let _ = tx.rollback().await;
                    return Err(AccountError::Unauthenticated);
                };
                let newest_use = store::sessions::last_refresh_use(&mut tx, &row.session_id)
                    .await
                    .map_err(fail)?;
                let concurrent = now - used_at <= REFRESH_GRACE_MS
                    && row.expires_at > now
                    && newest_use == Some(used_at);
                if !concurrent {
                    store::sessions::revoke(&mut tx, &row.session_id, now, "refresh_token_reuse")
                        .await
                        .map_err(fail)?;
                    tx.commit().await.map_err(fail)?;
                    tracing::warn!(session = %row.session_id, "refresh token reused; session revoked");
                    return Err(AccountError::Unauthenticated);
                }
                row.session_id
            }
        };
        let session = store::sessions::auth_tx(&mut tx, &sid)
            .await
            .map_err(fail)?;
        let Some(session) = session.filter(|s| sessions::session_live(s, now)) else {
            let _ = tx.rollback().await;
            return Err(AccountError::Unauthenticated);
        };
        let new_refresh = tokens::new_refresh_token();
        store::sessions::insert_refresh(
            &mut tx,
            &tokens::hash_refresh_token(&new_refresh),
            &sid,
            now,
            now + SESSION_TTL_MS,
        )
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        self.touch_session(&session, now).await;
        let user = store::users::by_id(self.ctx.db(), session.user_id)
            .await
            .map_err(fail)?
            .ok_or(AccountError::Unauthenticated)?;
        self.token_pair(&user, &sid, new_refresh, now)
    }

    /// Resolves a bearer access token into an actor, checking the session is still live and
    /// the account enabled. The role comes from the database, so role changes apply at once.
    pub async fn authenticate(
        &self,
        access_token: &str,
        client: &ClientInfo,
    ) -> Result<Actor, AccountError> {
        let now = self.ctx.clock().now_ms();
        let claims = self
            .ctx
            .token_keys()
            .verify(access_token, now / 1000)
            .map_err(|_| AccountError::Unauthenticated)?;
        let s = store::sessions::auth(self.ctx.db(), &claims.sid)
            .await
            .map_err(|e| AccountError::db("session lookup failed", e))?
            .ok_or(AccountError::Unauthenticated)?;
        if !sessions::session_live(&s, now) || s.user_id.to_string() != claims.sub {
            return Err(AccountError::Unauthenticated);
        }
        self.touch_session(&s, now).await;
        let role = Role::parse(&s.role).map_err(|_| AccountError::Unauthenticated)?;
        Ok(Actor {
            user_id: s.user_id,
            role,
            session_id: s.session_id,
            ip: client.ip.clone(),
            rate_key: client.rate_key.clone(),
        })
    }

    /// Ends the actor's session (sign-out): its access and refresh tokens stop working.
    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, actor: &Actor) -> Result<(), AccountError> {
        let fail = |e| AccountError::db("signing out failed", e);
        let now = self.ctx.clock().now_ms();
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        store::sessions::revoke(&mut tx, &actor.session_id, now, "logout")
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)
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
