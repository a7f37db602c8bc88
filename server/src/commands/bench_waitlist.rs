//! `server bench waitlist`: sell out a ticket type, have thousands of people join its
//! waitlist at once, then cancel bookings in bursts while the people at the head of the
//! queue listen on the live socket. Prints joins/s, join latency, how long an offer takes
//! to reach its person's socket, and checks positions. Loopback only; bounded; stops by
//! itself. People come from `server seed-users` (a token file), so no password is hashed
//! per person.

use super::bench_common::{client, loopback_only, percentile, round2};
use clap::Args;
use futures::StreamExt;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Args, Clone)]
pub struct WaitlistBench {
    /// The server to test (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// `email<TAB>token` lines from `server seed-users`; needs `--cancellations` + `--joins`.
    #[arg(long)]
    pub tokens: std::path::PathBuf,
    /// People joining the waitlist at once.
    #[arg(long, default_value_t = 10_000)]
    pub joins: usize,
    /// Seats sold out first, then given back by cancellation.
    #[arg(long, default_value_t = 1_000)]
    pub cancellations: usize,
    /// Cancellations per burst.
    #[arg(long, default_value_t = 100)]
    pub burst: usize,
    /// Requests in flight while joining.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    #[arg(long, default_value = evently::seed::DEMO_ORGANIZER_EMAIL)]
    pub organizer_email: String,
    #[arg(long, default_value = evently::seed::DEMO_PASSWORD)]
    pub organizer_password: String,
}

/// p50 and p99 of a sample, in milliseconds.
fn spread(mut v: Vec<f64>) -> Value {
    v.sort_by(f64::total_cmp);
    json!({"p50": round2(percentile(&v, 50.0)), "p99": round2(percentile(&v, 99.0)), "n": v.len()})
}

fn read_tokens(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, t)| t.trim().to_string()))
        .filter(|t| !t.is_empty())
        .collect())
}

