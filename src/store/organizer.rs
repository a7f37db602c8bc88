//! What organizers see of their events: sales, attendees, check-in.

use crate::db::{Db, Tx};
use crate::store::status::lit::{BOOKING_CONFIRMED, HOLD_ACTIVE};
use crate::{on_pool, on_tx};
use sqlx::FromRow;

/// Seat and money figures of one ticket type.
#[derive(Debug, Clone, FromRow)]
pub struct SalesRow {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub capacity: i64,
    pub max_per_booking: i64,
    pub sold: i64,
    pub held: i64,
    pub revenue_cents: i64,
    pub checked_in: i64,
    pub bookings: i64,
}

pub async fn sales(db: &Db, event_id: i64, now: i64) -> Result<Vec<SalesRow>, sqlx::Error> {
    // One pass over the event's confirmed bookings (its index), one over their tickets
    // checked in, grouped by ticket type; active holds by each ticket type's index.
    on_pool!(db, |p| {
        sqlx::query_as(&format!("SELECT t.id, t.name, t.price_cents, t.currency, t.capacity, t.max_per_booking, \
         CAST(COALESCE(b.sold, 0) AS BIGINT) AS sold, CAST(COALESCE((SELECT SUM(h.quantity) FROM holds h WHERE h.ticket_type_id = t.id \
         AND h.status = {HOLD_ACTIVE} AND h.expires_at > $2), 0) AS BIGINT) AS held, \
         CAST(COALESCE(b.revenue_cents, 0) AS BIGINT) AS revenue_cents, \
         CAST(COALESCE(k.checked_in, 0) AS BIGINT) AS checked_in, CAST(COALESCE(b.bookings, 0) AS BIGINT) AS bookings \
         FROM ticket_types t \
         LEFT JOIN (SELECT ticket_type_id, SUM(quantity) AS sold, SUM(total_cents) AS revenue_cents, COUNT(*) AS bookings \
           FROM bookings WHERE event_id = $1 AND status = {BOOKING_CONFIRMED} GROUP BY ticket_type_id) b ON b.ticket_type_id = t.id \
         LEFT JOIN (SELECT b.ticket_type_id, COUNT(*) AS checked_in FROM tickets k JOIN bookings b ON b.id = k.booking_id \
           WHERE b.event_id = $1 AND b.status = {BOOKING_CONFIRMED} AND k.checked_in_at IS NOT NULL GROUP BY b.ticket_type_id) k \
           ON k.ticket_type_id = t.id \
         WHERE t.event_id = $1 ORDER BY t.position, t.id")
    )
    .bind(event_id)
    .bind(now)
    .fetch_all(p)
    .await
    })
}

/// A ticket with its booking and buyer.
#[derive(Debug, Clone, FromRow)]
pub struct AttendeeRow {
    pub ticket_id: i64,
    pub ticket_code: String,
    pub attendee_name: Option<String>,
    pub buyer_name: String,
    pub buyer_email: String,
    pub ticket_type: String,
    pub booking_code: String,
    pub booking_status: crate::domain::BookingStatus,
    pub booked_at: i64,
    pub checked_in_at: Option<i64>,
    pub event_id: i64,
}

const ATTENDEE_SQL: &str = "SELECT k.id AS ticket_id, k.code AS ticket_code, k.attendee_name, u.name AS buyer_name, \
    u.email AS buyer_email, t.name AS ticket_type, b.code AS booking_code, b.status AS booking_status, \
    b.created_at AS booked_at, k.checked_in_at, b.event_id \
    FROM tickets k JOIN bookings b ON b.id = k.booking_id JOIN users u ON u.id = b.user_id \
    JOIN ticket_types t ON t.id = b.ticket_type_id";

