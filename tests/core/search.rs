//! Search's fast paths (a window of the first rows in sort order; on PostgreSQL the search
//! keys) against the whole query, on thousands of demo events: the same rows in the same
//! order, page after page, with the production limits and with limits small enough that
//! every path is taken.

use crate::helpers::start_ms;
use evently::dto::SearchQuery;
use evently::store::events::EventListRow;
use evently::store::search::{After, Search, Sort, Tuning, search_tuned, search_unwindowed};
use evently::testing::{TestDb, core_with_clock};

fn after(s: &Search, r: &EventListRow) -> After {
    match s.sort {
        Sort::Soonest => After::Soonest {
            starts_at: r.starts_at,
            id: r.id,
        },
        Sort::Newest => After::Newest {
            published_at: r.published_at.unwrap_or(0),
            id: r.id,
        },
        Sort::Cheapest => After::Cheapest {
            price: r.min_price_cents,
            starts_at: r.starts_at,
            id: r.id,
        },
    }
}

fn query(qs: &str) -> SearchQuery {
    let map: serde_json::Map<String, serde_json::Value> = qs
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).unwrap()
}

/// Small limits, so that a few thousand events go down every path of the search.
const TINY: Tuning = Tuning {
    window: 60,
    words_window: 40,
    near: 3,
    cap: 45,
};

/// Every id, page by page, through the search with these limits, or the whole query alone.
async fn all_ids(db: &evently::db::Db, first: &Search, tuning: Option<&Tuning>) -> Vec<i64> {
    let mut s = first.clone();
    let mut ids = Vec::new();
    for _ in 0..1_000 {
        let mut rows = match tuning {
            Some(t) => search_tuned(db, &s, t).await.unwrap(),
            None => search_unwindowed(db, &s).await.unwrap(),
        };
        let more = rows.len() as i64 > s.limit;
        rows.truncate(s.limit as usize);
        ids.extend(rows.iter().map(|r| r.id));
        match (more, rows.last()) {
            (true, Some(last)) => s.after = Some(after(&s, last)),
            _ => return ids,
        }
    }
    panic!("pagination did not end");
}

#[tokio::test]
async fn the_window_returns_exactly_what_the_whole_query_does() {
    for db in TestDb::all().await {
        let core = core_with_clock(&db.db, start_ms());
        let n = evently::seed::seed_demo(&core, 6_000, &mut |_, _| {})
            .await
            .unwrap();
        assert_eq!(n, 6_000);
        let now = start_ms();
        let mut crossed_window = 0;
        let mut queries = 0;
        for words in [
            None,
            Some("night"),
            Some("jazz"),
            Some("market"),
            Some("berlin"),
        ] {
            for filter in [
                "",
                "category=music",
                "category=tech&free=1",
                "city=Lisbon",
                "max_price=20",
                "available=1",
                "free=1",
            ] {
                for sort in ["soonest", "newest", "cheapest"] {
                    let mut qs = format!("sort={sort}&limit=50&{filter}");
                    if let Some(w) = words {
                        qs.push_str(&format!("&q={w}"));
                    }
                    let q = query(&qs);
                    let s = evently::search::parse(&q, now).unwrap();
                    let fast = all_ids(&db.db, &s, Some(&Tuning::PRODUCTION)).await;
                    let whole = all_ids(&db.db, &s, None).await;
                    assert_eq!(fast, whole, "{} {qs}", db.engine());
                    let tiny = all_ids(&db.db, &s, Some(&TINY)).await;
                    assert_eq!(tiny, whole, "{} {qs} (small limits)", db.engine());
                    let mut unique = fast.clone();
                    unique.sort_unstable();
                    unique.dedup();
                    assert_eq!(unique.len(), fast.len(), "each event once: {qs}");
                    if fast.len() > 2_000 {
                        crossed_window += 1;
                    }
                    queries += 1;
                }
            }
        }
        assert_eq!(queries, 105);
        assert!(crossed_window >= 3, "some queries page past the window");
    }
}

/// The keys PostgreSQL stores for each event are the bands the search reads for it: a band
/// computed differently on either side would hide events from word searches.
#[tokio::test]
async fn search_keys_are_the_bands_the_search_reads() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let core = core_with_clock(&db.db, start_ms());
    evently::seed::seed_demo(&core, 2_000, &mut |_, _| {})
        .await
        .unwrap();
    let evently::db::Db::Postgres(pool) = &db.db else {
        unreachable!()
    };
    // Prices on and around every band edge, too.
    let edges: Vec<i64> = evently::store::search_keys::PRICE_BANDS
        .iter()
        .flat_map(|p| [p - 1, *p, p + 1])
        .collect();
    sqlx::query("UPDATE events SET min_price_cents = (ARRAY[0] || $1::bigint[])[1 + id % (1 + cardinality($1))]")
        .bind(&edges)
        .execute(pool)
        .await
        .unwrap();
    let rows: Vec<(i64, i64, Option<i64>, Vec<String>)> = sqlx::query_as(
        "SELECT min_price_cents, starts_at, published_at, tsvector_to_array(search_keys) FROM events",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2_000);
    let mut bands = std::collections::HashSet::new();
    for (price, starts, published, keys) in rows {
        let band = evently::store::search_keys::price_band(price);
        bands.insert(band);
        let week = evently::store::search_keys::WEEK_MS;
        for want in [
            format!("p{band}"),
            format!("w{}", starts / week),
            format!("n{}", published.unwrap() / week),
        ] {
            assert!(
                keys.contains(&want),
                "{want} not in {keys:?} (price {price})"
            );
        }
        // City and category keys are made by the same SQL on both sides (md5 of the value).
        assert_eq!(keys.len(), 5, "{keys:?}");
    }
    assert_eq!(bands.len(), 17, "every price band is covered");
}
