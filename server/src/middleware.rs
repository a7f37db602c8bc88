//! Cross-cutting layers: request ids and spans, metrics, security headers, the general rate
//! limit, and the rule that API bodies are JSON.

use crate::client::ClientKey;
use crate::error::HttpError;
use crate::metrics::{HTTP_DURATION, HTTP_REQUESTS, method_label};
use crate::state::AppState;
use axum::body::HttpBody;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use evently::ratelimit::{Verdict, tiers};
use metrics::{SharedString, counter, histogram};
use std::time::Instant;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The longest `X-Request-Id` a client may choose.
pub const MAX_REQUEST_ID: usize = 64;

/// Whether a client-sent request id may be kept: 1 to [`MAX_REQUEST_ID`] characters of
/// `[A-Za-z0-9._-]`, so it cannot forge or break log lines.
pub fn valid_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Drops a client's `X-Request-Id` that is not [valid](valid_request_id) (or is sent more
/// than once), so the next layer generates one instead. Runs before everything else.
pub async fn checked_request_id(mut req: Request, next: Next) -> Response {
    let mut ids = req.headers().get_all("x-request-id").iter();
    let keep = match (ids.next(), ids.next()) {
        (None, _) => true,
        (Some(id), None) => valid_request_id(id.as_bytes()),
        (Some(_), Some(_)) => false,
    };
    if !keep {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

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
    let _busy = InFlight::enter(&state.in_flight);
    state.metrics.scope(count_request(req, next)).await
}

/// One request being answered: counted in `in_flight` until dropped (also when cancelled).
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(n: &'a std::sync::atomic::AtomicUsize) -> InFlight<'a> {
        n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        InFlight(n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn count_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(p) => SharedString::from_owned(p.as_str().to_string()),
        None => {
            let path = req.uri().path();
            if path.starts_with("/pkg/") || path.starts_with("/style/") || path.starts_with("/img/")
            {
                SharedString::const_str("static")
            } else {
                SharedString::const_str("unmatched")
            }
        }
    };
    let method = method_label(req.method());
    let res = next.run(req).await;
    let labels = [
        ("method", SharedString::const_str(method)),
        ("route", route),
        ("status", status_label(res.status())),
    ];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(start.elapsed().as_secs_f64());
    res
}

/// The status as a label; the common ones without allocating.
fn status_label(status: axum::http::StatusCode) -> SharedString {
    match status.as_u16() {
        200 => SharedString::const_str("200"),
        204 => SharedString::const_str("204"),
        301 => SharedString::const_str("301"),
        302 => SharedString::const_str("302"),
        303 => SharedString::const_str("303"),
        304 => SharedString::const_str("304"),
        400 => SharedString::const_str("400"),
        401 => SharedString::const_str("401"),
        403 => SharedString::const_str("403"),
        404 => SharedString::const_str("404"),
        409 => SharedString::const_str("409"),
        422 => SharedString::const_str("422"),
        429 => SharedString::const_str("429"),
        500 => SharedString::const_str("500"),
        n => SharedString::from_owned(n.to_string()),
    }
}

/// The policy for responses that are not pages.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The door scanner page (`/organizer/events/{id}/scan`): the one page allowed the camera.
pub fn is_scanner_page(path: &str) -> bool {
    path.strip_prefix("/organizer/events/")
        .and_then(|rest| rest.strip_suffix("/scan"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Counts a person's view of an event page (`GET /events/{slug}` answered 200, also from the
/// page cache) for the analytics funnel: no cookie, no tracker; crawlers, previews, scripts
/// and prefetches are left out. Counting is a map update in memory.
pub async fn count_event_views(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let slug = (req.method() == axum::http::Method::GET)
        .then(|| req.uri().path().strip_prefix("/events/"))
        .flatten()
        .filter(|s| !s.is_empty() && s.len() <= 200 && !s.contains('/'))
        .map(str::to_string);
    let person = {
        let h = req.headers();
        let header = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
        !evently::analytics::views::is_bot(header("user-agent"))
            && header("sec-purpose").is_none_or(|p| !p.contains("prefetch"))
            && header("purpose").is_none_or(|p| p != "prefetch")
    };
    let res = next.run(req).await;
    if let Some(slug) = slug.filter(|_| person && res.status() == StatusCode::OK) {
        state.core.analytics().count_view(&slug);
    }
    res
}

/// Headers every response carries; HSTS in production. Also: a page that redirects while
/// rendering (for example to the sign-in page) answers a real `302` to every client, not only
/// to those that sent `Accept: text/html`; server-function calls keep Leptos's own protocol.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let page_get =
        req.method() == axum::http::Method::GET && !req.uri().path().starts_with("/api/");
    let no_store = NO_STORE_PATHS
        .iter()
        .any(|p| req.uri().path().starts_with(p));
    let scanner = is_scanner_page(req.uri().path());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if html {
        // Pages: this site's scripts and the hashes of the page's own inline ones.
        res = crate::page_csp::apply(res).await;
    }
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
        HeaderValue::from_static(if scanner {
            "camera=(self), microphone=(), geolocation=(), payment=(), interest-cohort=()"
        } else {
            "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()"
        }),
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
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    res
}

/// Paths whose answers carry tokens (sign-up, sign-in, refresh, sign-out): never stored by
/// a browser or a shared cache, whatever the handler says. (Responses that set session
/// cookies are marked by the auth middleware.)
pub const NO_STORE_PATHS: [&str; 1] = ["/api/v1/auth/"];

/// Paths under `/api/v1` whose request body need not be JSON: none. (The one-click
/// unsubscribe of RFC 8058, which mail clients post as a form, is `/unsubscribe/{token}`,
/// outside the API; see [`ONE_CLICK_PREFIX`].)
pub const NON_JSON_BODY_PATHS: [&str; 0] = [];

/// The one write that may come from anywhere: one-click unsubscribe (RFC 8058). Mail
/// clients post it without a session and from their own origin; a signed token in the path
/// is its only authority, and all it can do is turn reminder e-mails off.
pub const ONE_CLICK_PREFIX: &str = "/unsubscribe/";

/// Whether the declared body type is JSON: `application/json` or `application/<x>+json`,
/// with any parameters (`; charset=utf-8`).
pub fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", sub)) => sub == "json" || sub.ends_with("+json"),
        _ => false,
    }
}

/// Every request under `/api/v1` that carries a body must declare it as JSON (415 in the
/// usual error shape otherwise), except on [`NON_JSON_BODY_PATHS`]. A page on another site
/// can post a form or `text/plain` without asking, but not JSON; and a handler never reads
/// a body that says it is something else.
pub async fn json_bodies_only(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let has_body = !req.body().is_end_stream() && req.body().size_hint().exact() != Some(0);
    if has_body
        && path.starts_with("/api/v1/")
        && !NON_JSON_BODY_PATHS.iter().any(|p| path.starts_with(p))
        && !declares_json(req.headers())
    {
        return crate::error::HttpError(
            evently::ApiError::new(
                evently::ErrorCode::UnsupportedMediaType,
                "send the request body as JSON, with Content-Type: application/json",
            )
            .with_field("Content-Type"),
        )
        .into_response();
    }
    next.run(req).await
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
        // Per client address, or per IPv6 network (see `ClientKey`).
        let key = req
            .extensions()
            .get::<ClientKey>()
            .map(|k| k.as_str().to_string())
            .unwrap_or_else(|| "unknown".into());
        if let Verdict::Limited { retry_after_secs } =
            state.core.limiter().hit(tiers::GENERAL, &key).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_short_and_plain() {
        assert!(valid_request_id(b"trace-me-123"));
        assert!(valid_request_id(b"0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(valid_request_id(
            "a.b_C-9".repeat(10).as_bytes()[..MAX_REQUEST_ID].as_ref()
        ));
        assert!(!valid_request_id(b""));
        assert!(!valid_request_id(&[b'a'; MAX_REQUEST_ID + 1]));
        for bad in ["a b", "a\"b", "id=1 level=error", "x/y", "é"] {
            assert!(!valid_request_id(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn only_the_scanner_page_may_use_the_camera() {
        assert!(is_scanner_page("/organizer/events/12/scan"));
        for p in [
            "/organizer/events//scan",
            "/organizer/events/12/scan/x",
            "/organizer/events/12",
            "/organizer/events/1x/scan",
            "/events/12/scan",
        ] {
            assert!(!is_scanner_page(p), "{p}");
        }
    }

    #[test]
    fn json_content_types() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            declares_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(with("application/merge-patch+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!with("text/json"));
        assert!(!with("application/jsonx"));
        assert!(!declares_json(&HeaderMap::new()));
    }
}
