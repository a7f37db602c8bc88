//! What tickets, confirmations and the door need to know about a booking, in one read.

use crate::db::Db;
use crate::domain::{BookingStatus, EventStatus};
use crate::on_pool;
use crate::store::status::lit::BOOKING_CONFIRMED;
use sqlx::FromRow;

/// A booking with its buyer, event and ticket type.
#[derive(Debug, Clone, FromRow)]
pub struct BookingDocRow {
    pub booking_id: i64,
    pub booking_code: String,
    pub status: BookingStatus,
    pub quantity: i64,
    pub total_cents: i64,
    pub currency: String,
    pub booked_at: i64,
    pub cancelled_at: Option<i64>,
    pub user_id: i64,
    pub user_email: String,
    pub user_name: String,
    /// Set once the account was erased: nothing is sent to it any more.
    pub user_deleted_at: Option<i64>,
    pub event_id: i64,
    pub event_slug: String,
    pub event_title: String,
    pub event_status: EventStatus,
    pub venue: String,
    pub city: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub timezone: String,
    pub organizer_id: i64,
    pub ticket_type_name: String,
    pub payment_note: String,
    /// How long before the start the event reminds its bookers, in hours (0: never).
    pub reminder_hours: i64,
    /// Whether the buyer wants reminder e-mails.
    pub email_reminders: bool,
}

/// One booking with everything a document about it shows.
pub async fn booking_doc(db: &Db, booking_id: i64) -> Result<Option<BookingDocRow>, sqlx::Error> {
    let sql = "SELECT b.id AS booking_id, b.code AS booking_code, b.status, b.quantity, b.total_cents, \
        b.currency, b.created_at AS booked_at, b.cancelled_at, u.id AS user_id, u.email AS user_email, \
        u.name AS user_name, u.deleted_at AS user_deleted_at, e.id AS event_id, e.slug AS event_slug, \
        e.title AS event_title, e.status AS event_status, e.venue, e.city, e.starts_at, e.ends_at, \
        e.timezone, e.organizer_id, t.name AS ticket_type_name, e.payment_note, e.reminder_hours, \
        u.email_reminders \
        FROM bookings b JOIN users u ON u.id = b.user_id JOIN events e ON e.id = b.event_id \
        JOIN ticket_types t ON t.id = b.ticket_type_id WHERE b.id = $1";
    on_pool!(db, |p| sqlx::query_as::<_, BookingDocRow>(sql)
        .bind(booking_id)
        .fetch_optional(p)
        .await)
}

/// A ticket as a door scanner keeps it offline.
#[derive(Debug, Clone, FromRow)]
pub struct ScannerTicketRow {
    pub code: String,
    pub attendee_name: Option<String>,
    pub buyer_name: String,
    pub ticket_type: String,
    pub booking_code: String,
    pub confirmed: bool,
    pub checked_in_at: Option<i64>,
}

/// Every ticket of an event, live and revoked (cancelled bookings), by code.
pub async fn scanner_list(db: &Db, event_id: i64) -> Result<Vec<ScannerTicketRow>, sqlx::Error> {
    let sql = format!(
        "SELECT k.code, k.attendee_name, u.name AS buyer_name, t.name AS ticket_type, b.code AS booking_code, \
         (b.status = {BOOKING_CONFIRMED}) AS confirmed, k.checked_in_at \
         FROM tickets k JOIN bookings b ON b.id = k.booking_id JOIN users u ON u.id = b.user_id \
         JOIN ticket_types t ON t.id = b.ticket_type_id WHERE b.event_id = $1 ORDER BY k.code"
    );
    on_pool!(db, |p| sqlx::query_as::<_, ScannerTicketRow>(&sql)
        .bind(event_id)
        .fetch_all(p)
        .await)
}

/// Who checked a ticket in and when, by code.
pub async fn checked_in_by(
    db: &Db,
    code: &str,
) -> Result<Option<(i64, Option<String>)>, sqlx::Error> {
    let sql = "SELECT k.checked_in_at, u.name FROM tickets k LEFT JOIN users u ON u.id = k.checked_in_by \
               WHERE k.code = $1 AND k.checked_in_at IS NOT NULL";
    on_pool!(db, |p| sqlx::query_as::<_, (i64, Option<String>)>(sql)
        .bind(code)
        .fetch_optional(p)
        .await)
}
