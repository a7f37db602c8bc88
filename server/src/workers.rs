//! Background workers. Each stops when the shutdown flag flips.

use evently::Core;
use std::time::Duration;
use tokio::sync::watch;

/// Expires holds as they run out, waking exactly at the next expiry (at most a second
/// apart), so live pages hear about freed seats promptly.
pub async fn hold_sweeper(core: Core, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = core.bookings().sweep_expired_holds().await {
            tracing::warn!(error = %e, "hold sweep failed");
        }
        let now = core.clock().now_ms();
        let wait_ms = match core.bookings().next_hold_expiry().await {
            Ok(Some(at)) => (at - now + 5).clamp(20, 500),
            _ => 500,
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// How often counted page views are written.
const VIEWS_EVERY: Duration = Duration::from_secs(5);

/// Analytics upkeep: writes the page views counted in memory every [`VIEWS_EVERY`] and folds
/// the rollups' level 2 every [`FOLD_EVERY_SECONDS`](evently::analytics::fold::FOLD_EVERY_SECONDS)
/// (instances take turns on the fold state's row). Writes the last views when stopped.
pub async fn analytics(core: Core, mut stop: watch::Receiver<bool>) {
    let fold_every = Duration::from_secs(evently::analytics::fold::FOLD_EVERY_SECONDS as u64);
    let mut last_fold: Option<std::time::Instant> = None;
    loop {
        if let Err(e) = core.analytics().flush_views().await {
            tracing::warn!(error = %e, "writing page views failed; kept for the next try");
        }
        if last_fold.is_none_or(|t| t.elapsed() >= fold_every) {
            let started = std::time::Instant::now();
            match core.analytics().fold().await {
                Ok(f) => tracing::debug!(
                    hours = f.hours,
                    days = f.days,
                    ms = started.elapsed().as_millis() as u64,
                    "rollups folded"
                ),
                Err(e) => tracing::warn!(error = %e, "folding the rollups failed; next try soon"),
            }
            last_fold = Some(std::time::Instant::now());
        }
        tokio::select! {
            _ = tokio::time::sleep(VIEWS_EVERY) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            if let Err(e) = core.analytics().flush_views().await {
                tracing::warn!(error = %e, "writing the last page views failed");
            }
            return;
        }
    }
}

/// How many outbox messages one worker delivers at once.
const DELIVERY_CONCURRENCY: usize = 16;
/// The longest the outbox worker sleeps without looking (the safety net under the bell).
const OUTBOX_POLL_MS: i64 = 2_000;
/// Outbox messages written per second that make a burst (an on-sale): delivery steps aside.
const BURST_PER_S: f64 = 100.0;
/// Requests in flight that make a rush: delivery steps aside too.
const BUSY_REQUESTS: usize = 64;
/// The longest delivery steps aside for one burst; after that it delivers while the burst
/// goes on, so a long busy spell never starves the mail.
const BURST_YIELD: Duration = Duration::from_secs(5);

/// Delivers the outbox: claims due messages (a lease, so two workers never hold one row and
/// a crashed worker's rows come back), delivers them concurrently, settles each. Woken at
/// once by a commit that wrote to the outbox; otherwise it looks again when the next message
/// falls due, at most [`OUTBOX_POLL_MS`] apart. Finishes the batch in hand when stopped.
///
/// During a burst of writes (more than [`BURST_PER_S`] messages a second, an on-sale's bookings)
/// or a rush of requests (more than [`BUSY_REQUESTS`] in flight) it steps aside, for at most
/// [`BURST_YIELD`]: rendering tickets and sending mail would take CPU
/// from the bookings, and a confirmation a few seconds later costs nobody a seat. A single
/// booking is delivered at once.
pub async fn outbox_worker(
    core: Core,
    deliverer: evently::notifications::Deliverer,
    in_flight: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) {
    use crate::metrics::{DELIVERIES, DELIVERY_FAILURES, DELIVERY_LATENCY};
    use evently::notifications::outbox::new_claim;
    use futures::StreamExt;

    let svc = core.notifications().clone();
    let bell = core.outbox_bell();
    let mut seen = (bell.rings(), std::time::Instant::now());
    let mut yielding_since: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let (rings, at) = (bell.rings(), std::time::Instant::now());
        let elapsed = at.duration_since(seen.1).as_secs_f64().max(0.001);
        let rate = rings.saturating_sub(seen.0) as f64 / elapsed;
        seen = (rings, at);
        let busy = in_flight.load(std::sync::atomic::Ordering::Relaxed);
        if rate > BURST_PER_S || busy > BUSY_REQUESTS {
            if yielding_since.is_none() {
                tracing::info!(
                    messages_per_s = rate.round(),
                    requests_in_flight = busy,
                    "a rush: delivery steps aside (at most 5 s)"
                );
            }
            let since = *yielding_since.get_or_insert(at);
            if at.duration_since(since) < BURST_YIELD {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    _ = stop.changed() => return,
                }
                continue;
            }
        } else {
            yielding_since = None;
        }
        let claim = new_claim();
        let rows = match svc.claim(&claim).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "claiming outbox messages failed");
                Vec::new()
            }
        };
        if !rows.is_empty() {
            futures::stream::iter(rows)
                .for_each_concurrent(DELIVERY_CONCURRENCY, |row| {
                    let (svc, deliverer, claim, core) = (&svc, &deliverer, &claim, &core);
                    async move {
                        let before: Vec<&str> = row.done_channels.split(',').collect();
                        let attempt = deliverer.attempt(&row).await;
                        // Each channel newly reached: `email`, `inbox`, `push` (one per device).
                        for c in attempt.done.iter().filter(|c| !before.contains(&c.as_str())) {
                            let channel = channel_kind(c);
                            metrics::counter!(DELIVERIES, "channel" => channel).increment(1);
                            if row.attempts == 1 {
                                let waited = core.clock().now_ms() - row.created_at;
                                metrics::histogram!(DELIVERY_LATENCY, "channel" => channel)
                                    .record(waited.max(0) as f64 / 1000.0);
                            }
                        }
                        for channel in &attempt.failed {
                            metrics::counter!(DELIVERY_FAILURES, "channel" => *channel).increment(1);
                        }
                        if let Some(e) = &attempt.error {
                            tracing::warn!(outbox = row.id, kind = %row.kind, attempt = row.attempts, error = %e, "delivery failed");
                        }
                        match svc.settle(&row, claim, &attempt).await {
                            Ok(Some(evently::store::outbox::Settle::Dead { error })) => {
                                tracing::error!(outbox = row.id, kind = %row.kind, %error, "message is dead after the maximum attempts");
                            }
                            Ok(Some(_)) => {}
                            Ok(None) => tracing::warn!(outbox = row.id, "claim lost before settling (lease ran out); another worker has it"),
                            Err(e) => tracing::warn!(outbox = row.id, error = %e, "settling an outbox message failed; it comes back after its lease"),
                        }
                    }
                })
                .await;
            // There may be more due right away.
            continue;
        }
        let now = core.clock().now_ms();
        let wait_ms = match svc.next_due().await {
            Ok(Some(at)) => (at - now + 5).clamp(10, OUTBOX_POLL_MS),
            _ => OUTBOX_POLL_MS,
        };
        tokio::select! {
            _ = bell.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// The metrics label of a channel name in `outbox.done_channels` (`push:12` is `push`).
fn channel_kind(channel: &str) -> &'static str {
    match channel.split(':').next() {
        Some("email") => "email",
        Some("inbox") => "inbox",
        Some("push") => "push",
        _ => "other",
    }
}
