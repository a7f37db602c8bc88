//! The queries behind the analytics views. The platform's figures come from level 2 of the
//! rollups (`sales_daily`, `sales_platform_hourly`, `event_daily`), an event's from level 1
//! (`sales_hourly` by its event index) and the live seat counters: never a scan of bookings.

use crate::db::Db;
use crate::on_pool;
use crate::store::rollup_fold::{MonthSplit, month_of_day};
use crate::store::rollups::TALLY_COLS;
use sqlx::FromRow;
use std::collections::HashMap;

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

/// The platform's sums per currency over days `[first, last]` (a row per day and currency).
pub async fn platform_totals(db: &Db, first: i64, last: i64) -> Result<Vec<Sums>, sqlx::Error> {
    let sql = format!(
        "SELECT currency, {} FROM sales_platform_daily WHERE day >= $1 AND day <= $2 GROUP BY currency",
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
        "SELECT day * 24, currency, tickets, value_cents, tickets_cancelled FROM sales_platform_daily \
         WHERE day >= $1 AND day <= $2 AND currency <> '' ORDER BY day"
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

/// Tickets and value per category or city (and currency) over days `[first, last]`: the
/// whole months from `sales_monthly`, the days at either end from `sales_daily`.
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
    let split = MonthSplit::new(first, last);
    let (m0, m1) = split.month_range();
    let [(a0, a1), (b0, b1)] = split.days;
    let sql = format!(
        "SELECT {col}, currency, CAST(SUM(tickets) AS BIGINT), CAST(SUM(value_cents) AS BIGINT) FROM ( \
         SELECT {col}, currency, tickets, value_cents FROM sales_monthly WHERE month >= $1 AND month <= $2 \
         UNION ALL SELECT {col}, currency, tickets, value_cents FROM sales_daily \
         WHERE ((day >= $3 AND day <= $4) OR (day >= $5 AND day <= $6))) s \
         WHERE currency <> '' GROUP BY {col}, currency"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(m0)
        .bind(m1)
        .bind(a0)
        .bind(a1)
        .bind(b0)
        .bind(b1)
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
/// value in `currency` over days `[first, last]`, exactly, most first (ties by id).
///
/// On PostgreSQL this is Fagin's threshold algorithm over ranked lists: the range is cut into
/// whole months (`event_monthly`), days (`event_daily`) where a month is cut short by ten
/// days or fewer, and, where more of a month is in the range, the whole month as an upper
/// bound. Each list is read from its head by amount (an index), a few dozen rows deep; every
/// event seen gets its exact total over the range (its own month and day rows); an event seen
/// in no list has at most the sum of the lists' last amounts read. Once the tenth total
/// passes that bound nobody unseen can reach the list, else the lists are read deeper. A
/// list read to its end adds nothing to the bound. SQLite sums every event's rows (whole
/// months and the days left over), which is quick at its sizes.
pub async fn top_events(
    db: &Db,
    rank: Rank,
    currency: &str,
    first: i64,
    last: i64,
    limit: i64,
) -> Result<Vec<Ranked>, sqlx::Error> {
    top_events_from(db, rank, currency, first, last, limit, (limit * 4).max(40)).await
}

/// [`top_events`], reading the lists `depth` rows deep at first (tests start shallow, so
/// the bound and the deeper reads are exercised on small data).
pub async fn top_events_from(
    db: &Db,
    rank: Rank,
    currency: &str,
    first: i64,
    last: i64,
    limit: i64,
    depth: i64,
) -> Result<Vec<Ranked>, sqlx::Error> {
    let amount = match rank {
        Rank::Tickets => "tickets",
        Rank::Value => "value_cents",
    };
    let split = MonthSplit::new(first, last);
    let ids: Vec<(i64, i64)> = match db {
        Db::Postgres(pool) => {
            match threshold_top(pool, amount, currency, split, limit, depth).await? {
                Some(top) => top,
                None => sum_every_event(db, amount, currency, split, limit).await?,
            }
        }
        Db::Sqlite { .. } => sum_every_event(db, amount, currency, split, limit).await?,
    };
    let ids: Vec<(i64, i64)> = ids.into_iter().filter(|(_, a)| *a > 0).collect();
    let list: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    let titles: Vec<(i64, String)> = if list.is_empty() {
        Vec::new()
    } else {
        let sql = format!(
            "SELECT id, title FROM events WHERE id IN ({})",
            crate::store::list_placeholders(list.len(), 1)
        );
        on_pool!(db, |p| {
            let mut q = sqlx::query_as(&sql);
            for id in &list {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?
    };
    let titles: HashMap<i64, String> = titles.into_iter().collect();
    Ok(ids
        .into_iter()
        .map(|(id, amount)| (id, titles.get(&id).cloned().unwrap_or_default(), amount))
        .collect())
}

/// Lists read deeper than this give way to summing every event.
const MAX_DEPTH: i64 = 20_000;
/// A month cut short by at most this many days is read as days, else as the whole month.
const DAYS_AS_DAYS: i64 = 10;

/// The threshold algorithm (see [`top_events`]); `None` when the lists would be read deeper
/// than [`MAX_DEPTH`].
async fn threshold_top(
    pool: &sqlx::PgPool,
    amount: &str,
    currency: &str,
    split: MonthSplit,
    limit: i64,
    mut depth: i64,
) -> Result<Option<Vec<(i64, i64)>>, sqlx::Error> {
    // The lists: whole months, then the days at either end as days or as their month.
    let mut months: Vec<i64> = Vec::new();
    let mut days: Vec<i64> = Vec::new();
    if let Some((m0, m1)) = split.months {
        months.extend(m0..=m1);
    }
    for (d0, d1) in split.days {
        if d0 > d1 {
            continue;
        }
        if d1 - d0 < DAYS_AS_DAYS {
            days.extend(d0..=d1);
        } else {
            months.push(month_of_day(d0));
            if month_of_day(d1) != month_of_day(d0) {
                months.push(month_of_day(d1));
            }
        }
    }
    months.sort_unstable();
    months.dedup();
    let (m0, m1) = split.month_range();
    let [(a0, a1), (b0, b1)] = split.days;
    let heads_sql = format!(
        "SELECT true, l.k, x.event_id, x.amount, x.n FROM unnest($1::bigint[]) AS l(k) CROSS JOIN LATERAL \
         (SELECT event_id, amount, COUNT(*) OVER () AS n FROM (SELECT event_id, {amount} AS amount FROM event_monthly \
          WHERE month = l.k AND currency = $3 ORDER BY {amount} DESC LIMIT $4) h) x \
         UNION ALL SELECT false, l.k, x.event_id, x.amount, x.n FROM unnest($2::bigint[]) AS l(k) CROSS JOIN LATERAL \
         (SELECT event_id, amount, COUNT(*) OVER () AS n FROM (SELECT event_id, {amount} AS amount FROM event_daily \
          WHERE day = l.k AND currency = $3 ORDER BY {amount} DESC LIMIT $4) h) x"
    );
    // Each event's total by its own rows (the primary keys lead with the event), so the plan
    // cannot turn into a scan of a month.
    let exact_sql = format!(
        "SELECT i.id, CAST(\
         (SELECT COALESCE(SUM({amount}), 0) FROM event_monthly m WHERE m.event_id = i.id \
          AND m.month >= $2 AND m.month <= $3 AND m.currency = $4) + \
         (SELECT COALESCE(SUM({amount}), 0) FROM event_daily d WHERE d.event_id = i.id \
          AND d.day >= $5 AND d.day <= $6 AND d.currency = $4) + \
         (SELECT COALESCE(SUM({amount}), 0) FROM event_daily d WHERE d.event_id = i.id \
          AND d.day >= $7 AND d.day <= $8 AND d.currency = $4) AS BIGINT) \
         FROM unnest($1::bigint[]) AS i(id)"
    );
    // Exact totals found so far, and events ruled out: their most possible stayed below
    // the tenth total (which only grows, as the most possible only shrinks).
    let mut totals: HashMap<i64, i64> = HashMap::new();
    let mut ruled_out: std::collections::HashSet<i64> = Default::default();
    let want = usize::try_from(limit).unwrap_or(0);
    depth = depth.clamp(1, MAX_DEPTH);
    loop {
        let heads: Vec<(bool, i64, i64, i64, i64)> = sqlx::query_as(&heads_sql)
            .bind(&months)
            .bind(&days)
            .bind(currency)
            .bind(depth)
            .fetch_all(pool)
            .await?;
        // An event has at most a full list's last amount in a list it was not seen in, and
        // nothing in a list read to its end.
        let mut lows: HashMap<(bool, i64), i64> = HashMap::new();
        let mut seen: HashMap<i64, (i64, Vec<(bool, i64)>)> = HashMap::new();
        for (is_month, k, id, amt, n) in &heads {
            if *n == depth {
                let low = lows.entry((*is_month, *k)).or_insert(i64::MAX);
                *low = (*low).min(*amt);
            }
            if !totals.contains_key(id) && !ruled_out.contains(id) {
                let e = seen.entry(*id).or_default();
                e.0 += (*amt).max(0);
                e.1.push((*is_month, *k));
            }
        }
        let bound: i64 = lows.values().map(|v| (*v).max(0)).sum();
        // The most each new event can have, most first; exact totals in batches until the
        // rest cannot reach the tenth.
        let mut fresh: Vec<(i64, i64)> = seen
            .into_iter()
            .map(|(id, (sum, lists))| {
                let elsewhere: i64 = lows
                    .iter()
                    .filter(|(l, _)| !lists.contains(l))
                    .map(|(_, v)| (*v).max(0))
                    .sum();
                (id, sum + elsewhere)
            })
            .collect();
        fresh.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut next = 0;
        while next < fresh.len() {
            let tenth = tenth_total(&totals, want);
            if tenth.is_some_and(|t| fresh[next].1 < t) {
                ruled_out.extend(fresh[next..].iter().map(|(id, _)| *id));
                break;
            }
            let batch: Vec<i64> = fresh[next..(next + EXACT_BATCH).min(fresh.len())]
                .iter()
                .map(|(id, _)| *id)
                .collect();
            next += batch.len();
            let exact: Vec<(i64, i64)> = sqlx::query_as(&exact_sql)
                .bind(&batch)
                .bind(m0)
                .bind(m1)
                .bind(currency)
                .bind(a0)
                .bind(a1)
                .bind(b0)
                .bind(b1)
                .fetch_all(pool)
                .await?;
            totals.extend(exact);
        }
        let mut top: Vec<(i64, i64)> = totals.iter().map(|(id, a)| (*id, *a)).collect();
        top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(want);
        // Ties with an unseen event could order differently, so the bound must be passed.
        let proven =
            lows.is_empty() || (top.len() == want && top.last().is_some_and(|(_, a)| *a > bound));
        if proven {
            return Ok(Some(top));
        }
        if depth >= MAX_DEPTH {
            return Ok(None);
        }
        depth = (depth * 4).min(MAX_DEPTH);
    }
}

/// Events whose exact totals are read at a time.
const EXACT_BATCH: usize = 64;

/// The `want`-th largest total so far, if there are that many.
fn tenth_total(totals: &HashMap<i64, i64>, want: usize) -> Option<i64> {
    if want == 0 || totals.len() < want {
        return None;
    }
    let mut v: Vec<i64> = totals.values().copied().collect();
    let i = want - 1;
    v.select_nth_unstable_by(i, |a, b| b.cmp(a));
    Some(v[i])
}

/// The top events by summing every event's rows in the range: whole months from
/// `event_monthly`, the days left over from `event_daily` (SQLite, and PostgreSQL when the
/// lists run too deep).
async fn sum_every_event(
    db: &Db,
    amount: &str,
    currency: &str,
    split: MonthSplit,
    limit: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let (m0, m1) = split.month_range();
    let [(a0, a1), (b0, b1)] = split.days;
    let sql = format!(
        "SELECT event_id, CAST(SUM(amount) AS BIGINT) AS total FROM ( \
         SELECT event_id, {amount} AS amount FROM event_monthly WHERE month >= $1 AND month <= $2 AND currency = $3 \
         UNION ALL SELECT event_id, {amount} FROM event_daily WHERE currency = $3 \
         AND ((day >= $4 AND day <= $5) OR (day >= $6 AND day <= $7))) s \
         GROUP BY event_id ORDER BY total DESC, event_id LIMIT $8"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(m0)
        .bind(m1)
        .bind(currency)
        .bind(a0)
        .bind(a1)
        .bind(b0)
        .bind(b1)
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
