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
use chrono::{Datelike, NaiveDate};

/// The month (`year * 12 + month - 1`) of a UTC day number, as the level-2 monthly tables
/// key it.
pub fn month_of_day(day: i64) -> i64 {
    let d = day_date(day);
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// The first and last UTC day of a month.
pub fn month_days(month: i64) -> (i64, i64) {
    let first = month_first_day(month);
    (first, month_first_day(month + 1) - 1)
}

fn month_first_day(month: i64) -> i64 {
    let year = i32::try_from(month.div_euclid(12)).unwrap_or(1970);
    let m = u32::try_from(month.rem_euclid(12)).unwrap_or(0) + 1;
    NaiveDate::from_ymd_opt(year, m, 1)
        .map(|d| (d - chrono::DateTime::UNIX_EPOCH.date_naive()).num_days())
        .unwrap_or(0)
}

fn day_date(day: i64) -> NaiveDate {
    chrono::DateTime::UNIX_EPOCH
        .date_naive()
        .checked_add_signed(chrono::TimeDelta::days(day))
        .unwrap_or_default()
}

/// Days `[first, last]` cut along calendar months: the whole months inside (`months`, first
/// and last, if any) and the days left over at either end (`days`; an empty range is
/// `(1, 0)`). Sums over the range read the whole months from a monthly table and the rest
/// from a daily one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSplit {
    pub months: Option<(i64, i64)>,
    pub days: [(i64, i64); 2],
}

/// An empty day range.
pub const NO_DAYS: (i64, i64) = (1, 0);

impl MonthSplit {
    pub fn new(first: i64, last: i64) -> MonthSplit {
        if first > last {
            return MonthSplit {
                months: None,
                days: [NO_DAYS, NO_DAYS],
            };
        }
        let (m0, m1) = (month_of_day(first), month_of_day(last));
        // The first whole month: the first's own if the range starts on its first day.
        let lo = if month_days(m0).0 == first {
            m0
        } else {
            m0 + 1
        };
        let hi = if month_days(m1).1 == last { m1 } else { m1 - 1 };
        if lo > hi {
            return MonthSplit {
                months: None,
                days: [(first, last), NO_DAYS],
            };
        }
        let head = (first, month_days(lo).0 - 1);
        let tail = (month_days(hi).1 + 1, last);
        let norm = |r: (i64, i64)| if r.0 > r.1 { NO_DAYS } else { r };
        MonthSplit {
            months: Some((lo, hi)),
            days: [norm(head), norm(tail)],
        }
    }

    /// The whole months as a range for `month >= $a AND month <= $b` (empty: `(1, 0)`).
    pub fn month_range(&self) -> (i64, i64) {
        self.months.unwrap_or(NO_DAYS)
    }
}

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

/// Gives a fold's transaction room to sort a busy day in memory, and no JIT (each statement
/// is planned afresh and short; compiling it costs more than it saves). PostgreSQL only.
pub async fn tune(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SET LOCAL work_mem = '64MB'")
            .execute(&mut **t)
            .await?;
        sqlx::query("SET LOCAL jit = off").execute(&mut **t).await?;
    }
    Ok(())
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

/// A monthly table kept equal to the sum of a daily one: (daily, monthly, key columns in the
/// monthly table's primary key order with `month` in its place, counters).
struct Monthly {
    daily: &'static str,
    monthly: &'static str,
    key: &'static str,
    cols: &'static [&'static str],
}

const SALES_MONTHLY: Monthly = Monthly {
    daily: "sales_daily",
    monthly: "sales_monthly",
    key: "month, category, city, currency",
    cols: &["tickets", "value_cents"],
};

const EVENT_MONTHLY: Monthly = Monthly {
    daily: "event_daily",
    monthly: "event_monthly",
    key: "event_id, month, currency",
    cols: &["tickets", "value_cents"],
};

