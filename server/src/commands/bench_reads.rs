//! `server bench reads`: event pages and search under concurrent load, for a fixed time
//! each, against a running server (loopback only). Prints one JSON line of figures.

use super::bench_common::{client, loopback_only, percentile, round2, server_health};
use clap::Args;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct Reads {
    /// The server to test (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// Concurrent clients (closed loop: each sends its next request when the last answers).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Seconds of measurement per scenario (after a short warm-up).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// How many sitemap pages to sample event addresses from.
    #[arg(long, default_value_t = 5)]
    pub sitemap_pages: usize,
    /// The `User-Agent` sent with the event page requests. Without one the server takes the
    /// requests for a script's and leaves them out of the page-view counts; a browser's (for
    /// example "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
    /// makes every one count, so the cost of counting is measured.
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Searches composed at random (words of the demo data, common words, misspellings, any
    /// mix of filters; see `bench search-sweep --generated`) instead of the fixed shapes.
    #[arg(long)]
    pub generated: bool,
}

pub(crate) const WORDS: &[&str] = &[
    "jazz", "night", "market", "festival", "workshop", "acoustic", "symphony", "comedy", "film",
    "yoga", "berlin", "london", "tokyo", "summit", "tasting", "marathon", "opera", "techno",
    "design", "family",
];
pub(crate) const CATEGORIES: &[&str] = &[
    "music", "tech", "sports", "arts", "food", "business", "comedy", "film", "wellness", "family",
];
pub(crate) const CITIES: &[&str] = &[
    "Berlin", "London", "Paris", "Lisbon", "Tokyo", "New York", "Sydney", "Vienna", "Prague",
    "Dublin",
];

/// A search a real visitor might make.
fn random_search(rng: &mut impl Rng) -> String {
    let mut parts = Vec::new();
    match rng.gen_range(0..6) {
        0 => parts.push(format!("q={}", WORDS[rng.gen_range(0..WORDS.len())])),
        1 => parts.push(format!(
            "category={}",
            CATEGORIES[rng.gen_range(0..CATEGORIES.len())]
        )),
        2 => parts.push(format!(
            "city={}",
            CITIES[rng.gen_range(0..CITIES.len())].replace(' ', "+")
        )),
        3 => {
            parts.push(format!("q={}", WORDS[rng.gen_range(0..WORDS.len())]));
            parts.push(format!(
                "city={}",
                CITIES[rng.gen_range(0..CITIES.len())].replace(' ', "+")
            ));
        }
        4 => {
            parts.push(format!(
                "category={}",
                CATEGORIES[rng.gen_range(0..CATEGORIES.len())]
            ));
            parts.push(format!("max_price={}", rng.gen_range(10..80)));
        }
        _ => {}
    }
    match rng.gen_range(0..5) {
        0 => parts.push("sort=cheapest".into()),
        1 => parts.push("sort=newest".into()),
        2 => parts.push("available=1".into()),
        3 => parts.push("free=1".into()),
        _ => {}
    }
    parts.join("&")
}

async fn event_paths(
    http: &reqwest::Client,
    base: &str,
    pages: usize,
) -> anyhow::Result<Vec<String>> {
    let mut paths = Vec::new();
    for n in 1..=pages {
        let body = http
            .get(format!("{base}/sitemaps/events-{n}.xml"))
            .send()
            .await?
            .text()
            .await?;
        for loc in body.split("<loc>").skip(1) {
            if let Some(url) = loc.split("</loc>").next()
                && let Some(i) = url.find("/events/")
            {
                paths.push(url[i..].to_string());
            }
        }
    }
    anyhow::ensure!(
        !paths.is_empty(),
        "no events in the sitemap; seed some first (server seed-demo --events N)"
    );
    Ok(paths)
}

/// Runs `make` requests from `concurrency` clients for `seconds`; returns figures.
async fn scenario(
    name: &str,
    http: &reqwest::Client,
    concurrency: usize,
    seconds: u64,
    user_agent: Option<&str>,
    make: Arc<dyn Fn(&mut rand::rngs::StdRng) -> String + Send + Sync>,
) -> Value {
    let warmup = Duration::from_secs(2);
    let measure = Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let (http, make) = (http.clone(), make.clone());
        let user_agent = user_agent.map(str::to_string);
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64 * 7919);
            let (mut lat, mut errors, mut bytes) = (Vec::new(), 0_u64, 0_u64);
            loop {
                let now = start.elapsed();
                if now >= warmup + measure {
                    break;
                }
                let url = make(&mut rng);
                let t = Instant::now();
                let mut req = http.get(&url);
                if let Some(ua) = &user_agent {
                    req = req.header(reqwest::header::USER_AGENT, ua);
                }
                let ok = match req.send().await {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(b) => {
                            bytes += b.len() as u64;
                            true
                        }
                        Err(_) => false,
                    },
                    _ => false,
                };
                if start.elapsed() > warmup {
                    if ok {
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        errors += 1;
                    }
                }
            }
            (lat, errors, bytes)
        }));
    }
    let (mut all, mut errors, mut bytes) = (Vec::new(), 0, 0);
    for t in tasks {
        if let Ok((l, e, b)) = t.await {
            all.extend(l);
            errors += e;
            bytes += b;
        }
    }
    all.sort_by(|a, b| a.total_cmp(b));
    eprintln!("{name}: {} requests", all.len());
    json!({
        "requests": all.len(),
        "errors": errors,
        "throughput_rps": round2(all.len() as f64 / seconds as f64),
        "avg_kib": round2(bytes as f64 / all.len().max(1) as f64 / 1024.0),
        "latency_ms": {
            "p50": round2(percentile(&all, 50.0)),
            "p95": round2(percentile(&all, 95.0)),
            "p99": round2(percentile(&all, 99.0)),
            "max": round2(all.last().copied().unwrap_or(0.0)),
        },
    })
}

