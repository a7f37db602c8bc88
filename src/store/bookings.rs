//! Bookings and their tickets.

use crate::db::{Db, Tx};
use crate::domain::BookingStatus;
use crate::notifications::CancelReason;
use crate::store::status::lit::{BOOKING_CANCELLED, BOOKING_CONFIRMED};
use crate::store::{list_placeholders, random_code, values_placeholders};
use crate::{on_pool, on_tx};
use sqlx::FromRow;

/// A row of `bookings`.
#[derive(Debug, Clone, FromRow)]
pub struct BookingRow {
    pub id: i64,
    pub code: String,
    pub user_id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    pub status: BookingStatus,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub hold_id: Option<i64>,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
}

const COLS: &str = "id, code, user_id, event_id, ticket_type_id, quantity, unit_price_cents, total_cents, currency, \
    status, idempotency_key, request_hash, hold_id, created_at, cancelled_at";

/// A booking to insert.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub code: String,
    pub user_id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub currency: String,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub hold_id: Option<i64>,
}

impl NewBooking {
    pub fn new_code() -> String {
        format!("EV-{}", random_code(8))
    }
}

/// Inserts bookings as `confirmed`; rows whose (user, key) already exists are skipped.
/// Returns the inserted rows (match them up by `code`).
pub async fn insert_many(
    tx: &mut Tx,
    rows: &[NewBooking],
    now: i64,
) -> Result<Vec<BookingRow>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO bookings (code, user_id, event_id, ticket_type_id, quantity, unit_price_cents, total_cents, \
         currency, idempotency_key, request_hash, hold_id, status, created_at) \
         VALUES {} ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING {COLS}",
        values_placeholders(rows.len(), 11, 2, &format!(", {BOOKING_CONFIRMED}, $1"))
    );
    let inserted = on_tx!(tx, |c| {
        let mut q = sqlx::query_as::<_, BookingRow>(&sql).bind(now);
        for b in rows {
            q = q
                .bind(&b.code)
                .bind(b.user_id)
                .bind(b.event_id)
                .bind(b.ticket_type_id)
                .bind(b.quantity)
                .bind(b.unit_price_cents)
                .bind(b.unit_price_cents * b.quantity)
                .bind(&b.currency)
                .bind(&b.idempotency_key)
                .bind(&b.request_hash)
                .bind(b.hold_id);
        }
        q.fetch_all(c).await
    })?;
    crate::store::rollups::bookings_made(tx, &inserted, now).await?;
    Ok(inserted)
}

/// Creates one ticket (with its own code) per seat of each booking.
pub async fn insert_tickets(
    tx: &mut Tx,
    bookings: &[(i64, i64)],
    names: &[Option<String>],
) -> Result<(), sqlx::Error> {
    let mut rows: Vec<(i64, String, Option<String>)> = Vec::new();
    for (booking_id, quantity) in bookings {
        for i in 0..*quantity {
            let name = names.get(i as usize).cloned().flatten();
            rows.push((*booking_id, random_code(10), name));
        }
    }
    // Keep each statement well below SQLite's parameter limit.
    for chunk in rows.chunks(2000) {
        let sql = format!(
            "INSERT INTO tickets (booking_id, code, attendee_name) VALUES {}",
            values_placeholders(chunk.len(), 3, 1, "")
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for (b, code, name) in chunk {
                q = q.bind(*b).bind(code).bind(name);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Bookings of the given users whose keys are among `keys` (the caller matches exact pairs).
pub async fn by_keys(
    tx: &mut Tx,
    user_ids: &[i64],
    keys: &[String],
) -> Result<Vec<BookingRow>, sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLS} FROM bookings WHERE user_id IN ({}) AND idempotency_key IN ({})",
        list_placeholders(user_ids.len(), 1),
        list_placeholders(keys.len(), user_ids.len() + 1)
    );
    on_tx!(tx, |c| {
        let mut q = sqlx::query_as::<_, BookingRow>(&sql);
        for u in user_ids {
            q = q.bind(*u);
        }
        for k in keys {
            q = q.bind(k);
        }
        q.fetch_all(c).await
    })
}

/// A booking by one user and key (read outside any transaction).
pub async fn by_key(db: &Db, user_id: i64, key: &str) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM bookings WHERE user_id = $1 AND idempotency_key = $2");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(key)
        .fetch_optional(p)
        .await)
}

/// A booking by id.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM bookings WHERE id = $1");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// A booking by id, inside a transaction.
pub async fn by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM bookings WHERE id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// The booking that confirmed a hold.
pub async fn by_hold(tx: &mut Tx, hold_id: i64) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM bookings WHERE hold_id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(hold_id)
        .fetch_optional(c)
        .await)
}

