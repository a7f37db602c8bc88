//! The queries behind the analytics views. The platform's figures come from level 2 of the
//! rollups (`sales_daily`, `sales_platform_hourly`, `event_daily`), an event's from level 1
//! (`sales_hourly` by its event index) and the live seat counters: never a scan of bookings.

use crate::db::Db;
use crate::on_pool;
use crate::store::rollups::TALLY_COLS;
use sqlx::FromRow;

/// Counters summed over some rows, under one currency (or `''`: holds, waitlist, views).
#[derive(Debug, Clone, Default, FromRow, PartialEq, Eq)]
pub struct Sums {
    pub currency: String,
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
    pub page_views: i64,
}

fn sums(cols: &str) -> String {
    cols.split(", ")
        .map(|c| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The platform's sums per currency over days `[first, last]`.
pub async fn platform_totals(db: &Db, first: i64, last: i64) -> Result<Vec<Sums>, sqlx::Error> {
    let sql = format!(
        "SELECT currency, {} FROM sales_daily WHERE day >= $1 AND day <= $2 GROUP BY currency",
        sums(&format!("{TALLY_COLS}, page_views"))
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(first)
        .bind(last)
        .fetch_all(p)
        .await)
}

/// One point of a platform time series: (hour the row starts, currency, tickets, ticket
/// value, cancelled tickets).
pub type Point = (i64, String, i64, i64, i64);

/// The platform per day (as its first hour) and currency over days `[first, last]`.
pub async fn platform_by_day(db: &Db, first: i64, last: i64) -> Result<Vec<Point>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT day * 24, currency, CAST(SUM(tickets) AS BIGINT), CAST(SUM(value_cents) AS BIGINT), \
         CAST(SUM(tickets_cancelled) AS BIGINT) FROM sales_daily WHERE day >= $1 AND day <= $2 \
         GROUP BY day, currency ORDER BY day"
    )
    .bind(first)
    .bind(last)
    .fetch_all(p)
    .await
    })
}

/// The platform per hour and currency over hours `[from, to)`.
pub async fn platform_by_hour(db: &Db, from: i64, to: i64) -> Result<Vec<Point>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_as(
        "SELECT hour, currency, tickets, value_cents, tickets_cancelled FROM sales_platform_hourly \
         WHERE hour >= $1 AND hour < $2 ORDER BY hour"
    )
    .bind(from)
    .bind(to)
    .fetch_all(p)
    .await)
}

/// Which column a breakdown groups by.
#[derive(Debug, Clone, Copy)]
pub enum Dimension {
    Category,
    City,
}

/// Tickets and value per category or city (and currency) over days `[first, last]`.
pub async fn platform_by(
    db: &Db,
    dim: Dimension,
    first: i64,
    last: i64,
) -> Result<Vec<(String, String, i64, i64)>, sqlx::Error> {
    let col = match dim {
        Dimension::Category => "category",
        Dimension::City => "city",
    };
    let sql = format!(
        "SELECT {col}, currency, CAST(SUM(tickets) AS BIGINT), CAST(SUM(value_cents) AS BIGINT) FROM sales_daily \
         WHERE day >= $1 AND day <= $2 AND currency <> '' GROUP BY {col}, currency"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(first)
        .bind(last)
        .fetch_all(p)
        .await)
}

/// What the top events are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    Tickets,
    Value,
}

/// An event in a ranking: (id, title, amount).
pub type Ranked = (i64, String, i64);

