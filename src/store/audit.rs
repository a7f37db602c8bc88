//! The audit log: who did what, when, from where.

use crate::db::{Db, Tx};
use crate::{on_tx, on_writer};

/// One audit entry.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    /// The user the entry is about (for exports), when there is one.
    pub subject_id: Option<i64>,
    pub detail: String,
    pub ip: Option<String>,
}

const SQL: &str = "INSERT INTO audit_log (actor_id, action, target_type, target_id, subject_id, detail, ip, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Records an entry inside the transaction that made the change.
pub async fn record_tx(tx: &mut Tx, e: &NewEntry<'_>, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(e.actor_id)
        .bind(e.action)
        .bind(e.target_type)
        .bind(&e.target_id)
        .bind(e.subject_id)
        .bind(&e.detail)
        .bind(&e.ip)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records an entry on its own (sign-ins and other changes without a transaction).
pub async fn record(db: &Db, e: &NewEntry<'_>, now: i64) -> Result<(), sqlx::Error> {
    on_writer!(db, |p| sqlx::query(SQL)
        .bind(e.actor_id)
        .bind(e.action)
        .bind(e.target_type)
        .bind(&e.target_id)
        .bind(e.subject_id)
        .bind(&e.detail)
        .bind(&e.ip)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A stored audit entry, with the actor's e-mail when there is one.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct EntryRow {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub subject_id: Option<i64>,
    pub detail: String,
    pub ip: Option<String>,
    pub created_at: i64,
}

const LIST_SQL: &str = "SELECT a.id, a.actor_id, u.email AS actor_email, a.action, a.target_type, a.target_id, \
    a.subject_id, a.detail, a.ip, a.created_at FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id";

/// The newest entries, optionally filtered by action prefix, before an id (keyset paging).
pub async fn list(
    db: &Db,
    action_prefix: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    let prefix = action_prefix.map(|p| format!("{}%", p.replace('%', "")));
    let sql = format!(
        "{LIST_SQL} WHERE ($1 IS NULL OR a.action LIKE $1) AND ($2 IS NULL OR a.id < $2) ORDER BY a.id DESC LIMIT $3"
    );
    crate::on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(&prefix)
        .bind(before_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Entries about, or by, one user (for their data export).
pub async fn about_user(db: &Db, user_id: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    let sql = format!(
        "{LIST_SQL} WHERE a.actor_id = $1 OR a.subject_id = $1 ORDER BY a.id DESC LIMIT 5000"
    );
    crate::on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// The latest `limit` entries by or about one user (the admin's page of that user), newest
/// first. Each side is read along its own index (`actor_id` and `subject_id`, with
/// `created_at`) and capped before they are merged, so it stays cheap as the log grows.
pub async fn of_user(db: &Db, user_id: i64, limit: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    let sql = format!(
        "{LIST_SQL} WHERE a.id IN ( \
           SELECT id FROM (SELECT id FROM audit_log WHERE actor_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2) AS by_them \
           UNION \
           SELECT id FROM (SELECT id FROM audit_log WHERE subject_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2) AS about_them \
         ) ORDER BY a.created_at DESC, a.id DESC LIMIT $2"
    );
    crate::on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}