/// Adds (`sign` 1) or takes out (`sign` -1) a day's rows of the daily table to or from its
/// month.
async fn shift_month(tx: &mut Tx, t: &Monthly, day: i64, sign: i64) -> Result<(), sqlx::Error> {
    let cols = t.cols.join(", ");
    let values = t
        .cols
        .iter()
        .map(|c| {
            if sign < 0 {
                format!("-{c}")
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let key_values = t.key.replace("month", "$1");
    let add = t
        .cols
        .iter()
        .map(|c| format!("{c} = {}.{c} + excluded.{c}", t.monthly))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO {monthly} ({key}, {cols}) SELECT {key_values}, {values} FROM {daily} WHERE day = $2 \
         ON CONFLICT ({key}) DO UPDATE SET {add}",
        monthly = t.monthly,
        daily = t.daily,
        key = t.key,
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(month_of_day(day))
        .bind(day)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Recomputes the level-2 rows of one day (UTC day number) and the platform's day. With
/// `months` the day's change is carried into its month too; a fold of many days of one month
/// passes `false` and recounts the month once afterwards ([`recount_month`]).
pub async fn fold_day(tx: &mut Tx, day: i64, months: bool) -> Result<(), sqlx::Error> {
    let (from, to) = (day * 24, day * 24 + 24);
    if months {
        shift_month(tx, &SALES_MONTHLY, day, -1).await?;
    }
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
    if months {
        shift_month(tx, &SALES_MONTHLY, day, 1).await?;
    }
    fold_event_day(tx, day, months).await?;
    on_tx!(tx, |c| sqlx::query(
        "DELETE FROM sales_platform_daily WHERE day = $1"
    )
    .bind(day)
    .execute(c)
    .await
    .map(|_| ()))?;
    let sql = format!(
        "INSERT INTO sales_platform_daily (day, currency, {TALLY_COLS}, page_views) \
         SELECT day, currency, {} FROM sales_daily WHERE day = $1 GROUP BY day, currency",
        sum_cols(&format!("{TALLY_COLS}, page_views"))
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(day)
        .execute(c)
        .await
        .map(|_| ()))
}

/// An event's tickets and value in one currency on one day.
type EventDay = (i64, String, i64, i64);

/// Folds the events' rows of one day by difference: the day is summed from level 1 and
/// compared with what `event_daily` holds, and only rows that changed are written (a fold
/// every 20 seconds rewrites the few events that sold since, not every event of the day);
/// with `months`, each change is added to the event's month as well.
async fn fold_event_day(tx: &mut Tx, day: i64, months: bool) -> Result<(), sqlx::Error> {
    let (from, to) = (day * 24, day * 24 + 24);
    let old: Vec<EventDay> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT event_id, currency, tickets, value_cents FROM event_daily WHERE day = $1"
    )
    .bind(day)
    .fetch_all(c)
    .await)?;
    let new: Vec<EventDay> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT event_id, currency, CAST(SUM(tickets) AS BIGINT), CAST(SUM(value_cents) AS BIGINT) FROM sales_hourly \
         WHERE hour >= $1 AND hour < $2 AND currency <> '' GROUP BY event_id, currency \
         HAVING SUM(tickets) <> 0 OR SUM(value_cents) <> 0 \
         UNION ALL SELECT event_id, '', CAST(SUM(tickets) AS BIGINT), 0 FROM sales_hourly \
         WHERE hour >= $1 AND hour < $2 AND currency <> '' GROUP BY event_id HAVING SUM(tickets) <> 0"
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await
    })?;
    let mut old: std::collections::HashMap<(i64, String), (i64, i64)> = old
        .into_iter()
        .map(|(e, c, t, v)| ((e, c), (t, v)))
        .collect();
    let mut put: Vec<EventDay> = Vec::new();
    let mut delta: Vec<EventDay> = Vec::new();
    for (e, c, t, v) in new {
        match old.remove(&(e, c.clone())) {
            Some(o) if o == (t, v) => {}
            Some((ot, ov)) => {
                delta.push((e, c.clone(), t - ot, v - ov));
                put.push((e, c, t, v));
            }
            None => {
                delta.push((e, c.clone(), t, v));
                put.push((e, c, t, v));
            }
        }
    }
    let gone: Vec<EventDay> = old
        .into_iter()
        .map(|((e, c), (t, v))| (e, c, t, v))
        .collect();
    for chunk in put.chunks(500) {
        let sql = format!(
            "INSERT INTO event_daily (event_id, day, currency, tickets, value_cents) VALUES {} \
             ON CONFLICT (event_id, day, currency) DO UPDATE SET tickets = excluded.tickets, \
             value_cents = excluded.value_cents",
            second_is_one(chunk.len())
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql).bind(day);
            for (e, cur, t, v) in chunk {
                q = q.bind(*e).bind(cur).bind(*t).bind(*v);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    for (e, c, _, _) in &gone {
        on_tx!(tx, |conn| sqlx::query(
            "DELETE FROM event_daily WHERE event_id = $1 AND day = $2 AND currency = $3"
        )
        .bind(*e)
        .bind(day)
        .bind(c)
        .execute(conn)
        .await
        .map(|_| ()))?;
    }
    if !months {
        return Ok(());
    }
    delta.extend(gone.into_iter().map(|(e, c, t, v)| (e, c, -t, -v)));
    let month = month_of_day(day);
    for chunk in delta.chunks(500) {
        let sql = format!(
            "INSERT INTO event_monthly (event_id, month, currency, tickets, value_cents) VALUES {} \
             ON CONFLICT (event_id, month, currency) DO UPDATE SET \
             tickets = event_monthly.tickets + excluded.tickets, \
             value_cents = event_monthly.value_cents + excluded.value_cents",
            second_is_one(chunk.len())
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql).bind(month);
            for (e, cur, t, v) in chunk {
                q = q.bind(*e).bind(cur).bind(*t).bind(*v);
            }
            q.execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// `($2, $1, $3, $4, $5), ($6, $1, $7, $8, $9), ...`: rows of five values whose second is
/// `$1` (the day or month), the others numbered from `$2`.
fn second_is_one(rows: usize) -> String {
    (0..rows)
        .map(|r| {
            let n = 2 + r * 4;
            format!("(${n}, $1, ${}, ${}, ${})", n + 1, n + 2, n + 3)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Recounts a month's rows of `sales_monthly` and `event_monthly` from the days (after a
/// fold of many of its days, which is cheaper than carrying each day's change).
pub async fn recount_month(tx: &mut Tx, month: i64) -> Result<(), sqlx::Error> {
    let (first, last) = month_days(month);
    for t in [SALES_MONTHLY, EVENT_MONTHLY] {
        let del = format!("DELETE FROM {} WHERE month = $1", t.monthly);
        on_tx!(tx, |c| sqlx::query(&del)
            .bind(month)
            .execute(c)
            .await
            .map(|_| ()))?;
        let cols = t.cols.join(", ");
        let group = t.key.replace("month, ", "").replace(", month", "");
        let sql = format!(
            "INSERT INTO {m} ({key}, {cols}) SELECT {key_values}, {sums} FROM {d} \
             WHERE day >= $2 AND day <= $3 GROUP BY {group}",
            m = t.monthly,
            d = t.daily,
            key = t.key,
            key_values = t.key.replace("month", "$1"),
            sums = sum_cols(&cols),
        );
        on_tx!(tx, |c| sqlx::query(&sql)
            .bind(month)
            .bind(first)
            .bind(last)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// `SUM(a), SUM(b), ...` of a column list.
fn sum_cols(cols: &str) -> String {
    cols.split(", ")
        .map(|c| format!("SUM({c})"))
        .collect::<Vec<_>>()
        .join(", ")
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

/// The coarser level-2 rows that differ from the sums of the daily rows they are kept from:
/// (table, day or month), at most 100. They are kept in the same transaction as the daily
/// rows, so they agree at every moment, folded or not (rows summing to zero may stay).
pub async fn month_mismatches(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let month = match db {
        Db::Postgres(_) => {
            "(EXTRACT(YEAR FROM DATE '1970-01-01' + day::int) * 12 \
             + EXTRACT(MONTH FROM DATE '1970-01-01' + day::int) - 1)::bigint"
        }
        Db::Sqlite { .. } => {
            "(CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12 \
             + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1)"
        }
    };
    let platform_cols = format!("{TALLY_COLS}, page_views");
    let platform_sum = format!(
        "SELECT day, currency, {} FROM sales_daily GROUP BY day, currency",
        sum_cols(&platform_cols)
    );
    let platform = format!("SELECT day, currency, {platform_cols} FROM sales_platform_daily");
    let mut parts = vec![
        format!(
            "SELECT 'sales_platform_daily' AS t, day AS at FROM ({platform} EXCEPT {platform_sum}) a"
        ),
        format!("SELECT 'sales_platform_daily', day FROM ({platform_sum} EXCEPT {platform}) b"),
    ];
    for (i, t) in [SALES_MONTHLY, EVENT_MONTHLY].iter().enumerate() {
        let cols = t.cols.join(", ");
        let nonzero = t
            .cols
            .iter()
            .map(|c| format!("{c} <> 0"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let summed_cols = t
            .cols
            .iter()
            .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let daily_key = t.key.replace("month", &format!("{month} AS month"));
        let stored = format!(
            "SELECT {key}, {cols} FROM {m} WHERE {nonzero}",
            key = t.key,
            m = t.monthly
        );
        let summed = format!(
            "SELECT * FROM (SELECT {key}, {summed_cols} FROM (SELECT {daily_key}, {cols} FROM {d}) x \
             GROUP BY {key}) y WHERE {nonzero}",
            key = t.key,
            d = t.daily
        );
        parts.push(format!(
            "SELECT '{m}', month FROM ({stored} EXCEPT {summed}) c{i}",
            m = t.monthly
        ));
        parts.push(format!(
            "SELECT '{m}', month FROM ({summed} EXCEPT {stored}) d{i}",
            m = t.monthly
        ));
    }
    let sql = format!("{} LIMIT 100", parts.join(" UNION ALL "));
    on_pool!(db, |p| sqlx::query_as(&sql).fetch_all(p).await)
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

/// Takes the days marked for folding their capacity.
pub async fn take_capacity_days(tx: &mut Tx) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "DELETE FROM capacity_dirty RETURNING day"
    )
    .fetch_all(c)
    .await)
}

/// Seats booked and cancelled per event and hour in hours `[from, to)`: what decides whether
/// an event's seats sold changed since the last fold.
pub async fn seat_sums(
    tx: &mut Tx,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64, i64, i64)>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT event_id, hour, CAST(SUM(tickets) AS BIGINT), CAST(SUM(tickets_cancelled) AS BIGINT) \
         FROM sales_hourly WHERE hour >= $1 AND hour < $2 GROUP BY event_id, hour"
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await
    })
}

/// The days these events take place on.
pub async fn event_days(tx: &mut Tx, events: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    let mut days = Vec::new();
    for chunk in events.chunks(500) {
        let sql = format!(
            "SELECT DISTINCT starts_at / 86400000 FROM events WHERE id IN ({})",
            crate::store::list_placeholders(chunk.len(), 1)
        );
        days.extend(on_tx!(tx, |c| {
            let mut q = sqlx::query_scalar::<_, i64>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await
        })?);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> i64 {
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        (date - chrono::DateTime::UNIX_EPOCH.date_naive()).num_days()
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(month_of_day(0), 1970 * 12);
        assert_eq!(month_of_day(day(2026, 12, 1)), 2026 * 12 + 11);
        assert_eq!(month_of_day(day(2024, 2, 29)), 2024 * 12 + 1);
        assert_eq!(
            month_days(2024 * 12 + 1),
            (day(2024, 2, 1), day(2024, 2, 29))
        );
        assert_eq!(
            month_days(2025 * 12 + 11),
            (day(2025, 12, 1), day(2025, 12, 31))
        );
        assert_eq!(month_of_day(-1), 1969 * 12 + 11);
    }

    #[test]
    fn a_range_splits_into_whole_months_and_the_days_left() {
        // Twelve months to date: eleven whole months and the days of this one.
        let s = MonthSplit::new(day(2026, 1, 1), day(2026, 11, 30) + 1);
        assert_eq!(s.months, Some((2026 * 12, 2026 * 12 + 10)));
        assert_eq!(s.days, [NO_DAYS, (day(2026, 12, 1), day(2026, 12, 1))]);
        // Inside one month: days only.
        let s = MonthSplit::new(day(2026, 11, 3), day(2026, 11, 9));
        assert_eq!(s.months, None);
        assert_eq!(s.days, [(day(2026, 11, 3), day(2026, 11, 9)), NO_DAYS]);
        // Across a month without covering it.
        let s = MonthSplit::new(day(2026, 10, 20), day(2026, 11, 9));
        assert_eq!(s.months, None);
        assert_eq!(s.days[0], (day(2026, 10, 20), day(2026, 11, 9)));
        // Both ends cut.
        let s = MonthSplit::new(day(2026, 8, 20), day(2026, 11, 9));
        assert_eq!(s.months, Some((2026 * 12 + 8, 2026 * 12 + 9)));
        assert_eq!(
            s.days,
            [
                (day(2026, 8, 20), day(2026, 8, 31)),
                (day(2026, 11, 1), day(2026, 11, 9))
            ]
        );
        // Exactly one month; and an empty range.
        let s = MonthSplit::new(day(2026, 2, 1), day(2026, 2, 28));
        assert_eq!(s.months, Some((2026 * 12 + 1, 2026 * 12 + 1)));
        assert_eq!(s.days, [NO_DAYS, NO_DAYS]);
        assert_eq!(MonthSplit::new(5, 4).months, None);
        // Every day of a long stretch is counted exactly once.
        for first in day(2025, 12, 20)..day(2026, 1, 20) {
            for len in [1, 2, 15, 31, 45, 100, 400] {
                let last = first + len - 1;
                let s = MonthSplit::new(first, last);
                let mut covered: Vec<i64> = s.days.iter().flat_map(|(a, b)| *a..=*b).collect();
                if let Some((m0, m1)) = s.months {
                    for m in m0..=m1 {
                        let (a, b) = month_days(m);
                        covered.extend(a..=b);
                    }
                }
                covered.sort_unstable();
                assert_eq!(covered, (first..=last).collect::<Vec<_>>());
            }
        }
    }
}
