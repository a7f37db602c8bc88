//! The SQL of a search: one statement per way of reading it (a window of the first rows in
//! sort order, the whole query, or a read through the search keys), on either engine.

use super::search_query::{After, Search, Sort};
use crate::db::Engine;
use crate::store::status::lit::EVENT_PUBLISHED;

/// A bound parameter of a generated statement.
pub(crate) enum Bind {
    I(i64),
    S(String),
}

/// How a search is read (see [`statement`]).
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
    let mut base = vec![format!("e.status = {EVENT_PUBLISHED}")];
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
