//! `server bench analytics`: the admin's platform dashboard over every preset and
//! granularity, a custom range, the top-selling event's dashboard and a few random events',
//! each requested `--rounds` times one at a time (so each view's own cost shows, with no
//! queueing behind others); then the CSV exports, read as a stream and counted line by line
//! (never held in memory), bounded by `--export-rows-max` and `--export-seconds`. Prints a
//! table on stderr and one JSON line of figures on stdout.
//!
//! Exports count against the per-user export limit (20 per 10 minutes, see
//! `ratelimit::tiers::EXPORT`): a run makes five, so with limits on one admin can run it four
//! times in ten minutes; an export answered 429 is reported as such, not as a failure.

use super::bench_common::{client, login, loopback_only, percentile, round2, server_health};
use super::bench_reads::CATEGORIES;
use clap::Args;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct AnalyticsBench {
    /// The server to test (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// An admin account (make one with `server create-admin`).
    #[arg(long, env = "EVENTLY_BENCH_EMAIL")]
    pub email: String,
    #[arg(long, env = "EVENTLY_BENCH_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Measured requests per dashboard view (after one unmeasured first request each).
    #[arg(long, default_value_t = 30)]
    pub rounds: usize,
    /// How many random events' dashboards to take turns with.
    #[arg(long, default_value_t = 5)]
    pub random_events: usize,
    /// Stop reading an export after this many rows.
    #[arg(long, default_value_t = 1_000_000)]
    pub export_rows_max: u64,
    /// Stop reading an export after this many seconds.
    #[arg(long, default_value_t = 120)]
    pub export_seconds: u64,
    /// Seed of the random event choice (same seed, same events).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The dashboard's p95 target (issue 17), milliseconds.
const VIEW_P95_TARGET_MS: f64 = 100.0;
/// The export throughput target (issue 17), rows per second.
const EXPORT_TARGET_ROWS_PER_S: f64 = 50_000.0;

/// A dashboard view: its name and the addresses it takes turns with.
struct View {
    name: String,
    urls: Vec<String>,
}

async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let r = http.get(url).bearer_auth(token).send().await?;
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "GET {url}: {status} {body}");
    Ok(body)
}

