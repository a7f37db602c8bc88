//! What a search asks for (filters, sort, cursor) and the limits that shape how it reads.

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
