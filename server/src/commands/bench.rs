//! Benchmarks: commands that drive a running server over HTTP and print one JSON line of
//! figures. They only ever target loopback addresses, are bounded in count and time, and
//! stop by themselves.

use super::bench_common::{
    buyers, client, login, loopback_only, percentile, round2, server_health,
};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand)]
pub enum Bench {
    /// Many buyers racing for the seats of one event: registers buyers, creates and publishes
    /// one event, fires concurrent booking attempts, then verifies every answer against the
    /// server's state.
    FlashSale(FlashSale),
    /// Read traffic: event pages and search, each for a fixed time, with latency percentiles.
    Reads(crate::commands::bench_reads::Reads),
    /// Every search that `reads` draws from, one at a time: percentiles and the slowest.
    SearchSweep(crate::commands::bench_sweep::Sweep),
    /// Many WebSocket clients on one event: memory per connection, commit-to-delivery delay.
    Live(crate::commands::bench_live::LiveBench),
    /// A sold-out ticket type's waitlist: thousands join at once, cancellations come back in
    /// bursts as offers on the people's live sockets.
    Waitlist(crate::commands::bench_waitlist::WaitlistBench),
    /// A flash sale with mail delivery measured: an SMTP sink on loopback receives the
    /// confirmations (start the server with `SMTP_URL=smtp://127.0.0.1:<smtp-port>`).
    Notify(crate::commands::bench_notify::Notify),
    /// The analytics dashboards (platform over every range and granularity, event
    /// dashboards) one request at a time with percentiles, then the CSV exports streamed:
    /// rows/s and bytes/s. Needs an admin (`server create-admin`).
    Analytics(crate::commands::bench_analytics::AnalyticsBench),
}

#[derive(Args, Clone)]
pub struct FlashSale {
    /// The server to test (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub url: String,
    /// Booking attempts in total.
    #[arg(long, default_value_t = 10_000)]
    pub attempts: usize,
    /// Concurrent clients, each a distinct signed-in buyer.
    #[arg(long, default_value_t = 1_000)]
    pub clients: usize,
    /// Seats on sale (one ticket type).
    #[arg(long, default_value_t = 1_000)]
    pub seats: i64,
    /// Largest quantity per attempt (each attempt asks for 1..=this).
    #[arg(long, default_value_t = 4)]
    pub max_quantity: i64,
    /// An organizer account on the server (the demo organizer by default).
    #[arg(long, default_value = evently::seed::DEMO_ORGANIZER_EMAIL)]
    pub organizer_email: String,
    #[arg(long, default_value = evently::seed::DEMO_PASSWORD)]
    pub organizer_password: String,
}

