//! Waitlist entries and each ticket type's queue counters (`ticket_types.wl_*`). Writers run
//! inside a [`SeatTx`](crate::inventory::SeatTx) that holds the ticket type's row lock, so
//! places are handed out in commit order and the counters move with the entries.

use crate::db::{Db, Tx};
use crate::domain::WaitlistStatus;
use crate::store::rollups;
use crate::store::status::lit::{WL_OFFERED, WL_WAITING};
use crate::{on_pool, on_tx};
use sqlx::FromRow;

/// A row of `waitlist_entries`.
#[derive(Debug, Clone, FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub user_id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub place: i64,
    pub status: WaitlistStatus,
    pub hold_id: Option<i64>,
    pub offered_quantity: i64,
    pub offer_expires_at: Option<i64>,
    pub offers_made: i64,
    pub booking_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub ended_at: Option<i64>,
}

const COLS: &str = "id, user_id, event_id, ticket_type_id, quantity, place, status, hold_id, \
    offered_quantity, offer_expires_at, offers_made, booking_id, created_at, updated_at, ended_at";

/// The SQL condition "the entry is in the queue".
pub(crate) fn active_sql(alias: &str) -> String {
    format!("{alias}status IN ({WL_WAITING}, {WL_OFFERED})")
}

/// Takes the next place of a locked ticket type's queue and counts one more active entry.
pub async fn next_place(tx: &mut Tx, ticket_type_id: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "UPDATE ticket_types SET wl_next_place = wl_next_place + 1, wl_active = wl_active + 1 \
         WHERE id = $1 RETURNING wl_next_place"
    )
    .bind(ticket_type_id)
    .fetch_one(c)
    .await)
}

/// Changes the count of active entries of a locked ticket type.
pub async fn add_active(tx: &mut Tx, ticket_type_id: i64, delta: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE ticket_types SET wl_active = wl_active + $2 WHERE id = $1"
    )
    .bind(ticket_type_id)
    .bind(delta)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Inserts an entry at `place`, waiting.
pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    event_id: i64,
    ticket_type_id: i64,
    quantity: i64,
    place: i64,
    now: i64,
) -> Result<EntryRow, sqlx::Error> {
    let sql = format!(
        "INSERT INTO waitlist_entries (user_id, event_id, ticket_type_id, quantity, place, status, \
         offered_quantity, offers_made, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, {WL_WAITING}, 0, 0, $6, $6) \
         RETURNING {COLS}"
    );
    let row: EntryRow = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(event_id)
        .bind(ticket_type_id)
        .bind(quantity)
        .bind(place)
        .bind(now)
        .fetch_one(c)
        .await)?;
    rollups::add(tx, tallies(std::slice::from_ref(&row)), now).await?;
    Ok(row)
}

/// What entries count for in the rollups: a join when made, an accepted offer when booked.
fn tallies(rows: &[EntryRow]) -> rollups::Tallies {
    let mut t = rollups::Tallies::default();
    let key = |e: &EntryRow, at: i64| rollups::Key {
        ticket_type_id: e.ticket_type_id,
        hour: rollups::hour_of(at),
        currency: String::new(),
        event_id: e.event_id,
    };
    for e in rows {
        t.add(
            key(e, e.created_at),
            rollups::Tally {
                waitlist_joins: 1,
                ..Default::default()
            },
        );
        if let (WaitlistStatus::Booked, Some(at)) = (e.status, e.ended_at) {
            t.add(
                key(e, at),
                rollups::Tally {
                    offers_accepted: 1,
                    ..Default::default()
                },
            );
        }
    }
    t
}

/// The user's active entry for a ticket type, if any.
pub async fn active_of(
    tx: &mut Tx,
    user_id: i64,
    ticket_type_id: i64,
) -> Result<Option<EntryRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLS} FROM waitlist_entries WHERE user_id = $1 AND ticket_type_id = $2 AND {}",
        active_sql("")
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(ticket_type_id)
        .fetch_optional(c)
        .await)
}

