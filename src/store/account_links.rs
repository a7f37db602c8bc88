//! `account_links`: single-use links mailed to a person (set a new password, confirm an
//! address).

use crate::db::{Db, Tx};
use crate::{on_pool, on_tx, on_writer};
use sqlx::FromRow;

/// A row of `account_links`.
#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    pub id: i64,
    pub user_id: i64,
    pub purpose: String,
    pub email: String,
    pub nonce: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const COLS: &str = "id, user_id, purpose, email, nonce, created_at, expires_at, used_at";

/// Records a new link; returns its id.
pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    purpose: &str,
    email: &str,
    nonce: &str,
    now: i64,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO account_links (user_id, purpose, email, nonce, created_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(user_id)
        .bind(purpose)
        .bind(email)
        .bind(nonce)
        .bind(now)
        .bind(expires_at)
        .fetch_one(c)
        .await)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<LinkRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM account_links WHERE id = $1");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// Spends a link: true for the one caller that found it unused and unexpired.
pub async fn spend(tx: &mut Tx, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE account_links SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2";
    let n = on_tx!(tx, |c| sqlx::query(sql)
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Ends every unused link of one purpose for a user (a newer one replaces them; a reset
/// password ends the other reset links).
pub async fn spend_all(
    tx: &mut Tx,
    user_id: i64,
    purpose: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE account_links SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL";
    on_tx!(tx, |c| sqlx::query(sql)
        .bind(user_id)
        .bind(purpose)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Marks a user's address as confirmed (if it still is `email`).
pub async fn mark_verified(
    tx: &mut Tx,
    user_id: i64,
    email: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3), updated_at = $3 \
               WHERE id = $1 AND email = $2 AND deleted_at IS NULL";
    let n = on_tx!(tx, |c| sqlx::query(sql)
        .bind(user_id)
        .bind(email)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Sets a user's password hash (in the caller's transaction).
pub async fn set_password_hash(
    tx: &mut Tx,
    user_id: i64,
    hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1";
    on_tx!(tx, |c| sqlx::query(sql)
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))
}

/// How many links of one purpose a user was sent since `since` (a limit on mail per
/// address).
pub async fn recent(db: &Db, user_id: i64, purpose: &str, since: i64) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM account_links WHERE user_id = $1 AND purpose = $2 AND created_at >= $3";
    on_writer!(db, |p| sqlx::query_scalar::<_, i64>(sql)
        .bind(user_id)
        .bind(purpose)
        .bind(since)
        .fetch_one(p)
        .await)
}
