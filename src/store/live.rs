//! Committed availability of many events at once, for live updates.

use crate::db::Db;
use crate::domain::EventStatus;
use crate::on_pool;
use crate::store::inventory::expired_held_sql;
use crate::store::list_placeholders;
use sqlx::FromRow;

/// One ticket type's seats, as live clients see them.
#[derive(Debug, Clone, FromRow)]
pub struct AvailabilityRow {
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub capacity: i64,
    pub taken: i64,
    pub expired_held: i64,
    /// People in the ticket type's waitlist.
    pub waiting: i64,
    pub event_status: EventStatus,
}

/// Every ticket type of the given events, with seats in expired holds as of `now`.
pub async fn availability(
    db: &Db,
    event_ids: &[i64],
    now: i64,
) -> Result<Vec<AvailabilityRow>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in event_ids.chunks(500) {
        let sql = format!(
            "SELECT t.event_id, t.id AS ticket_type_id, t.capacity, t.taken, {} AS expired_held, \
             t.wl_active AS waiting, e.status AS event_status FROM ticket_types t JOIN events e ON e.id = t.event_id \
             WHERE t.event_id IN ({}) ORDER BY t.event_id, t.position, t.id",
            expired_held_sql("$1"),
            list_placeholders(chunk.len(), 2)
        );
        let rows: Vec<AvailabilityRow> = on_pool!(db, |p| {
            let mut q = sqlx::query_as::<_, AvailabilityRow>(&sql).bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}
