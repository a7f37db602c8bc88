//! The live availability protocol on `/api/v1/live` (WebSocket, JSON text frames).
//! Shared by the server and the browser; documented at `/api/live.md`.

use serde::{Deserialize, Serialize};

/// Most events one connection may follow.
pub const MAX_SUBSCRIPTIONS: usize = 100;
/// Largest message a client may send, in bytes.
pub const MAX_CLIENT_MESSAGE: usize = 4096;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Follow these events: a snapshot of each ticket type comes back, then updates.
    Subscribe { event_ids: Vec<i64> },
    /// Stop following these events.
    Unsubscribe { event_ids: Vec<i64> },
    /// Answered with `pong` (clients may use it to check the connection).
    Ping,
}

/// Seats of one ticket type: in every snapshot and update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    pub event_id: i64,
    pub ticket_type_id: i64,
    /// Seats bookable now (0 when sold out or when the event is cancelled).
    pub available: i64,
    pub capacity: i64,
    /// People in the ticket type's waitlist (shown when it is sold out).
    #[serde(default)]
    pub waiting: i64,
    /// `published` or `cancelled` (or `draft`).
    pub event_status: crate::domain::EventStatus,
    /// UTC milliseconds: for an update, when the earliest change it carries was committed;
    /// for a snapshot, when it was read.
    pub at: i64,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The current seats of a ticket type, after `subscribe` (and again after the server
    /// lost and regained contact with the other instances).
    Snapshot(Availability),
    /// Seats changed (booking, cancellation, hold, hold expiry or release, capacity change,
    /// event cancelled). Read from committed state, so clients converge on the truth.
    Update(Availability),
    /// The events now followed (after `subscribe` and `unsubscribe`).
    Subscribed {
        event_ids: Vec<i64>,
    },
    Pong,
    /// Your waitlist entries (connections opened with a session only): sent when the
    /// connection opens, when one of your entries changes (an offer, an expiry, a booking)
    /// and when your position in a queue moves. `at` is when the change was committed (UTC
    /// ms). Nobody else's entries are ever sent.
    Waitlist {
        entries: Vec<crate::dto::WaitlistEntryView>,
        at: i64,
    },
    /// How many of your notifications are unread (connections opened with a session only):
    /// sent when the connection opens and whenever a notice arrives or is read.
    Notifications {
        unread: i64,
        at: i64,
    },
    /// A refused message; the connection stays open.
    Error {
        code: String,
        message: String,
    },
}
