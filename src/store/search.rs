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
    /// Words match as prefixes ("sym" finds "symphony"), not whole words only. Whole words
    /// (stemmed: "markets" finds "market") come first; prefixes are the fallback when they
    /// find nothing (see [`crate::search`]).
    pub prefix: bool,
}

/// A bound parameter of a generated statement.
pub(crate) enum Bind {
    I(i64),
    S(String),
}

/// How much each way of reading a search reads before it gives way to the next. The
/// results never depend on these, only the time they take; tests shrink them so that small
/// data sets go down every path.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Rows read in sort order before falling back to the whole query (see [`search`]).
    pub window: i64,
    /// The window when there are words: on PostgreSQL a miss goes on to the search keys,
    /// whose first stretch reads few rows, so a smaller window is cheaper when it misses.
    pub words_window: i64,
    /// Matches in the window that make the bands worth trying first (PostgreSQL).
    pub near: usize,
    /// Matches read in no order by the first read through the keys: fewer than this are all
    /// of them, sorted at once (PostgreSQL).
    pub cap: i64,
}

impl Tuning {
    /// Measured at a million events (README, Benchmarks).
    pub const PRODUCTION: Tuning = Tuning {
        window: 2_000,
        words_window: 1_000,
        near: 5,
        cap: 1_500,
    };
}

/// How [`run`] reads.
pub(crate) enum Mode<'a> {
    /// The first `n` rows in sort order, then the other filters.
    Window(i64),
    /// The whole query.
    Whole,
    /// The whole query, found through the words and search keys (PostgreSQL only).
    Keys(&'a KeyScan),
}

/// One read through the search keys: a stretch of the sort order, or all after one.
pub(crate) struct KeyScan {
    /// Band keys of the stretch, as a tsquery alternation (`w2969 | w2970`), if any.
    pub bands: Option<String>,
    /// Only rows that sort after every band read so far.
    pub beyond: Option<Beyond>,
    /// Rows wanted.
    pub limit: i64,
    /// Read at most this many matches (in no order), and say how many were read: when fewer
    /// than `cap`, they were all the matches and the page from them is exact.
    pub cap: Option<i64>,
}

/// The start of the sort order after the bands already read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Beyond {
    StartsFrom(i64),
    PriceFrom(i64),
    PublishedBefore(i64),
}

/// One page of results; `limit + 1` rows are read to know whether there is a next page.
///
/// Two phases, both exact. Phase A reads the first rows in sort order (of the
/// chosen category and city, if any: an index range) and applies the other filters to them:
/// if that yields a full page, it *is* the page, because any match outside the window sorts
/// after every row in it. Common words and broad filters finish here in a few milliseconds.
/// Otherwise (rare words, narrow or correlated filters) phase B runs the whole query, with
/// the matches found through the full-text or composite index first.
pub async fn search(db: &Db, s: &Search) -> Result<Vec<EventListRow>, sqlx::Error> {
    search_tuned(db, s, &Tuning::PRODUCTION).await
}

/// [`search`] with other limits (for tests).
pub async fn search_tuned(
    db: &Db,
    s: &Search,
    t: &Tuning,
) -> Result<Vec<EventListRow>, sqlx::Error> {
    let filtered = !s.words.is_empty()
        || s.from.is_some()
        || s.to.is_some()
        || s.min_price.is_some()
        || s.max_price.is_some()
        || s.free_only
        || s.seats_left;
    let words = !s.words.is_empty();
    let mut near = 0;
    if filtered {
        let n = if words { t.words_window } else { t.window };
        let rows = run(db, s, Mode::Window(n)).await?;
        if rows.len() as i64 > s.limit {
            return Ok(rows);
        }
        near = rows.len();
    }
    if words && db.engine() == Engine::Postgres {
        return crate::store::search_keys::search(db, s, near, t).await;
    }
    run(db, s, Mode::Whole).await
}

/// The same page by the whole query alone (phase B), for tests that hold [`search`] to it.
pub async fn search_unwindowed(db: &Db, s: &Search) -> Result<Vec<EventListRow>, sqlx::Error> {
    run(db, s, Mode::Whole).await
}

async fn run(db: &Db, s: &Search, mode: Mode<'_>) -> Result<Vec<EventListRow>, sqlx::Error> {
    let window = matches!(mode, Mode::Window(_));
    let (sql, binds) = statement(db.engine(), s, mode);
    match db {
        // The window is the first rows of one index in its order; with a misestimate (a city
        // and a price together: 433 rows expected, 5,533 there) PostgreSQL would rather
        // gather them all through a bitmap and sort them, which costs 10x.
        Db::Postgres(pool) if window => {
            fetch_pg(
                pool,
                &sql,
                &binds,
                &["enable_bitmapscan = off", "enable_seqscan = off"],
            )
            .await
        }
        _ => on_pool!(db, |p| {
            // Not a cached prepared statement: a generic plan cannot see which city or word
            // was asked for, and the custom plan for common and rare values differs by 100x.
            let mut q = sqlx::query_as::<_, EventListRow>(&sql).persistent(false);
            for b in &binds {
                q = match b {
                    Bind::I(v) => q.bind(*v),
                    Bind::S(v) => q.bind(v.as_str()),
                };
            }
            q.fetch_all(p).await
        }),
    }
}

