//! Holds: seats set aside while a buyer checks out.

use crate::db::{Db, Tx};
use crate::domain::HoldStatus;
use crate::store::status::lit::{HOLD_ACTIVE, HOLD_CONFIRMED, HOLD_EXPIRED, HOLD_RELEASED};
use crate::store::{list_placeholders, values_placeholders};
use crate::{on_pool, on_tx};
use sqlx::FromRow;

/// A row of `holds`.
#[derive(Debug, Clone, FromRow)]
pub struct HoldRow {
    pub id: i64,
    pub user_id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub status: HoldStatus,
    pub expires_at: i64,
    pub renewals: i64,
    pub idempotency_key: String,
    pub request_hash: String,
    pub created_at: i64,
    /// The waitlist entry this hold is an offer to (or sets seats aside for).
    pub waitlist_entry_id: Option<i64>,
}

const COLS: &str = "id, user_id, event_id, ticket_type_id, quantity, status, expires_at, renewals, \
    idempotency_key, request_hash, created_at, waitlist_entry_id";

/// A hold to insert.
#[derive(Debug, Clone)]
pub struct NewHold {
    pub user_id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub expires_at: i64,
    pub idempotency_key: String,
    pub request_hash: String,
}

/// Inserts holds; rows whose (user, key) already exists are skipped. Returns the inserted rows.
pub async fn insert_many(
    tx: &mut Tx,
    holds: &[NewHold],
    now: i64,
) -> Result<Vec<HoldRow>, sqlx::Error> {
    if holds.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO holds (user_id, event_id, ticket_type_id, quantity, status, expires_at, renewals, \
         idempotency_key, request_hash, created_at, updated_at) \
         VALUES {} ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING {COLS}",
        values_placeholders(holds.len(), 9, 2, ", $1, $1")
    );
    let rows: Vec<HoldRow> = on_tx!(tx, |c| {
        let mut q = sqlx::query_as::<_, HoldRow>(&sql).bind(now);
        for h in holds {
            q = q
                .bind(h.user_id)
                .bind(h.event_id)
                .bind(h.ticket_type_id)
                .bind(h.quantity)
                .bind(HoldStatus::Active)
                .bind(h.expires_at)
                .bind(0_i64)
                .bind(&h.idempotency_key)
                .bind(&h.request_hash);
        }
        q.fetch_all(c).await
    })?;
    count_holds(tx, &rows, now).await?;
    Ok(rows)
}

/// Tallies holds just made, for the funnel.
async fn count_holds(tx: &mut Tx, rows: &[HoldRow], now: i64) -> Result<(), sqlx::Error> {
    use crate::store::rollups::{Key, Tallies, Tally, hour_of};
    let mut t = Tallies::default();
    for h in rows {
        t.add(
            Key {
                ticket_type_id: h.ticket_type_id,
                hour: hour_of(h.created_at),
                currency: String::new(),
                event_id: h.event_id,
            },
            Tally {
                holds: 1,
                ..Tally::default()
            },
        );
    }
    crate::store::rollups::add(tx, t, now).await
}

/// Inserts the hold of a waitlist offer (its seats are taken by the caller).
pub async fn insert_offer(
    tx: &mut Tx,
    h: &NewHold,
    entry_id: i64,
    now: i64,
) -> Result<HoldRow, sqlx::Error> {
    let sql = format!(
        "INSERT INTO holds (user_id, event_id, ticket_type_id, quantity, status, expires_at, renewals, \
         idempotency_key, request_hash, created_at, updated_at, waitlist_entry_id) \
         VALUES ($1, $2, $3, $4, {HOLD_ACTIVE}, $5, 0, $6, $7, $8, $8, $9) RETURNING {COLS}"
    );
    let row: HoldRow = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(h.user_id)
        .bind(h.event_id)
        .bind(h.ticket_type_id)
        .bind(h.quantity)
        .bind(h.expires_at)
        .bind(&h.idempotency_key)
        .bind(&h.request_hash)
        .bind(now)
        .bind(entry_id)
        .fetch_one(c)
        .await)?;
    count_holds(tx, std::slice::from_ref(&row), now).await?;
    Ok(row)
}

/// Adds `seats` to an active hold (seats set aside for a waitlist entry grow), with a new
/// expiry. The caller takes the seats.
pub async fn grow(
    tx: &mut Tx,
    id: i64,
    seats: i64,
    expires_at: i64,
    now: i64,
) -> Result<Option<HoldRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE holds SET quantity = quantity + $2, expires_at = $3, updated_at = $4 WHERE id = $1 \
         AND status = {HOLD_ACTIVE} RETURNING {COLS}"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(seats)
        .bind(expires_at)
        .bind(now)
        .fetch_optional(c)
        .await)
}

