//! `GET /health` and `GET /metrics`.

use crate::auth::ClientIp;
use crate::config::Config;
use crate::error::HttpError;
use crate::metrics::{OUTBOX_DEAD, OUTBOX_DEPTH, OUTBOX_OLDEST_DUE_AGE, RESIDENT_MEMORY};
use crate::secrets::constant_time_eq;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use evently::ApiError;
use evently::error::ErrorCode;
use metrics::gauge;
use serde_json::json;
use std::time::{Duration, Instant};

/// The state of the database and (when configured) Redis, and the version. 503 when the
/// database does not answer.
pub async fn health(State(s): State<AppState>) -> impl IntoResponse {
    let started = Instant::now();
    let db = tokio::time::timeout(Duration::from_secs(2), s.core.db().ping()).await;
    let db_ok = matches!(db, Ok(Ok(())));
    let db_ms = started.elapsed().as_secs_f64() * 1000.0;
    let redis = match &s.redis {
        None => json!({ "status": "not_configured" }),
        Some(link) => match link.get() {
            None => json!({ "status": "down" }),
            Some(mut c) => {
                let t = Instant::now();
                let r = tokio::time::timeout(
                    Duration::from_secs(1),
                    redis::cmd("PING").query_async::<String>(&mut c),
                )
                .await;
                match r {
                    Ok(Ok(_)) => {
                        json!({ "status": "ok", "latency_ms": t.elapsed().as_secs_f64() * 1000.0 })
                    }
                    _ => json!({ "status": "down" }),
                }
            }
        },
    };
    let mail = match tokio::time::timeout(Duration::from_secs(3), s.mailer.check()).await {
        Ok(Ok(())) => json!({ "status": "ok", "transport": s.mailer.describe() }),
        Ok(Err(e)) => json!({ "status": "down", "transport": s.mailer.describe(), "error": e }),
        Err(_) => {
            json!({ "status": "down", "transport": s.mailer.describe(), "error": "no answer in 3 s" })
        }
    };
    // Mail being down delays notices (they wait in the outbox) but loses nothing, so it does
    // not make the instance unhealthy.
    let body = json!({
        "status": if db_ok { "ok" } else { "unavailable" },
        "mail": mail,
        "version": env!("CARGO_PKG_VERSION"),
        "database": { "status": if db_ok { "ok" } else { "down" }, "engine": s.core.db().engine().as_str(), "latency_ms": db_ms },
        "redis": redis,
    });
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body))
}

/// Resident memory of this process, from `/proc/self/statm` (Linux).
fn resident_bytes() -> Option<i64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: i64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Whether this request may read the metrics: from an address in `EVENTLY_METRICS_ALLOW`
/// (the client address, as resolved through trusted proxies), or with
/// `Authorization: Bearer <EVENTLY_METRICS_TOKEN>`.
fn may_read_metrics(config: &Config, ip: Option<std::net::IpAddr>, headers: &HeaderMap) -> bool {
    if ip.is_some_and(|ip| config.metrics_allow.iter().any(|n| n.contains(ip))) {
        return true;
    }
    let Some(token) = &config.metrics_token else {
        return false;
    };
    headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split_once(' '))
        .any(|(scheme, given)| {
            scheme.eq_ignore_ascii_case("bearer")
                && constant_time_eq(given.trim().as_bytes(), token.expose().as_bytes())
        })
}

/// Prometheus text: what this server recorded (the request runs in its metrics scope).
/// Anyone else gets the same 404 as a path that does not exist.
pub async fn metrics(
    State(s): State<AppState>,
    ip: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let ip = ip.and_then(|Extension(ClientIp(ip))| ip);
    if !may_read_metrics(&s.config, ip, &headers) {
        return HttpError(ApiError::new(ErrorCode::NotFound, "not found")).into_response();
    }
    if let Some(rss) = resident_bytes() {
        gauge!(RESIDENT_MEMORY).set(rss as f64);
    }
    match s.core.notifications().counts().await {
        Ok(c) => {
            let now = s.core.clock().now_ms();
            gauge!(OUTBOX_DEPTH).set((c.queued + c.retrying + c.in_flight) as f64);
            gauge!(OUTBOX_DEAD).set(c.dead as f64);
            let age = c.oldest_due_created_at.map_or(0, |at| (now - at).max(0));
            gauge!(OUTBOX_OLDEST_DUE_AGE).set(age as f64 / 1000.0);
        }
        Err(e) => tracing::warn!(error = %e, "reading outbox counts for /metrics failed"),
    }
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        s.metrics.render(),
    )
        .into_response()
}
