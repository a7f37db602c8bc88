//! Analytics rollups, level 1: the counters per ticket type, hour and currency that the
//! transactions writing the facts keep (`sales_hourly`), and the recount from the raw rows
//! that `server check` compares them with.
//!
//! Every fact is tallied by the store function that writes it (a booking by
//! [`bookings::insert_many`](super::bookings::insert_many), a cancellation by
//! [`bookings::mark_cancelled`](super::bookings::mark_cancelled), ...), so no code path can
//! write one without the other. Rows are written in key order, so two transactions never
//! wait on each other's rollup rows in opposite orders.

use crate::db::Tx;
use crate::on_tx;
use crate::store::bookings::BookingRow;
use crate::store::values_placeholders;
use std::collections::BTreeMap;

/// One hour in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;

/// The hour (UTC, since the epoch) a time in ms falls in.
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS)
}

/// What happened in one hour to one ticket type, in one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub bookings: i64,
    pub tickets: i64,
    pub value_cents: i64,
    pub cancellations: i64,
    pub tickets_cancelled: i64,
    pub value_cancelled_cents: i64,
    pub checkins: i64,
    pub holds: i64,
    pub waitlist_joins: i64,
    pub offers_accepted: i64,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.bookings += o.bookings;
        self.tickets += o.tickets;
        self.value_cents += o.value_cents;
        self.cancellations += o.cancellations;
        self.tickets_cancelled += o.tickets_cancelled;
        self.value_cancelled_cents += o.value_cancelled_cents;
        self.checkins += o.checkins;
        self.holds += o.holds;
        self.waitlist_joins += o.waitlist_joins;
        self.offers_accepted += o.offers_accepted;
    }

    fn fields(&self) -> [i64; 10] {
        [
            self.bookings,
            self.tickets,
            self.value_cents,
            self.cancellations,
            self.tickets_cancelled,
            self.value_cancelled_cents,
            self.checkins,
            self.holds,
            self.waitlist_joins,
            self.offers_accepted,
        ]
    }
}

/// The counter columns, in [`Tally`] order.
pub const TALLY_COLS: &str = "bookings, tickets, value_cents, cancellations, tickets_cancelled, value_cancelled_cents, \
    checkins, holds, waitlist_joins, offers_accepted";

/// Where a tally goes: (ticket type, hour, currency) and the ticket type's event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub ticket_type_id: i64,
    pub hour: i64,
    pub currency: String,
    pub event_id: i64,
}

/// Tallies to add, grouped by key.
#[derive(Debug, Default)]
pub struct Tallies(BTreeMap<Key, Tally>);

impl Tallies {
    pub fn add(&mut self, key: Key, t: Tally) {
        self.0.entry(key).or_default().add(&t);
    }

    /// Adds each row's tally, negated.
    fn negated(self) -> Tallies {
        let neg = |v: i64| -v;
        Tallies(
            self.0
                .into_iter()
                .map(|(k, t)| {
                    let f = t.fields().map(neg);
                    (
                        k,
                        Tally {
                            bookings: f[0],
                            tickets: f[1],
                            value_cents: f[2],
                            cancellations: f[3],
                            tickets_cancelled: f[4],
                            value_cancelled_cents: f[5],
                            checkins: f[6],
                            holds: f[7],
                            waitlist_joins: f[8],
                            offers_accepted: f[9],
                        },
                    )
                })
                .collect(),
        )
    }
}

