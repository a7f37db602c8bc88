//! `GET /api/live.md`: the live protocol, for people writing clients.

use axum::http::header;
use axum::response::IntoResponse;

const DOC: &str = r#"# Evently live availability

Connect a WebSocket to `/api/v1/live` (same host as the API; `wss://` in production). All
messages are JSON text frames. No authentication is needed: availability is public, and
only public events are shown: subscribing to a draft or unknown event is accepted but sends
nothing about it.

Signed in, the same connection is also your own channel: open it with the session cookie
(browsers do this by themselves) or with `Authorization: Bearer <access_token>` on the
upgrade request (API clients), and it carries your waitlist entries (see `waitlist` below).
The token is checked once, when the connection opens; nobody can follow another person's
entries.

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
     "capacity": 100, "waiting": 0, "event_status": "published", "at": 1795640000000}

A snapshot per ticket type of each newly followed public event comes after `subscribe`
(none for drafts or ids that do not exist), and again for everything you follow
when the server regained contact with the other instances (it may have missed changes).

    {"type": "update", "event_id": 12, "ticket_type_id": 7, "available": 40,
     "capacity": 100, "waiting": 0, "event_status": "published", "at": 1795640000123}

An update follows every change that affects the seats: booking, cancellation, hold, hold
expiry or release, capacity change, event cancelled (then `available` is 0 and
`event_status` is `cancelled`), sold out (`available` 0). Counts are read from committed
state, so the last message you received is the truth as of its `at`. Updates of one event
are coalesced to at most ten per second; the latest value is always sent. `at` is when the
earliest change carried by the update was committed (UTC milliseconds). `waiting` is the
number of people in the ticket type's waitlist (an update also follows when it changes).
While people wait, seats that come back go to them first: `available` stays 0.

    {"type": "waitlist", "at": 1795640000456, "entries": [
      {"id": 5, "event_id": 12, "ticket_type_id": 7, "quantity": 2, "position": 1,
       "status": "offered", "offered_quantity": 2,
       "offer_expires_at": "2026-11-30T21:30:00Z", "hold_id": 91, "booking_id": null,
       "created_at": "...", "event_slug": "...", "event_title": "...",
       "event_date_label": "...", "ticket_type_name": "..."}]}

Signed-in connections only: all your waitlist entries (those in a queue first, the same as
`GET /api/v1/me/waitlist`). Sent when the connection opens, whenever one of your entries
changes (you joined or left, an offer was made, grew, expired or was accepted, the event was
cancelled) and whenever your `position` moves because someone ahead left or was served. The
whole list is sent each time, so the last message is the truth as of its `at` (when the
change was committed, UTC milliseconds). Accept an offer with
`POST /api/v1/waitlist/{id}/accept` before `offer_expires_at`.

    {"type": "notifications", "unread": 3, "at": 1795640000789}

Signed-in connections only: how many of your notifications (`GET /api/v1/me/notifications`)
are unread. Sent when the connection opens, when a notice arrives, and when notices are
marked read (on any of your devices).

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
