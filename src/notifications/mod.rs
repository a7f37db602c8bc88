//! Notifications: what the platform promises to tell people, written to the outbox in the
//! same transaction as the change that causes it and delivered later, at least once.
//!
//! [`Message`] is the one shape of every outbox row: writers build a variant, the store
//! serialises it here ([`Message::to_row`]) and a delivery worker reads it back with
//! [`Message::from_row`]. A new kind of notice is a new variant; a typo does not compile.

pub mod centre;
pub mod compose;
pub mod deliver;
pub mod links;
pub mod mail;
pub mod outbox;
pub mod push;
pub mod reminders;

pub use deliver::Deliverer;
pub use mail::Mailer;
pub use outbox::{NotificationService, OutboxSettings};
use serde::{Deserialize, Serialize};

/// Why a booking was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// The buyer cancelled.
    Buyer,
    /// The event's organizer or an admin cancelled it.
    Staff,
    /// The whole event was cancelled.
    EventCancelled,
}

impl CancelReason {
    /// The stored spelling (`bookings.cancel_reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::Buyer => "buyer",
            CancelReason::Staff => "staff",
            CancelReason::EventCancelled => "event_cancelled",
        }
    }
}

/// A notice to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum Message {
    /// A booking was made (directly or by confirming a hold).
    #[serde(rename = "booking.confirmed")]
    BookingConfirmed {
        booking_id: i64,
        user_id: i64,
        event_id: i64,
    },
    /// A booking was cancelled.
    #[serde(rename = "booking.cancelled")]
    BookingCancelled {
        booking_id: i64,
        user_id: i64,
        event_id: i64,
        reason: CancelReason,
    },
    /// Someone joined a waitlist.
    #[serde(rename = "waitlist.joined")]
    WaitlistJoined {
        entry_id: i64,
        user_id: i64,
        event_id: i64,
        ticket_type_id: i64,
        quantity: i64,
    },
    /// Seats are held for a waitlist entry: all it asked for (`complete`), or some set aside
    /// while more come back. Accept before `expires_at` (UTC ms).
    #[serde(rename = "waitlist.offer")]
    WaitlistOffer {
        entry_id: i64,
        user_id: i64,
        event_id: i64,
        hold_id: i64,
        seats: i64,
        complete: bool,
        expires_at: i64,
    },
    /// An offer ends in five minutes (written with the offer, due then; dropped if the offer
    /// ends first).
    #[serde(rename = "waitlist.offer_expiring")]
    WaitlistOfferExpiring {
        entry_id: i64,
        user_id: i64,
        event_id: i64,
        hold_id: i64,
        expires_at: i64,
    },
    /// An offer ran out; the seats went on to the next person.
    #[serde(rename = "waitlist.offer_expired")]
    WaitlistOfferExpired {
        entry_id: i64,
        user_id: i64,
        event_id: i64,
        hold_id: i64,
    },
    /// The event was cancelled, so its waitlist closed.
    #[serde(rename = "waitlist.closed")]
    WaitlistClosed {
        entry_id: i64,
        user_id: i64,
        event_id: i64,
    },
    /// A booked event starts soon (due the event's `reminder_hours` before it starts, for
    /// the start time it names: a moved event gets a new reminder and the old one is
    /// dropped). Opt-out: the person's `email_reminders`.
    #[serde(rename = "booking.reminder")]
    Reminder {
        booking_id: i64,
        user_id: i64,
        event_id: i64,
        /// The start (UTC ms) this reminder was written for.
        starts_at: i64,
    },
    /// A booked event's time or place changed: what it was before (the letter reads what it
    /// is now).
    #[serde(rename = "event.changed")]
    EventChanged {
        booking_id: i64,
        user_id: i64,
        event_id: i64,
        /// When the change was saved (UTC ms): one notice per booking per change.
        changed_at: i64,
        before: EventPlaceTime,
    },
    /// Someone asked to set a new password, or a new account needs its address confirmed:
    /// the mail carries a single-use link, made when the mail is written from the
    /// `account_links` row (the database keeps nothing a link could be made from).
    #[serde(rename = "account.link")]
    AccountLink { link_id: i64, user_id: i64 },
    /// Someone tried to sign up with the address of an existing account: its owner is told
    /// (sign-up answers the same either way, so this is the only trace). At most one per
    /// account per hour (`hour`: the attempt's UTC hour, in the deduplication key).
    #[serde(rename = "account.signup_attempt")]
    SignupAttempt { user_id: i64, hour: i64 },
}

/// Where and when an event is, as a notice about a change remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPlaceTime {
    pub starts_at: i64,
    pub ends_at: i64,
    pub venue: String,
    pub city: String,
}

/// An outbox row's text columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub kind: String,
    pub payload: String,
    /// Delivery is deduplicated on this key: the same promise is recorded once.
    pub dedup_key: String,
    /// The event it is about, if any.
    pub event_id: Option<i64>,
}

/// A stored row that is no [`Message`].
#[derive(Debug, thiserror::Error)]
#[error("unreadable outbox message of kind {kind:?}: {source}")]
pub struct BadMessage {
    pub kind: String,
    #[source]
    pub source: serde_json::Error,
}

