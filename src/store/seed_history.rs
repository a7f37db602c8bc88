//! Bulk writes for demo sales history: bookings, their tickets and the seats they take,
//! written many rows per statement (arrays through `UNNEST` on PostgreSQL, multi-row
//! `VALUES` on SQLite) inside the caller's transaction.

use crate::db::{Db, Tx};
use crate::on_pool;
use crate::store::status::lit::EVENT_PUBLISHED;
use crate::store::values_placeholders;
use futures::TryStreamExt;
use sqlx::FromRow;

/// A ticket type of a published event, with what a sales history needs to know about it.
#[derive(Debug, Clone, FromRow)]
pub struct SellableType {
    pub id: i64,
    pub event_id: i64,
    pub organizer_id: i64,
    pub capacity: i64,
    pub taken: i64,
    pub price_cents: i64,
    pub currency: String,
    pub max_per_booking: i64,
    pub starts_at: i64,
    /// When the event went on sale (published, else created).
    pub on_sale_at: i64,
    pub sale_starts_at: Option<i64>,
    pub sale_ends_at: Option<i64>,
}

/// Streams the ticket types of published events through `f`, grouped by event (event id,
/// then position).
pub async fn sellable_types<F: FnMut(SellableType)>(db: &Db, mut f: F) -> Result<(), sqlx::Error> {
    let sql = format!(
        "SELECT t.id, t.event_id, e.organizer_id, t.capacity, t.taken, t.price_cents, t.currency, \
         t.max_per_booking, e.starts_at, COALESCE(e.published_at, e.created_at) AS on_sale_at, \
         t.sale_starts_at, t.sale_ends_at \
         FROM ticket_types t JOIN events e ON e.id = t.event_id \
         WHERE e.status = {EVENT_PUBLISHED} ORDER BY t.event_id, t.position, t.id"
    );
    on_pool!(db, |p| {
        let mut rows = sqlx::query_as::<_, SellableType>(&sql).fetch(p);
        while let Some(row) = rows.try_next().await? {
            f(row);
        }
        Ok(())
    })
}

/// Ids of users whose e-mail matches `pattern` (a `LIKE` pattern), lowest first.
pub async fn user_ids_like(db: &Db, pattern: &str) -> Result<Vec<i64>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar(
        "SELECT id FROM users WHERE email LIKE $1 ORDER BY id"
    )
    .bind(pattern)
    .fetch_all(p)
    .await)
}

/// How many bookings users whose e-mail matches `pattern` have.
pub async fn bookings_of_users_like(db: &Db, pattern: &str) -> Result<i64, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings b JOIN users u ON u.id = b.user_id WHERE u.email LIKE $1"
    )
    .bind(pattern)
    .fetch_one(p)
    .await)
}

/// Reserves `n` booking ids for explicit inserts in this transaction: from the identity
/// sequence on PostgreSQL (safe alongside other writers), after the highest id ever handed
/// out on SQLite (whose single writer this transaction holds).
pub async fn reserve_booking_ids(tx: &mut Tx, n: usize) -> Result<Vec<i64>, sqlx::Error> {
    match tx {
        Tx::Postgres(t) => sqlx::query_scalar(
            "SELECT nextval(pg_get_serial_sequence('bookings', 'id')) FROM generate_series(1, $1)",
        )
        .bind(n as i64)
        .fetch_all(&mut **t)
        .await,
        Tx::Sqlite(t) => {
            let top: i64 = sqlx::query_scalar(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM bookings), 0), \
                 COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'bookings'), 0))",
            )
            .fetch_one(&mut **t)
            .await?;
            Ok((1..=n as i64).map(|i| top + i).collect())
        }
    }
}

/// A booking of the history, with its id reserved and its code made.
#[derive(Debug, Clone)]
pub struct SeedBooking {
    pub id: i64,
    pub code: String,
    pub user_id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub currency: String,
    pub created_at: i64,
    /// Set for a booking the buyer cancelled later.
    pub cancelled_at: Option<i64>,
}

/// A ticket of a history booking.
#[derive(Debug, Clone)]
pub struct SeedTicket {
    pub booking_id: i64,
    pub code: String,
    pub checked_in_at: Option<i64>,
    pub checked_in_by: Option<i64>,
}

const BOOKING_COLS: &str = "id, code, user_id, event_id, ticket_type_id, quantity, unit_price_cents, \
    total_cents, currency, status, created_at, cancelled_at, cancel_reason";

