//! Analytics rollups, level 2: the platform by day, category, city and currency
//! (`sales_daily`), by hour and currency (`sales_platform_hourly`), and each event by day and
//! currency (`event_daily`), folded from level 1 and the page views.
//!
//! A fold recomputes whole days and hours from level 1, so folding twice changes nothing.
//! Facts land in the hour they happen, so each fold covers the hours since the last one (and
//! the one before, for transactions that straddled it) plus the hours marked dirty.

use crate::db::{Db, Tx};
use crate::store::rollups::{TALLY_COLS, hour_of};
use crate::{on_pool, on_tx};

/// How far folding has got: every hour before `folded_through - 1` is folded (UTC hours), at
/// `folded_at` (UTC ms).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct FoldState {
    pub folded_through: i64,
    pub folded_at: i64,
}

/// Reads the fold state.
pub async fn state(db: &Db) -> Result<FoldState, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_as(
        "SELECT folded_through, folded_at FROM rollup_state WHERE id = 1"
    )
    .fetch_one(p)
    .await)
}

/// Locks the fold state for this transaction (one folder at a time across instances) and
/// reads it.
pub async fn lock_state(tx: &mut Tx) -> Result<FoldState, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "UPDATE rollup_state SET folded_at = folded_at WHERE id = 1 RETURNING folded_through, folded_at"
    )
    .fetch_one(c)
    .await
    })
}

/// Takes the dirty hours (they are folded in this transaction).
pub async fn take_dirty(tx: &mut Tx) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "DELETE FROM rollup_dirty RETURNING hour"
    )
    .fetch_all(c)
    .await)
}

/// The first hour with figures at or after `from` (to skip long empty stretches).
pub async fn first_hour_from(tx: &mut Tx, from: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MIN(hour) FROM (SELECT MIN(hour) AS hour FROM sales_hourly WHERE hour >= $1 \
         UNION ALL SELECT MIN(hour) FROM page_views_hourly WHERE hour >= $1) h"
    )
    .bind(from)
    .fetch_one(c)
    .await)
}

/// The hours in `[from, to)` that have figures.
pub async fn hours_with_figures(tx: &mut Tx, from: i64, to: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT DISTINCT hour FROM sales_hourly WHERE hour >= $1 AND hour < $2 \
         UNION SELECT DISTINCT hour FROM page_views_hourly WHERE hour >= $1 AND hour < $2"
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await)
}

/// Sums of the counters, with `page_views`, over level 1 and the page views in hours
/// `[lo, hi)` (parameter names); `group` names the grouping columns from `s` (and `e`, the
/// event).
fn folded_select_in(group: &str, lo: &str, hi: &str) -> String {
    let sums: String = TALLY_COLS
        .split(", ")
        .map(|c| format!("SUM(s.{c})"))
        .collect::<Vec<_>>()
        .join(", ");
    let zeros = TALLY_COLS
        .split(", ")
        .map(|c| format!("0 AS {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {group}, {sums}, SUM(s.page_views) FROM ( \
         SELECT event_id, hour, currency, {TALLY_COLS}, 0 AS page_views FROM sales_hourly WHERE hour >= {lo} AND hour < {hi} \
         UNION ALL SELECT event_id, hour, '' AS currency, {zeros}, views FROM page_views_hourly WHERE hour >= {lo} AND hour < {hi} \
         ) s JOIN events e ON e.id = s.event_id"
    )
}

fn folded_select(group: &str) -> String {
    folded_select_in(group, "$1", "$2")
}

/// Recomputes the level-2 rows of one day (UTC day number).
pub async fn fold_day(tx: &mut Tx, day: i64) -> Result<(), sqlx::Error> {
    let (from, to) = (day * 24, day * 24 + 24);
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM sales_daily WHERE day = $1"
    )
    .bind(day)
    .execute(c)
    .await
    .map(|_| ()))?;
    let sql = format!(
        "INSERT INTO sales_daily (day, category, city, currency, {TALLY_COLS}, page_views) {} \
         GROUP BY e.category, e.city, s.currency",
        folded_select("$3 AS day, e.category, e.city, s.currency")
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(from)
        .bind(to)
        .bind(day)
        .execute(c)
        .await
        .map(|_| ()))?;
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM event_daily WHERE day = $1"
    )
    .bind(day)
    .execute(c)
    .await
    .map(|_| ()))?;
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO event_daily (event_id, day, currency, tickets, value_cents) \
         SELECT event_id, $3, currency, SUM(tickets), SUM(value_cents) FROM sales_hourly \
         WHERE hour >= $1 AND hour < $2 AND currency <> '' GROUP BY event_id, currency HAVING SUM(tickets) <> 0 OR SUM(value_cents) <> 0 \
         UNION ALL SELECT event_id, $3, '', SUM(tickets), 0 FROM sales_hourly \
         WHERE hour >= $1 AND hour < $2 AND currency <> '' GROUP BY event_id HAVING SUM(tickets) <> 0"
    )
    .bind(from)
    .bind(to)
    .bind(day)
    .execute(c)
    .await
    .map(|_| ())
    })
}