/// Runs a benchmark on its own runtime and prints its figures.
pub fn run(which: Bench) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match which {
            Bench::FlashSale(args) => flash_sale(args).await,
            Bench::Reads(args) => crate::commands::bench_reads::run(args).await,
            Bench::SearchSweep(args) => crate::commands::bench_sweep::run(args).await,
            Bench::Live(args) => crate::commands::bench_live::run(args).await,
            Bench::Waitlist(args) => crate::commands::bench_waitlist::run(args).await,
            Bench::Notify(args) => crate::commands::bench_notify::run(args).await,
            Bench::Analytics(args) => crate::commands::bench_analytics::run(args).await,
        }
    });
    match result {
        Ok(line) => {
            println!("{line}");
            if line["invariants_hold"] == json!(false) {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

enum Outcome {
    Booked {
        id: i64,
        quantity: i64,
        /// When the answer arrived (the booking had committed).
        at: Instant,
    },
    SoldOut,
    /// The buyer reached the event's per-person seat limit (a correct refusal).
    SeatLimit,
    Error(String),
}

async fn flash_sale(args: FlashSale) -> anyhow::Result<Value> {
    Ok(sale(&args, |_| async {}).await?.0)
}

/// Runs a flash sale: its figures, and each booking made with when its answer came. `ready`
/// runs once the buyers exist (it gets their tokens) and before the first attempt (the
/// notify bench registers their push devices and waits there for their sign-up mail to
/// drain).
pub(crate) async fn sale<F, Fut>(
    args: &FlashSale,
    ready: F,
) -> anyhow::Result<(Value, Vec<(i64, Instant)>)>
where
    F: FnOnce(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let base = loopback_only(&args.url)?;
    anyhow::ensure!(
        args.clients >= 1 && args.attempts >= args.clients,
        "--attempts must be at least --clients"
    );
    anyhow::ensure!(
        (1..=10).contains(&args.max_quantity),
        "--max-quantity must be 1..=10"
    );
    let http = client(args.clients + 16)?;
    let health = server_health(&http, &base).await?;
    let engine = health["database"]["engine"]
        .as_str()
        .unwrap_or("?")
        .to_string();

    let org = login(
        &http,
        &base,
        &args.organizer_email,
        &args.organizer_password,
    )
    .await?;
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let starts = chrono::Utc::now() + chrono::Duration::days(14);
    let body = json!({
        "title": format!("Flash sale {tag}"), "description": "Benchmark on-sale.", "venue": "Bench Arena",
        "city": "Berlin", "category": "music", "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
        "ticket_types": [{"name": "General admission", "price_cents": 4900, "capacity": args.seats, "max_per_booking": 10}],
    });
    let r = http
        .post(format!("{base}/api/v1/events"))
        .bearer_auth(&org)
        .json(&body)
        .send()
        .await?;
    let status = r.status();
    let ev: Value = r.json().await?;
    anyhow::ensure!(
        status.as_u16() == 201,
        "creating the event failed ({status}): {ev}"
    );
    let event_id = ev["id"].as_i64().unwrap_or_default();
    let tt = ev["ticket_types"][0]["id"].as_i64().unwrap_or_default();
    let r = http
        .post(format!("{base}/api/v1/events/{event_id}/publish"))
        .bearer_auth(&org)
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "publishing failed: {}", r.status());

    let tokens = buyers(&http, &base, args.clients, &tag).await?;
    ready(tokens.clone()).await;
    let per_client = args.attempts / args.clients;
    let extra = args.attempts % args.clients;
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(args.clients + 1));
    let mut tasks = Vec::with_capacity(args.clients);
    for (c, token) in tokens.iter().cloned().enumerate() {
        let (http, base, gate) = (http.clone(), base.clone(), gate.clone());
        let n = per_client + usize::from(c < extra);
        let max_q = args.max_quantity;
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<(f64, Outcome)> = Vec::with_capacity(n);
            gate.wait().await;
            for i in 0..n {
                let quantity = 1 + ((c * 7919 + i * 104_729) as i64 % max_q);
                let t = Instant::now();
                let r = http
                    .post(format!("{base}/api/v1/events/{event_id}/bookings"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("fs-{c}-{i}"))
                    .json(&json!({"ticket_type_id": tt, "quantity": quantity}))
                    .send()
                    .await;
                let outcome = match r {
                    Err(e) => Outcome::Error(e.to_string()),
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        match (status, body["error"]["code"].as_str()) {
                            (201, _) => Outcome::Booked {
                                id: body["id"].as_i64().unwrap_or(-1),
                                quantity: body["quantity"].as_i64().unwrap_or(-1),
                                at: Instant::now(),
                            },
                            (409, Some("sold_out")) => Outcome::SoldOut,
                            (409, Some("seat_limit")) => Outcome::SeatLimit,
                            _ => Outcome::Error(format!("{status} {body}")),
                        }
                    }
                };
                out.push((t.elapsed().as_secs_f64() * 1000.0, outcome));
            }
            (c, out)
        }));
    }
    eprintln!(
        "firing {} attempts from {} clients at {} seats...",
        args.attempts, args.clients, args.seats
    );
    gate.wait().await;
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(args.attempts);
    let (mut seats, mut sold_out, mut errors, mut bookings) = (0_i64, 0_usize, 0_usize, 0_usize);
    let mut seat_limit = 0_usize;
    let mut per_client_seats = vec![0_i64; args.clients];
    let mut ids = std::collections::HashSet::new();
    let mut booked = Vec::new();
    let mut first_error = None;
    for t in tasks {
        let (c, out) = t.await?;
        for (ms, o) in out {
            latencies.push(ms);
            match o {
                Outcome::Booked { id, quantity, at } => {
                    seats += quantity;
                    bookings += 1;
                    per_client_seats[c] += quantity;
                    ids.insert(id);
                    booked.push((id, at));
                }
                Outcome::SoldOut => sold_out += 1,
                Outcome::SeatLimit => seat_limit += 1,
                Outcome::Error(e) => {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(|a, b| a.total_cmp(b));

    // Verify against the server: availability, and every buyer's stored bookings.
    let ev: Value = http
        .get(format!("{base}/api/v1/events/{event_id}"))
        .send()
        .await?
        .json()
        .await?;
    let available = ev["ticket_types"][0]["available"].as_i64().unwrap_or(-1);
    let mut stored_mismatch = 0;
    {
        use futures::StreamExt;
        let checks: Vec<bool> = futures::stream::iter(tokens.iter().enumerate())
            .map(|(c, token)| {
                let (http, base, expect) = (http.clone(), base.clone(), per_client_seats[c]);
                let token = token.clone();
                async move {
                    let mine: Value = match http
                        .get(format!("{base}/api/v1/me/bookings"))
                        .bearer_auth(&token)
                        .send()
                        .await
                    {
                        Ok(r) => r.json().await.unwrap_or(Value::Null),
                        Err(_) => return false,
                    };
                    let stored: i64 = mine
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter(|b| {
                                    b["booking"]["event_id"].as_i64() == Some(event_id)
                                        && b["booking"]["status"] == "confirmed"
                                })
                                .map(|b| b["booking"]["quantity"].as_i64().unwrap_or(0))
                                .sum()
                        })
                        .unwrap_or(-1);
                    stored == expect
                }
            })
            .buffer_unordered(64)
            .collect()
            .await;
        stored_mismatch += checks.iter().filter(|ok| !**ok).count();
    }
    if let Some(e) = &first_error {
        eprintln!("first error: {e}");
    }
    let invariants_hold = seats <= args.seats
        && available == args.seats - seats
        && ids.len() == bookings
        && stored_mismatch == 0;
    Ok((
        json!({
            "bench": "flash-sale",
            "engine": engine,
            "attempts": args.attempts,
            "clients": args.clients,
            "seats": args.seats,
            "confirmed_seats": seats,
            "bookings": bookings,
            "sold_out": sold_out,
            "seat_limit": seat_limit,
            "errors": errors,
            "duration_s": round2(elapsed),
            "throughput_rps": round2(args.attempts as f64 / elapsed),
            "latency_ms": {
                "p50": round2(percentile(&latencies, 50.0)),
                "p95": round2(percentile(&latencies, 95.0)),
                "p99": round2(percentile(&latencies, 99.0)),
                "max": round2(latencies.last().copied().unwrap_or(0.0)),
            },
            "seats_left_reported": available,
            "buyers_whose_stored_bookings_differ": stored_mismatch,
            "invariants_hold": invariants_hold,
        }),
        booked,
    ))
}
