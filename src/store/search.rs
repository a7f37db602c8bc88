//! Event search: full-text (PostgreSQL `tsvector`, SQLite FTS5), filters, and keyset
//! pagination for each sort order (never OFFSET).

use crate::db::{Db, Engine};
use crate::on_pool;
use crate::store::events::EventListRow;

/// Sort orders; each has a matching index and cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Soonest,
    Newest,
    Cheapest,
}

/// Where the previous page ended (the sort key of its last row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Soonest { starts_at: i64, id: i64 },
    Newest { published_at: i64, id: i64 },
    Cheapest { price: i64, starts_at: i64, id: i64 },
}

/// A validated search.
#[derive(Debug, Clone)]
pub struct Search {
    /// Words to match (already reduced to letters and digits).
    pub words: Vec<String>,
    pub category: Option<String>,
    pub city: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub free_only: bool,
    pub seats_left: bool,
    pub sort: Sort,
    pub after: Option<After>,
    pub limit: i64,
    pub now: i64,
}

enum Bind {
    I(i64),
    S(String),
}

/// Rows read in sort order before falling back to the planner's own plan (see [`search`]).
const WINDOW: i64 = 2_000;

/// One page of results; `limit + 1` rows are read to know whether there is a next page.
///
/// Two phases, both exact. Phase A reads the first [`WINDOW`] rows in sort order (of the
/// chosen category and city, if any: an index range) and applies the other filters to them:
/// if that yields a full page, it *is* the page, because any match outside the window sorts
/// after every row in it. Common words and broad filters finish here in a few milliseconds.
/// Otherwise (rare words, narrow or correlated filters) phase B runs the whole query, with
/// the matches found through the full-text or composite index first.
pub async fn search(db: &Db, s: &Search) -> Result<Vec<EventListRow>, sqlx::Error> {
    let filtered = !s.words.is_empty()
        || s.from.is_some()
        || s.to.is_some()
        || s.min_price.is_some()
        || s.max_price.is_some()
        || s.free_only
        || s.seats_left;
    if filtered {
        let rows = run(db, s, true).await?;
        if rows.len() as i64 > s.limit {
            return Ok(rows);
        }
    }
    run(db, s, false).await
}

/// The same page by the whole query alone (phase B), for tests that hold [`search`] to it.
pub async fn search_unwindowed(db: &Db, s: &Search) -> Result<Vec<EventListRow>, sqlx::Error> {
    run(db, s, false).await
}