pub async fn run(args: WaitlistBench) -> anyhow::Result<Value> {
    let base = loopback_only(&args.url)?;
    anyhow::ensure!(
        (1..=100_000).contains(&args.joins),
        "--joins must be 1..=100000"
    );
    anyhow::ensure!(
        (1..=10_000).contains(&args.cancellations) && args.cancellations <= args.joins,
        "--cancellations must be 1..=10000 and at most --joins"
    );
    anyhow::ensure!(
        (1..=1_000).contains(&args.burst),
        "--burst must be 1..=1000"
    );
    let tokens = read_tokens(&args.tokens)?;
    let needed = args.cancellations + args.joins;
    anyhow::ensure!(
        tokens.len() >= needed,
        "{} has {} people; this run needs {needed} (seed-users --count {needed})",
        args.tokens.display(),
        tokens.len()
    );
    let (holders, waiters) = tokens[..needed].split_at(args.cancellations);
    let http = client(args.concurrency.max(64))?;
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
        "Waitlist bench",
        20,
        json!({"name": "GA", "price_cents": 1000, "capacity": args.cancellations, "max_per_booking": 4}),
        json!({"max_seats_per_user": 10}),
    )
    .await?;

    // Sell out: one seat for each holder.
    eprintln!("selling out {} seats...", args.cancellations);
    let bookings: Vec<anyhow::Result<i64>> = futures::stream::iter(holders.iter().enumerate())
        .map(|(i, t)| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let r: Value = http
                    .post(format!("{base}/api/v1/events/{event_id}/bookings"))
                    .bearer_auth(t)
                    .header("Idempotency-Key", format!("wl-bench-{i}"))
                    .json(&json!({"ticket_type_id": tt, "quantity": 1}))
                    .send()
                    .await?
                    .json()
                    .await?;
                r["id"]
                    .as_i64()
                    .ok_or_else(|| anyhow::anyhow!("booking failed: {r}"))
            }
        })
        .buffered(64)
        .collect()
        .await;
    let bookings: Vec<(String, i64)> = holders
        .iter()
        .cloned()
        .zip(bookings)
        .map(|(t, b)| b.map(|b| (t, b)))
        .collect::<anyhow::Result<_>>()?;

    // Everyone joins at once.
    eprintln!(
        "{} people join the waitlist, {} at a time...",
        args.joins, args.concurrency
    );
    let started = Instant::now();
    let joined: Vec<anyhow::Result<(f64, i64, i64)>> =
        futures::stream::iter(waiters.iter().cloned())
            .map(|t| {
                let (http, base) = (http.clone(), base.clone());
                async move {
                    let t0 = Instant::now();
                    let r = http
                        .post(format!("{base}/api/v1/events/{event_id}/waitlist"))
                        .bearer_auth(&t)
                        .json(&json!({"ticket_type_id": tt, "quantity": 1}))
                        .send()
                        .await?;
                    let status = r.status();
                    let body: Value = r.json().await?;
                    anyhow::ensure!(status.as_u16() == 201, "join answered {status}: {body}");
                    Ok((
                        t0.elapsed().as_secs_f64() * 1000.0,
                        body["id"].as_i64().unwrap_or_default(),
                        body["position"].as_i64().unwrap_or_default(),
                    ))
                }
            })
            .buffered(args.concurrency)
            .collect()
            .await;
    let join_secs = started.elapsed().as_secs_f64();
    let mut join_ms = Vec::with_capacity(joined.len());
    let mut positions = Vec::with_capacity(joined.len());
    let mut entry_of: Vec<i64> = Vec::with_capacity(joined.len());
    let mut failures = 0;
    for r in &joined {
        match r {
            Ok((ms, id, pos)) => {
                join_ms.push(*ms);
                positions.push(*pos);
                entry_of.push(*id);
            }
            Err(e) => {
                failures += 1;
                if failures <= 3 {
                    eprintln!("join failed: {e}");
                }
            }
        }
    }
    let mut sorted = positions.clone();
    sorted.sort_unstable();
    let gapless = sorted.iter().enumerate().all(|(i, p)| *p == i as i64 + 1);

    // The people at the head of the queue listen on their own socket.
    let head: Vec<(String, i64)> = {
        let mut by_pos: Vec<(i64, usize)> = positions.iter().copied().zip(0..).collect();
        by_pos.sort_unstable();
        by_pos
            .into_iter()
            .take(args.cancellations)
            .map(|(_, i)| (waiters[i].clone(), entry_of[i]))
            .collect()
    };
    eprintln!(
        "{} people at the head of the queue open their live socket...",
        head.len()
    );
    let ws_url = format!("{}/api/v1/live", base.replace("http://", "ws://"));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(i64, i64, Instant)>();
    let mut listeners = Vec::with_capacity(head.len());
    let ready = Arc::new(tokio::sync::Semaphore::new(0));
    for (token, entry) in head.iter().cloned() {
        let (ws_url, tx, ready) = (ws_url.clone(), tx.clone(), ready.clone());
        listeners.push(tokio::spawn(async move {
            let Ok(mut req) = ws_url.as_str().into_client_request() else {
                return;
            };
            let Ok(auth) = format!("Bearer {token}").parse() else {
                return;
            };
            req.headers_mut().insert("authorization", auth);
            let Ok((mut ws, _)) = tokio_tungstenite::connect_async(req).await else {
                ready.add_permits(1);
                return;
            };
            let mut first = true;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
            while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
                let Message::Text(text) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if v["type"] != "waitlist" {
                    continue;
                }
                if first {
                    first = false;
                    ready.add_permits(1);
                }
                let offered = v["entries"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["id"] == entry && e["status"] == "offered");
                if offered {
                    let _ = tx.send((entry, v["at"].as_i64().unwrap_or_default(), Instant::now()));
                    return;
                }
            }
        }));
    }
    drop(tx);
    let _ = tokio::time::timeout(
        Duration::from_secs(60),
        ready.acquire_many(head.len() as u32),
    )
    .await;

    // Cancellations in bursts; each seat becomes the next person's offer.
    eprintln!(
        "cancelling {} bookings in bursts of {}...",
        bookings.len(),
        args.burst
    );
    let mut burst_start: Vec<(Instant, usize)> = Vec::new();
    let mut cancel_ms = Vec::with_capacity(bookings.len());
    for (n, burst) in bookings.chunks(args.burst).enumerate() {
        burst_start.push((Instant::now(), n));
        let results: Vec<anyhow::Result<f64>> = futures::stream::iter(burst.iter().cloned())
            .map(|(t, id)| {
                let (http, base) = (http.clone(), base.clone());
                async move {
                    let t0 = Instant::now();
                    http.post(format!("{base}/api/v1/bookings/{id}/cancel"))
                        .bearer_auth(&t)
                        .send()
                        .await?
                        .error_for_status()?;
                    Ok(t0.elapsed().as_secs_f64() * 1000.0)
                }
            })
            .buffer_unordered(args.burst)
            .collect()
            .await;
        for r in results {
            cancel_ms.push(r?);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut offer_to_socket = Vec::new();
    let mut cancel_to_socket = Vec::new();
    let wall_now = || chrono::Utc::now().timestamp_millis();
    let collect_until = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut got: HashMap<i64, ()> = HashMap::new();
    while got.len() < head.len() {
        let Ok(Some((entry, at, when))) = tokio::time::timeout_at(collect_until, rx.recv()).await
        else {
            break;
        };
        got.insert(entry, ());
        let since = when.elapsed().as_millis() as i64;
        offer_to_socket.push((wall_now() - since - at) as f64);
        // The burst this offer came from: the last one that started before it arrived.
        if let Some((start, _)) = burst_start.iter().rev().find(|(s, _)| *s <= when) {
            cancel_to_socket.push(when.duration_since(*start).as_secs_f64() * 1000.0);
        }
    }
    for l in listeners {
        l.abort();
    }
    let queues: Value = http
        .get(format!("{base}/api/v1/events/{event_id}/waitlist/queues"))
        .bearer_auth(&org)
        .send()
        .await?
        .json()
        .await?;
    let q = &queues[0];
    Ok(json!({
        "bench": "waitlist",
        "event_id": event_id,
        "joins": args.joins,
        "join_failures": failures,
        "joins_per_sec": round2(joined.len() as f64 / join_secs),
        "join_ms": spread(join_ms),
        "positions_1_to_n_without_gaps": gapless,
        "cancellations": bookings.len(),
        "cancel_ms": spread(cancel_ms),
        "cancellation_commit_to_offer": "0 ms: the offer is made in the cancelling transaction",
        "offers_seen_on_sockets": got.len(),
        "offer_commit_to_socket_ms": spread(offer_to_socket),
        "burst_start_to_socket_ms": spread(cancel_to_socket),
        "queue": {"waiting": q["waiting"], "offers_out": q["offers_out"]},
    }))
}
