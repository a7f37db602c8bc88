//! Pages of rows for the CSV exports (see [`crate::analytics::export`]).
//!
//! Every query pages by key: `WHERE id > $after ORDER BY id LIMIT $limit`, so each page is
//! one short read on a pooled connection and no cursor or connection lives between pages.

use crate::db::Db;
use crate::domain::{BookingStatus, WaitlistStatus};
use crate::on_pool;
use crate::store::status::lit::BOOKING_CONFIRMED;
use sqlx::FromRow;

/// Which bookings to export: all (admins), or one event's; optionally created in
/// `[from_ms, until_ms)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingFilter {
    pub event_id: Option<i64>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

/// A booking with its event, ticket type and booker.
#[derive(Debug, Clone, FromRow)]
pub struct BookingExportRow {
    pub id: i64,
    pub code: String,
    pub event_id: i64,
    pub event_slug: String,
    pub event_title: String,
    pub ticket_type: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    pub status: BookingStatus,
    pub booker_name: String,
    pub booker_email: String,
    pub created_at: i64,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
}

/// The bookings after `after` (event id, booking id) matching `f`, by event and then
/// booking, at most `limit`. The page is cut from `bookings` first (a walk of its
/// `(event_id, id)` index, with only the filters asked for), then joined to its event, ticket
/// type and booker: in event order those lookups land on the pages read for the row before,
/// which makes a million rows several times quicker than in booking order.
pub async fn bookings(
    db: &Db,
    f: &BookingFilter,
    after: (i64, i64),
    limit: i64,
) -> Result<Vec<BookingExportRow>, sqlx::Error> {
    let mut filter = String::new();
    let mut n = 3;
    for (present, cond) in [
        (f.event_id.is_some(), "event_id = "),
        (f.from_ms.is_some(), "created_at >= "),
        (f.until_ms.is_some(), "created_at < "),
    ] {
        if present {
            filter.push_str(&format!(" AND {cond}${n}"));
            n += 1;
        }
    }
    let sql = format!(
        "SELECT b.id, b.code, b.event_id, e.slug AS event_slug, e.title AS event_title, \
         t.name AS ticket_type, b.quantity, b.unit_price_cents, b.total_cents, b.currency, \
         b.status, u.name AS booker_name, u.email AS booker_email, b.created_at, \
         b.cancelled_at, b.cancel_reason \
         FROM (SELECT id, code, event_id, ticket_type_id, user_id, quantity, unit_price_cents, \
         total_cents, currency, status, created_at, cancelled_at, cancel_reason FROM bookings \
         WHERE (event_id, id) > ($1, $2){filter} ORDER BY event_id, id LIMIT ${n}) b \
         JOIN events e ON e.id = b.event_id \
         JOIN ticket_types t ON t.id = b.ticket_type_id JOIN users u ON u.id = b.user_id \
         ORDER BY b.event_id, b.id"
    );
    on_pool!(db, |p| {
        let mut q = sqlx::query_as(&sql).bind(after.0).bind(after.1);
        for v in [f.event_id, f.from_ms, f.until_ms].into_iter().flatten() {
            q = q.bind(v);
        }
        q.bind(limit).fetch_all(p).await
    })
}

/// A ticket of a confirmed booking, with its check-in state.
#[derive(Debug, Clone, FromRow)]
pub struct AttendeeExportRow {
    pub ticket_id: i64,
    pub ticket_code: String,
    pub booking_code: String,
    pub ticket_type: String,
    pub attendee_name: Option<String>,
    pub booker_name: String,
    pub booker_email: String,
    pub unit_price_cents: i64,
    pub currency: String,
    pub booked_at: i64,
    pub checked_in_at: Option<i64>,
    pub checked_in_by: Option<i64>,
}

/// The tickets of an event's confirmed bookings after ticket id `after`, at most `limit`.
pub async fn attendees(
    db: &Db,
    event_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<AttendeeExportRow>, sqlx::Error> {
    let sql = format!(
        "SELECT k.id AS ticket_id, k.code AS ticket_code, b.code AS booking_code, \
         t.name AS ticket_type, k.attendee_name, u.name AS booker_name, u.email AS booker_email, \
         b.unit_price_cents, b.currency, b.created_at AS booked_at, k.checked_in_at, k.checked_in_by \
         FROM tickets k JOIN bookings b ON b.id = k.booking_id JOIN users u ON u.id = b.user_id \
         JOIN ticket_types t ON t.id = b.ticket_type_id \
         WHERE b.event_id = $1 AND b.status = {BOOKING_CONFIRMED} AND k.id > $2 \
         ORDER BY k.id LIMIT $3"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A waitlist entry (any status) with its ticket type and person.
#[derive(Debug, Clone, FromRow)]
pub struct WaitlistExportRow {
    pub id: i64,
    pub ticket_type: String,
    pub place: i64,
    pub quantity: i64,
    pub status: WaitlistStatus,
    pub user_name: String,
    pub user_email: String,
    pub offered_quantity: i64,
    pub offer_expires_at: Option<i64>,
    pub offers_made: i64,
    pub booking_code: Option<String>,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

/// An event's waitlist entries after id `after`, at most `limit`.
pub async fn waitlist(
    db: &Db,
    event_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<WaitlistExportRow>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_as(
        "SELECT w.id, t.name AS ticket_type, w.place, w.quantity, w.status, u.name AS user_name, \
         u.email AS user_email, w.offered_quantity, w.offer_expires_at, w.offers_made, \
         bk.code AS booking_code, w.created_at, w.ended_at \
         FROM waitlist_entries w JOIN users u ON u.id = w.user_id \
         JOIN ticket_types t ON t.id = w.ticket_type_id \
         LEFT JOIN bookings bk ON bk.id = w.booking_id \
         WHERE w.event_id = $1 AND w.id > $2 ORDER BY w.id LIMIT $3"
    )
    .bind(event_id)
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// An account (never its password hash).
#[derive(Debug, Clone, FromRow)]
pub struct UserExportRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub email_verified_at: Option<i64>,
    pub marketing_opt_in_at: Option<i64>,
    pub created_at: i64,
}

/// Accounts not erased, optionally whose e-mail or name contains `q` (any case), after id
/// `after`, at most `limit`.
pub async fn users(
    db: &Db,
    q: Option<&str>,
    after: i64,
    limit: i64,
) -> Result<Vec<UserExportRow>, sqlx::Error> {
    let pattern = q.map(|q| format!("%{}%", q.to_lowercase().replace(['%', '_'], "")));
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT id, email, name, role, disabled, email_verified_at, marketing_opt_in_at, created_at \
         FROM users WHERE deleted_at IS NULL \
         AND ($1 IS NULL OR LOWER(email) LIKE $1 OR LOWER(name) LIKE $1) \
         AND id > $2 ORDER BY id LIMIT $3"
    )
    .bind(&pattern)
    .bind(after)
    .bind(limit)
    .fetch_all(p)
    .await
    })
}