/// Cancels a confirmed booking. Returns it if this call cancelled it.
pub async fn mark_cancelled(
    tx: &mut Tx,
    id: i64,
    now: i64,
    reason: CancelReason,
) -> Result<Option<BookingRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE bookings SET status = {BOOKING_CANCELLED}, cancelled_at = $2, cancel_reason = $3 \
         WHERE id = $1 AND status = {BOOKING_CONFIRMED} RETURNING {COLS}"
    );
    let row: Option<BookingRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(now)
        .bind(reason.as_str())
        .fetch_optional(c)
        .await)?;
    if let Some(b) = &row {
        crate::store::rollups::bookings_cancelled(tx, std::slice::from_ref(b), now).await?;
    }
    Ok(row)
}

/// Cancels every confirmed booking of an event; returns how many.
pub async fn cancel_all_for_event(
    tx: &mut Tx,
    event_id: i64,
    now: i64,
) -> Result<Vec<BookingRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE bookings SET status = {BOOKING_CANCELLED}, cancelled_at = $2, cancel_reason = $3 \
         WHERE event_id = $1 AND status = {BOOKING_CONFIRMED} RETURNING {COLS}"
    );
    let rows: Vec<BookingRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(now)
        .bind(CancelReason::EventCancelled.as_str())
        .fetch_all(c)
        .await)?;
    crate::store::rollups::bookings_cancelled(tx, &rows, now).await?;
    Ok(rows)
}

/// The confirmed bookings of an event: (booking id, user id), oldest first.
pub async fn active_for_event(tx: &mut Tx, event_id: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT id, user_id FROM bookings WHERE event_id = $1 AND status = {BOOKING_CONFIRMED} ORDER BY id"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(event_id)
        .fetch_all(c)
        .await)
}

/// A user's bookings, newest first.
pub async fn for_user(db: &Db, user_id: i64, limit: i64) -> Result<Vec<BookingRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLS} FROM bookings WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A row of `tickets`.
#[derive(Debug, Clone, FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub booking_id: i64,
    pub code: String,
    pub attendee_name: Option<String>,
    pub checked_in_at: Option<i64>,
}

/// The tickets of the given bookings.
pub async fn tickets_for(db: &Db, booking_ids: &[i64]) -> Result<Vec<TicketRow>, sqlx::Error> {
    if booking_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, booking_id, code, attendee_name, checked_in_at FROM tickets WHERE booking_id IN ({}) ORDER BY id",
        list_placeholders(booking_ids.len(), 1)
    );
    on_pool!(db, |p| {
        let mut q = sqlx::query_as::<_, TicketRow>(&sql);
        for id in booking_ids {
            q = q.bind(*id);
        }
        q.fetch_all(p).await
    })
}

/// A booking joined with its event and ticket type, for "My bookings".
#[derive(Debug, Clone, FromRow)]
pub struct BookingWithEventRow {
    #[sqlx(flatten)]
    pub booking: BookingRow,
    pub event_slug: String,
    pub event_title: String,
    pub event_starts_at: i64,
    pub event_timezone: String,
    pub event_status: crate::domain::EventStatus,
    pub venue: String,
    pub city: String,
    pub cancel_cutoff_minutes: i64,
    pub payment_note: String,
    pub ticket_type_name: String,
}

const WITH_EVENT_SQL: &str = "SELECT b.id, b.code, b.user_id, b.event_id, b.ticket_type_id, b.quantity, b.unit_price_cents, \
    b.total_cents, b.currency, b.status, b.idempotency_key, b.request_hash, b.hold_id, b.created_at, b.cancelled_at, \
    e.slug AS event_slug, e.title AS event_title, e.starts_at AS event_starts_at, e.timezone AS event_timezone, \
    e.status AS event_status, e.venue, e.city, e.cancel_cutoff_minutes, e.payment_note, t.name AS ticket_type_name \
    FROM bookings b JOIN events e ON e.id = b.event_id JOIN ticket_types t ON t.id = b.ticket_type_id";

/// A user's bookings with their events, latest event first.
pub async fn for_user_with_events(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<BookingWithEventRow>, sqlx::Error> {
    let sql = format!(
        "{WITH_EVENT_SQL} WHERE b.user_id = $1 ORDER BY e.starts_at DESC, b.id DESC LIMIT $2"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// One booking of a user with its event (`None` if it is not theirs).
pub async fn one_of_user(
    db: &Db,
    user_id: i64,
    booking_id: i64,
) -> Result<Option<BookingWithEventRow>, sqlx::Error> {
    let sql = format!("{WITH_EVENT_SQL} WHERE b.id = $1 AND b.user_id = $2");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(booking_id)
        .bind(user_id)
        .fetch_optional(p)
        .await)
}

/// A page of a user's bookings with their events in booking order, after `after_id`
/// (for exports that must read all of them).
pub async fn page_of_user(
    db: &Db,
    user_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<BookingWithEventRow>, sqlx::Error> {
    let sql = format!("{WITH_EVENT_SQL} WHERE b.user_id = $1 AND b.id > $2 ORDER BY b.id LIMIT $3");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}
