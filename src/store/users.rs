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
    /// Whether reminder e-mails before booked events are wanted.
    pub email_reminders: bool,
    /// When the address was confirmed (a link, or a password reset through it).
    pub email_verified_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
}

const COLS: &str = "id, email, name, password_hash, role, disabled, marketing_opt_in_at, email_reminders, email_verified_at, created_at, updated_at, deleted_at";

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

/// Users for the admin list, newest first, optionally filtered by e-mail or name.
pub async fn list(
    db: &Db,
    query: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<UserRow>, sqlx::Error> {
    let pattern = query.map(|q| format!("%{}%", q.to_lowercase().replace(['%', '_'], "")));
    let sql = format!(
        "SELECT {COLS} FROM users WHERE ($1 IS NULL OR LOWER(email) LIKE $1 OR LOWER(name) LIKE $1) \
         AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(&pattern)
        .bind(before_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Enables or disables an account.
pub async fn set_disabled(db: &Db, id: i64, disabled: bool, now: i64) -> Result<bool, sqlx::Error> {
    let r = on_writer!(db, |p| sqlx::query(
        "UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL"
    )
    .bind(id)
    .bind(disabled)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// Records (or withdraws) consent to marketing e-mail, with its time.
pub async fn set_marketing(
    db: &Db,
    id: i64,
    opt_in_at: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_writer!(db, |p| sqlx::query(
        "UPDATE users SET marketing_opt_in_at = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(opt_in_at)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Turns reminder e-mails on or off for a user; false when there is no such (live) user.
pub async fn set_email_reminders(
    db: &Db,
    id: i64,
    on: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = on_writer!(db, |p| {
        sqlx::query(
        "UPDATE users SET email_reminders = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL"
    )
    .bind(id)
    .bind(on)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(r == 1)
}

/// Erases a user's personal data in one transaction: the account row is pseudonymised (its
/// bookings stay, anonymous, so counts and the books still add up), attendee names on their
/// tickets are cleared, sessions end, and client addresses in audit entries about them go.
pub async fn erase(tx: &mut Tx, id: i64, now: i64) -> Result<(), sqlx::Error> {
    let email = format!("deleted-user-{id}@deleted.invalid");
    on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET email = $2, name = 'Deleted user', password_hash = '!', disabled = TRUE, \
         marketing_opt_in_at = NULL, deleted_at = $3, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(&email)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE tickets SET attendee_name = NULL WHERE booking_id IN (SELECT id FROM bookings WHERE user_id = $1)"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $2), revoked_reason = COALESCE(revoked_reason, 'account_deleted'), \
         ip = NULL, user_agent = NULL WHERE user_id = $1"
    )
    .bind(id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    on_tx!(tx, |c| {
        sqlx::query(
        "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = $1)"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE audit_log SET ip = NULL WHERE actor_id = $1 OR subject_id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    super::inbox::erase_user(tx, id).await
}

/// A session as its owner sees it in an export.
#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct SessionRow {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn sessions_of(db: &Db, user_id: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT id, created_at, last_seen_at, expires_at, revoked_at, revoked_reason, ip, user_agent \
         FROM sessions WHERE user_id = $1 ORDER BY created_at DESC"
    )
    .bind(user_id)
    .fetch_all(p)
    .await
    })
}
