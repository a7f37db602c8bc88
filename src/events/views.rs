//! Event rows as the API and pages see them.

use crate::clock::to_datetime;
use crate::domain::{self, format_price};
use crate::dto::{EventDetail, EventSummary, TicketTypeView};
use crate::inventory::open_seats;
use crate::local_time::{date_label, local_rfc3339, time_range_label};
use crate::store;
use crate::store::events::{EventListRow, TicketTypeRow};

/// The list view of an event row.
pub fn event_summary(r: &EventListRow) -> EventSummary {
    EventSummary {
        id: r.id,
        slug: r.slug.clone(),
        title: r.title.clone(),
        venue: r.venue.clone(),
        city: r.city.clone(),
        category: r.category.clone(),
        category_label: domain::category_label(&r.category).to_string(),
        starts_at: to_datetime(r.starts_at),
        timezone: r.timezone.clone(),
        date_label: date_label(r.starts_at, &r.timezone),
        min_price_cents: r.min_price_cents,
        currency: r.currency.clone(),
        price_label: if r.min_price_cents == 0 {
            "Free".to_string()
        } else {
            format!("From {}", format_price(r.min_price_cents, &r.currency))
        },
        available: r.available.max(0),
        capacity: r.capacity,
        status: r.status,
        image_url: r.image_url.clone(),
    }
}

/// The API view of a ticket type as of `now`.
pub fn ticket_type_view(t: &TicketTypeRow, now: i64) -> TicketTypeView {
    TicketTypeView {
        id: t.id,
        name: t.name.clone(),
        price_cents: t.price_cents,
        currency: t.currency.clone(),
        price_label: format_price(t.price_cents, &t.currency),
        capacity: t.capacity,
        available: open_seats(t.capacity, t.taken, t.expired_held),
        max_per_booking: t.max_per_booking,
        sale_starts_at: t.sale_starts_at.map(to_datetime),
        sale_ends_at: t.sale_ends_at.map(to_datetime),
        on_sale: t.sale_starts_at.is_none_or(|s| now >= s)
            && t.sale_ends_at.is_none_or(|e| now < e),
        waiting: t.wl_active,
    }
}

pub(crate) fn event_detail(
    e: store::events::EventWithOrganizer,
    tts: &[TicketTypeRow],
    now: i64,
) -> EventDetail {
    let ev = e.event;
    let ended = now >= ev.ends_at;
    EventDetail {
        id: ev.id,
        date_label: date_label(ev.starts_at, &ev.timezone),
        time_label: time_range_label(ev.starts_at, ev.ends_at, &ev.timezone),
        starts_at_local: local_rfc3339(ev.starts_at, &ev.timezone),
        ends_at_local: local_rfc3339(ev.ends_at, &ev.timezone),
        category_label: domain::category_label(&ev.category).to_string(),
        slug: ev.slug,
        title: ev.title,
        description: ev.description,
        venue: ev.venue,
        city: ev.city,
        category: ev.category,
        starts_at: to_datetime(ev.starts_at),
        ends_at: to_datetime(ev.ends_at),
        timezone: ev.timezone,
        status: ev.status,
        image_url: ev.image_url,
        organizer_id: ev.organizer_id,
        organizer_name: e.organizer_name,
        hold_minutes: ev.hold_minutes,
        cancel_cutoff_minutes: ev.cancel_cutoff_minutes,
        max_seats_per_user: ev.max_seats_per_user,
        payment_note: ev.payment_note,
        offer_minutes: ev.offer_minutes,
        reminder_hours: ev.reminder_hours,
        ended,
        published_at: ev.published_at.map(to_datetime),
        ticket_types: tts
            .iter()
            .map(|t| {
                let mut v = ticket_type_view(t, now);
                v.on_sale = v.on_sale && !ended;
                v
            })
            .collect(),
    }
}
