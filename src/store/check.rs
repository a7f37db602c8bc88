//! The queries behind the invariant checker.

use crate::db::Db;
use crate::on_pool;
use crate::store::status::lit::{BOOKING_CONFIRMED, HOLD_ACTIVE};
use futures::TryStreamExt;
use sqlx::FromRow;

/// Seat accounting of one ticket type.
#[derive(Debug, Clone, FromRow)]
pub struct SeatAccount {
    pub id: i64,
    pub event_id: i64,
    pub event_status: crate::domain::EventStatus,
    pub capacity: i64,
    pub taken: i64,
    pub confirmed: i64,
    pub held: i64,
    pub held_live: i64,
}

/// Streams every ticket type's accounting through `f` (scoped to one event if given).
pub async fn seat_accounts<F: FnMut(SeatAccount)>(
    db: &Db,
    now: i64,
    event_id: Option<i64>,
    mut f: F,
) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "SELECT t.id, t.event_id, e.status AS event_status, t.capacity, t.taken, \
        CAST(COALESCE((SELECT SUM(b.quantity) FROM bookings b WHERE b.ticket_type_id = t.id AND b.status = {BOOKING_CONFIRMED}), 0) AS BIGINT) AS confirmed, \
        CAST(COALESCE((SELECT SUM(h.quantity) FROM holds h WHERE h.ticket_type_id = t.id AND h.status = {HOLD_ACTIVE}), 0) AS BIGINT) AS held, \
        CAST(COALESCE((SELECT SUM(h.quantity) FROM holds h WHERE h.ticket_type_id = t.id AND h.status = {HOLD_ACTIVE} AND h.expires_at > $1), 0) AS BIGINT) AS held_live \
        FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE ($2 IS NULL OR t.event_id = $2) ORDER BY t.id"
    );
    let mut n = 0;
    on_pool!(db, |p| {
        let mut rows = sqlx::query_as::<_, SeatAccount>(&sql)
            .bind(now)
            .bind(event_id)
            .fetch(p);
        while let Some(row) = rows.try_next().await? {
            n += 1;
            f(row);
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(n)
}

/// (user, key, count) for idempotency keys that map to more than one booking or hold.
pub async fn duplicate_keys(db: &Db) -> Result<Vec<(String, i64, String, i64)>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT 'booking', user_id, idempotency_key, COUNT(*) FROM bookings WHERE idempotency_key IS NOT NULL \
         GROUP BY user_id, idempotency_key HAVING COUNT(*) > 1 \
         UNION ALL SELECT 'hold', user_id, idempotency_key, COUNT(*) FROM holds \
         GROUP BY user_id, idempotency_key HAVING COUNT(*) > 1"
    )
    .fetch_all(p)
    .await
    })
}

/// Bookings whose number of tickets differs from their quantity.
pub async fn ticket_count_mismatches(db: &Db) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT b.id, b.quantity, CAST((SELECT COUNT(*) FROM tickets k WHERE k.booking_id = b.id) AS BIGINT) AS n \
         FROM bookings b WHERE b.quantity <> (SELECT COUNT(*) FROM tickets k WHERE k.booking_id = b.id) LIMIT 100"
    )
    .fetch_all(p)
    .await
    })
}