/// Marks a ticket type's expired active holds as expired and returns them. The caller frees
/// their seats in the same transaction.
pub async fn expire_for_ticket_type(
    tx: &mut Tx,
    ticket_type_id: i64,
    now: i64,
) -> Result<Vec<HoldRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE holds SET status = {HOLD_EXPIRED}, updated_at = $2 WHERE ticket_type_id = $1 AND status = {HOLD_ACTIVE} \
         AND expires_at <= $2 RETURNING {COLS}"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(ticket_type_id)
        .bind(now)
        .fetch_all(c)
        .await)
}

/// Ticket types that have expired active holds waiting to be swept, with their events.
pub async fn ticket_types_with_expired(
    db: &Db,
    now: i64,
    limit: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(&format!(
        "SELECT DISTINCT ticket_type_id, event_id FROM holds WHERE status = {HOLD_ACTIVE} AND expires_at <= $1 LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(p)
    .await
    })
}

/// When the next active hold expires, if any.
pub async fn next_expiry(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar(&format!(
        "SELECT MIN(expires_at) FROM holds WHERE status = {HOLD_ACTIVE}"
    ))
    .fetch_one(p)
    .await)
}

/// A hold by id.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<HoldRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM holds WHERE id = $1");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// A hold by id, inside a transaction.
pub async fn by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<HoldRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM holds WHERE id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Holds of the given users whose keys are among `keys` (the caller matches exact pairs).
pub async fn by_keys(
    tx: &mut Tx,
    user_ids: &[i64],
    keys: &[String],
) -> Result<Vec<HoldRow>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLS} FROM holds WHERE user_id IN ({}) AND idempotency_key IN ({})",
        list_placeholders(user_ids.len(), 1),
        list_placeholders(keys.len(), user_ids.len() + 1)
    );
    on_tx!(tx, |c| {
        let mut q = sqlx::query_as::<_, HoldRow>(&sql);
        for u in user_ids {
            q = q.bind(*u);
        }
        for k in keys {
            q = q.bind(k);
        }
        q.fetch_all(c).await
    })
}

/// Moves an active, unexpired hold to `confirmed`. Returns the hold if it did.
pub async fn mark_confirmed(
    tx: &mut Tx,
    id: i64,
    user_id: i64,
    now: i64,
) -> Result<Option<HoldRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE holds SET status = {HOLD_CONFIRMED}, updated_at = $3 WHERE id = $1 AND user_id = $2 \
         AND status = {HOLD_ACTIVE} AND expires_at > $3 RETURNING {COLS}"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(c)
        .await)
}

/// Extends an active, unexpired hold if it has renewals left. Returns the hold if it did.
pub async fn renew(
    db: &Db,
    id: i64,
    user_id: i64,
    now: i64,
    new_expiry: i64,
    max_renewals: i64,
) -> Result<Option<HoldRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE holds SET expires_at = $4, renewals = renewals + 1, updated_at = $3 WHERE id = $1 AND user_id = $2 \
         AND status = {HOLD_ACTIVE} AND expires_at > $3 AND renewals < $5 RETURNING {COLS}"
    );
    crate::on_writer!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .bind(now)
        .bind(new_expiry)
        .bind(max_renewals)
        .fetch_optional(p)
        .await)
}

/// Moves an active hold (expired or not) to `released`. Returns it if it did.
pub async fn mark_released(
    tx: &mut Tx,
    id: i64,
    user_id: i64,
    now: i64,
) -> Result<Option<HoldRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE holds SET status = {HOLD_RELEASED}, updated_at = $3 WHERE id = $1 AND user_id = $2 AND status = {HOLD_ACTIVE} \
         RETURNING {COLS}"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(c)
        .await)
}

/// Ends every active hold of an event (the event was cancelled) and returns them; the
/// caller gives their seats back in the same transaction.
pub async fn release_all_for_event(
    tx: &mut Tx,
    event_id: i64,
    now: i64,
) -> Result<Vec<HoldRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE holds SET status = {HOLD_RELEASED}, updated_at = $2 WHERE event_id = $1 \
         AND status = {HOLD_ACTIVE} RETURNING {COLS}"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(now)
        .fetch_all(c)
        .await)
}

/// A hold by one user and key (read outside any transaction).
pub async fn by_key(db: &Db, user_id: i64, key: &str) -> Result<Option<HoldRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM holds WHERE user_id = $1 AND idempotency_key = $2");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(key)
        .fetch_optional(p)
        .await)
}

/// A user's active holds (expired or not), in ticket type order (the lock order).
pub async fn active_of_user(db: &Db, user_id: i64) -> Result<Vec<HoldRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLS} FROM holds WHERE user_id = $1 AND status = {HOLD_ACTIVE} ORDER BY ticket_type_id, id"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// A user's holds, newest first (for their data export).
pub async fn for_user(db: &Db, user_id: i64) -> Result<Vec<HoldRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM holds WHERE user_id = $1 ORDER BY created_at DESC");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(p)
        .await)
}
