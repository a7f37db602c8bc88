//! Events and ticket types.

use crate::db::{Db, Tx};
use crate::domain::EventStatus;
use crate::store::inventory::expired_held_sql;
use crate::{on_pool, on_tx};
use sqlx::FromRow;

/// A row of `events`.
#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
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
    pub status: EventStatus,
    pub image_url: Option<String>,
    pub hold_minutes: i64,
    pub cancel_cutoff_minutes: i64,
    pub max_seats_per_user: i64,
    /// What buyers are told about paying (the organizer's words); empty: the default.
    pub payment_note: String,
    /// How long a waitlist offer lives, in minutes.
    pub offer_minutes: i64,
    /// How long before the start bookers are reminded, in hours (0: never).
    pub reminder_hours: i64,
    pub min_price_cents: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub cancelled_at: Option<i64>,
}

/// An event with its organizer's display name.
#[derive(Debug, Clone, FromRow)]
pub struct EventWithOrganizer {
    #[sqlx(flatten)]
    pub event: EventRow,
    pub organizer_name: String,
}

/// A row of `ticket_types`, with the seats held by expired (not yet swept) holds.
#[derive(Debug, Clone, FromRow)]
pub struct TicketTypeRow {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub capacity: i64,
    pub taken: i64,
    pub sale_starts_at: Option<i64>,
    pub sale_ends_at: Option<i64>,
    pub max_per_booking: i64,
    pub position: i64,
    /// Entries in the ticket type's waitlist (waiting or holding an offer).
    pub wl_active: i64,
    /// The waitlist makes no offers while paused.
    pub wl_paused: bool,
    /// Offers go to the first entry that fits, not strictly in queue order.
    pub wl_first_fit: bool,
    /// Seats in holds that have expired but are still counted in `taken`.
    #[sqlx(default)]
    pub expired_held: i64,
}

/// An event in a listing, with its aggregate availability.
#[derive(Debug, Clone, FromRow)]
pub struct EventListRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub venue: String,
    pub city: String,
    pub category: String,
    pub starts_at: i64,
    pub timezone: String,
    pub status: EventStatus,
    pub image_url: Option<String>,
    pub min_price_cents: i64,
    pub currency: String,
    pub capacity: i64,
    pub available: i64,
    /// Present in search results (the "newest" sort key).
    #[sqlx(default)]
    pub published_at: Option<i64>,
}

/// Fields of a new event.
#[derive(Debug, Clone)]
pub struct NewEvent {
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
    pub status: EventStatus,
    pub image_url: Option<String>,
    pub hold_minutes: i64,
    pub cancel_cutoff_minutes: i64,
    pub max_seats_per_user: i64,
    pub payment_note: String,
    pub offer_minutes: i64,
    pub reminder_hours: i64,
    pub min_price_cents: i64,
    pub now: i64,
}

/// Fields of a new ticket type.
#[derive(Debug, Clone)]
pub struct NewTicketType {
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub capacity: i64,
    pub sale_starts_at: Option<i64>,
    pub sale_ends_at: Option<i64>,
    pub max_per_booking: i64,
    pub position: i64,
}

const EVENT_COLS: &str = "e.id, e.organizer_id, e.slug, e.title, e.description, e.venue, e.city, e.category, \
    e.starts_at, e.ends_at, e.timezone, e.status, e.image_url, e.hold_minutes, e.cancel_cutoff_minutes, \
    e.max_seats_per_user, e.payment_note, e.offer_minutes, e.reminder_hours, e.min_price_cents, e.created_at, e.updated_at, e.published_at, e.cancelled_at";

const TT_COLS: &str = "t.id, t.event_id, t.name, t.price_cents, t.currency, t.capacity, t.taken, \
    t.sale_starts_at, t.sale_ends_at, t.max_per_booking, t.position, t.wl_active, t.wl_paused, t.wl_first_fit";

