//! The seat counter of each ticket type (`ticket_types.taken`) and each buyer's seats per
//! event. Only the core's [`inventory`](crate::inventory) module calls these: it is the one
//! road for seats.

use crate::db::Tx;
use crate::domain::HoldStatus;
use crate::on_tx;
use crate::store::list_placeholders;
use crate::store::status::lit::{BOOKING_CONFIRMED, HOLD_ACTIVE};

/// The seats of a ticket type (`t`) in active holds that expired at or before `$now`:
/// still counted in `taken` until a writer returns them, yet already open to buyers. Not
/// while the ticket type's waitlist has people in it (and is not paused): those seats go to
/// the queue when they are given back, so the public never sees them.
/// `now` names the placeholder that carries the time.
pub(crate) fn expired_held_sql(now: &str) -> String {
    format!(
        "CASE WHEN t.wl_active > 0 AND NOT t.wl_paused THEN 0 ELSE \
         CAST(COALESCE((SELECT SUM(h.quantity) FROM holds h WHERE h.ticket_type_id = t.id \
         AND h.status = {active} AND h.expires_at <= {now}), 0) AS BIGINT) END",
        active = HoldStatus::Active.sql()
    )
}

/// Takes `n` seats with one conditional write: succeeds only if they fit in the capacity.
/// Returns false, changing nothing, if they do not.
pub async fn take(tx: &mut Tx, ticket_type_id: i64, n: i64) -> Result<bool, sqlx::Error> {
    let r = on_tx!(tx, |c| sqlx::query(
        "UPDATE ticket_types SET taken = taken + $2 WHERE id = $1 AND taken + $2 <= capacity"
    )
    .bind(ticket_type_id)
    .bind(n)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(r == 1)
}

/// A ticket type's seats and waitlist state right after seats came back.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct AfterReturn {
    pub taken: i64,
    pub wl_active: i64,
    pub wl_paused: bool,
}

/// Returns `n` seats and answers the seats still taken afterwards and the waitlist state
/// (`None` if there is no such ticket type). The CHECK constraint refuses to go below zero.
pub async fn give_back(
    tx: &mut Tx,
    ticket_type_id: i64,
    n: i64,
) -> Result<Option<AfterReturn>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "UPDATE ticket_types SET taken = taken - $2 WHERE id = $1 RETURNING taken, wl_active, wl_paused"
    )
    .bind(ticket_type_id)
    .bind(n)
    .fetch_optional(c)
    .await
    })
}

/// Sets a ticket type's capacity if it is not below what is taken. Returns whether it did.
pub async fn set_capacity(
    tx: &mut Tx,
    ticket_type_id: i64,
    capacity: i64,
) -> Result<bool, sqlx::Error> {
    let r = on_tx!(tx, |c| sqlx::query(
        "UPDATE ticket_types SET capacity = $2 WHERE id = $1 AND taken <= $2"
    )
    .bind(ticket_type_id)
    .bind(capacity)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if r == 1 {
        // The capacity sold on the event's day is folded again.
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO capacity_dirty (day) SELECT e.starts_at / 86400000 FROM events e \
             JOIN ticket_types t ON t.event_id = e.id WHERE t.id = $1 ON CONFLICT (day) DO NOTHING"
        )
        .bind(ticket_type_id)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(r == 1)
}

/// Locks the buyers' user rows in id order (PostgreSQL; SQLite's single writer already
/// serialises writers), so that two transactions for one buyer, on two ticket types of an
/// event say, take turns at the per-person seat limit. Taken after the ticket type lock.
pub async fn lock_buyers(tx: &mut Tx, user_ids: &[i64]) -> Result<(), sqlx::Error> {
    let Tx::Postgres(t) = tx else {
        return Ok(());
    };
    if user_ids.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT id FROM users WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE")
        .bind(user_ids)
        .fetch_all(&mut **t)
        .await
        .map(|_| ())
}

/// Seats each of `user_ids` has for an event: confirmed bookings plus active holds that
/// have not expired at `now`. Users with none are left out.
pub async fn seats_of_buyers(
    tx: &mut Tx,
    event_id: i64,
    user_ids: &[i64],
    now: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let users = list_placeholders(user_ids.len(), 3);
    let sql = format!(
        "SELECT user_id, CAST(SUM(q) AS BIGINT) FROM (\
         SELECT user_id, quantity AS q FROM bookings WHERE event_id = $1 AND status = {BOOKING_CONFIRMED} \
         AND user_id IN ({users}) \
         UNION ALL SELECT user_id, quantity AS q FROM holds WHERE event_id = $1 AND status = {HOLD_ACTIVE} \
         AND expires_at > $2 AND user_id IN ({users})) s GROUP BY user_id"
    );
    on_tx!(tx, |c| {
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql)
            .bind(event_id)
            .bind(now);
        for u in user_ids {
            q = q.bind(*u);
        }
        q.fetch_all(c).await
    })
}