/// Adds the tallies to `sales_hourly` in key order. An hour before the one just gone is
/// marked for folding again (level 2 folds the current and previous hour by itself).
pub async fn add(tx: &mut Tx, tallies: Tallies, now: i64) -> Result<(), sqlx::Error> {
    if tallies.0.is_empty() {
        return Ok(());
    }
    let rows: Vec<(Key, Tally)> = tallies.0.into_iter().collect();
    let set: String = TALLY_COLS
        .split(", ")
        .map(|c| format!("{c} = sales_hourly.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // 14 parameters a row; keep well below SQLite's limit.
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO sales_hourly (ticket_type_id, hour, currency, event_id, {TALLY_COLS}) VALUES {} \
             ON CONFLICT (ticket_type_id, hour, currency) DO UPDATE SET {set}",
            values_placeholders(chunk.len(), 14, 1, "")
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for (k, t) in chunk {
                q = q
                    .bind(k.ticket_type_id)
                    .bind(k.hour)
                    .bind(&k.currency)
                    .bind(k.event_id);
                for v in t.fields() {
                    q = q.bind(v);
                }
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    let recent = hour_of(now) - 1;
    let mut old: Vec<i64> = rows
        .iter()
        .map(|(k, _)| k.hour)
        .filter(|h| *h < recent)
        .collect();
    old.sort_unstable();
    old.dedup();
    mark_dirty(tx, &old).await
}

/// Marks hours whose level-2 rows must be folded again.
pub async fn mark_dirty(tx: &mut Tx, hours: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in hours.chunks(500) {
        let sql = format!(
            "INSERT INTO rollup_dirty (hour) VALUES {} ON CONFLICT (hour) DO NOTHING",
            values_placeholders(chunk.len(), 1, 1, "")
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for h in chunk {
                q = q.bind(*h);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Marks every hour an event has figures in (its city or category changed, so the
/// platform's rows by city and category must be folded again).
pub async fn mark_event_dirty(tx: &mut Tx, event_id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO rollup_dirty (hour) SELECT DISTINCT hour FROM \
         (SELECT hour FROM sales_hourly WHERE event_id = $1 UNION SELECT hour FROM page_views_hourly WHERE event_id = $1) h \
         WHERE true ON CONFLICT (hour) DO NOTHING"
    )
    .bind(event_id)
    .execute(c)
    .await
    .map(|_| ())
    })
}

fn booking_key(b: &BookingRow, at: i64) -> Key {
    Key {
        ticket_type_id: b.ticket_type_id,
        hour: hour_of(at),
        currency: b.currency.clone(),
        event_id: b.event_id,
    }
}

/// Tallies bookings just written (in the hour each was made).
pub async fn bookings_made(tx: &mut Tx, rows: &[BookingRow], now: i64) -> Result<(), sqlx::Error> {
    let mut t = Tallies::default();
    for b in rows {
        t.add(
            booking_key(b, b.created_at),
            Tally {
                bookings: 1,
                tickets: b.quantity,
                value_cents: b.total_cents,
                ..Tally::default()
            },
        );
    }
    add(tx, t, now).await
}

/// Tallies bookings just cancelled (in the hour of the cancellation).
pub async fn bookings_cancelled(
    tx: &mut Tx,
    rows: &[BookingRow],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut t = Tallies::default();
    for b in rows {
        t.add(
            booking_key(b, b.cancelled_at.unwrap_or(now)),
            Tally {
                cancellations: 1,
                tickets_cancelled: b.quantity,
                value_cancelled_cents: b.total_cents,
                ..Tally::default()
            },
        );
    }
    add(tx, t, now).await
}

/// Something that happened to a ticket type with no currency of its own: a hold, a waitlist
/// join, an accepted offer (or, with `currency`, a check-in).
pub async fn count_one(
    tx: &mut Tx,
    event_id: i64,
    ticket_type_id: i64,
    currency: &str,
    at: i64,
    t: Tally,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut all = Tallies::default();
    all.add(
        Key {
            ticket_type_id,
            hour: hour_of(at),
            currency: currency.to_string(),
            event_id,
        },
        t,
    );
    add(tx, all, now).await
}

/// Takes back tallies (the rows behind them were erased).
pub async fn subtract(tx: &mut Tx, tallies: Tallies, now: i64) -> Result<(), sqlx::Error> {
    add(tx, tallies.negated(), now).await
}

/// The facts behind `sales_hourly`, recounted from the raw rows: (ticket type, hour,
/// currency, event, the ten counters). The migration fills level 1 with the same query.
pub const RECOUNT_SQL: &str = "SELECT ticket_type_id, hour, currency, MAX(event_id) AS event_id, \
    SUM(bookings) AS bookings, SUM(tickets) AS tickets, SUM(value_cents) AS value_cents, \
    SUM(cancellations) AS cancellations, SUM(tickets_cancelled) AS tickets_cancelled, \
    SUM(value_cancelled_cents) AS value_cancelled_cents, SUM(checkins) AS checkins, SUM(holds) AS holds, \
    SUM(waitlist_joins) AS waitlist_joins, SUM(offers_accepted) AS offers_accepted FROM ( \
    SELECT b.ticket_type_id, b.created_at / 3600000 AS hour, b.currency, b.event_id, 1 AS bookings, \
        b.quantity AS tickets, b.total_cents AS value_cents, 0 AS cancellations, 0 AS tickets_cancelled, \
        0 AS value_cancelled_cents, 0 AS checkins, 0 AS holds, 0 AS waitlist_joins, 0 AS offers_accepted \
    FROM bookings b \
    UNION ALL SELECT b.ticket_type_id, b.cancelled_at / 3600000, b.currency, b.event_id, 0, 0, 0, 1, b.quantity, \
        b.total_cents, 0, 0, 0, 0 FROM bookings b WHERE b.status = 'cancelled' AND b.cancelled_at IS NOT NULL \
    UNION ALL SELECT b.ticket_type_id, k.checked_in_at / 3600000, b.currency, b.event_id, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 \
        FROM tickets k JOIN bookings b ON b.id = k.booking_id WHERE k.checked_in_at IS NOT NULL \
    UNION ALL SELECT h.ticket_type_id, h.created_at / 3600000, '', h.event_id, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 FROM holds h \
    UNION ALL SELECT w.ticket_type_id, w.created_at / 3600000, '', w.event_id, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 \
        FROM waitlist_entries w \
    UNION ALL SELECT w.ticket_type_id, w.ended_at / 3600000, '', w.event_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 \
        FROM waitlist_entries w WHERE w.status = 'booked' AND w.ended_at IS NOT NULL \
    ) facts GROUP BY ticket_type_id, hour, currency";

/// Rows of `sales_hourly` with any counter set.
pub(crate) const STORED_SQL: &str = "SELECT ticket_type_id, hour, currency, event_id, bookings, tickets, value_cents, \
    cancellations, tickets_cancelled, value_cancelled_cents, checkins, holds, waitlist_joins, offers_accepted \
    FROM sales_hourly WHERE bookings <> 0 OR tickets <> 0 OR value_cents <> 0 OR cancellations <> 0 \
    OR tickets_cancelled <> 0 OR value_cancelled_cents <> 0 OR checkins <> 0 OR holds <> 0 \
    OR waitlist_joins <> 0 OR offers_accepted <> 0";

/// Level-1 rows that differ from the recount, either way: (side, ticket type, hour,
/// currency), at most 100. `side` is "stored" for a row only the rollup has (or has with other
/// numbers), "recount" for one only the raw data gives.
pub async fn mismatches(
    db: &crate::db::Db,
) -> Result<Vec<(String, i64, i64, String)>, sqlx::Error> {
    let sql = format!(
        "SELECT 'stored' AS side, ticket_type_id, hour, currency FROM ({STORED_SQL} EXCEPT {RECOUNT_SQL}) a \
         UNION ALL SELECT 'recount', ticket_type_id, hour, currency FROM ({RECOUNT_SQL} EXCEPT {STORED_SQL}) b LIMIT 100"
    );
    crate::on_pool!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
}

/// Rebuilds level 1 from the raw rows (after a bulk load that bypassed the store functions,
/// such as the demo sales history), in one transaction, and marks every hour with figures,
/// before or after, for folding again.
pub async fn rebuild_level1(db: &crate::db::Db) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    rebuild_level1_in(&mut tx).await?;
    tx.commit().await
}

/// [`rebuild_level1`] inside the caller's transaction.
pub async fn rebuild_level1_in(tx: &mut Tx) -> Result<(), sqlx::Error> {
    let mark = "INSERT INTO rollup_dirty (hour) SELECT DISTINCT hour FROM sales_hourly WHERE true \
                ON CONFLICT (hour) DO NOTHING";
    let insert = format!(
        "INSERT INTO sales_hourly (ticket_type_id, hour, currency, event_id, {TALLY_COLS}) {RECOUNT_SQL}"
    );
    if let Tx::Postgres(t) = tx {
        // No tally may land between the delete and the recount (SQLite's writer is ours).
        sqlx::query("LOCK TABLE sales_hourly IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **t)
            .await?;
    }
    for sql in [mark, "DELETE FROM sales_hourly", insert.as_str(), mark] {
        on_tx!(tx, |c| sqlx::query(sql).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}
