//! The seat counter of each ticket type (`ticket_types.taken`). Only the core's
//! [`inventory`](crate::inventory) module calls these: it is the one road for seats.

use crate::db::Tx;
use crate::domain::HoldStatus;
use crate::on_tx;

/// The seats of a ticket type (`t`) in active holds that expired at or before `$now`:
/// still counted in `taken` until a writer returns them, yet already open to buyers.
/// `now` names the placeholder that carries the time.
pub(crate) fn expired_held_sql(now: &str) -> String {
    format!(
        "CAST(COALESCE((SELECT SUM(h.quantity) FROM holds h WHERE h.ticket_type_id = t.id \
         AND h.status = {active} AND h.expires_at <= {now}), 0) AS BIGINT)",
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

/// Returns `n` seats and answers the seats still taken afterwards (`None` if there is no
/// such ticket type). The CHECK constraint refuses to go below zero.
pub async fn give_back(
    tx: &mut Tx,
    ticket_type_id: i64,
    n: i64,
) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "UPDATE ticket_types SET taken = taken - $2 WHERE id = $1 RETURNING taken"
    )
    .bind(ticket_type_id)
    .bind(n)
    .fetch_optional(c)
    .await)
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
    Ok(r == 1)
}
