//! Cross-cutting layers: request spans, metrics, security headers.

use crate::auth::ClientIp;
use crate::error::HttpError;
use crate::metrics::{HTTP_DURATION, HTTP_REQUESTS, method_label};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use evently::ratelimit::{Verdict, tiers};
use metrics::{counter, histogram};
use std::time::Instant;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// A span per request carrying its request id, so every log line of the request has it.
pub fn trace_layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, fn(&Request) -> tracing::Span> {
    fn span(req: &Request) -> tracing::Span {
        let id = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
    }
    TraceLayer::new_for_http()
        .make_span_with(span as fn(&Request) -> tracing::Span)
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}

/// Counts requests and their latency by method, route template and status, and makes this
/// server's recorder current for everything the request runs (see [`crate::metrics`]).
pub async fn track_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    state.metrics.scope(count_request(req, next)).await
}

async fn count_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let method = method_label(req.method());
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let route = route.unwrap_or_else(|| {
        if path.starts_with("/pkg/") || path.starts_with("/style/") || path.starts_with("/img/") {
            "static".to_string()
        } else {
            "unmatched".to_string()
        }
    });
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", res.status().as_u16().to_string()),
    ];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(start.elapsed().as_secs_f64());
    res
}

/// The policy for responses that are not pages (pages set their own, with a nonce).
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Headers every response carries; HSTS in production. Also: a page that redirects while
/// rendering (for example to the sign-in page) answers a real `302` to every client, not only
/// to those that sent `Accept: text/html`; server-function calls keep Leptos's own protocol.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let page_get =
        req.method() == axum::http::Method::GET && !req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    if page_get
        && res.headers().contains_key("serverfnredirect")
        && res.headers().contains_key(header::LOCATION)
    {
        res.headers_mut().remove("serverfnredirect");
        *res.status_mut() = axum::http::StatusCode::FOUND;
    }
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()",
        ),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CSP),
        );
    }
    if state.config.production() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

/// The general per-client limit (static files, health and metrics are not counted).
pub async fn general_rate_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let exempt = [
        "/pkg/", "/style/", "/img/", "/favicon", "/health", "/metrics",
    ]
    .iter()
    .any(|p| path.starts_with(p));
    if !exempt {
        let ip = req
            .extensions()
            .get::<ClientIp>()
            .and_then(|c| c.0)
            .map(|i| i.to_string())
            .unwrap_or_default();
        if let Verdict::Limited { retry_after_secs } =
            state.core.limiter().hit(tiers::GENERAL, &ip).await
        {
            return HttpError(evently::ratelimit::too_many(retry_after_secs, "requests"))
                .into_response();
        }
    }
    next.run(req).await
}

/// A safety net: a panic in a handler becomes a logged 500 in the usual error shape, not a
/// dropped connection. (Panics are bugs; this only keeps one from taking a request down hard.)
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "a request handler panicked");
    HttpError(evently::ApiError::internal()).into_response()
}