/// The `limit` events with the most tickets (all currencies, `currency` = `''`) or the most
/// value in `currency` over days `[first, last]`, exactly.
///
/// On PostgreSQL this reads only the head of each day (`event_daily` by day, currency and
/// amount) and proves the answer exact with a bound: an event in no day's head sold at most
/// the sum of the heads' last amounts, so once the tenth candidate reaches that, nobody
/// outside the heads can pass it. The heads grow until that holds. SQLite sums every row.
pub async fn top_events(
    db: &Db,
    rank: Rank,
    currency: &str,
    first: i64,
    last: i64,
    limit: i64,
) -> Result<Vec<Ranked>, sqlx::Error> {
    let amount = match rank {
        Rank::Tickets => "tickets",
        Rank::Value => "value_cents",
    };
    let ids: Vec<(i64, i64)> = match db {
        Db::Postgres(pool) => {
            let mut head = limit.max(10) * 2;
            loop {
                let heads: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&format!(
                    "SELECT d.day, x.event_id, x.{amount}, x.n FROM generate_series($1::bigint, $2::bigint) AS d(day) \
                     CROSS JOIN LATERAL (SELECT event_id, {amount}, COUNT(*) OVER () AS n FROM \
                     (SELECT event_id, {amount} FROM event_daily WHERE day = d.day AND currency = $3 \
                      ORDER BY {amount} DESC LIMIT $4) h) x"
                ))
                .bind(first)
                .bind(last)
                .bind(currency)
                .bind(head)
                .fetch_all(pool)
                .await?;
                // The smallest amount of each full head: someone outside it had at most that
                // on that day (a day with a short head has no one outside it).
                let mut mins: std::collections::HashMap<i64, i64> = Default::default();
                let mut ids: Vec<i64> = Vec::with_capacity(heads.len());
                for (day, id, amt, n) in &heads {
                    ids.push(*id);
                    if *n == head {
                        let m = mins.entry(*day).or_insert(i64::MAX);
                        *m = (*m).min(*amt);
                    }
                }
                let bound: i64 = mins.values().sum();
                ids.sort_unstable();
                ids.dedup();
                let exact: Vec<(i64, i64)> = sqlx::query_as(&format!(
                    "SELECT event_id, CAST(SUM({amount}) AS BIGINT) AS amount FROM event_daily \
                     WHERE event_id = ANY($1) AND day >= $2 AND day <= $3 AND currency = $4 \
                     GROUP BY event_id ORDER BY amount DESC, event_id LIMIT $5"
                ))
                .bind(&ids)
                .bind(first)
                .bind(last)
                .bind(currency)
                .bind(limit)
                .fetch_all(pool)
                .await?;
                let proven = mins.is_empty()
                    || (exact.len() as i64 == limit
                        && exact.last().is_some_and(|(_, a)| *a >= bound));
                if proven || head >= 5_000 {
                    if !proven {
                        break sum_every_event(db, amount, currency, first, last, limit).await?;
                    }
                    break exact;
                }
                head *= 5;
            }
        }
        Db::Sqlite { .. } => sum_every_event(db, amount, currency, first, last, limit).await?,
    };
    let ids: Vec<(i64, i64)> = ids.into_iter().filter(|(_, a)| *a > 0).collect();
    let mut out = Vec::with_capacity(ids.len());
    for (id, amount) in ids {
        let title: Option<String> = on_pool!(db, |p| sqlx::query_scalar(
            "SELECT title FROM events WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await)?;
        out.push((id, title.unwrap_or_default(), amount));
    }
    Ok(out)
}

/// The top events by summing every event's rows in the range (SQLite, and PostgreSQL when
/// the heads cannot prove the answer).
async fn sum_every_event(
    db: &Db,
    amount: &str,
    currency: &str,
    first: i64,
    last: i64,
    limit: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT event_id, CAST(SUM({amount}) AS BIGINT) AS amount FROM event_daily \
         WHERE day >= $1 AND day <= $2 AND currency = $3 \
         GROUP BY event_id ORDER BY amount DESC, event_id LIMIT $4"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(first)
        .bind(last)
        .bind(currency)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A row of an event's level-1 rollups.
#[derive(Debug, Clone, FromRow)]
pub struct EventHour {
    pub ticket_type_id: i64,
    pub hour: i64,
    pub currency: String,
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

/// Every level-1 row of an event, oldest first.
pub async fn event_hours(db: &Db, event_id: i64) -> Result<Vec<EventHour>, sqlx::Error> {
    let sql = format!(
        "SELECT ticket_type_id, hour, currency, {TALLY_COLS} FROM sales_hourly WHERE event_id = $1 ORDER BY hour"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(event_id)
        .fetch_all(p)
        .await)
}

/// An event's page views in all.
pub async fn event_page_views(db: &Db, event_id: i64) -> Result<i64, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT) FROM page_views_hourly WHERE event_id = $1"
    )
    .bind(event_id)
    .fetch_one(p)
    .await)
}

/// People waiting in the event's queues now.
pub async fn event_waiting(db: &Db, event_id: i64) -> Result<i64, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(wl_active), 0) AS BIGINT) FROM ticket_types WHERE event_id = $1"
    )
    .bind(event_id)
    .fetch_one(p)
    .await)
}
