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
    let mut tx = db.begin().await?;
    let done = set_role_tx(&mut tx, id, role, now).await?;
    tx.commit().await?;
    Ok(done)
}

/// [`set_role`] inside a transaction (an admin's change, with its audit entry).
pub async fn set_role_tx(tx: &mut Tx, id: i64, role: &str, now: i64) -> Result<bool, sqlx::Error> {
    let r = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1"
    )
    .bind(id)
    .bind(role)
    .bind(now)
    .execute(c)
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

/// `LIKE` pattern matching `text` anywhere, with `%`, `_` and the escape character `\`
/// taken literally (queries say `ESCAPE '\'`).
pub fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Where a page of the admin's user list starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserCursor {
    /// The newest users.
    First,
    /// Users older than (with a smaller id than) this one.
    Before(i64),
    /// Users newer than this one (the page before), still listed newest first.
    After(i64),
}

/// Users for the admin list, newest first, optionally matching `query` (any part of the
/// e-mail or name, case-insensitively; `%` and `_` are plain characters), `limit` of them
/// from `cursor`. Keyset paging on the primary key (`id < cursor ORDER BY id DESC LIMIT n`):
/// no page costs more for being far down the list, and a common match can stop after `limit`
/// rows. The substring test itself has no index (a B-tree cannot serve `LIKE '%x%'`), so a
/// search for something rare reads the whole table once per page.
pub async fn list(
    db: &Db,
    query: Option<&str>,
    cursor: UserCursor,
    limit: i64,
) -> Result<Vec<UserRow>, sqlx::Error> {
    let pattern = query.map(contains_pattern);
    let filter = "($1 IS NULL OR LOWER(email) LIKE LOWER($1) ESCAPE '\\' OR LOWER(name) LIKE LOWER($1) ESCAPE '\\')";
    let newest_first = format!(
        "SELECT {COLS} FROM users WHERE {filter} AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    let (key, sql) = match cursor {
        UserCursor::First => (None, newest_first),
        UserCursor::Before(id) => (Some(id), newest_first),
        // The page just newer than the cursor: the nearest ones, shown newest first.
        UserCursor::After(id) => (
            Some(id),
            format!(
                "SELECT * FROM (SELECT {COLS} FROM users WHERE {filter} AND id > $2 ORDER BY id ASC LIMIT $3) AS page \
                 ORDER BY id DESC"
            ),
        ),
    };
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(&pattern)
        .bind(key)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// One of a user's bookings as the admin's page of that user shows it.
#[derive(Debug, Clone, FromRow)]
pub struct UserBookingRow {
    pub id: i64,
    pub code: String,
    pub event_id: i64,
    pub event_slug: String,
    pub event_title: String,
    pub ticket_type_name: String,
    pub quantity: i64,
    pub total_cents: i64,
    pub currency: String,
    pub status: crate::domain::BookingStatus,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

/// A user's latest `limit` bookings (any status), newest first, with event and ticket type
/// (read along the `bookings (user_id, created_at)` index).
pub async fn bookings_of(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<UserBookingRow>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT b.id, b.code, b.event_id, e.slug AS event_slug, e.title AS event_title, \
         t.name AS ticket_type_name, b.quantity, b.total_cents, b.currency, b.status, b.created_at, b.cancelled_at \
         FROM bookings b JOIN events e ON e.id = b.event_id JOIN ticket_types t ON t.id = b.ticket_type_id \
         WHERE b.user_id = $1 ORDER BY b.created_at DESC, b.id DESC LIMIT $2"
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(p)
    .await
    })
}

/// Enables or disables an account, inside the transaction that also ends its sessions and
/// records the change.
pub async fn set_disabled_tx(
    tx: &mut Tx,
    id: i64,
    disabled: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let r = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL"
    )
    .bind(id)
    .bind(disabled)
    .bind(now)
    .execute(c)
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
