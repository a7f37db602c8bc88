//! What every benchmark shares: the loopback guard, the HTTP client, signed-in buyers and
//! percentiles.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Refuses anything but a loopback address.
pub fn loopback_only(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("--url must be http://127.0.0.1:PORT (loopback only)"))?;
    let host = rest.split('/').next().unwrap_or("");
    let host_only = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    let ok = host_only == "localhost"
        || host_only
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    anyhow::ensure!(
        ok,
        "benchmarks only target loopback addresses, not {host_only:?}"
    );
    Ok(url.trim_end_matches('/').to_string())
}

pub(crate) fn client(max_conns: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(max_conns)
        .timeout(Duration::from_secs(120))
        .connect_timeout(Duration::from_secs(10))
        .build()?)
}

pub(crate) async fn login(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?;
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(
        status.is_success(),
        "sign-in as {email} failed ({status}): {body}"
    );
    body["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no access_token in {body}"))
}

/// Creates and publishes a benchmark event `days` ahead with one ticket type (`ticket_type`:
/// its JSON) as the organizer `org`; `extra` fields go into the event too. Answers the event
/// and ticket type ids.
pub(crate) async fn bench_event(
    http: &reqwest::Client,
    base: &str,
    org: &str,
    title: &str,
    days: i64,
    ticket_type: Value,
    extra: Value,
) -> anyhow::Result<(i64, i64)> {
    let starts = chrono::Utc::now() + chrono::Duration::days(days);
    let mut body = json!({"title": title, "description": "Benchmark.", "venue": "Bench Hall", "city": "Berlin",
        "category": "music", "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(), "ticket_types": [ticket_type]});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let ev: Value = http
        .post(format!("{base}/api/v1/events"))
        .bearer_auth(org)
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    let event_id = ev["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("creating the event failed: {ev}"))?;
    let tt = ev["ticket_types"][0]["id"].as_i64().unwrap_or_default();
    http.post(format!("{base}/api/v1/events/{event_id}/publish"))
        .bearer_auth(org)
        .send()
        .await?
        .error_for_status()?;
    Ok((event_id, tt))
}

/// Registers `n` buyers and signs each in, `parallel` at a time. Returns their tokens.
pub(crate) async fn buyers(
    http: &reqwest::Client,
    base: &str,
    n: usize,
    tag: &str,
) -> anyhow::Result<Vec<String>> {
    use futures::StreamExt;
    let started = Instant::now();
    let results: Vec<anyhow::Result<String>> = futures::stream::iter(0..n)
        .map(|i| {
            let http = http.clone();
            let base = base.to_string();
            let email = format!("bench-{tag}-{i}@example.com");
            async move {
                let pw = "bench-password-1234";
                let r = http
                    .post(format!("{base}/api/v1/auth/register"))
                    .json(&json!({"email": email, "password": pw, "name": format!("Buyer {i}")}))
                    .send()
                    .await?;
                let s = r.status();
                anyhow::ensure!(
                    s.is_success() || s.as_u16() == 409,
                    "register {email}: {s} {}",
                    r.text().await.unwrap_or_default()
                );
                login(&http, &base, &email, pw).await
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let tokens = results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    eprintln!(
        "registered and signed in {n} buyers in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(tokens)
}

/// The server's `/health` document (which engine it runs on, among others).
pub(crate) async fn server_health(http: &reqwest::Client, base: &str) -> anyhow::Result<Value> {
    Ok(http
        .get(format!("{base}/health"))
        .send()
        .await?
        .json()
        .await?)
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_is_accepted() {
        assert!(super::loopback_only("http://127.0.0.1:3000").is_ok());
        assert!(super::loopback_only("http://localhost:8080/").is_ok());
        assert!(super::loopback_only("http://[::1]:3000").is_ok());
        assert!(super::loopback_only("http://10.0.0.5:3000").is_err());
        assert!(super::loopback_only("http://example.com").is_err());
        assert!(super::loopback_only("https://127.0.0.1").is_err());
    }
}