async fn run(db: &Db, s: &Search, windowed: bool) -> Result<Vec<EventListRow>, sqlx::Error> {
    let engine = db.engine();
    let mut binds: Vec<Bind> = Vec::new();
    let arg = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    // Conditions every row must meet, which the sort's index can range over.
    let mut base = vec!["e.status = 'published'".to_string()];
    let now = arg(Bind::I(s.now), &mut binds);
    base.push(format!("e.ends_at >= {now}"));
    // Implied by the line above for all but events that started over a day ago and still
    // run; it lets every sort's index start at "now" instead of filtering out the past.
    let recent = arg(Bind::I(s.now - 86_400_000), &mut binds);
    base.push(format!("e.starts_at >= {recent}"));
    match &s.after {
        None => {}
        Some(After::Soonest { starts_at, id }) => {
            let (a, b) = (
                arg(Bind::I(*starts_at), &mut binds),
                arg(Bind::I(*id), &mut binds),
            );
            base.push(format!("(e.starts_at, e.id) > ({a}, {b})"));
        }
        Some(After::Newest { published_at, id }) => {
            let (a, b) = (
                arg(Bind::I(*published_at), &mut binds),
                arg(Bind::I(*id), &mut binds),
            );
            base.push(format!("(e.published_at, e.id) < ({a}, {b})"));
        }
        Some(After::Cheapest {
            price,
            starts_at,
            id,
        }) => {
            let (a, b, c) = (
                arg(Bind::I(*price), &mut binds),
                arg(Bind::I(*starts_at), &mut binds),
                arg(Bind::I(*id), &mut binds),
            );
            base.push(format!(
                "(e.min_price_cents, e.starts_at, e.id) > ({a}, {b}, {c})"
            ));
        }
    }
    // The selective filters.
    let mut filters: Vec<String> = Vec::new();
    if !s.words.is_empty() {
        match engine {
            Engine::Postgres => {
                let q = s
                    .words
                    .iter()
                    .map(|w| format!("{w}:*"))
                    .collect::<Vec<_>>()
                    .join(" & ");
                let p = arg(Bind::S(q), &mut binds);
                filters.push(format!("e.search @@ to_tsquery('english', {p})"));
            }
            Engine::Sqlite => {
                let q = s
                    .words
                    .iter()
                    .map(|w| format!("\"{w}\"*"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let p = arg(Bind::S(q), &mut binds);
                filters.push(format!(
                    "e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH {p})"
                ));
            }
        }
    }
    // Category and city lead composite indexes that hold each sort order, so they narrow
    // the window itself: it is the first rows of that category or city in sort order.
    if let Some(c) = &s.category {
        let p = arg(Bind::S(c.clone()), &mut binds);
        base.push(format!("e.category = {p}"));
    }
    if let Some(c) = &s.city {
        let p = arg(Bind::S(c.clone()), &mut binds);
        base.push(match engine {
            Engine::Postgres => format!("lower(e.city) = lower({p})"),
            Engine::Sqlite => format!("e.city = {p} COLLATE NOCASE"),
        });
    }
    if let Some(v) = s.from {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("e.starts_at >= {p}"));
    }
    if let Some(v) = s.to {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("e.starts_at < {p}"));
    }
    if s.free_only {
        // The price index holds the free events in soonest and cheapest order.
        let cond = "e.min_price_cents = 0".to_string();
        if s.sort == Sort::Newest {
            filters.push(cond);
        } else {
            base.push(cond);
        }
    }
    if let Some(v) = s.min_price {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("e.min_price_cents >= {p}"));
    }
    if let Some(v) = s.max_price {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("e.min_price_cents <= {p}"));
    }
    if s.seats_left {
        filters.push("EXISTS (SELECT 1 FROM ticket_types t WHERE t.event_id = e.id AND t.taken < t.capacity)".into());
    }
    let order = match s.sort {
        Sort::Soonest => "e.starts_at, e.id",
        Sort::Newest => "e.published_at DESC, e.id DESC",
        Sort::Cheapest => "e.min_price_cents, e.starts_at, e.id",
    };
    let limit = arg(Bind::I(s.limit + 1), &mut binds);
    let cols = crate::store::events::LIST_COLS;
    let sql = if windowed {
        let where_filters = if filters.is_empty() {
            "TRUE".to_string()
        } else {
            filters.join(" AND ")
        };
        format!(
            "SELECT {cols}, e.published_at FROM (SELECT e.* FROM events e WHERE {} ORDER BY {order} LIMIT {WINDOW}) e \
             WHERE {where_filters} ORDER BY {order} LIMIT {limit}",
            base.join(" AND ")
        )
    } else {
        // Phase B runs only when the first rows in sort order hardly match, so the matches
        // are rare or sit late in the order. Sorting on computed keys then keeps the planner
        // from walking the sort index and testing row after row: the full-text index, or the
        // composite (category|city, price) index, finds the matches first. Correlated filters
        // fool its estimates (business events are never under 10 EUR: it expected thousands
        // and walked 100,000 rows for none), so this is decided here, not left to it.
        let price_bound = s.free_only || s.min_price.is_some() || s.max_price.is_some();
        let filter_first =
            !s.words.is_empty() || ((s.category.is_some() || s.city.is_some()) && price_bound);
        let order = if !filter_first {
            order.to_string()
        } else {
            match s.sort {
                Sort::Soonest => "e.starts_at + 0, e.id + 0".to_string(),
                Sort::Newest => "e.published_at + 0 DESC, e.id + 0 DESC".to_string(),
                Sort::Cheapest => "e.min_price_cents + 0, e.starts_at + 0, e.id + 0".to_string(),
            }
        };
        let mut all = base.clone();
        all.extend(filters);
        format!(
            "SELECT {cols}, e.published_at FROM events e WHERE {} ORDER BY {order} LIMIT {limit}",
            all.join(" AND ")
        )
    };
    on_pool!(db, |p| {
        // Not a cached prepared statement: a generic plan cannot see which city or word was
        // asked for, and the custom plan for common and rare values differs by 100x.
        let mut q = sqlx::query_as::<_, EventListRow>(&sql).persistent(false);
        for b in &binds {
            q = match b {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.as_str()),
            };
        }
        q.fetch_all(p).await
    })
}

/// (value, upcoming published events) for categories or cities, most first.
pub async fn facet_counts(
    db: &Db,
    column: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let col = if column == "city" { "city" } else { "category" };
    let sql = format!(
        "SELECT {col}, COUNT(*) AS n FROM events WHERE status = 'published' AND starts_at >= $1 \
         GROUP BY {col} ORDER BY n DESC, {col} LIMIT $2"
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Upcoming published events with the most bookings made since `since`.
pub async fn popular(
    db: &Db,
    since: i64,
    now: i64,
    limit: i64,
) -> Result<Vec<EventListRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {}, e.published_at FROM events e JOIN (SELECT event_id, COUNT(*) AS n FROM bookings \
         WHERE created_at >= $1 AND status = 'confirmed' GROUP BY event_id) pop ON pop.event_id = e.id \
         WHERE e.status = 'published' AND e.starts_at >= $2 ORDER BY pop.n DESC, e.starts_at LIMIT $3",
        crate::store::events::LIST_COLS
    );
    on_pool!(db, |p| sqlx::query_as(&sql)
        .bind(since)
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Published events with ids in `[from_id, to_id)`, for one sitemap page.
pub async fn sitemap_page(
    db: &Db,
    from_id: i64,
    to_id: i64,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_pool!(db, |p| {
        sqlx::query_as(
        "SELECT slug, updated_at FROM events WHERE id >= $1 AND id < $2 AND status = 'published' ORDER BY id"
    )
    .bind(from_id)
    .bind(to_id)
    .fetch_all(p)
    .await
    })
}

/// The highest event id (sitemap pages are id ranges).
pub async fn max_event_id(db: &Db) -> Result<i64, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MAX(id) FROM events"
    )
    .fetch_one(p)
    .await)
    .map(|v| v.unwrap_or(0))
}
