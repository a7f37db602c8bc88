//! `server bench live`: many WebSocket clients following one event while bookings change it.
//! Prints the server's resident memory per idle connection and the delay from commit to
//! delivery across every client (p50/p99). Loopback only; bounded; stops by itself.

use super::bench_common::{buyers, client, loopback_only, percentile, round2};
use clap::Args;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[derive(Args, Clone)]
pub struct LiveBench {
    /// The server to test (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// WebSocket clients, all following one event.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Bookings made while they listen.
    #[arg(long, default_value_t = 100)]
    pub bookings: usize,
    /// Pause between bookings, in milliseconds.
    #[arg(long, default_value_t = 50)]
    pub gap_ms: u64,
    #[arg(long, default_value = evently::seed::DEMO_ORGANIZER_EMAIL)]
    pub organizer_email: String,
    #[arg(long, default_value = evently::seed::DEMO_PASSWORD)]
    pub organizer_password: String,
}

async fn server_rss(http: &reqwest::Client, base: &str) -> anyhow::Result<i64> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("process_resident_memory_bytes ")
                .and_then(|v| v.trim().parse().ok())
        })
        .ok_or_else(|| {
            anyhow::anyhow!("the server's /metrics has no process_resident_memory_bytes")
        })
}

pub async fn run(args: LiveBench) -> anyhow::Result<Value> {
    let base = loopback_only(&args.url)?;
    anyhow::ensure!(
        (1..=50_000).contains(&args.connections),
        "--connections must be 1..=50000"
    );
    anyhow::ensure!(
        (1..=10_000).contains(&args.bookings),
        "--bookings must be 1..=10000"
    );
    let http = client(64)?;
    let org = super::bench_common::login(
        &http,
        &base,
        &args.organizer_email,
        &args.organizer_password,
    )
    .await?;
    let (event_id, tt) = super::bench_common::bench_event(
        &http,
        &base,
        &org,
        "Live bench",
        10,
        json!({"name": "GA", "price_cents": 1000, "capacity": 1_000_000, "max_per_booking": 10}),
        json!({}),
    )
    .await?;
    let token = buyers(
        &http,
        &base,
        1,
        &uuid::Uuid::new_v4().simple().to_string()[..8],
    )
    .await?
    .remove(0);

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = server_rss(&http, &base).await?;
    let ws_url = format!("{}/api/v1/live", base.replace("http://", "ws://"));
    let ready = Arc::new(AtomicUsize::new(0));
    let delays = Arc::new(std::sync::Mutex::new(Vec::<f64>::with_capacity(
        args.connections * 20,
    )));
    let stop = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::with_capacity(args.connections);
    eprintln!("opening {} WebSocket connections...", args.connections);
    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(256));
    for _ in 0..args.connections {
        let (ws_url, ready, delays, stop, sem) = (
            ws_url.clone(),
            ready.clone(),
            delays.clone(),
            stop.clone(),
            sem.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut permit = sem.acquire_owned().await.ok();
            let Ok((mut ws, _)) = tokio_tungstenite::connect_async(&ws_url).await else { return false };
            let sub = json!({"type": "subscribe", "event_ids": [event_id]}).to_string();
            if ws.send(Message::Text(sub.into())).await.is_err() {
                return false;
            }
            let mut snapshot = false;
            loop {
                tokio::select! {
                    msg = ws.next() => match msg {
                        Some(Ok(Message::Text(t))) => {
                            let now = chrono::Utc::now().timestamp_millis();
                            let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                            match v["type"].as_str() {
                                Some("snapshot") if !snapshot => {
                                    snapshot = true;
                                    permit.take();
                                    ready.fetch_add(1, Ordering::SeqCst);
                                }
                                Some("update") => {
                                    let at = v["at"].as_i64().unwrap_or(now);
                                    delays.lock().unwrap_or_else(|p| p.into_inner()).push((now - at) as f64);
                                }
                                _ => {}
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => return snapshot,
                    },
                    _ = stop.notified() => {
                        let _ = ws.close(None).await;
                        return snapshot;
                    }
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while ready.load(Ordering::SeqCst) < args.connections && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let connected = ready.load(Ordering::SeqCst);
    eprintln!(
        "{connected} connections subscribed in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = server_rss(&http, &base).await?;

    eprintln!(
        "making {} bookings, {} ms apart...",
        args.bookings, args.gap_ms
    );
    let mut booked = 0;
    for i in 0..args.bookings {
        let r = http
            .post(format!("{base}/api/v1/events/{event_id}/bookings"))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("live-bench-{i}"))
            .json(&json!({"ticket_type_id": tt, "quantity": 1}))
            .send()
            .await?;
        if r.status().as_u16() == 201 {
            booked += 1;
        }
        tokio::time::sleep(Duration::from_millis(args.gap_ms)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.notify_waiters();
    for t in tasks {
        let _ = t.await;
    }
    let mut d = std::mem::take(&mut *delays.lock().unwrap_or_else(|p| p.into_inner()));
    d.sort_by(|a, b| a.total_cmp(b));
    let per_conn = if connected > 0 {
        (rss_idle - rss_before) as f64 / connected as f64 / 1024.0
    } else {
        0.0
    };
    Ok(json!({
        "bench": "live",
        "connections": args.connections,
        "subscribed": connected,
        "bookings": booked,
        "server_rss_mib": { "before": round2(rss_before as f64 / 1_048_576.0), "idle_with_connections": round2(rss_idle as f64 / 1_048_576.0) },
        "rss_per_idle_connection_kib": round2(per_conn),
        "updates_received": d.len(),
        "commit_to_delivery_ms": {
            "p50": round2(percentile(&d, 50.0)),
            "p99": round2(percentile(&d, 99.0)),
            "max": round2(d.last().copied().unwrap_or(0.0)),
        },
    }))
}
