//! `server bench search-sweep`: every search the `reads` benchmark draws from, one at a time,
//! so that each query's own cost shows (no queueing behind others): percentiles over all of
//! them and the slowest, to find the query plans worth fixing. With `--generated N`, N
//! searches composed at random instead (see [`super::bench_queries`]), each followed through
//! its next pages by cursor where it says so.

use super::bench_common::{client, loopback_only, percentile, round2, server_health};
use super::bench_queries::{Composed, QueryGen, encode};
use super::bench_reads::{CATEGORIES, CITIES, WORDS};
use clap::Args;
use serde_json::{Value, json};
use std::time::Instant;

#[derive(Args, Clone)]
pub struct Sweep {
    /// The server to test (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// Passes over all the searches; only the last is measured (the others warm caches).
    #[arg(long, default_value_t = 2)]
    pub passes: usize,
    /// How many of the slowest searches to list.
    #[arg(long, default_value_t = 10)]
    pub slowest: usize,
    /// Sweep this many searches composed at random (words of the demo data, common words,
    /// misspellings, any mix of filters and sorts, pages 2-5 by cursor) instead of the fixed
    /// list of shapes.
    #[arg(long)]
    pub generated: Option<usize>,
    /// The seed of the composed searches.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The query strings: each shape `reads` draws, with each of its modifiers.
fn searches() -> Vec<String> {
    let mut shapes: Vec<String> = vec![String::new()];
    shapes.extend(WORDS.iter().map(|w| format!("q={w}")));
    shapes.extend(CATEGORIES.iter().map(|c| format!("category={c}")));
    let cities: Vec<String> = CITIES.iter().map(|c| c.replace(' ', "+")).collect();
    shapes.extend(cities.iter().map(|c| format!("city={c}")));
    for w in WORDS {
        shapes.extend(cities.iter().map(|c| format!("q={w}&city={c}")));
    }
    for c in CATEGORIES {
        shapes.extend([10, 25, 40, 60, 79].map(|p| format!("category={c}&max_price={p}")));
    }
    let modifiers = ["", "sort=cheapest", "sort=newest", "available=1", "free=1"];
    modifiers
        .iter()
        .flat_map(|m| {
            shapes.iter().map(move |s| {
                [s.as_str(), m]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("&")
            })
        })
        .collect()
}

pub async fn run(args: Sweep) -> anyhow::Result<Value> {
    let base = loopback_only(&args.url)?;
    anyhow::ensure!((1..=5).contains(&args.passes), "--passes must be 1..=5");
    let http = client(2)?;
    let health = server_health(&http, &base).await?;
    let all: Vec<Composed> = match args.generated {
        None => searches()
            .into_iter()
            .map(|query| Composed { query, pages: 1 })
            .collect(),
        Some(n) => {
            anyhow::ensure!((1..=100_000).contains(&n), "--generated must be 1..=100000");
            let today = chrono::Utc::now().timestamp().div_euclid(86_400);
            let mut g = QueryGen::new(args.seed, today);
            (0..n).map(|_| g.next_search()).collect()
        }
    };
    // (ms, query string, page, results on the page)
    let mut timed: Vec<(f64, String, usize, usize)> = Vec::with_capacity(all.len());
    let mut last_report = Instant::now();
    for pass in 1..=args.passes {
        eprintln!("pass {pass} of {}: {} searches", args.passes, all.len());
        timed.clear();
        for (i, c) in all.iter().enumerate() {
            let mut cursor: Option<String> = None;
            for page in 1..=c.pages {
                let qs = match &cursor {
                    None => c.query.clone(),
                    Some(k) => [c.query.as_str(), &format!("cursor={}", encode(k))]
                        .into_iter()
                        .filter(|p| !p.is_empty())
                        .collect::<Vec<_>>()
                        .join("&"),
                };
                let t = Instant::now();
                let r = http
                    .get(format!("{base}/api/v1/events?{qs}"))
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "{qs}: {}", r.status());
                let body: Value = r.json().await?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                let n = body["items"].as_array().map_or(0, Vec::len);
                timed.push((ms, c.query.clone(), page, n));
                cursor = body["next_cursor"].as_str().map(str::to_string);
                if cursor.is_none() {
                    break;
                }
            }
            if last_report.elapsed().as_secs() >= 5 {
                eprintln!("  {} of {} searches", i + 1, all.len());
                last_report = Instant::now();
            }
        }
    }
    let mut lat: Vec<f64> = timed.iter().map(|t| t.0).collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let empty: Vec<f64> = timed.iter().filter(|t| t.3 == 0).map(|t| t.0).collect();
    timed.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(json!({
        "bench": "search-sweep",
        "engine": health["database"]["engine"],
        "generated": args.generated.map(|n| json!({"searches": n, "seed": args.seed})),
        "searches": all.len(),
        "requests": lat.len(),
        "latency_ms": {
            "p50": round2(percentile(&lat, 50.0)),
            "p95": round2(percentile(&lat, 95.0)),
            "p99": round2(percentile(&lat, 99.0)),
            "max": round2(lat.last().copied().unwrap_or(0.0)),
        },
        "over_250ms": lat.iter().filter(|ms| **ms > 250.0).count(),
        "empty_results": {
            "requests": empty.len(),
            "max_ms": round2(empty.iter().copied().fold(0.0, f64::max)),
        },
        "slowest": timed.iter().take(args.slowest).map(|(ms, qs, page, n)| json!({
            "ms": round2(*ms), "query": qs, "page": page, "results": n,
        })).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sweep_covers_every_shape_with_every_modifier_once() {
        let all = super::searches();
        assert_eq!(all.len(), 5 * (1 + 20 + 10 + 10 + 200 + 50));
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
        assert!(all.contains(&"q=market&city=New+York&sort=cheapest".to_string()));
    }
}