/// An entry by id.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<EntryRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM waitlist_entries WHERE id = $1");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// An entry by id, inside a transaction (after the ticket type lock: the current state).
pub async fn by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<EntryRow>, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM waitlist_entries WHERE id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// The next `limit` entries of a queue after `after` (a place) that still want seats:
/// waiting, or with fewer seats set aside than they asked for. Complete offers are left
/// out (the partial index `waitlist_wanting` holds exactly these rows).
pub async fn wanting(
    tx: &mut Tx,
    ticket_type_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLS} FROM waitlist_entries WHERE ticket_type_id = $1 AND place > $2 \
         AND (status = {WL_WAITING} OR (status = {WL_OFFERED} AND offered_quantity < quantity)) \
         ORDER BY place LIMIT $3"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(ticket_type_id)
        .bind(after)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// Changes an active entry's quantity, and its place when `place` is given.
pub async fn requeue(
    tx: &mut Tx,
    id: i64,
    quantity: i64,
    place: Option<i64>,
    now: i64,
) -> Result<EntryRow, sqlx::Error> {
    let sql = format!(
        "UPDATE waitlist_entries SET quantity = $2, place = COALESCE($3, place), updated_at = $4 \
         WHERE id = $1 RETURNING {COLS}"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(quantity)
        .bind(place)
        .bind(now)
        .fetch_one(c)
        .await)
}

/// Records an offer (or seats set aside) on an entry: its hold, the seats in it and when it
/// ends. `new_offer` counts one more offer made.
pub async fn set_offer(
    tx: &mut Tx,
    id: i64,
    hold_id: i64,
    offered_quantity: i64,
    expires_at: i64,
    new_offer: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "UPDATE waitlist_entries SET status = {WL_OFFERED}, hold_id = $2, offered_quantity = $3, \
         offer_expires_at = $4, offers_made = offers_made + $5, updated_at = $6 WHERE id = $1"
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(id)
        .bind(hold_id)
        .bind(offered_quantity)
        .bind(expires_at)
        .bind(i64::from(new_offer))
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Puts an offered entry back to waiting (seats set aside for it ran out): it keeps its place.
pub async fn back_to_waiting(tx: &mut Tx, id: i64, now: i64) -> Result<(), sqlx::Error> {
    let sql = format!(
        "UPDATE waitlist_entries SET status = {WL_WAITING}, hold_id = NULL, offered_quantity = 0, \
         offer_expires_at = NULL, updated_at = $2 WHERE id = $1"
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Ends an active entry with `status` (and the booking it became). Returns it if it was
/// active; the caller lowers the queue's active count.
pub async fn end(
    tx: &mut Tx,
    id: i64,
    status: WaitlistStatus,
    booking_id: Option<i64>,
    now: i64,
) -> Result<Option<EntryRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE waitlist_entries SET status = $2, booking_id = COALESCE($3, booking_id), \
         updated_at = $4, ended_at = $4 WHERE id = $1 AND {} RETURNING {COLS}",
        active_sql("")
    );
    let row: Option<EntryRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .bind(status)
        .bind(booking_id)
        .bind(now)
        .fetch_optional(c)
        .await)?;
    if let Some(e) = row.as_ref().filter(|e| e.status == WaitlistStatus::Booked) {
        rollups::count_one(
            tx,
            e.event_id,
            e.ticket_type_id,
            "",
            now,
            rollups::Tally {
                offers_accepted: 1,
                ..Default::default()
            },
            now,
        )
        .await?;
    }
    Ok(row)
}

/// Closes every active entry of an event (it was cancelled) and returns them; the queues'
/// active counts go to zero.
pub async fn close_for_event(
    tx: &mut Tx,
    event_id: i64,
    now: i64,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE waitlist_entries SET status = 'closed', updated_at = $2, ended_at = $2 \
         WHERE event_id = $1 AND {} RETURNING {COLS}",
        active_sql("")
    );
    let rows = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(now)
        .fetch_all(c)
        .await)?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE ticket_types SET wl_active = 0 WHERE event_id = $1"
    )
    .bind(event_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(rows)
}