/// Runs a generated search statement on PostgreSQL with planner settings for it alone.
pub(crate) async fn fetch_pg<T>(
    pool: &sqlx::PgPool,
    sql: &str,
    binds: &[Bind],
    settings: &[&str],
) -> Result<Vec<T>, sqlx::Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut tx = pool.begin().await?;
    for setting in settings {
        sqlx::query(&format!("SET LOCAL {setting}"))
            .execute(&mut *tx)
            .await?;
    }
    let mut q = sqlx::query_as::<_, T>(sql).persistent(false);
    for b in binds {
        q = match b {
            Bind::I(v) => q.bind(*v),
            Bind::S(v) => q.bind(v.as_str()),
        };
    }
    let rows = q.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// The statement for one read of a search, and its parameters.
pub(crate) fn statement(engine: Engine, s: &Search, mode: Mode<'_>) -> (String, Vec<Bind>) {
    // Through the search keys, no B-tree may look cheaper to the planner than the full-text
    // index (its estimates for a city and a date range together are off by 10x): the columns
    // are wrapped so that only the full-text index applies; the conditions stay the same.
    let opaque = matches!(mode, Mode::Keys(_));
    let int = |c: &str| {
        if opaque {
            format!("(e.{c} + 0)")
        } else {
            format!("e.{c}")
        }
    };
    let txt = |c: &str| {
        if opaque {
            format!("(e.{c} || '')")
        } else {
            format!("e.{c}")
        }
    };
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
    base.push(format!("{} >= {recent}", int("starts_at")));
    match &s.after {
        None => {}
        Some(After::Soonest { starts_at, id }) => {
            let (a, b) = (
                arg(Bind::I(*starts_at), &mut binds),
                arg(Bind::I(*id), &mut binds),
            );
            base.push(format!(
                "({}, {}) > ({a}, {b})",
                int("starts_at"),
                int("id")
            ));
        }
        Some(After::Newest { published_at, id }) => {
            let (a, b) = (
                arg(Bind::I(*published_at), &mut binds),
                arg(Bind::I(*id), &mut binds),
            );
            base.push(format!(
                "({}, {}) < ({a}, {b})",
                int("published_at"),
                int("id")
            ));
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
                "({}, {}, {}) > ({a}, {b}, {c})",
                int("min_price_cents"),
                int("starts_at"),
                int("id")
            ));
        }
    }
    // The selective filters.
    let mut filters: Vec<String> = Vec::new();
    if !s.words.is_empty() {
        match engine {
            Engine::Postgres => {
                let star = if s.prefix { ":*" } else { "" };
                let q = s
                    .words
                    .iter()
                    .map(|w| format!("{w}{star}"))
                    .collect::<Vec<_>>()
                    .join(" & ");
                let p = arg(Bind::S(q), &mut binds);
                filters.push(format!("e.search @@ to_tsquery('english', {p})"));
            }
            Engine::Sqlite => {
                let star = if s.prefix { "*" } else { "" };
                let q = s
                    .words
                    .iter()
                    .map(|w| format!("\"{w}\"{star}"))
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
    // Search keys (PostgreSQL): each the same value as its column, as the migration makes it.
    let mut keys: Vec<String> = Vec::new();
    if let Some(c) = &s.category {
        let p = arg(Bind::S(c.clone()), &mut binds);
        base.push(format!("{} = {p}", txt("category")));
        keys.push(format!("'k' || md5({p})"));
    }
    if let Some(c) = &s.city {
        let p = arg(Bind::S(c.clone()), &mut binds);
        keys.push(format!("'c' || md5(lower({p}))"));
        base.push(match engine {
            Engine::Postgres => format!("lower({}) = lower({p})", txt("city")),
            Engine::Sqlite => format!("e.city = {p} COLLATE NOCASE"),
        });
    }
    if let Some(v) = s.from {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("{} >= {p}", int("starts_at")));
    }
    if let Some(v) = s.to {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("{} < {p}", int("starts_at")));
    }
    if s.free_only {
        keys.push("'p0'".into());
        // The price index holds the free events in soonest and cheapest order.
        let cond = format!("{} = 0", int("min_price_cents"));
        if s.sort == Sort::Newest {
            filters.push(cond);
        } else {
            base.push(cond);
        }
    }
    if let Some(v) = s.min_price {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("{} >= {p}", int("min_price_cents")));
    }
    if let Some(v) = s.max_price {
        let p = arg(Bind::I(v), &mut binds);
        filters.push(format!("{} <= {p}", int("min_price_cents")));
    }
    if s.seats_left {
        filters.push("EXISTS (SELECT 1 FROM ticket_types t WHERE t.event_id = e.id AND t.taken < t.capacity)".into());
    }
    let order = match s.sort {
        Sort::Soonest => "e.starts_at, e.id",
        Sort::Newest => "e.published_at DESC, e.id DESC",
        Sort::Cheapest => "e.min_price_cents, e.starts_at, e.id",
    };
    let cols = crate::store::events::LIST_COLS;
    // Sorting on computed keys keeps the planner from walking the sort index and testing
    // row after row: the full-text index, or the composite (category|city, price) index,
    // finds the matches first. Correlated filters fool its estimates (business events are
    // never under 10 EUR: it expected thousands and walked 100,000 rows for none), so this
    // is decided here, not left to it.
    let computed = match s.sort {
        Sort::Soonest => "e.starts_at + 0, e.id + 0",
        Sort::Newest => "e.published_at + 0 DESC, e.id + 0 DESC",
        Sort::Cheapest => "e.min_price_cents + 0, e.starts_at + 0, e.id + 0",
    };
    let sql = match mode {
        Mode::Window(n) => {
            let limit = arg(Bind::I(s.limit + 1), &mut binds);
            let where_filters = if filters.is_empty() {
                "TRUE".to_string()
            } else {
                filters.join(" AND ")
            };
            format!(
                "SELECT {cols}, e.published_at FROM (SELECT e.* FROM events e WHERE {} ORDER BY {order} LIMIT {n}) e \
                 WHERE {where_filters} ORDER BY {order} LIMIT {limit}",
                base.join(" AND ")
            )
        }
        Mode::Whole => {
            // Runs only when the first rows in sort order hardly match, so the matches are
            // rare or sit late in the order: find them first (see `computed`).
            let limit = arg(Bind::I(s.limit + 1), &mut binds);
            let price_bound = s.free_only || s.min_price.is_some() || s.max_price.is_some();
            let filter_first =
                !s.words.is_empty() || ((s.category.is_some() || s.city.is_some()) && price_bound);
            let order = if filter_first { computed } else { order };
            let mut all = base.clone();
            all.extend(filters);
            format!(
                "SELECT {cols}, e.published_at FROM events e WHERE {} ORDER BY {order} LIMIT {limit}",
                all.join(" AND ")
            )
        }
        Mode::Keys(scan) => {
            let limit = arg(Bind::I(scan.limit), &mut binds);
            if let Some(b) = &scan.bands {
                keys.push(arg(Bind::S(format!("({b})")), &mut binds));
            }
            let mut all = base.clone();
            all.extend(filters);
            if !keys.is_empty() {
                all.push(format!(
                    "e.search_keys @@ CAST({} AS tsquery)",
                    keys.join(" || ' & ' || ")
                ));
            }
            if let Some(b) = scan.beyond {
                all.push(match b {
                    Beyond::StartsFrom(v) => {
                        format!("(e.starts_at + 0) >= {}", arg(Bind::I(v), &mut binds))
                    }
                    Beyond::PriceFrom(v) => {
                        format!("(e.min_price_cents + 0) >= {}", arg(Bind::I(v), &mut binds))
                    }
                    Beyond::PublishedBefore(v) => {
                        format!("(e.published_at + 0) < {}", arg(Bind::I(v), &mut binds))
                    }
                });
            }
            let conds = all.join(" AND ");
            match scan.cap {
                None => format!(
                    "SELECT {cols}, e.published_at, CAST(0 AS BIGINT) AS candidates FROM events e \
                     WHERE {conds} ORDER BY {computed} LIMIT {limit}"
                ),
                // The list columns are computed for the page only, not for every match read.
                Some(cap) => format!(
                    "SELECT {cols}, e.published_at, e.candidates FROM (SELECT e.*, COUNT(*) OVER () AS candidates \
                     FROM (SELECT e.* FROM events e WHERE {conds} LIMIT {cap}) e ORDER BY {order} LIMIT {limit}) e \
                     ORDER BY {order}"
                ),
            }
        }
    };
    (sql, binds)
}

/// Whether some word is not a whole word of any published event (so it may be unfinished).
pub async fn has_unknown_word(db: &Db, words: &[String]) -> Result<bool, sqlx::Error> {
    match db {
        Db::Postgres(p) => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(word) WHERE NOT EXISTS \
                 (SELECT 1 FROM events e WHERE e.status = 'published' \
                 AND e.search @@ to_tsquery('english', w.word)))",
            )
            .bind(words)
            .fetch_one(p)
            .await
        }
        Db::Sqlite { reader, .. } => {
            for w in words {
                let known: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM events_fts WHERE events_fts MATCH $1)",
                )
                .bind(format!("\"{w}\""))
                .fetch_one(reader)
                .await?;
                if !known {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
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