/// Confirmed tickets of an event, optionally matching `q` (name, e-mail or code), after a ticket id.
pub async fn attendees(
    db: &Db,
    event_id: i64,
    q: Option<&str>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AttendeeRow>, sqlx::Error> {
    // Case and accents do not matter: "zoe" finds "Zoë" (both sides folded alike).
    let pattern = q.map(|q| format!("%{}%", crate::domain::fold(q).replace(['%', '_'], "")));
    let (attendee, buyer) = (
        crate::domain::fold_sql("COALESCE(k.attendee_name, '')"),
        crate::domain::fold_sql("u.name"),
    );
    let sql = format!(
        "{ATTENDEE_SQL} WHERE b.event_id = $1 AND b.status = {BOOKING_CONFIRMED} AND ($2 IS NULL OR \
         {attendee} LIKE $2 OR {buyer} LIKE $2 OR LOWER(u.email) LIKE $2 \
         OR LOWER(k.code) LIKE $2 OR LOWER(b.code) LIKE $2) AND ($3 IS NULL OR k.id > $3) ORDER BY k.id LIMIT $4"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(&pattern)
        .bind(after_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A ticket by its code (codes are stored upper-case).
pub async fn ticket_by_code(tx: &mut Tx, code: &str) -> Result<Option<AttendeeRow>, sqlx::Error> {
    let sql = format!("{ATTENDEE_SQL} WHERE k.code = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(c)
        .await)
}

/// Marks a ticket checked in if it belongs to a confirmed booking of the event and is not
/// checked in yet. Returns whether it did.
pub async fn check_in(
    tx: &mut Tx,
    event_id: i64,
    code: &str,
    by: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done: Option<(i64, String)> = on_tx!(tx, |c| {
        sqlx::query_as(&format!("UPDATE tickets SET checked_in_at = $3, checked_in_by = $4 WHERE code = $1 AND checked_in_at IS NULL \
         AND booking_id IN (SELECT id FROM bookings WHERE event_id = $2 AND status = {BOOKING_CONFIRMED}) \
         RETURNING (SELECT b.ticket_type_id FROM bookings b WHERE b.id = booking_id), \
         (SELECT b.currency FROM bookings b WHERE b.id = booking_id)")
    )
    .bind(code)
    .bind(event_id)
    .bind(now)
    .bind(by)
    .fetch_optional(c)
    .await
    })?;
    let Some((ticket_type_id, currency)) = done else {
        return Ok(false);
    };
    crate::store::rollups::count_one(
        tx,
        event_id,
        ticket_type_id,
        &currency,
        now,
        crate::store::rollups::Tally {
            checkins: 1,
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(true)
}

/// The name of whoever checked ticket `ticket_id` in.
pub async fn checked_in_by_name(
    tx: &mut Tx,
    ticket_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar::<_, Option<String>>(
        "SELECT u.name FROM tickets k LEFT JOIN users u ON u.id = k.checked_in_by WHERE k.id = $1"
    )
    .bind(ticket_id)
    .fetch_optional(c)
    .await
    .map(Option::flatten))
}

/// Updates an event's descriptive fields.
pub async fn update_event(
    tx: &mut Tx,
    e: &crate::store::events::NewEvent,
    id: i64,
) -> Result<(), sqlx::Error> {
    // The platform's figures by city and category are folded again when either moves.
    let before: Option<(String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT city, category FROM events WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    if before.is_some_and(|(city, category)| city != e.city || category != e.category) {
        crate::store::rollups::mark_event_dirty(tx, id).await?;
    }
    // Its capacity counts on the day it takes place: both days if it moves.
    crate::store::rollup_fold::mark_event_day(tx, id).await?;
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE events SET title = $2, description = $3, venue = $4, city = $5, category = $6, starts_at = $7, \
         ends_at = $8, timezone = $9, image_url = $10, hold_minutes = $11, cancel_cutoff_minutes = $12, \
         min_price_cents = $13, updated_at = $14, max_seats_per_user = $15, payment_note = $16, offer_minutes = $17, reminder_hours = $18 WHERE id = $1"
    )
    .bind(id)
    .bind(&e.title)
    .bind(&e.description)
    .bind(&e.venue)
    .bind(&e.city)
    .bind(&e.category)
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(&e.timezone)
    .bind(&e.image_url)
    .bind(e.hold_minutes)
    .bind(e.cancel_cutoff_minutes)
    .bind(e.min_price_cents)
    .bind(e.now)
    .bind(e.max_seats_per_user)
    .bind(&e.payment_note)
    .bind(e.offer_minutes)
    .bind(e.reminder_hours)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    crate::store::rollup_fold::mark_event_day(tx, id).await?;
    Ok(())
}

/// Updates a ticket type's name, price and per-booking maximum.
pub async fn update_ticket_type(
    tx: &mut Tx,
    id: i64,
    event_id: i64,
    t: &crate::store::events::NewTicketType,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE ticket_types SET name = $3, price_cents = $4, currency = $5, max_per_booking = $6, position = $7, \
         sale_starts_at = $8, sale_ends_at = $9 WHERE id = $1 AND event_id = $2"
    )
    .bind(id)
    .bind(event_id)
    .bind(&t.name)
    .bind(t.price_cents)
    .bind(&t.currency)
    .bind(t.max_per_booking)
    .bind(t.position)
    .bind(t.sale_starts_at)
    .bind(t.sale_ends_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}
