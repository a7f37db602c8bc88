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
