//! Statuses: each declared once with its stored (and JSON) spelling and its SQL literal.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a status enum stored as text: its variants, their database and JSON spelling
/// (one place), a strict parser and the SQL literal that queries embed.
macro_rules! text_status {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and JSON) spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value as an SQL string literal (`'published'`), for the few statements
            /// that must name a status in their text (partial indexes only match literals).
            pub const fn sql(self) -> &'static str {
                match self {
                    $($name::$variant => concat!("'", $text, "'")),+
                }
            }

            /// Reads a stored value; anything else is an error, never a silent default.
            pub fn parse(raw: &str) -> Result<Self, UnknownStatus> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownStatus {
                        kind: stringify!($name),
                        value: raw.to_string(),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A stored status that no variant spells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownStatus {
    pub kind: &'static str,
    pub value: String,
}

text_status! {
    /// The life of an event.
    EventStatus {
        Draft => "draft",
        Published => "published",
        Cancelled => "cancelled",
    }
}

text_status! {
    /// A booking is confirmed until it is cancelled.
    BookingStatus {
        Confirmed => "confirmed",
        Cancelled => "cancelled",
    }
}

text_status! {
    /// A hold is active until it is confirmed (became a booking), released by its owner, or
    /// expired. An active hold past its expiry time no longer counts and shows as expired.
    HoldStatus {
        Active => "active",
        Confirmed => "confirmed",
        Released => "released",
        Expired => "expired",
    }
}

text_status! {
    /// A waitlist entry waits for seats, holds an offer, and ends booked, left (the person
    /// left or declined), expired (an offer ran out), closed (the event was cancelled) or
    /// removed (by the organizer). Only `waiting` and `offered` entries are in the queue.
    WaitlistStatus {
        Waiting => "waiting",
        Offered => "offered",
        Booked => "booked",
        Left => "left",
        Expired => "expired",
        Closed => "closed",
        Removed => "removed",
    }
}

impl WaitlistStatus {
    /// Whether the entry still has its place in the queue.
    pub fn is_active(self) -> bool {
        matches!(self, WaitlistStatus::Waiting | WaitlistStatus::Offered)
    }
}

text_status! {
    /// Delivery state of an outbox message.
    OutboxStatus {
        Pending => "pending",
        Delivered => "delivered",
        Dead => "dead",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_spell_one_way_and_refuse_unknown_values() {
        for s in EventStatus::ALL {
            assert_eq!(EventStatus::parse(s.as_str()), Ok(*s));
            assert_eq!(s.sql(), format!("'{}'", s.as_str()));
            assert_eq!(
                serde_json::to_string(s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for s in HoldStatus::ALL {
            assert_eq!(HoldStatus::parse(s.as_str()), Ok(*s));
            assert_eq!(s.sql(), format!("'{}'", s.as_str()));
        }
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Ok(*s));
        }
        for s in OutboxStatus::ALL {
            assert_eq!(OutboxStatus::parse(s.as_str()), Ok(*s));
        }
        assert!(EventStatus::parse("archived").is_err());
        assert!(EventStatus::parse("").is_err());
        assert!(HoldStatus::parse("Active").is_err());
    }
}