/// The list columns: aggregate seats and the currency of the cheapest ticket type.
pub(crate) const LIST_COLS: &str = "e.id, e.slug, e.title, e.venue, e.city, e.category, e.starts_at, e.timezone, e.status, \
    e.image_url, e.min_price_cents, \
    COALESCE((SELECT t.currency FROM ticket_types t WHERE t.event_id = e.id ORDER BY t.price_cents, t.id LIMIT 1), 'EUR') AS currency, \
    CAST(COALESCE((SELECT SUM(t.capacity) FROM ticket_types t WHERE t.event_id = e.id), 0) AS BIGINT) AS capacity, \
    CAST(COALESCE((SELECT SUM(t.capacity - t.taken) FROM ticket_types t WHERE t.event_id = e.id), 0) AS BIGINT) AS available";

/// Inserts an event and returns its id.
pub async fn insert_event(tx: &mut Tx, e: &NewEvent) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO events (organizer_id, slug, title, description, venue, city, category, starts_at, ends_at, \
        timezone, status, image_url, hold_minutes, cancel_cutoff_minutes, min_price_cents, created_at, updated_at, published_at, \
        max_seats_per_user, payment_note, offer_minutes, reminder_hours) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19, $20, $21) RETURNING id";
    let published_at = (e.status == EventStatus::Published).then_some(e.now);
    on_tx!(tx, |c| sqlx::query_scalar(sql)
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
        .bind(e.hold_minutes)
        .bind(e.cancel_cutoff_minutes)
        .bind(e.min_price_cents)
        .bind(e.now)
        .bind(published_at)
        .bind(e.max_seats_per_user)
        .bind(&e.payment_note)
        .bind(e.offer_minutes)
        .bind(e.reminder_hours)
        .fetch_one(c)
        .await)
}

/// Inserts a ticket type and returns its id.
pub async fn insert_ticket_type(
    tx: &mut Tx,
    event_id: i64,
    t: &NewTicketType,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO ticket_types (event_id, name, price_cents, currency, capacity, taken, sale_starts_at, \
        sale_ends_at, max_per_booking, position, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10) RETURNING id";
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(event_id)
        .bind(&t.name)
        .bind(t.price_cents)
        .bind(&t.currency)
        .bind(t.capacity)
        .bind(t.sale_starts_at)
        .bind(t.sale_ends_at)
        .bind(t.max_per_booking)
        .bind(t.position)
        .bind(now)
        .fetch_one(c)
        .await)?;
    crate::store::rollup_fold::mark_event_day(tx, event_id).await?;
    Ok(id)
}

/// Whether a slug is already used.
pub async fn slug_exists(db: &Db, slug: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = on_pool!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE slug = $1"
    )
    .bind(slug)
    .fetch_one(p)
    .await)?;
    Ok(n > 0)
}

/// An event by id, with its organizer's name.
pub async fn event_by_id(db: &Db, id: i64) -> Result<Option<EventWithOrganizer>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLS}, u.name AS organizer_name FROM events e JOIN users u ON u.id = e.organizer_id WHERE e.id = $1"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// An event by slug, with its organizer's name.
pub async fn event_by_slug(db: &Db, slug: &str) -> Result<Option<EventWithOrganizer>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLS}, u.name AS organizer_name FROM events e JOIN users u ON u.id = e.organizer_id WHERE e.slug = $1"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(slug)
        .fetch_optional(p)
        .await)
}

/// The ticket types of an event, in display order, with expired-hold seats as of `now`.
pub async fn ticket_types_for_event(
    db: &Db,
    event_id: i64,
    now: i64,
) -> Result<Vec<TicketTypeRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {TT_COLS}, {} AS expired_held FROM ticket_types t WHERE t.event_id = $1 \
         ORDER BY t.position, t.id",
        expired_held_sql("$2")
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(now)
        .fetch_all(p)
        .await)
}

/// One ticket type, with expired-hold seats as of `now`.
pub async fn ticket_type(db: &Db, id: i64, now: i64) -> Result<Option<TicketTypeRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {TT_COLS}, {} AS expired_held FROM ticket_types t WHERE t.id = $1",
        expired_held_sql("$2")
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .bind(now)
        .fetch_optional(p)
        .await)
}