/// Pauses or resumes a locked ticket type's queue.
pub async fn set_paused(tx: &mut Tx, ticket_type_id: i64, paused: bool) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE ticket_types SET wl_paused = $2 WHERE id = $1"
    )
    .bind(ticket_type_id)
    .bind(paused)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Sets how a locked ticket type's queue hands out seats.
pub async fn set_first_fit(
    tx: &mut Tx,
    ticket_type_id: i64,
    first_fit: bool,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE ticket_types SET wl_first_fit = $2 WHERE id = $1"
    )
    .bind(ticket_type_id)
    .bind(first_fit)
    .execute(c)
    .await
    .map(|_| ()))
}

/// An entry's position: its rank among the active entries of its queue (1 is next).
pub async fn position(db: &Db, ticket_type_id: i64, place: i64) -> Result<i64, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM waitlist_entries WHERE ticket_type_id = $1 AND place <= $2 AND {}",
        active_sql("")
    );
    on_pool!(db, |p| sqlx::query_scalar(&sql)
        .bind(ticket_type_id)
        .bind(place)
        .fetch_one(p)
        .await)
}

/// Positions of a queue's active entries: (entry id, user id, position), in place order.
pub async fn positions(db: &Db, ticket_type_id: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT id, user_id, CAST(ROW_NUMBER() OVER (ORDER BY place) AS BIGINT) FROM waitlist_entries \
         WHERE ticket_type_id = $1 AND {} ORDER BY place",
        active_sql("")
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(ticket_type_id)
        .fetch_all(p)
        .await)
}

/// An entry with what a person's list shows about its event and ticket type.
#[derive(Debug, Clone, FromRow)]
pub struct EntryWithEvent {
    #[sqlx(flatten)]
    pub entry: EntryRow,
    pub event_slug: String,
    pub event_title: String,
    pub event_starts_at: i64,
    pub event_timezone: String,
    pub ticket_type_name: String,
    /// Rank in the queue while active; 0 otherwise.
    pub position: i64,
}

