//! Event search: full-text (PostgreSQL `tsvector`, SQLite FTS5), filters, and keyset
//! pagination for each sort order (never OFFSET).

use crate::db::{Db, Engine};
use crate::on_pool;
use crate::store::events::EventListRow;
use crate::store::search_sql::{Bind, Mode, fetch_pg, statement};
use crate::store::status::lit::{BOOKING_CONFIRMED, EVENT_PUBLISHED};

pub use super::search_query::{After, Search, Sort, Tuning};

/// One page of results; `limit + 1` rows are read to know whether there is a next page.
///
/// Two phases, both exact. Phase A reads the first rows in sort order (of the chosen
/// category and city, if any: an index range) and applies the other filters to them: if that
/// yields a full page, it *is* the page, because any match outside the window sorts after
/// every row in it. Common words and broad filters finish here in a few milliseconds.
/// Otherwise (rare words, narrow or correlated filters) phase B runs the whole query, with
/// the matches found through the full-text or composite index first; on PostgreSQL a search
/// with words reads through the search keys instead ([`super::search_keys`]).
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
/// Whether some word is not a whole word of any published event (so it may be unfinished).
pub async fn has_unknown_word(db: &Db, words: &[String]) -> Result<bool, sqlx::Error> {
    match db {
        Db::Postgres(p) => {
            sqlx::query_scalar(&format!(
                "SELECT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(word) WHERE NOT EXISTS \
                 (SELECT 1 FROM events e WHERE e.status = {EVENT_PUBLISHED} \
                 AND e.search @@ to_tsquery('english', w.word)))",
            ))
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
        "SELECT {col}, COUNT(*) AS n FROM events WHERE status = {EVENT_PUBLISHED} AND starts_at >= $1 \
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
         WHERE created_at >= $1 AND status = {BOOKING_CONFIRMED} GROUP BY event_id) pop ON pop.event_id = e.id \
         WHERE e.status = {EVENT_PUBLISHED} AND e.starts_at >= $2 ORDER BY pop.n DESC, e.starts_at LIMIT $3",
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
        sqlx::query_as(&format!(
        "SELECT slug, updated_at FROM events WHERE id >= $1 AND id < $2 AND status = {EVENT_PUBLISHED} ORDER BY id"
    ))
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
