//! Search's fast path (a window of the first rows in sort order) against the whole query, on
//! thousands of demo events: the same rows in the same order, page after page.

use crate::helpers::start_ms;
use evently::dto::SearchQuery;
use evently::store::events::EventListRow;
use evently::store::search::{After, Search, Sort, search, search_unwindowed};
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

/// Every id, page by page, through one of the two paths.
async fn all_ids(db: &evently::db::Db, first: &Search, windowed: bool) -> Vec<i64> {
    let mut s = first.clone();
    let mut ids = Vec::new();
    for _ in 0..1_000 {
        let mut rows = if windowed {
            search(db, &s).await.unwrap()
        } else {
            search_unwindowed(db, &s).await.unwrap()
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
                    let fast = all_ids(&db.db, &s, true).await;
                    let whole = all_ids(&db.db, &s, false).await;
                    assert_eq!(fast, whole, "{} {qs}", db.engine());
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
