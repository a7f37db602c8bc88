//! `GET /api/live.md`: the live protocol, for people writing clients.

use axum::http::header;
use axum::response::IntoResponse;

const DOC: &str = r#"# Evently live availability

Connect a WebSocket to `/api/v1/live` (same host as the API; `wss://` in production). All
messages are JSON text frames. No authentication is needed: availability is public.

## Client messages

    {"type": "subscribe", "event_ids": [12, 34]}     follow events (at most 100 per connection)
    {"type": "unsubscribe", "event_ids": [12]}       stop following
    {"type": "ping"}                                  answered with {"type": "pong"}

Messages larger than 4 KiB close the connection.

## Server messages

    {"type": "subscribed", "event_ids": [12, 34]}   the events now followed

    {"type": "snapshot", "event_id": 12, "ticket_type_id": 7, "available": 41,
     "capacity": 100, "event_status": "published", "at": 1795640000000}

A snapshot per ticket type comes after `subscribe`, and again for everything you follow
when the server regained contact with the other instances (it may have missed changes).

    {"type": "update", "event_id": 12, "ticket_type_id": 7, "available": 40,
     "capacity": 100, "event_status": "published", "at": 1795640000123}

An update follows every change that affects the seats: booking, cancellation, hold, hold
expiry or release, capacity change, event cancelled (then `available` is 0 and
`event_status` is `cancelled`), sold out (`available` 0). Counts are read from committed
state, so the last message you received is the truth as of its `at`. Updates of one event
are coalesced to at most ten per second; the latest value is always sent. `at` is when the
earliest change carried by the update was committed (UTC milliseconds).

    {"type": "error", "code": "too_many_subscriptions", "message": "..."}

Errors refuse one message; the connection stays open. A client that cannot keep up with its
messages is closed with code 1013; reconnect (with backoff and jitter) and subscribe again to
get a fresh snapshot.
"#;

pub async fn doc() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        DOC,
    )
}
