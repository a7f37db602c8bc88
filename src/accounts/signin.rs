//! Signing in and staying signed in: credentials, sessions with rotating refresh tokens,
//! resolving a token into an [`Actor`], signing out.

use super::sessions::session_live;
use super::{
    AccountError, AccountService, Actor, ClientInfo, REFRESH_GRACE_MS, SESSION_TTL_MS, TokenPair,
    password, throttle, tokens, user_view,
};
use crate::domain::{Email, Role};
use crate::store;
use crate::store::users::UserRow;

impl AccountService {
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
        let refresh = new_refresh(&mut tx, &sid, now).await.map_err(fail)?;
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
        let Some(session) = session.filter(|s| session_live(s, now)) else {
            let _ = tx.rollback().await;
            return Err(AccountError::Unauthenticated);
        };
        let new_refresh = new_refresh(&mut tx, &sid, now).await.map_err(fail)?;
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
        if !session_live(&s, now) || s.user_id.to_string() != claims.sub {
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
}

/// Mints a refresh token for a session (stored hashed) and answers it.
async fn new_refresh(tx: &mut crate::db::Tx, sid: &str, now: i64) -> Result<String, sqlx::Error> {
    let refresh = tokens::new_refresh_token();
    store::sessions::insert_refresh(
        tx,
        &tokens::hash_refresh_token(&refresh),
        sid,
        now,
        now + SESSION_TTL_MS,
    )
    .await?;
    Ok(refresh)
}

impl AccountService {
    /// Development and benchmarks only: `count` attendees `{prefix}-{i}@example.com`, all
    /// with the password `password` hashed once (one argon2 run, not one per person), each
    /// signed in with a session of its own. Addresses that exist are reused. Answers their
    /// emails and access tokens in order; `progress` hears how many are done.
    pub async fn seed_signed_in(
        &self,
        prefix: &str,
        count: usize,
        password: &str,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<(String, String)>, AccountError> {
        let fail = |e| AccountError::db("seeding users failed", e);
        let hash = super::password::hash(password.to_string())
            .await
            .map_err(|_| AccountError::Internal)?;
        let client = ClientInfo::default();
        let mut out = Vec::with_capacity(count);
        let emails: Vec<String> = (0..count)
            .map(|i| format!("{prefix}-{i}@example.com"))
            .collect();
        for chunk in emails.chunks(500) {
            let now = self.ctx.clock().now_ms();
            let rows: Vec<(String, String, String, String)> = chunk
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    (
                        e.clone(),
                        format!("Bench person {}", out.len() + i),
                        hash.clone(),
                        Role::Attendee.as_str().to_string(),
                    )
                })
                .collect();
            let mut tx = self.ctx.db().begin().await.map_err(fail)?;
            store::users::insert_many(&mut tx, &rows, now)
                .await
                .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
            let mut users = Vec::with_capacity(chunk.len());
            for e in chunk {
                users.push(
                    store::users::by_email(self.ctx.db(), e)
                        .await
                        .map_err(fail)?
                        .ok_or(AccountError::Internal)?,
                );
            }
            let mut tx = self.ctx.db().begin().await.map_err(fail)?;
            let mut sessions = Vec::with_capacity(users.len());
            for u in &users {
                let sid = uuid::Uuid::new_v4().to_string();
                store::sessions::insert_session(
                    &mut tx,
                    &sid,
                    u.id,
                    now,
                    now + SESSION_TTL_MS,
                    client.ip.as_deref(),
                    Some("evently seed-users"),
                )
                .await
                .map_err(fail)?;
                let refresh = new_refresh(&mut tx, &sid, now).await.map_err(fail)?;
                sessions.push((sid, refresh));
            }
            tx.commit().await.map_err(fail)?;
            for (u, (sid, refresh)) in users.iter().zip(sessions) {
                let pair = self.token_pair(u, &sid, refresh, now)?;
                out.push((u.email.clone(), pair.access_token));
            }
            progress(out.len());
        }
        Ok(out)
    }
}