fn with_event_sql(filter: &str) -> String {
    let cols = COLS
        .split(", ")
        .map(|c| format!("w.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {cols}, e.slug AS event_slug, e.title AS event_title, e.starts_at AS event_starts_at, \
         e.timezone AS event_timezone, t.name AS ticket_type_name, \
         CASE WHEN {active} THEN CAST((SELECT COUNT(*) FROM waitlist_entries x WHERE x.ticket_type_id = w.ticket_type_id \
           AND x.place <= w.place AND {x_active}) AS BIGINT) ELSE 0 END AS position \
         FROM waitlist_entries w JOIN events e ON e.id = w.event_id JOIN ticket_types t ON t.id = w.ticket_type_id \
         WHERE {filter}",
        active = active_sql("w."),
        x_active = active_sql("x."),
    )
}

/// A person's entries, active ones first, then the newest.
pub async fn of_user(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<EntryWithEvent>, sqlx::Error> {
    let sql = format!(
        "{} ORDER BY CASE WHEN {} THEN 0 ELSE 1 END, w.updated_at DESC, w.id DESC LIMIT $2",
        with_event_sql("w.user_id = $1"),
        active_sql("w.")
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// One entry with its event, by id.
pub async fn with_event(db: &Db, id: i64) -> Result<Option<EntryWithEvent>, sqlx::Error> {
    let sql = with_event_sql("w.id = $1");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// An entry in an organizer's list, with the person's name and email.
#[derive(Debug, Clone, FromRow)]
pub struct EntryWithPerson {
    #[sqlx(flatten)]
    pub entry: EntryRow,
    pub user_name: String,
    pub user_email: String,
    pub ticket_type_name: String,
}

/// An event's entries (optionally one ticket type's, optionally active only), by ticket
/// type and place, after `after` (ticket type id, place) for paging.
pub async fn of_event(
    db: &Db,
    event_id: i64,
    ticket_type_id: Option<i64>,
    active_only: bool,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<EntryWithPerson>, sqlx::Error> {
    let cols = COLS
        .split(", ")
        .map(|c| format!("w.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let active = if active_only {
        format!("AND {}", active_sql("w."))
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {cols}, u.name AS user_name, u.email AS user_email, t.name AS ticket_type_name \
         FROM waitlist_entries w JOIN users u ON u.id = w.user_id JOIN ticket_types t ON t.id = w.ticket_type_id \
         WHERE w.event_id = $1 AND ($2 IS NULL OR w.ticket_type_id = $2) {active} \
         AND ($3 IS NULL OR w.ticket_type_id > $3 OR (w.ticket_type_id = $3 AND w.place > $4)) \
         ORDER BY w.ticket_type_id, w.place LIMIT $5"
    );
    let (after_tt, after_place) = after.map_or((None, 0), |(t, p)| (Some(t), p));
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(event_id)
        .bind(ticket_type_id)
        .bind(after_tt)
        .bind(after_place)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A queue's figures for its organizer.
#[derive(Debug, Clone, Default, FromRow)]
pub struct QueueStats {
    pub ticket_type_id: i64,
    pub paused: bool,
    pub first_fit: bool,
    pub waiting: i64,
    pub offers_out: i64,
    /// Seats held for entries that want more than has come back so far.
    pub set_aside: i64,
    /// Seats in full offers not yet answered.
    pub offered_seats: i64,
    pub booked: i64,
    pub expired: i64,
    pub left: i64,
}

/// Each ticket type's queue figures for an event.
pub async fn stats_for_event(db: &Db, event_id: i64) -> Result<Vec<QueueStats>, sqlx::Error> {
    let count = |cond: &str| {
        format!(
            "CAST(COALESCE((SELECT COUNT(*) FROM waitlist_entries w WHERE w.ticket_type_id = t.id AND {cond}), 0) AS BIGINT)"
        )
    };
    let sum = |cond: &str| {
        format!(
            "CAST(COALESCE((SELECT SUM(w.offered_quantity) FROM waitlist_entries w WHERE w.ticket_type_id = t.id AND {cond}), 0) AS BIGINT)"
        )
    };
    let sql = format!(
        "SELECT t.id AS ticket_type_id, t.wl_paused AS paused, t.wl_first_fit AS first_fit, \
         {} AS waiting, {} AS offers_out, {} AS set_aside, {} AS offered_seats, \
         {} AS booked, {} AS expired, {} AS left \
         FROM ticket_types t WHERE t.event_id = $1 ORDER BY t.position, t.id",
        count(&format!("w.status = {WL_WAITING}")),
        count(&format!("w.status = {WL_OFFERED}")),
        sum(&format!(
            "w.status = {WL_OFFERED} AND w.offered_quantity < w.quantity"
        )),
        sum(&format!(
            "w.status = {WL_OFFERED} AND w.offered_quantity = w.quantity"
        )),
        count("w.status = 'booked'"),
        count("w.status = 'expired'"),
        count("w.status IN ('left', 'removed')"),
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(event_id)
        .fetch_all(p)
        .await)
}

/// A person's entries for their data export, newest first.
pub async fn for_user(db: &Db, user_id: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    let sql =
        format!("SELECT {COLS} FROM waitlist_entries WHERE user_id = $1 ORDER BY created_at DESC");
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// A person's active entries (for erasure: each leaves its queue first).
pub async fn active_of_user(db: &Db, user_id: i64) -> Result<Vec<EntryRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLS} FROM waitlist_entries WHERE user_id = $1 AND {} ORDER BY ticket_type_id, id",
        active_sql("")
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(p)
        .await)
}

/// Deletes a person's ended entries (erasure), detaching the holds that pointed at them, and
/// takes what they counted for out of the rollups.
pub async fn delete_of_user(tx: &mut Tx, user_id: i64, now: i64) -> Result<u64, sqlx::Error> {
    let sql = format!("SELECT {COLS} FROM waitlist_entries WHERE user_id = $1");
    let rows: Vec<EntryRow> = on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(c)
        .await)?;
    rollups::subtract(tx, tallies(&rows), now).await?;
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE holds SET waitlist_entry_id = NULL WHERE user_id = $1 AND waitlist_entry_id IS NOT NULL"
    )
    .bind(user_id)
    .execute(c)
    .await
    .map(|_| ())
    })?;
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM waitlist_entries WHERE user_id = $1"
    )
    .bind(user_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
}

/// Entries of a queue that are offered, for the checker: (entry, hold status, hold quantity,
/// hold expiry, hold's entry), None for a missing hold.
pub async fn offers_with_holds(
    db: &Db,
) -> Result<
    Vec<(
        i64,
        i64,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    )>,
    sqlx::Error,
> {
    let sql = format!(
        "SELECT w.id, w.offered_quantity, h.status, h.quantity, h.expires_at, h.waitlist_entry_id \
         FROM waitlist_entries w LEFT JOIN holds h ON h.id = w.hold_id WHERE w.status = {WL_OFFERED}"
    );
    on_pool!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

/// Ticket types whose active count differs from their active entries: (id, counted, actual).
pub async fn counter_mismatches(db: &Db) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT t.id, t.wl_active, CAST((SELECT COUNT(*) FROM waitlist_entries w WHERE w.ticket_type_id = t.id AND {a}) AS BIGINT) \
         FROM ticket_types t WHERE t.wl_active <> (SELECT COUNT(*) FROM waitlist_entries w WHERE w.ticket_type_id = t.id AND {a}) \
         OR t.wl_next_place < COALESCE((SELECT MAX(w.place) FROM waitlist_entries w WHERE w.ticket_type_id = t.id), 0) LIMIT 100",
        a = active_sql("w.")
    );
    on_pool!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

/// Bookings made outside the queue while an entry that would have fitted them was waiting
/// (its whole life spans the booking): (booking id, entry id). Queues paused now are left out.
pub async fn bookings_past_the_queue(db: &Db) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_as(
        "SELECT b.id, w.id FROM bookings b \
         JOIN waitlist_entries w ON w.ticket_type_id = b.ticket_type_id \
         JOIN ticket_types t ON t.id = b.ticket_type_id \
         LEFT JOIN holds h ON h.id = b.hold_id \
         WHERE h.waitlist_entry_id IS NULL AND NOT t.wl_paused \
         AND w.created_at < COALESCE(h.created_at, b.created_at) \
         AND (w.ended_at IS NULL OR w.ended_at > COALESCE(h.created_at, b.created_at)) \
         AND w.quantity <= b.quantity AND w.status <> 'removed' LIMIT 100"
    )
    .fetch_all(p)
    .await)
}

