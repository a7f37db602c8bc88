//! Sign-in sessions and their rotating refresh tokens.

use crate::db::{Db, Tx};
use crate::{on_pool, on_tx, on_writer};
use sqlx::FromRow;

/// What authenticating a request needs to know about its session.
#[derive(Debug, Clone, FromRow)]
pub struct SessionAuthRow {
    pub session_id: String,
    pub user_id: i64,
    pub revoked_at: Option<i64>,
    pub expires_at: i64,
    pub last_seen_at: i64,
    pub role: String,
    pub disabled: bool,
    pub deleted_at: Option<i64>,
}

/// A refresh token row.
#[derive(Debug, Clone, FromRow)]
pub struct RefreshRow {
    pub token_hash: String,
    pub session_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert_session(
    tx: &mut Tx,
    id: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .bind(ip)
    .bind(user_agent)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn insert_refresh(
    tx: &mut Tx,
    hash: &str,
    session_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(hash)
    .bind(session_id)
    .bind(now)
    .bind(expires_at)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Marks an unused, unexpired refresh token used; returns its session if it did.
pub async fn use_refresh(tx: &mut Tx, hash: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING session_id"
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(c)
    .await
    })
}

/// When the session last used a refresh token (the newest `used_at` of its tokens).
pub async fn last_refresh_use(tx: &mut Tx, session_id: &str) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT MAX(used_at) FROM refresh_tokens WHERE session_id = $1"
    )
    .bind(session_id)
    .fetch_one(c)
    .await)
}

pub async fn refresh_by_hash(tx: &mut Tx, hash: &str) -> Result<Option<RefreshRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT token_hash, session_id, expires_at, used_at FROM refresh_tokens WHERE token_hash = $1"
    )
    .bind(hash)
    .fetch_optional(c)
    .await
    })
}

const AUTH_SQL: &str = "SELECT s.id AS session_id, s.user_id, s.revoked_at, s.expires_at, s.last_seen_at, u.role, u.disabled, u.deleted_at \
    FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1";

/// The session and its user's current role and state.
pub async fn auth(db: &Db, session_id: &str) -> Result<Option<SessionAuthRow>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_as(AUTH_SQL)
        .bind(session_id)
        .fetch_optional(p)
        .await)
}

pub async fn auth_tx(tx: &mut Tx, session_id: &str) -> Result<Option<SessionAuthRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(AUTH_SQL)
        .bind(session_id)
        .fetch_optional(c)
        .await)
}

/// Revokes one session (sign-out, refresh token reuse).
pub async fn revoke(
    tx: &mut Tx,
    session_id: &str,
    now: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL"
    )
    .bind(session_id)
    .bind(now)
    .bind(reason)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Revokes every session of a user, optionally keeping one (password change keeps the
/// session that made it).
pub async fn revoke_all(
    db: &Db,
    user_id: i64,
    keep: Option<&str>,
    now: i64,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let n = revoke_all_tx(&mut tx, user_id, keep, now, reason).await?;
    tx.commit().await?;
    Ok(n)
}

/// [`revoke_all`] inside a transaction.
pub async fn revoke_all_tx(
    tx: &mut Tx,
    user_id: i64,
    keep: Option<&str>,
    now: i64,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL \
         AND id <> COALESCE($4, '')"
    )
    .bind(user_id)
    .bind(now)
    .bind(reason)
    .bind(keep)
    .execute(c)
    .await.map(|r| r.rows_affected())
    })
}

/// Notes that a session was used now, if it was last noted more than `every_ms` ago (so a
/// busy session costs one write every few minutes, not one per request).
pub async fn touch(db: &Db, session_id: &str, now: i64, every_ms: i64) -> Result<(), sqlx::Error> {
    on_writer!(db, |p| sqlx::query(
        "UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $3"
    )
    .bind(session_id)
    .bind(now)
    .bind(now - every_ms)
    .execute(p)
    .await
    .map(|_| ()))
}

/// Revokes one of a user's sessions; false if it is not theirs or already ended.
pub async fn revoke_of_user(
    db: &Db,
    session_id: &str,
    user_id: i64,
    now: i64,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let r = on_writer!(db, |p| {
        sqlx::query(
        "UPDATE sessions SET revoked_at = $3, revoked_reason = $4 WHERE id = $1 AND user_id = $2 \
         AND revoked_at IS NULL"
    )
    .bind(session_id)
    .bind(user_id)
    .bind(now)
    .bind(reason)
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(r == 1)
}
