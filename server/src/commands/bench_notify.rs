//! `server bench notify`: a flash sale whose confirmations are received by an SMTP sink and
//! a web push service on loopback (every buyer registers one device). Prints the sale's
//! figures and the delivery's: confirmations received, mails per second, and the time from a
//! booking's answer (its commit) to its mail being accepted by the sink, and to its push
//! being decrypted by the push service (p50/p99/max). The server must send to both:
//! `SMTP_URL=smtp://127.0.0.1:<smtp-port> EVENTLY_PUSH_HOSTS=127.0.0.1
//! EVENTLY_RATE_LIMITS=off server serve`.
//! The buyers' sign-up mail (address confirmations) is drained before the sale starts, so
//! the sale competes only with its own confirmations.

use super::bench::FlashSale;
use super::bench_common::{percentile, round2};
use crate::push_sink::PushSink;
use crate::smtp_sink::SmtpSink;
use clap::Args;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct Notify {
    #[command(flatten)]
    pub sale: FlashSale,
    /// The loopback port of the SMTP sink (the server's `SMTP_URL` must point at it).
    #[arg(long, default_value_t = 2525)]
    pub smtp_port: u16,
    /// The loopback port of the push service (the server's `EVENTLY_PUSH_HOSTS` must list
    /// 127.0.0.1); 0 leaves push out.
    #[arg(long, default_value_t = 2526)]
    pub push_port: u16,
    /// Longest wait for the last confirmation after the sale, in seconds.
    #[arg(long, default_value_t = 300)]
    pub wait: u64,
}

/// The booking a confirmation's Message-ID names (`<evently.<row>.booking.confirmed-<id>@…>`).
pub fn confirmed_booking(raw: &[u8]) -> Option<i64> {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let line = head
        .lines()
        .find(|l| l.len() > 11 && l[..11].eq_ignore_ascii_case("message-id:"))?;
    let rest = line.split("booking.confirmed-").nth(1)?;
    rest.split('@').next()?.parse().ok()
}

