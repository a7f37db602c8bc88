//! `notifications` (the notification centre) and `push_subscriptions` (browsers that get web
//! push).

use crate::db::{Db, Tx};
use crate::{on_pool, on_tx, on_writer};
use sqlx::FromRow;

/// A row of `notifications`.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub url: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// What a notice says, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice<'a> {
    pub user_id: i64,
    pub outbox_id: i64,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub url: &'a str,
}

/// Stores a notice once per outbox row: false when the row had written it already.
pub async fn insert(db: &Db, n: &NewNotice<'_>, now: i64) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO notifications (user_id, outbox_id, kind, title, body, url, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (outbox_id) DO NOTHING";
    let n = on_writer!(db, |p| sqlx::query(sql)
        .bind(n.user_id)
        .bind(n.outbox_id)
        .bind(n.kind)
        .bind(n.title)
        .bind(n.body)
        .bind(n.url)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A person's notices, newest first, before the id `before` (paging by key).
pub async fn list(
    db: &Db,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<NoticeRow>, sqlx::Error> {
    let sql = "SELECT id, kind, title, body, url, created_at, read_at FROM notifications \
               WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
    on_pool!(db, |p| sqlx::query_as(sql)
        .bind(user_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// How many of a person's notices are unread.
pub async fn unread(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL";
    on_pool!(db, |p| sqlx::query_scalar::<_, i64>(sql)
        .bind(user_id)
        .fetch_one(p)
        .await)
}

/// Marks one notice (`Some`) or all of them (`None`) read; returns how many changed.
pub async fn mark_read(
    db: &Db,
    user_id: i64,
    id: Option<i64>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND read_at IS NULL \
               AND ($2 IS NULL OR id = $2)";
    on_writer!(db, |p| sqlx::query(sql)
        .bind(user_id)
        .bind(id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
}

/// Whether a notice exists and is the person's.
pub async fn owned(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND id = $2";
    on_writer!(db, |p| sqlx::query_scalar::<_, i64>(sql)
        .bind(user_id)
        .bind(id)
        .fetch_one(p)
        .await)
    .map(|n| n > 0)
}

/// A row of `push_subscriptions`.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct PushRow {
    pub id: i64,
    pub user_id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub label: String,
    pub created_at: i64,
    pub last_ok_at: Option<i64>,
}

const PUSH_COLS: &str = "id, user_id, endpoint, p256dh, auth, label, created_at, last_ok_at";

/// Records a browser's subscription for a person. An endpoint is one browser: subscribing
/// it again (also after another person signed in on it) moves it to this person with the
/// new keys. Returns the row's id.
pub async fn subscribe(
    db: &Db,
    user_id: i64,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    label: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, label, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6) \
               ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, \
               auth = excluded.auth, label = excluded.label, created_at = excluded.created_at, last_ok_at = NULL \
               RETURNING id";
    on_writer!(db, |p| sqlx::query_scalar(sql)
        .bind(user_id)
        .bind(endpoint)
        .bind(p256dh)
        .bind(auth)
        .bind(label)
        .bind(now)
        .fetch_one(p)
        .await)
}

/// A person's subscriptions, oldest first.
pub async fn subscriptions(db: &Db, user_id: i64) -> Result<Vec<PushRow>, sqlx::Error> {
    let sql = format!("SELECT {PUSH_COLS} FROM push_subscriptions WHERE user_id = $1 ORDER BY id");
    on_writer!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// Removes a person's subscription, by id or by endpoint; true if one went.
pub async fn unsubscribe(
    db: &Db,
    user_id: i64,
    id: Option<i64>,
    endpoint: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM push_subscriptions WHERE user_id = $1 AND (id = $2 OR endpoint = $3)";
    let n = on_writer!(db, |p| sqlx::query(sql)
        .bind(user_id)
        .bind(id.unwrap_or(-1))
        .bind(endpoint.unwrap_or(""))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Forgets a subscription the push service says is gone (404 or 410).
pub async fn forget(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    on_writer!(db, |p| sqlx::query(
        "DELETE FROM push_subscriptions WHERE id = $1"
    )
    .bind(id)
    .execute(p)
    .await
    .map(|_| ()))
}

/// Notes a delivery the push service accepted.
pub async fn delivered(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    on_writer!(db, |p| sqlx::query(
        "UPDATE push_subscriptions SET last_ok_at = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(now)
    .execute(p)
    .await
    .map(|_| ()))
}

/// Erasure: a deleted account keeps no devices and no notices.
pub async fn erase_user(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM push_subscriptions WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM notifications WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(c)
    .await
    .map(|_| ()))
}