impl Message {
    /// The key that makes one promise one row: kind and subject.
    pub fn dedup_key(&self) -> String {
        match self {
            Message::BookingConfirmed { booking_id, .. } => {
                format!("booking.confirmed:{booking_id}")
            }
            Message::BookingCancelled { booking_id, .. } => {
                format!("booking.cancelled:{booking_id}")
            }
            Message::WaitlistJoined { entry_id, .. } => format!("waitlist.joined:{entry_id}"),
            Message::WaitlistOffer { hold_id, seats, .. } => {
                format!("waitlist.offer:{hold_id}:{seats}")
            }
            Message::WaitlistOfferExpiring { hold_id, .. } => Message::expiring_key(*hold_id),
            Message::WaitlistOfferExpired { hold_id, .. } => {
                format!("waitlist.offer_expired:{hold_id}")
            }
            Message::WaitlistClosed { entry_id, .. } => format!("waitlist.closed:{entry_id}"),
            Message::Reminder {
                booking_id,
                starts_at,
                ..
            } => Message::reminder_key(*booking_id, *starts_at),
            Message::EventChanged {
                booking_id,
                changed_at,
                ..
            } => format!("event.changed:{booking_id}:{changed_at}"),
            Message::AccountLink { link_id, .. } => format!("account.link:{link_id}"),
            Message::SignupAttempt { user_id, hour } => {
                format!("account.signup_attempt:{user_id}:{hour}")
            }
        }
    }

    /// The person the message is for.
    pub fn user_id(&self) -> Option<i64> {
        Some(match self {
            Message::BookingConfirmed { user_id, .. }
            | Message::BookingCancelled { user_id, .. }
            | Message::WaitlistJoined { user_id, .. }
            | Message::WaitlistOffer { user_id, .. }
            | Message::WaitlistOfferExpiring { user_id, .. }
            | Message::WaitlistOfferExpired { user_id, .. }
            | Message::WaitlistClosed { user_id, .. }
            | Message::Reminder { user_id, .. }
            | Message::EventChanged { user_id, .. }
            | Message::AccountLink { user_id, .. }
            | Message::SignupAttempt { user_id, .. } => *user_id,
        })
    }

    /// The key of a booking's reminder for an event start.
    pub fn reminder_key(booking_id: i64, starts_at: i64) -> String {
        format!("booking.reminder:{booking_id}:{starts_at}")
    }

    /// The kind (`outbox.kind`) of reminders.
    pub const REMINDER_KIND: &'static str = "booking.reminder";

    /// The event the message is about, if it is about one.
    pub fn event_id(&self) -> Option<i64> {
        Some(match self {
            Message::BookingConfirmed { event_id, .. }
            | Message::BookingCancelled { event_id, .. }
            | Message::WaitlistJoined { event_id, .. }
            | Message::WaitlistOffer { event_id, .. }
            | Message::WaitlistOfferExpiring { event_id, .. }
            | Message::WaitlistOfferExpired { event_id, .. }
            | Message::WaitlistClosed { event_id, .. }
            | Message::Reminder { event_id, .. }
            | Message::EventChanged { event_id, .. } => *event_id,
            Message::AccountLink { .. } | Message::SignupAttempt { .. } => return None,
        })
    }

    /// The key of the "offer expires soon" notice of an offer's hold (to drop it when the
    /// offer ends first).
    pub fn expiring_key(hold_id: i64) -> String {
        format!("waitlist.offer_expiring:{hold_id}")
    }

    /// The row to store.
    pub fn to_row(&self) -> MessageRow {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or_default()
            .to_string();
        let payload = value
            .get_mut("payload")
            .map(serde_json::Value::take)
            .unwrap_or_default()
            .to_string();
        MessageRow {
            kind,
            payload,
            dedup_key: self.dedup_key(),
            event_id: self.event_id(),
        }
    }

    /// Reads a stored row back.
    pub fn from_row(kind: &str, payload: &str) -> Result<Message, BadMessage> {
        let bad = |source| BadMessage {
            kind: kind.to_string(),
            source,
        };
        let payload: serde_json::Value = serde_json::from_str(payload).map_err(bad)?;
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload })).map_err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_through_their_row() {
        let all = [
            Message::BookingConfirmed {
                booking_id: 7,
                user_id: 3,
                event_id: 2,
            },
            Message::BookingCancelled {
                booking_id: 7,
                user_id: 3,
                event_id: 2,
                reason: CancelReason::EventCancelled,
            },
            Message::WaitlistOffer {
                entry_id: 4,
                user_id: 3,
                event_id: 2,
                hold_id: 9,
                seats: 2,
                complete: false,
                expires_at: 1_000,
            },
            Message::WaitlistOfferExpiring {
                entry_id: 4,
                user_id: 3,
                event_id: 2,
                hold_id: 9,
                expires_at: 1_000,
            },
            Message::Reminder {
                booking_id: 7,
                user_id: 3,
                event_id: 2,
                starts_at: 5_000,
            },
            Message::EventChanged {
                booking_id: 7,
                user_id: 3,
                event_id: 2,
                changed_at: 9_000,
                before: EventPlaceTime {
                    starts_at: 5_000,
                    ends_at: 6_000,
                    venue: "Hall \"A\"".into(),
                    city: "Köln".into(),
                },
            },
        ];
        for m in all {
            let row = m.to_row();
            assert!(
                row.kind.starts_with("booking.")
                    || row.kind.starts_with("waitlist.")
                    || row.kind.starts_with("event."),
                "{row:?}"
            );
            assert!(row.payload.starts_with('{'), "{row:?}");
            assert_eq!(row.event_id, Some(2));
            assert_eq!(Message::from_row(&row.kind, &row.payload).unwrap(), m);
        }
        let row = all_cancelled().to_row();
        assert_eq!(row.kind, "booking.cancelled");
        assert_eq!(row.dedup_key, "booking.cancelled:1");
        assert!(row.payload.contains("\"reason\":\"buyer\""));
        assert!(Message::from_row("booking.lost", "{}").is_err());
        assert!(Message::from_row("booking.confirmed", "{\"booking_id\":1}").is_err());
    }

    fn all_cancelled() -> Message {
        Message::BookingCancelled {
            booking_id: 1,
            user_id: 1,
            event_id: 1,
            reason: CancelReason::Buyer,
        }
    }
}