pub async fn run(args: Notify) -> anyhow::Result<Value> {
    let sink = SmtpSink::start_on(args.smtp_port).await.map_err(|e| {
        anyhow::anyhow!(
            "the SMTP sink cannot listen on 127.0.0.1:{}: {e}",
            args.smtp_port
        )
    })?;
    eprintln!(
        "SMTP sink on {} (the server must have SMTP_URL={})",
        sink.url(),
        sink.url()
    );
    let push = if args.push_port == 0 {
        None
    } else {
        Some(PushSink::start_on(args.push_port).await.map_err(|e| {
            anyhow::anyhow!(
                "the push service cannot listen on 127.0.0.1:{}: {e}",
                args.push_port
            )
        })?)
    };
    let drained = sink.clone();
    let devices = push.clone();
    let base = args.sale.url.trim_end_matches('/').to_string();
    let (sale, booked) = super::bench::sale(&args.sale, move |tokens| async move {
        let clients = tokens.len();
        if let Some(push) = devices {
            let http = reqwest::Client::new();
            for (i, token) in tokens.iter().enumerate() {
                let sub = push.subscribe(&format!("buyer{i}"));
                let r = http
                    .post(format!("{base}/api/v1/me/push-subscriptions"))
                    .bearer_auth(token)
                    .json(&json!({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}))
                    .send()
                    .await;
                if let Ok(r) = &r
                    && !r.status().is_success()
                {
                    eprintln!("registering a push device failed: {} (is EVENTLY_PUSH_HOSTS=127.0.0.1 set?)", r.status());
                    break;
                }
            }
            eprintln!("{clients} push devices registered");
        }
        // The buyers' address confirmations: wait until they stop arriving (at most 2 min).
        let started = Instant::now();
        let mut last = (0, Instant::now());
        while started.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let n = drained.count();
            if n != last.0 {
                last = (n, Instant::now());
            } else if n >= clients || last.1.elapsed() > Duration::from_secs(3) {
                break;
            }
        }
        eprintln!("{} sign-up mails drained before the sale", last.0);
    })
    .await?;
    let want: HashMap<i64, Instant> = booked.iter().copied().collect();
    let first_booking = booked.iter().map(|(_, at)| *at).min();
    let deadline = Instant::now() + Duration::from_secs(args.wait);
    let mut next_report = Instant::now() + Duration::from_secs(5);
    let (mut arrived, mut seen, mut raw_confirmations, mut before_sale) =
        (HashMap::new(), 0_usize, 0_usize, 0_usize);
    loop {
        // Only the messages that came since the last look (they carry PDFs: copy little).
        for (at, raw) in sink.arrivals_from(seen) {
            seen += 1;
            if first_booking.is_some_and(|f| at < f) {
                before_sale += 1;
            }
            if let Some(id) = confirmed_booking(&raw)
                && want.contains_key(&id)
            {
                raw_confirmations += 1;
                arrived.entry(id).or_insert(at);
            }
        }
        if arrived.len() >= want.len() || Instant::now() >= deadline {
            break;
        }
        if Instant::now() >= next_report {
            eprintln!("{} of {} confirmations received", arrived.len(), want.len());
            next_report = Instant::now() + Duration::from_secs(5);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Pushes: each confirmation's push names its booking in its URL (`/bookings/<id>`).
    let mut pushed: HashMap<i64, Instant> = HashMap::new();
    if let Some(push) = &push {
        let deadline = Instant::now() + Duration::from_secs(args.wait);
        loop {
            for r in push.received() {
                if let Some(id) = r
                    .payload
                    .url
                    .strip_prefix("/bookings/")
                    .and_then(|i| i.parse::<i64>().ok())
                    && want.contains_key(&id)
                {
                    pushed.entry(id).or_insert(r.at);
                }
            }
            if pushed.len() >= want.len() || Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let mut push_latencies: Vec<f64> = pushed
        .iter()
        .filter_map(|(id, at)| {
            want.get(id)
                .map(|b| at.duration_since(*b).as_secs_f64() * 1000.0)
        })
        .collect();
    push_latencies.sort_by(|a, b| a.total_cmp(b));
    let mut latencies: Vec<f64> = arrived
        .iter()
        .filter_map(|(id, at)| {
            want.get(id)
                .map(|b| at.duration_since(*b).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let last_mail = arrived.values().copied().max();
    let span = match (first_booking, last_mail) {
        (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
        _ => 0.0,
    };
    Ok(json!({
        "bench": "notify",
        "flash_sale": sale,
        "sign_up_mails_before_sale": before_sale,
        "confirmations_expected": want.len(),
        "confirmations_received": arrived.len(),
        "raw_duplicates": raw_confirmations.saturating_sub(arrived.len()),
        "mails_per_s": if span > 0.0 { round2(arrived.len() as f64 / span) } else { 0.0 },
        "first_booking_to_last_mail_s": round2(span),
        "commit_to_mail_ms": {
            "p50": round2(percentile(&latencies, 50.0)),
            "p99": round2(percentile(&latencies, 99.0)),
            "max": round2(latencies.last().copied().unwrap_or(0.0)),
        },
        "pushes_received": pushed.len(),
        "pushes_refused": push.as_ref().map(|p| p.refused().len()).unwrap_or(0),
        "commit_to_push_ms": {
            "p50": round2(percentile(&push_latencies, 50.0)),
            "p99": round2(percentile(&push_latencies, 99.0)),
            "max": round2(push_latencies.last().copied().unwrap_or(0.0)),
        },
        "all_delivered": arrived.len() == want.len() && (push.is_none() || pushed.len() == want.len()),
        "invariants_hold": sale["invariants_hold"],
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_confirmation_names_its_booking() {
        let raw =
            b"From: a@b\r\nMessage-ID: <evently.12.booking.confirmed-345@evently.test>\r\n\r\nbody";
        assert_eq!(super::confirmed_booking(raw), Some(345));
        let other = b"Message-ID: <evently.13.account.link-9@evently.test>\r\n\r\n";
        assert_eq!(super::confirmed_booking(other), None);
    }
}