/// Locks a ticket type's row for the rest of the transaction (PostgreSQL `FOR UPDATE`;
/// SQLite transactions already hold the database's single write lock) and reads it.
pub async fn lock_ticket_type(tx: &mut Tx, id: i64) -> Result<Option<TicketTypeRow>, sqlx::Error> {
    match tx {
        Tx::Postgres(t) => {
            let sql = format!("SELECT {TT_COLS} FROM ticket_types t WHERE t.id = $1 FOR UPDATE");
            sqlx::query_as(&sql).bind(id).fetch_optional(&mut **t).await
        }
        Tx::Sqlite(t) => {
            let sql = format!("SELECT {TT_COLS} FROM ticket_types t WHERE t.id = $1");
            sqlx::query_as(&sql).bind(id).fetch_optional(&mut **t).await
        }
    }
}

/// Locks every ticket type of an event, in id order (the global lock order).
pub async fn lock_ticket_types_of_event(
    tx: &mut Tx,
    event_id: i64,
) -> Result<Vec<TicketTypeRow>, sqlx::Error> {
    let lock = if matches!(tx, Tx::Postgres(_)) {
        " FOR UPDATE"
    } else {
        ""
    };
    let sql =
        format!("SELECT {TT_COLS} FROM ticket_types t WHERE t.event_id = $1 ORDER BY t.id{lock}");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(event_id)
        .fetch_all(c)
        .await)
}

/// Reads an event inside a transaction (after the ticket type lock, so it sees the latest
/// committed status).
pub async fn event_in_tx(tx: &mut Tx, id: i64) -> Result<Option<EventRow>, sqlx::Error> {
    let sql = format!("SELECT {EVENT_COLS} FROM events e WHERE e.id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Sets an event's status, stamping `published_at` / `cancelled_at`.
pub async fn set_status(
    tx: &mut Tx,
    event_id: i64,
    status: EventStatus,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "UPDATE events SET status = $2, updated_at = $3, \
         published_at = CASE WHEN $2 = {published} AND published_at IS NULL THEN $3 ELSE published_at END, \
         cancelled_at = CASE WHEN $2 = {cancelled} THEN $3 ELSE cancelled_at END WHERE id = $1",
        published = EventStatus::Published.sql(),
        cancelled = EventStatus::Cancelled.sql()
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(event_id)
        .bind(status)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    crate::store::rollup_fold::mark_event_day(tx, event_id).await
}

/// Upcoming published events, soonest first.
pub async fn upcoming(db: &Db, now: i64, limit: i64) -> Result<Vec<EventListRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {LIST_COLS} FROM events e WHERE e.status = {} AND e.starts_at >= $1 \
         ORDER BY e.starts_at, e.id LIMIT $2",
        EventStatus::Published.sql()
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Events of one organizer (every status), newest first.
pub async fn by_organizer(
    db: &Db,
    organizer_id: i64,
    limit: i64,
) -> Result<Vec<EventListRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {LIST_COLS} FROM events e WHERE e.organizer_id = $1 ORDER BY e.starts_at DESC, e.id DESC LIMIT $2"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(organizer_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// How many events there are in each status.
pub async fn count_by_status(db: &Db) -> Result<Vec<(EventStatus, i64)>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_as(
        "SELECT status, COUNT(*) FROM events GROUP BY status ORDER BY status"
    )
    .fetch_all(p)
    .await)
}

/// What deciding whether a ticket type can be booked needs, in one read.
#[derive(Debug, Clone, FromRow)]
pub struct Bookability {
    pub event_id: i64,
    pub sale_starts_at: Option<i64>,
    pub sale_ends_at: Option<i64>,
    pub max_per_booking: i64,
    pub event_status: EventStatus,
    pub event_ends_at: i64,
}

impl Bookability {
    pub fn of(t: &TicketTypeRow, e: &EventRow) -> Self {
        Bookability {
            event_id: t.event_id,
            sale_starts_at: t.sale_starts_at,
            sale_ends_at: t.sale_ends_at,
            max_per_booking: t.max_per_booking,
            event_status: e.status,
            event_ends_at: e.ends_at,
        }
    }
}

/// A ticket type's sale rules and its event's state (one indexed read).
pub async fn bookability(db: &Db, ticket_type_id: i64) -> Result<Option<Bookability>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT t.event_id, t.sale_starts_at, t.sale_ends_at, t.max_per_booking, e.status AS event_status, \
         e.ends_at AS event_ends_at FROM ticket_types t JOIN events e ON e.id = t.event_id WHERE t.id = $1"
    )
    .bind(ticket_type_id)
    .fetch_optional(p)
    .await
    })
}