/// One timed request: milliseconds and bytes of the body.
async fn timed(http: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<(f64, usize)> {
    let t = Instant::now();
    let r = http.get(url).bearer_auth(token).send().await?;
    let status = r.status();
    let body = r.bytes().await?;
    anyhow::ensure!(
        status.is_success(),
        "GET {url}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    Ok((t.elapsed().as_secs_f64() * 1000.0, body.len()))
}

/// The event id in a dashboard link (`/organizer/events/{id}/analytics`).
fn event_id_of(href: &str) -> Option<i64> {
    href.split('/').rev().nth(1)?.parse().ok()
}

/// Event ids from a few searches, `n` of them chosen at random.
async fn random_events(
    http: &reqwest::Client,
    base: &str,
    n: usize,
    rng: &mut rand::rngs::StdRng,
) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    for c in CATEGORIES.choose_multiple(rng, 3) {
        let body: Value = http
            .get(format!("{base}/api/v1/events?category={c}"))
            .send()
            .await?
            .json()
            .await?;
        ids.extend(
            body["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["id"].as_i64()),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    ids.shuffle(rng);
    ids.truncate(n);
    Ok(ids)
}

/// Reads an export as a stream: rows (lines outside quotes, less the header), bytes, and
/// whether it ended by itself (not cut at the bounds).
async fn export(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    rows_max: u64,
    limit: Duration,
) -> anyhow::Result<Value> {
    let t = Instant::now();
    let mut r = http.get(url).bearer_auth(token).send().await?;
    let status = r.status();
    if status.as_u16() == 429 {
        let retry = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
            .to_string();
        return Ok(json!({"status": 429, "rate_limited": true, "retry_after_s": retry}));
    }
    anyhow::ensure!(
        status.is_success(),
        "GET {url}: {status} {}",
        r.text().await.unwrap_or_default()
    );
    let (mut lines, mut bytes, mut quoted) = (0_u64, 0_u64, false);
    let mut first_byte_ms = None;
    let mut complete = true;
    while let Some(chunk) = r.chunk().await? {
        first_byte_ms.get_or_insert(t.elapsed().as_secs_f64() * 1000.0);
        bytes += chunk.len() as u64;
        for b in chunk.iter() {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => lines += 1,
                _ => {}
            }
        }
        if lines.saturating_sub(1) >= rows_max || t.elapsed() >= limit {
            complete = false;
            break;
        }
    }
    // Dropping the response mid-body closes the connection: the server stops paging.
    drop(r);
    let secs = t.elapsed().as_secs_f64();
    let rows = lines.saturating_sub(1);
    Ok(json!({
        "status": status.as_u16(),
        "rows": rows,
        "bytes": bytes,
        "complete": complete,
        "seconds": round2(secs),
        "first_byte_ms": round2(first_byte_ms.unwrap_or(0.0)),
        "rows_per_s": (rows as f64 / secs).round(),
        "mib_per_s": round2(bytes as f64 / secs / 1_048_576.0),
    }))
}

pub async fn run(args: AnalyticsBench) -> anyhow::Result<Value> {
    let base = loopback_only(&args.url)?;
    anyhow::ensure!(
        (1..=1000).contains(&args.rounds),
        "--rounds must be 1..=1000"
    );
    anyhow::ensure!(args.random_events <= 50, "--random-events must be 0..=50");
    anyhow::ensure!(
        (1..=3600).contains(&args.export_seconds),
        "--export-seconds must be 1..=3600"
    );
    let http = client(4)?;
    let health = server_health(&http, &base).await?;
    let token = login(&http, &base, &args.email, &args.password).await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);

    let platform = format!("{base}/api/v1/admin/analytics/platform");
    let year = get_json(&http, &format!("{platform}?range=12m&by=month"), &token).await?;
    let as_of = year["as_of"].as_str().unwrap_or("").to_string();
    if as_of.is_empty() {
        eprintln!("warning: the rollups have not been folded yet; platform figures are empty");
    }
    let top_event = year["top_by_tickets"]["rows"][0]["href"]
        .as_str()
        .and_then(event_id_of);
    let randoms = random_events(&http, &base, args.random_events, &mut rng).await?;
    let today = chrono::Utc::now().date_naive();
    let (custom_from, custom_to) = (today - chrono::Days::new(90), today - chrono::Days::new(1));

    let mut views: Vec<View> = [
        ("platform today", "range=today".to_string()),
        ("platform 7d", "range=7d".to_string()),
        ("platform 7d by hour", "range=7d&by=hour".to_string()),
        ("platform 30d", "range=30d".to_string()),
        ("platform 12m by week", "range=12m&by=week".to_string()),
        ("platform 12m by month", "range=12m&by=month".to_string()),
        (
            "platform custom 90d by day",
            format!("range=custom&from={custom_from}&to={custom_to}&by=day"),
        ),
    ]
    .into_iter()
    .map(|(name, qs)| View {
        name: name.to_string(),
        urls: vec![format!("{platform}?{qs}")],
    })
    .collect();
    let event_url = |id: i64| format!("{base}/api/v1/events/{id}/analytics");
    if let Some(id) = top_event {
        views.push(View {
            name: format!("event top seller ({id})"),
            urls: vec![event_url(id)],
        });
    }
    if !randoms.is_empty() {
        views.push(View {
            name: format!("event random (of {})", randoms.len()),
            urls: randoms.iter().map(|id| event_url(*id)).collect(),
        });
    }

    // One unmeasured first request per address (cold caches), then the rounds, taking turns
    // between the views so that each view's samples span the whole run.
    let mut first_ms = vec![0.0; views.len()];
    for (i, v) in views.iter().enumerate() {
        for (j, url) in v.urls.iter().enumerate() {
            let (ms, _) = timed(&http, url, &token).await?;
            if j == 0 {
                first_ms[i] = ms;
            }
        }
    }
    eprintln!("{} views, {} rounds each...", views.len(), args.rounds);
    let mut lat: Vec<Vec<f64>> = vec![Vec::with_capacity(args.rounds); views.len()];
    let mut bytes = vec![0_usize; views.len()];
    for round in 0..args.rounds {
        for (i, v) in views.iter().enumerate() {
            let (ms, n) = timed(&http, &v.urls[round % v.urls.len()], &token).await?;
            lat[i].push(ms);
            bytes[i] += n;
        }
    }
    let mut view_figures = serde_json::Map::new();
    let mut worst_p95: f64 = 0.0;
    eprintln!(
        "\n{:<34} {:>9} {:>9} {:>9} {:>9} {:>8}",
        "view", "p50 ms", "p95 ms", "max ms", "first ms", "KiB"
    );
    for (i, v) in views.iter().enumerate() {
        lat[i].sort_by(|a, b| a.total_cmp(b));
        let l = &lat[i];
        let (p50, p95) = (percentile(l, 50.0), percentile(l, 95.0));
        let max = l.last().copied().unwrap_or(0.0);
        let kib = bytes[i] as f64 / l.len().max(1) as f64 / 1024.0;
        worst_p95 = worst_p95.max(p95);
        eprintln!(
            "{:<34} {p50:>9.1} {p95:>9.1} {max:>9.1} {:>9.1} {kib:>8.1}",
            v.name, first_ms[i]
        );
        view_figures.insert(
            v.name.clone(),
            json!({"requests": l.len(), "p50_ms": round2(p50), "p95_ms": round2(p95),
                   "max_ms": round2(max), "first_ms": round2(first_ms[i]), "avg_kib": round2(kib)}),
        );
    }

    // Exports: the admin's over 12 months first (the big one), then the top event's.
    let mut exports: Vec<(String, String)> = vec![
        (
            "admin bookings, 12 months".into(),
            format!(
                "{base}/api/v1/admin/bookings/export.csv?from={}&to={today}",
                today - chrono::Days::new(365)
            ),
        ),
        (
            "admin users".into(),
            format!("{base}/api/v1/admin/users/export.csv"),
        ),
    ];
    if let Some(id) = top_event {
        for what in ["bookings", "attendees", "waitlist"] {
            exports.push((
                format!("event {what} (top seller)"),
                format!("{base}/api/v1/events/{id}/{what}/export.csv"),
            ));
        }
    }
    // Exports can run for minutes: no overall timeout, only one between reads.
    let stream_http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .build()?;
    let limit = Duration::from_secs(args.export_seconds);
    let mut export_figures = serde_json::Map::new();
    // Only exports of at least 100,000 rows count towards the target (small ones measure
    // their start-up, not their rate).
    let mut best_rate: Option<f64> = None;
    eprintln!(
        "\n{:<34} {:>10} {:>9} {:>10} {:>8} {:>9} {:>8}",
        "export", "rows", "MiB", "rows/s", "MiB/s", "1st B ms", "whole"
    );
    for (name, url) in &exports {
        let f = export(&stream_http, url, &token, args.export_rows_max, limit).await?;
        if f["rate_limited"] == json!(true) {
            eprintln!(
                "{name:<34} rate limited (429), retry after {} s",
                f["retry_after_s"]
            );
        } else {
            let rows = f["rows"].as_u64().unwrap_or(0);
            if rows >= 100_000 {
                let rate = f["rows_per_s"].as_f64().unwrap_or(0.0);
                best_rate = Some(best_rate.map_or(rate, |b| b.max(rate)));
            }
            eprintln!(
                "{name:<34} {rows:>10} {:>9.1} {:>10} {:>8.1} {:>9.1} {:>8}",
                f["bytes"].as_f64().unwrap_or(0.0) / 1_048_576.0,
                f["rows_per_s"],
                f["mib_per_s"].as_f64().unwrap_or(0.0),
                f["first_byte_ms"].as_f64().unwrap_or(0.0),
                if f["complete"] == json!(true) {
                    "yes"
                } else {
                    "cut"
                },
            );
        }
        export_figures.insert(name.clone(), f);
    }
    eprintln!();
    Ok(json!({
        "bench": "analytics",
        "engine": health["database"]["engine"],
        "rounds": args.rounds,
        "as_of": as_of,
        "top_event_id": top_event,
        "random_event_ids": randoms,
        "views": view_figures,
        "exports": export_figures,
        "targets": {
            "view_p95_under_100ms": worst_p95 < VIEW_P95_TARGET_MS,
            "worst_view_p95_ms": round2(worst_p95),
            "export_rows_per_s_at_least_50000": best_rate.map(|r| r >= EXPORT_TARGET_ROWS_PER_S),
            "best_export_rows_per_s": best_rate,
        },
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dashboard_links_name_their_event() {
        assert_eq!(
            super::event_id_of("/organizer/events/42/analytics"),
            Some(42)
        );
        assert_eq!(super::event_id_of("/organizer/events/x/analytics"), None);
    }
}