pub async fn run(args: Reads) -> anyhow::Result<Value> {
    let base = loopback_only(&args.url)?;
    anyhow::ensure!(
        (1..=512).contains(&args.concurrency),
        "--concurrency must be 1..=512"
    );
    anyhow::ensure!(
        (1..=600).contains(&args.seconds),
        "--seconds must be 1..=600"
    );
    let http = client(args.concurrency + 4)?;
    let health = server_health(&http, &base).await?;
    let paths = Arc::new(event_paths(&http, &base, args.sitemap_pages).await?);
    eprintln!("sampling {} event pages", paths.len());
    let b = base.clone();
    let p = paths.clone();
    let event_page = scenario(
        "event_page",
        &http,
        args.concurrency,
        args.seconds,
        args.user_agent.as_deref(),
        Arc::new(move |rng| format!("{b}{}", p.choose(rng).map(String::as_str).unwrap_or("/"))),
    )
    .await;
    let words = Arc::new(super::bench_queries::Words::new(
        chrono::Utc::now().timestamp().div_euclid(86_400),
    ));
    let generated = args.generated;
    let search = move |rng: &mut rand::rngs::StdRng| -> String {
        if generated {
            words.compose(rng).query
        } else {
            random_search(rng)
        }
    };
    let search = Arc::new(search);
    let b = base.clone();
    let s = search.clone();
    let search_api = scenario(
        "search_api",
        &http,
        args.concurrency,
        args.seconds,
        None,
        Arc::new(move |rng| format!("{b}/api/v1/events?{}", s(rng))),
    )
    .await;
    let b = base.clone();
    let s = search.clone();
    let search_page = scenario(
        "search_page",
        &http,
        args.concurrency,
        args.seconds,
        None,
        Arc::new(move |rng| format!("{b}/search?{}", s(rng))),
    )
    .await;
    Ok(json!({
        "bench": "reads",
        "engine": health["database"]["engine"],
        "concurrency": args.concurrency,
        "searches": if args.generated { "generated" } else { "fixed shapes" },
        "seconds_per_scenario": args.seconds,
        "sampled_events": paths.len(),
        "event_page_user_agent": args.user_agent,
        "event_page": event_page,
        "search_api": search_api,
        "search_page": search_page,
    }))
}