/// Recomputes the platform's rows of one hour.
pub async fn fold_hour(tx: &mut Tx, hour: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM sales_platform_hourly WHERE hour = $1"
    )
    .bind(hour)
    .execute(c)
    .await
    .map(|_| ()))?;
    let sql = format!(
        "INSERT INTO sales_platform_hourly (hour, currency, {TALLY_COLS}, page_views) {} GROUP BY s.currency",
        folded_select("$1 AS hour, s.currency")
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(hour)
        .bind(hour + 1)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Records that every hour up to `through` is folded, at `now`.
pub async fn set_state(tx: &mut Tx, through: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE rollup_state SET folded_through = $1, folded_at = $2 WHERE id = 1"
    )
    .bind(through)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Adds page views counted in memory: (event slug, hour, views). Slugs of no event are
/// skipped.
pub async fn add_page_views(
    db: &Db,
    rows: &[(String, i64, i64)],
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for chunk in rows.chunks(300) {
        let sql = format!(
            "INSERT INTO page_views_hourly (event_id, hour, views) SELECT e.id, v.column2, v.column3 FROM (VALUES {}) v \
             JOIN events e ON e.slug = v.column1 WHERE true \
             ON CONFLICT (event_id, hour) DO UPDATE SET views = page_views_hourly.views + excluded.views",
            crate::store::values_placeholders(chunk.len(), 3, 1, "")
        );
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::query(&sql);
            for (e, h, n) in chunk {
                q = q.bind(e).bind(*h).bind(*n);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    let old: Vec<i64> = rows
        .iter()
        .map(|r| r.1)
        .filter(|h| *h < hour_of(now) - 1)
        .collect();
    crate::store::rollups::mark_dirty(&mut tx, &old).await?;
    tx.commit().await
}

/// Level-2 rows of folded days and hours (before `before`, an hour) that differ from a fold
/// done now: (table, day or hour), at most 100.
pub async fn mismatches(db: &Db, before: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let daily_cols = format!("day, category, city, currency, {TALLY_COLS}, page_views");
    let hourly_cols = format!("hour, currency, {TALLY_COLS}, page_views");
    let day_fold = folded_select_in(
        "s.hour / 24 AS day, e.category, e.city, s.currency",
        "$1",
        "$4",
    ) + " GROUP BY s.hour / 24, e.category, e.city, s.currency";
    let hour_fold = folded_select("s.hour, s.currency") + " GROUP BY s.hour, s.currency";
    let day_before = before.div_euclid(24);
    let stored_days = format!("SELECT {daily_cols} FROM sales_daily WHERE day < $3");
    let stored_hours = format!("SELECT {hourly_cols} FROM sales_platform_hourly WHERE hour < $2");
    let sql = format!(
        "SELECT 'sales_daily' AS t, day AS at FROM ({stored_days} EXCEPT {day_fold}) a \
         UNION ALL SELECT 'sales_daily', day FROM ({day_fold} EXCEPT {stored_days}) b \
         UNION ALL SELECT 'sales_platform_hourly', hour FROM ({stored_hours} EXCEPT {hour_fold}) c \
         UNION ALL SELECT 'sales_platform_hourly', hour FROM ({hour_fold} EXCEPT {stored_hours}) d LIMIT 100"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(i64::MIN / 4)
        .bind(before)
        .bind(day_before)
        .bind(day_before * 24)
        .fetch_all(p)
        .await)
}

/// One day in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// Marks the day an event takes place for folding its capacity again (it was published,
/// cancelled, moved or resized, or got a ticket type).
pub async fn mark_event_day(tx: &mut Tx, event_id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO capacity_dirty (day) SELECT starts_at / 86400000 FROM events WHERE id = $1 \
         ON CONFLICT (day) DO NOTHING"
    )
    .bind(event_id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Takes the days marked for folding their capacity, with the days of the events that have
/// figures in hours `[from, to)`.
pub async fn take_capacity_days(tx: &mut Tx, from: i64, to: i64) -> Result<Vec<i64>, sqlx::Error> {
    let mut days: Vec<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "DELETE FROM capacity_dirty RETURNING day"
    )
    .fetch_all(c)
    .await)?;
    days.extend(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "SELECT DISTINCT e.starts_at / 86400000 FROM events e WHERE e.id IN \
             (SELECT DISTINCT event_id FROM sales_hourly WHERE hour >= $1 AND hour < $2)"
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await)?);
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// Recomputes the capacity row of one day.
pub async fn fold_capacity_day(tx: &mut Tx, day: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM capacity_daily WHERE day = $1"
    )
    .bind(day)
    .execute(c)
    .await
    .map(|_| ()))?;
    let sql = format!(
        "INSERT INTO capacity_daily (day, events, capacity, sold) \
         SELECT $1, COUNT(*), COALESCE(SUM(c.capacity), 0), COALESCE(SUM(c.sold), 0) FROM ( \
         SELECT e.id, \
         (SELECT COALESCE(SUM(t.capacity), 0) FROM ticket_types t WHERE t.event_id = e.id) AS capacity, \
         (SELECT COALESCE(SUM(s.tickets - s.tickets_cancelled), 0) FROM sales_hourly s WHERE s.event_id = e.id) AS sold \
         FROM events e WHERE e.status = {} AND e.starts_at >= $2 AND e.starts_at < $3) c",
        crate::domain::EventStatus::Published.sql()
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(day)
        .bind(day * DAY_MS)
        .bind((day + 1) * DAY_MS)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Events taking place on days `[first, last]`: (events, capacity, seats sold).
pub async fn capacity_between(
    db: &Db,
    first: i64,
    last: i64,
) -> Result<(i64, i64, i64), sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(events), 0) AS BIGINT), CAST(COALESCE(SUM(capacity), 0) AS BIGINT), \
         CAST(COALESCE(SUM(sold), 0) AS BIGINT) FROM capacity_daily WHERE day >= $1 AND day <= $2"
    )
    .bind(first)
    .bind(last)
    .fetch_one(p)
    .await
    })
}
