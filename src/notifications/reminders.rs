//! Reminders before an event, and notices when a booked event moves.
//!
//! A booking's reminder is written when its confirmation is delivered (so the booking's own
//! transaction, the hot path of an on-sale, writes nothing more), due the event's
//! `reminder_hours` before it starts, keyed by booking and start time: however many workers
//! run, it is delivered once. When the event's time or lead changes, its pending reminders
//! are dropped and written again for the new time (a reminder already sent for the old time
//! does not block the new one); a cancelled booking or event drops them. Delivery checks
//! again (booking still confirmed, event still at that time, the person still wants
//! reminders), so a reminder that slips past all of that is skipped, not sent.

use crate::db::Tx;
use crate::notifications::{EventPlaceTime, Message};
use crate::store;

const HOUR_MS: i64 = 3_600_000;

/// Longest lead a reminder may have, in hours (two weeks).
pub const MAX_REMINDER_HOURS: i64 = 336;
/// The lead when an organizer sets none.
pub const DEFAULT_REMINDER_HOURS: i64 = 24;

/// When a booking of an event starting at `starts_at` (UTC ms) is reminded, if at all: not
/// when reminders are off for the event (`hours` 0), and not when that time has passed (a
/// booking made inside the window has a fresh confirmation instead).
pub fn reminder_due(starts_at: i64, hours: i64, now: i64) -> Option<i64> {
    if hours <= 0 {
        return None;
    }
    let due = starts_at - hours * HOUR_MS;
    (due > now).then_some(due)
}

/// The reminder of one booking, with its due time, if it gets one.
pub fn reminder_for(
    booking_id: i64,
    user_id: i64,
    event_id: i64,
    starts_at: i64,
    hours: i64,
    now: i64,
) -> Option<(Message, i64)> {
    reminder_due(starts_at, hours, now).map(|due| {
        (
            Message::Reminder {
                booking_id,
                user_id,
                event_id,
                starts_at,
            },
            due,
        )
    })
}

/// What an edit changed about where and when an event is.
pub fn moved(before: &EventPlaceTime, after: &EventPlaceTime) -> bool {
    before != after
}

/// What an edit of an event means for its bookers, to enqueue in the edit's transaction
/// `tx`: when its time or place changed, an "event changed" notice per confirmed booking;
/// when its time or reminder lead changed, its pending reminders are dropped here and
/// written again (in the returned list) for the new time.
pub async fn after_event_edit(
    tx: &mut Tx,
    event_id: i64,
    before: (&EventPlaceTime, i64),
    after: (&EventPlaceTime, i64),
    now: i64,
) -> Result<Vec<(Message, i64)>, sqlx::Error> {
    let (old, old_hours) = before;
    let (new, new_hours) = after;
    let place_time_changed = moved(old, new);
    let reminders_changed = old.starts_at != new.starts_at || old_hours != new_hours;
    if !place_time_changed && !reminders_changed {
        return Ok(Vec::new());
    }
    let bookings = store::bookings::active_for_event(tx, event_id).await?;
    let mut msgs: Vec<(Message, i64)> = Vec::new();
    if reminders_changed {
        store::outbox::drop_pending_for_event(tx, event_id, Message::REMINDER_KIND, None).await?;
        msgs.extend(
            bookings
                .iter()
                .filter_map(|(b, u)| reminder_for(*b, *u, event_id, new.starts_at, new_hours, now)),
        );
    }
    // An event that already ended is not "changed" for anyone.
    if place_time_changed && new.ends_at > now {
        msgs.extend(bookings.iter().map(|(b, u)| {
            (
                Message::EventChanged {
                    booking_id: *b,
                    user_id: *u,
                    event_id,
                    changed_at: now,
                    before: old.clone(),
                },
                now,
            )
        }));
    }
    Ok(msgs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_fall_due_their_lead_before_the_start_and_never_in_the_past() {
        let start = 100 * HOUR_MS;
        assert_eq!(reminder_due(start, 24, 0), Some(76 * HOUR_MS));
        assert_eq!(reminder_due(start, 0, 0), None, "off for the event");
        assert_eq!(
            reminder_due(start, 24, 80 * HOUR_MS),
            None,
            "booked inside the window"
        );
        let (m, due) = reminder_for(7, 3, 2, start, 1, 0).unwrap();
        assert_eq!(due, 99 * HOUR_MS);
        assert_eq!(m.dedup_key(), Message::reminder_key(7, start));
    }
}