/// Inserts bookings with their ids and codes (no idempotency key: they were not made through
/// the API). They take no seats here: see [`add_taken`].
pub async fn insert_bookings(tx: &mut Tx, rows: &[SeedBooking]) -> Result<(), sqlx::Error> {
    let reason = crate::notifications::CancelReason::Buyer.as_str();
    let status = |b: &SeedBooking| {
        if b.cancelled_at.is_some() {
            crate::domain::BookingStatus::Cancelled
        } else {
            crate::domain::BookingStatus::Confirmed
        }
    };
    match tx {
        Tx::Postgres(t) => {
            let sql = format!(
                "INSERT INTO bookings ({BOOKING_COLS}) SELECT * FROM UNNEST($1::bigint[], $2::text[], \
                 $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], \
                 $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::text[])"
            );
            for chunk in rows.chunks(20_000) {
                let col = |f: fn(&SeedBooking) -> i64| chunk.iter().map(f).collect::<Vec<i64>>();
                sqlx::query(&sql)
                    .bind(col(|b| b.id))
                    .bind(chunk.iter().map(|b| b.code.as_str()).collect::<Vec<_>>())
                    .bind(col(|b| b.user_id))
                    .bind(col(|b| b.event_id))
                    .bind(col(|b| b.ticket_type_id))
                    .bind(col(|b| b.quantity))
                    .bind(col(|b| b.unit_price_cents))
                    .bind(col(|b| b.unit_price_cents * b.quantity))
                    .bind(
                        chunk
                            .iter()
                            .map(|b| b.currency.as_str())
                            .collect::<Vec<_>>(),
                    )
                    .bind(chunk.iter().map(|b| status(b).as_str()).collect::<Vec<_>>())
                    .bind(col(|b| b.created_at))
                    .bind(chunk.iter().map(|b| b.cancelled_at).collect::<Vec<_>>())
                    .bind(
                        chunk
                            .iter()
                            .map(|b| b.cancelled_at.map(|_| reason))
                            .collect::<Vec<_>>(),
                    )
                    .execute(&mut **t)
                    .await?;
            }
        }
        Tx::Sqlite(t) => {
            // 13 parameters a row; keep below SQLite's limit.
            for chunk in rows.chunks(2_000) {
                let sql = format!(
                    "INSERT INTO bookings ({BOOKING_COLS}) VALUES {}",
                    values_placeholders(chunk.len(), 13, 1, "")
                );
                let mut q = sqlx::query(&sql);
                for b in chunk {
                    q = q
                        .bind(b.id)
                        .bind(&b.code)
                        .bind(b.user_id)
                        .bind(b.event_id)
                        .bind(b.ticket_type_id)
                        .bind(b.quantity)
                        .bind(b.unit_price_cents)
                        .bind(b.unit_price_cents * b.quantity)
                        .bind(&b.currency)
                        .bind(status(b))
                        .bind(b.created_at)
                        .bind(b.cancelled_at)
                        .bind(b.cancelled_at.map(|_| reason));
                }
                q.execute(&mut **t).await?;
            }
        }
    }
    Ok(())
}

/// Inserts tickets (one a seat, with their codes and check-ins).
pub async fn insert_tickets(tx: &mut Tx, rows: &[SeedTicket]) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Postgres(t) => {
            for chunk in rows.chunks(50_000) {
                sqlx::query(
                    "INSERT INTO tickets (booking_id, code, checked_in_at, checked_in_by) \
                     SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::bigint[])",
                )
                .bind(chunk.iter().map(|k| k.booking_id).collect::<Vec<_>>())
                .bind(chunk.iter().map(|k| k.code.as_str()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|k| k.checked_in_at).collect::<Vec<_>>())
                .bind(chunk.iter().map(|k| k.checked_in_by).collect::<Vec<_>>())
                .execute(&mut **t)
                .await?;
            }
        }
        Tx::Sqlite(t) => {
            for chunk in rows.chunks(5_000) {
                let sql = format!(
                    "INSERT INTO tickets (booking_id, code, checked_in_at, checked_in_by) VALUES {}",
                    values_placeholders(chunk.len(), 4, 1, "")
                );
                let mut q = sqlx::query(&sql);
                for k in chunk {
                    q = q
                        .bind(k.booking_id)
                        .bind(&k.code)
                        .bind(k.checked_in_at)
                        .bind(k.checked_in_by);
                }
                q.execute(&mut **t).await?;
            }
        }
    }
    Ok(())
}

/// Adds seats to `taken`: (ticket type, seats). The capacity CHECK still guards every row.
pub async fn add_taken(tx: &mut Tx, rows: &[(i64, i64)]) -> Result<(), sqlx::Error> {
    match tx {
        Tx::Postgres(t) => {
            for chunk in rows.chunks(50_000) {
                sqlx::query(
                    "UPDATE ticket_types SET taken = ticket_types.taken + u.n \
                     FROM UNNEST($1::bigint[], $2::bigint[]) AS u(id, n) WHERE ticket_types.id = u.id",
                )
                .bind(chunk.iter().map(|r| r.0).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.1).collect::<Vec<_>>())
                .execute(&mut **t)
                .await?;
            }
        }
        Tx::Sqlite(t) => {
            for chunk in rows.chunks(5_000) {
                let sql = format!(
                    "WITH u(id, n) AS (VALUES {}) UPDATE ticket_types SET taken = ticket_types.taken + u.n \
                     FROM u WHERE ticket_types.id = u.id",
                    values_placeholders(chunk.len(), 2, 1, "")
                );
                let mut q = sqlx::query(&sql);
                for (id, n) in chunk {
                    q = q.bind(*id).bind(*n);
                }
                q.execute(&mut **t).await?;
            }
        }
    }
    Ok(())
}

/// Rows in `sales_hourly` (for the report).
pub async fn sales_hourly_rows(db: &Db) -> Result<i64, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM sales_hourly"
    )
    .fetch_one(p)
    .await)
}

/// After a bulk load on PostgreSQL, refreshes the planner's statistics and the visibility map
/// of the tables the history wrote.
pub async fn refresh_statistics(db: &Db) -> Result<(), sqlx::Error> {
    match db {
        Db::Postgres(p) => {
            sqlx::query("VACUUM (ANALYZE) bookings, tickets, ticket_types, users, sales_hourly, rollup_dirty")
                .execute(p)
                .await?;
        }
        // As for the events: SQLite's plans were checked on the schema alone.
        Db::Sqlite { .. } => {}
    }
    Ok(())
}

/// Gives this transaction room for the recount's sorts and hashes on PostgreSQL (a bulk
/// load, not a request: the usual few megabytes would spill to disk many times).
pub async fn widen_work_mem(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SET LOCAL work_mem = '256MB'")
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}
