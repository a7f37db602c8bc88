//! `GET /api/live.md`: the live protocol, for people writing clients.

use axum::http::header;
use axum::response::IntoResponse;

const DOC: &str = r#"# Evently live availability

Connect a WebSocket to `/api/v1/live` (same host as the API; `wss://` in production). All
messages are JSON text frames. No authentication is needed: availability is public, and
only public events are shown: subscribing to a draft or unknown event is accepted but sends
nothing about it.

## Limits

- **Connections**: by default at most 20 open connections per client
  (`EVENTLY_WS_MAX_PER_CLIENT`) and 20,000 per server (`EVENTLY_WS_MAX_TOTAL`). A client is an IPv4 address or an IPv6 /64
  (`EVENTLY_IPV6_PREFIX`). Past either cap the upgrade is refused with HTTP 429, a
  `Retry-After` header and the usual JSON error; no WebSocket is opened. Browsers only see
  the connection fail: retry with backoff and jitter. One connection per page is enough.
- **Messages**: 20 per second per connection on average, with bursts of up to 120 (a page
  may follow each of its 100 events with a message of its own); every frame counts, pings
  included. A connection that sends faster is closed with code 1008
  (policy violation); reconnect more slowly.
- **Size**: messages larger than 4 KiB close the connection.

## Client messages

    {"type": "subscribe", "event_ids": [12, 34]}     follow events (at most 100 per connection)
    {"type": "unsubscribe", "event_ids": [12]}       stop following
    {"type": "ping"}                                  answered with {"type": "pong"}

Subscribing again to events already followed only answers `subscribed`: no new snapshot
(the updates keep coming). To get a fresh snapshot, unsubscribe and subscribe.

## Server messages

    {"type": "subscribed", "event_ids": [12, 34]}   the events now followed

    {"type": "snapshot", "event_id": 12, "ticket_type_id": 7, "available": 41,
     "capacity": 100, "event_status": "published", "at": 1795640000000}

A snapshot per ticket type of each newly followed public event comes after `subscribe`
(none for drafts or ids that do not exist), and again for everything you follow
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
