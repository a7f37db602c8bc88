//! Waitlist rows as the API and pages see them.

use crate::clock::to_datetime;
use crate::dto::{OrganizerWaitlistEntry, WaitlistEntryView};
use crate::local_time::{clock_label, date_label};
use crate::store::waitlist::{EntryWithEvent, EntryWithPerson};

/// A person's entry.
pub(crate) fn entry_view(w: &EntryWithEvent) -> WaitlistEntryView {
    let e = &w.entry;
    let active = e.status.is_active();
    WaitlistEntryView {
        id: e.id,
        event_id: e.event_id,
        ticket_type_id: e.ticket_type_id,
        quantity: e.quantity,
        position: active.then_some(w.position),
        status: e.status,
        offered_quantity: if active { e.offered_quantity } else { 0 },
        offer_expires_at: if active {
            e.offer_expires_at.map(to_datetime)
        } else {
            None
        },
        offer_expires_label: if active {
            e.offer_expires_at
                .map(|t| clock_label(t, &w.event_timezone))
        } else {
            None
        },
        hold_id: if active { e.hold_id } else { None },
        booking_id: e.booking_id,
        created_at: to_datetime(e.created_at),
        event_slug: w.event_slug.clone(),
        event_title: w.event_title.clone(),
        event_date_label: date_label(w.event_starts_at, &w.event_timezone),
        ticket_type_name: w.ticket_type_name.clone(),
    }
}

/// An entry in the organizer's list.
pub(crate) fn organizer_entry(w: &EntryWithPerson) -> OrganizerWaitlistEntry {
    let e = &w.entry;
    OrganizerWaitlistEntry {
        id: e.id,
        ticket_type_id: e.ticket_type_id,
        ticket_type_name: w.ticket_type_name.clone(),
        name: w.user_name.clone(),
        email: w.user_email.clone(),
        quantity: e.quantity,
        place: e.place,
        status: e.status,
        offered_quantity: e.offered_quantity,
        offer_expires_at: e.offer_expires_at.map(to_datetime),
        created_at: to_datetime(e.created_at),
    }
}
