//! Word searches on PostgreSQL through search keys: the sort order cut into bands (start
//! week, price band, publication week) that the full-text index holds beside the words.
//!
//! A word that is common overall but rare among the first rows in sort order (markets are
//! never free, so "market" by price starts thousands of rows in) would otherwise make
//! PostgreSQL read every matching event to sort them. Here the first band is read, then the
//! next two, the next four and so on: each read finds only the matches inside its bands
//! through one index scan. Bands follow the sort order, so every row of a band sorts
//! before every row of a later one, and the first `limit + 1` rows of the bands read so far
//! are the first of the whole result. After a few reads the rest is one query over
//! everything beyond the last band. When the first rows in sort order held hardly a match,
//! a capped read of the matches in no order comes first: for rare words and narrow filters
//! it is all of them. The keys only narrow what is read: every condition is
//! still checked on the row, and [`search_unwindowed`](super::search::search_unwindowed)
//! is the reference the tests hold this to.

use super::search_query::{After, Search, Sort, Tuning};
use super::search_sql::{Beyond, KeyScan, Mode, fetch_pg, statement};
use crate::db::{Db, Engine};
use crate::on_pool;
use crate::store::events::EventListRow;
use crate::store::status::lit::EVENT_PUBLISHED;
use sqlx::FromRow;

/// A week in milliseconds: the band of start and publication times (`starts_at / WEEK`).
pub const WEEK_MS: i64 = 604_800_000;

/// Lower bounds of the price bands (minor units): band 0 holds the free events, band `i`
/// prices from `PRICE_BANDS[i - 1]` up to but not including `PRICE_BANDS[i]`, band 16 the
/// rest. The same list is in the migration that makes the keys (`width_bucket`).
pub const PRICE_BANDS: [i64; 16] = [
    1, 500, 1_000, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 6_500, 8_000, 10_000, 15_000, 25_000,
    50_000, 100_000,
];

/// Reads of growing stretches of bands before the rest is read in one query.
const STRETCHES: u32 = 4;

/// A row of a read through the keys, and how many matches the read took in.
#[derive(FromRow)]
struct KeyRow {
    #[sqlx(flatten)]
    row: EventListRow,
    candidates: i64,
}

/// The price band of `cents`, as PostgreSQL's `width_bucket` gives it.
pub fn price_band(cents: i64) -> i64 {
    PRICE_BANDS.iter().filter(|t| **t <= cents).count() as i64
}

/// The bands a search can reach, in sort order.
struct Bands {
    /// Key prefix: `w` (start week), `p` (price band) or `n` (publication week).
    key: char,
    first: i64,
    /// The last band any match can be in, when the filters bound it.
    last: Option<i64>,
    /// Newest first: bands count down.
    descending: bool,
}

impl Bands {
    async fn of(db: &Db, s: &Search) -> Result<Bands, sqlx::Error> {
        Ok(match s.sort {
            Sort::Soonest => {
                let mut from = s.now - 86_400_000;
                if let Some(f) = s.from {
                    from = from.max(f);
                }
                if let Some(After::Soonest { starts_at, .. }) = s.after {
                    from = from.max(starts_at);
                }
                Bands {
                    key: 'w',
                    first: from.max(0) / WEEK_MS,
                    last: s.to.map(|t| (t - 1).max(0) / WEEK_MS),
                    descending: false,
                }
            }
            Sort::Cheapest => {
                let mut from = s.min_price.unwrap_or(0);
                if let Some(After::Cheapest { price, .. }) = s.after {
                    from = from.max(price);
                }
                let to = if s.free_only { Some(0) } else { s.max_price };
                Bands {
                    key: 'p',
                    first: price_band(from),
                    last: Some(to.map_or(PRICE_BANDS.len() as i64, price_band)),
                    descending: false,
                }
            }
            Sort::Newest => {
                let top = match s.after {
                    Some(After::Newest { published_at, .. }) => Some(published_at),
                    _ => latest_publication(db).await?,
                };
                Bands {
                    key: 'n',
                    first: top.unwrap_or(0).max(0) / WEEK_MS,
                    last: Some(0),
                    descending: true,
                }
            }
        })
    }

    /// Whether `band` is past the last band that can hold a match.
    fn past_end(&self, band: i64) -> bool {
        match self.last {
            Some(last) if self.descending => band < last,
            Some(last) => band > last,
            None => false,
        }
    }

