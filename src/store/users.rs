//! Users, sessions and refresh tokens.

use crate::db::{Db, Tx};
use crate::{on_pool, on_tx, on_writer};
use sqlx::FromRow;

/// A row of `users`.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub marketing_opt_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

const COLS: &str = "id, email, name, password_hash, role, disabled, marketing_opt_in_at, created_at, updated_at, deleted_at";

/// Inserts a user; `Ok(None)` if the e-mail is taken.
pub async fn insert(
    db: &Db,
    email: &str,
    name: &str,
    password_hash: &str,
    role: &str,
    marketing_opt_in_at: Option<i64>,
    now: i64,
) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!(
        "INSERT INTO users (email, name, password_hash, role, disabled, marketing_opt_in_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, FALSE, $5, $6, $6) ON CONFLICT (email) DO NOTHING RETURNING {COLS}"
    );
    on_writer!(db, |p| sqlx::query_as(&sql)
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(role)
        .bind(marketing_opt_in_at)
        .bind(now)
        .fetch_optional(p)
        .await)
}

/// Inserts many users at once (demo data); existing e-mails are skipped. Returns their ids.
pub async fn insert_many(
    tx: &mut Tx,
    users: &[(String, String, String, String)],
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO users (email, name, password_hash, role, disabled, created_at, updated_at) VALUES {} \
         ON CONFLICT (email) DO NOTHING RETURNING id",
        crate::store::values_placeholders(users.len(), 4, 2, ", FALSE, $1, $1")
    );
    on_tx!(tx, |c| {
        let mut q = sqlx::query_scalar(&sql).bind(now);
        for (email, name, hash, role) in users {
            q = q.bind(email).bind(name).bind(hash).bind(role);
        }
        q.fetch_all(c).await
    })
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM users WHERE email = $1");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(email)
        .fetch_optional(p)
        .await)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM users WHERE id = $1");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// Sets a user's role (creating the admin from the command line, or by an admin).
pub async fn set_role(db: &Db, id: i64, role: &str, now: i64) -> Result<bool, sqlx::Error> {
    let r = on_writer!(db, |p| sqlx::query(
        "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(role)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// Replaces a user's password hash.
pub async fn set_password_hash(db: &Db, id: i64, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    on_writer!(db, |p| sqlx::query(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ids of the first `limit` users with the given role (demo data uses them as organizers).
pub async fn ids_with_role(db: &Db, role: &str, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar(
        "SELECT id FROM users WHERE role = $1 ORDER BY id LIMIT $2"
    )
    .bind(role)
    .bind(limit)
    .fetch_all(p)
    .await)
}
