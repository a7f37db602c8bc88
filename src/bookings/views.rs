//! Booking and hold rows as the API and pages see them, and the notices they cause.

use crate::clock::to_datetime;
use crate::domain::HoldStatus;
use crate::dto::{BookingView, HoldView};
use crate::notifications::{CancelReason, Message};
use crate::store::bookings::BookingRow;
use crate::store::holds::HoldRow;

/// The API view of a booking row.
pub fn booking_view(b: &BookingRow) -> BookingView {
    BookingView {
        id: b.id,
        code: b.code.clone(),
        status: b.status,
        event_id: b.event_id,
        ticket_type_id: b.ticket_type_id,
        quantity: b.quantity,
        unit_price_cents: b.unit_price_cents,
        total_cents: b.total_cents,
        currency: b.currency.clone(),
        created_at: to_datetime(b.created_at),
        cancelled_at: b.cancelled_at.map(to_datetime),
        hold_id: b.hold_id,
    }
}

/// The API view of a hold as of `now`: an active hold past its time shows as expired.
pub(crate) fn hold_view(h: &HoldRow, now: i64, max_renewals: i64) -> HoldView {
    HoldView {
        id: h.id,
        event_id: h.event_id,
        ticket_type_id: h.ticket_type_id,
        quantity: h.quantity,
        status: if h.status == HoldStatus::Active && h.expires_at <= now {
            HoldStatus::Expired
        } else {
            h.status
        },
        expires_at: to_datetime(h.expires_at),
        renewals: h.renewals,
        renewals_left: (max_renewals - h.renewals).max(0),
    }
}

/// The notice that a booking was made.
pub(crate) fn confirmed_message(b: &BookingRow) -> Message {
    Message::BookingConfirmed {
        booking_id: b.id,
        user_id: b.user_id,
        event_id: b.event_id,
    }
}

/// The notice that a booking was cancelled.
pub(crate) fn cancelled_message(b: &BookingRow, reason: CancelReason) -> Message {
    Message::BookingCancelled {
        booking_id: b.id,
        user_id: b.user_id,
        event_id: b.event_id,
        reason,
    }
}