/// A waitlist entry with its person, event and ticket type, for the notices about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WaitlistDocRow {
    pub entry_id: i64,
    pub quantity: i64,
    pub status: WaitlistStatus,
    pub user_email: String,
    pub user_name: String,
    pub user_deleted_at: Option<i64>,
    pub event_id: i64,
    pub event_slug: String,
    pub event_title: String,
    pub starts_at: i64,
    pub timezone: String,
    pub venue: String,
    pub city: String,
    pub ticket_type_name: String,
}

/// One entry with what a notice about it shows.
pub async fn waitlist_doc(db: &Db, entry_id: i64) -> Result<Option<WaitlistDocRow>, sqlx::Error> {
    let sql = "SELECT w.id AS entry_id, w.quantity, w.status, u.email AS user_email, u.name AS user_name, \
        u.deleted_at AS user_deleted_at, e.id AS event_id, e.slug AS event_slug, e.title AS event_title, \
        e.starts_at, e.timezone, e.venue, e.city, t.name AS ticket_type_name \
        FROM waitlist_entries w JOIN users u ON u.id = w.user_id JOIN events e ON e.id = w.event_id \
        JOIN ticket_types t ON t.id = w.ticket_type_id WHERE w.id = $1";
    on_pool!(db, |p| sqlx::query_as::<_, WaitlistDocRow>(sql)
        .bind(entry_id)
        .fetch_optional(p)
        .await)
}