    /// Rows beyond the band `edge` (the last one read) in sort order.
    fn beyond(&self, edge: i64) -> Option<Beyond> {
        match self.key {
            'w' => Some(Beyond::StartsFrom((edge + 1) * WEEK_MS)),
            'n' => Some(Beyond::PublishedBefore(edge * WEEK_MS)),
            _ => PRICE_BANDS
                .get(edge as usize)
                .map(|p| Beyond::PriceFrom(*p)),
        }
    }
}

/// The page (`limit + 1` rows) for a search with words, through the search keys.
///
/// `near`: the matches in the window of the first rows in sort order. When there are a few
/// ([`Tuning::near`]), the first bands will hold more. Otherwise it first reads up to
/// [`Tuning::cap`] matches in no order: when that is all of them (rare words, narrow
/// filters, nothing found) the page is sorted from them. If not, the matches are many but
/// sit late in the order, and the bands find the first of them without reading the rest.
pub async fn search(
    db: &Db,
    s: &Search,
    near: usize,
    t: &Tuning,
) -> Result<Vec<EventListRow>, sqlx::Error> {
    let want = s.limit + 1;
    if near < t.near {
        let first = KeyScan {
            bands: None,
            beyond: None,
            limit: want,
            cap: Some(t.cap),
        };
        let (rows, candidates) = read(db, s, &first).await?;
        if candidates < t.cap {
            return Ok(rows);
        }
    }
    let bands = Bands::of(db, s).await?;
    let step: i64 = if bands.descending { -1 } else { 1 };
    let mut rows: Vec<EventListRow> = Vec::new();
    let mut next = bands.first;
    let mut width = 1_i64;
    for _ in 0..STRETCHES {
        if bands.past_end(next) {
            return Ok(rows);
        }
        let stretch: Vec<i64> = (0..width)
            .map(|i| next + i * step)
            .take_while(|b| !bands.past_end(*b))
            .collect();
        let edge = *stretch.last().unwrap_or(&next);
        let alternation = stretch
            .iter()
            .map(|b| format!("{}{b}", bands.key))
            .collect::<Vec<_>>()
            .join(" | ");
        let scan = KeyScan {
            bands: Some(alternation),
            beyond: None,
            limit: want - rows.len() as i64,
            cap: None,
        };
        rows.extend(read(db, s, &scan).await?.0);
        if rows.len() as i64 >= want {
            return Ok(rows);
        }
        next = edge + step;
        width *= 2;
    }
    if bands.past_end(next) {
        return Ok(rows);
    }
    let Some(beyond) = bands.beyond(next - step) else {
        return Ok(rows);
    };
    let scan = KeyScan {
        bands: None,
        beyond: Some(beyond),
        limit: want - rows.len() as i64,
        cap: None,
    };
    rows.extend(read(db, s, &scan).await?.0);
    Ok(rows)
}

/// One read through the keys: its rows, and the matches it took in (with a cap).
async fn read(
    db: &Db,
    s: &Search,
    scan: &KeyScan,
) -> Result<(Vec<EventListRow>, i64), sqlx::Error> {
    let Db::Postgres(pool) = db else {
        return Err(sqlx::Error::Protocol(
            "search keys are a PostgreSQL feature".into(),
        ));
    };
    let (sql, binds) = statement(Engine::Postgres, s, Mode::Keys(scan));
    // The conditions leave the planner the full-text index or a scan of the whole table;
    // with a LIMIT and a common word it may think the scan cheaper, and a filter that is
    // correlated with the word (markets are never free) makes that scan read all of it.
    let found: Vec<KeyRow> = fetch_pg(pool, &sql, &binds, &["enable_seqscan = off"]).await?;
    let candidates = found.first().map_or(0, |r| r.candidates);
    Ok((found.into_iter().map(|r| r.row).collect(), candidates))
}

/// The latest publication time of a published event (the top of the newest-first order).
async fn latest_publication(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    on_pool!(db, |p| sqlx::query_scalar::<_, Option<i64>>(&format!(
        "SELECT MAX(published_at) FROM events WHERE status = {EVENT_PUBLISHED}"
    ))
    .fetch_one(p)
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_bands_match_width_bucket() {
        assert_eq!(price_band(0), 0);
        assert_eq!(price_band(1), 1);
        assert_eq!(price_band(499), 1);
        assert_eq!(price_band(500), 2);
        assert_eq!(price_band(99_999), 15);
        assert_eq!(price_band(100_000), 16);
        assert_eq!(price_band(i64::MAX), 16);
    }
}
