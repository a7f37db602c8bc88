//! Bulk inserts for demo data: many rows per statement, one transaction per batch.

use crate::db::Tx;
use crate::on_tx;
use crate::store::values_placeholders;

/// A demo event row.
#[derive(Debug, Clone)]
pub struct SeedEvent {
    pub organizer_id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub city: String,
    pub category: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub timezone: String,
    pub status: crate::domain::EventStatus,
    pub image_url: Option<String>,
    pub min_price_cents: i64,
    /// When it went on sale (the newest-first order).
    pub published_at: i64,
}

/// A demo ticket type row, attached to an event by slug.
#[derive(Debug, Clone)]
pub struct SeedTicketType {
    pub event_slug: String,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub capacity: i64,
    pub position: i64,
}

/// Inserts events (skipping existing slugs) and returns (slug, id) of the inserted ones.
pub async fn insert_events(
    tx: &mut Tx,
    events: &[SeedEvent],
    now: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut out = Vec::with_capacity(events.len());
    for chunk in events.chunks(1000) {
        let sql = format!(
            "INSERT INTO events (organizer_id, slug, title, description, venue, city, category, starts_at, ends_at, \
             timezone, status, image_url, min_price_cents, published_at, hold_minutes, cancel_cutoff_minutes, created_at, updated_at) \
             VALUES {} ON CONFLICT (slug) DO NOTHING RETURNING slug, id",
            values_placeholders(chunk.len(), 14, 2, ", 10, 1440, $1, $1")
        );
        let rows: Vec<(String, i64)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(&sql).bind(now);
            for e in chunk {
                q = q
                    .bind(e.organizer_id)
                    .bind(&e.slug)
                    .bind(&e.title)
                    .bind(&e.description)
                    .bind(&e.venue)
                    .bind(&e.city)
                    .bind(&e.category)
                    .bind(e.starts_at)
                    .bind(e.ends_at)
                    .bind(&e.timezone)
                    .bind(e.status)
                    .bind(&e.image_url)
                    .bind(e.min_price_cents)
                    .bind(e.published_at);
            }
            q.fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Inserts ticket types for events by id.
pub async fn insert_ticket_types(
    tx: &mut Tx,
    rows: &[(i64, SeedTicketType)],
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(2000) {
        let sql = format!(
            "INSERT INTO ticket_types (event_id, name, price_cents, currency, capacity, position, taken, max_per_booking, created_at) \
             VALUES {}",
            values_placeholders(chunk.len(), 6, 2, ", 0, 10, $1")
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql).bind(now);
            for (event_id, t) in chunk {
                q = q
                    .bind(*event_id)
                    .bind(&t.name)
                    .bind(t.price_cents)
                    .bind(&t.currency)
                    .bind(t.capacity)
                    .bind(t.position);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// After a bulk load on PostgreSQL, refreshes the planner's statistics and the visibility map
/// (index-only scans rely on it), so the first searches get the plans they will keep.
pub async fn refresh_statistics(db: &crate::db::Db) -> Result<(), sqlx::Error> {
    match db {
        crate::db::Db::Postgres(p) => {
            sqlx::query("VACUUM (ANALYZE) events, ticket_types")
                .execute(p)
                .await?;
        }
        // SQLite's planner works from the schema alone here; its plans were checked as is.
        crate::db::Db::Sqlite { .. } => {}
    }
    Ok(())
}
