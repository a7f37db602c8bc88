//! Turns a create or edit request into a new event and its ticket types, checking every
//! field, or names the first field that is wrong.

use crate::actor::Actor;
use crate::domain::{self, EventSlug, EventStatus};
use crate::dto::CreateEventRequest;
use crate::error::ApiError;
use crate::local_time::valid_timezone;
use crate::store::events::{NewEvent, NewTicketType};

/// A validated new event.
pub(crate) struct Validated {
    pub(crate) event: NewEvent,
    pub(crate) ticket_types: Vec<NewTicketType>,
}

pub(crate) fn validate(
    actor: &Actor,
    req: &CreateEventRequest,
    now: i64,
) -> Result<Validated, ApiError> {
    let title = domain::text("title", &req.title, 3, 140, false)?;
    let description = domain::text("description", &req.description, 1, 10_000, true)?;
    let venue = domain::text("venue", &req.venue, 1, 140, false)?;
    let city = domain::text("city", &req.city, 1, 100, false)?;
    let category = domain::category(&req.category)?;
    let payment_note = domain::text(
        "payment_note",
        req.payment_note.as_deref().unwrap_or(""),
        0,
        300,
        false,
    )?;
    let starts_at = req.starts_at.timestamp_millis();
    let ends_at = req.ends_at.timestamp_millis();
    if starts_at < now {
        return Err(ApiError::invalid(
            "starts_at",
            "the event must start in the future",
        ));
    }
    if ends_at <= starts_at {
        return Err(ApiError::invalid(
            "ends_at",
            "the event must end after it starts",
        ));
    }
    // Times near the end of chrono's range cannot be shown in every zone (showing one panics).
    if ends_at >= 253_402_300_800_000 {
        return Err(ApiError::invalid(
            "ends_at",
            "the event must end before the year 10000",
        ));
    }
    if ends_at - starts_at > 31 * 24 * 3_600_000 {
        return Err(ApiError::invalid(
            "ends_at",
            "an event can last at most 31 days",
        ));
    }
    let timezone = req.timezone.clone().unwrap_or_else(|| "UTC".to_string());
    if !valid_timezone(&timezone) {
        return Err(ApiError::invalid(
            "timezone",
            "use an IANA time zone name such as Europe/Berlin",
        ));
    }
    let image_url = match req
        .image_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(u) => {
            let ok = (u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
                && u.len() <= 500
                && !u.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>'
                });
            if !ok {
                return Err(ApiError::invalid(
                    "image_url",
                    "image URL must be an http(s) address of at most 500 characters",
                ));
            }
            Some(u.to_string())
        }
    };
    let hold_minutes = req.hold_minutes.unwrap_or(10);
    if !(1..=60).contains(&hold_minutes) {
        return Err(ApiError::invalid(
            "hold_minutes",
            "hold time must be between 1 and 60 minutes",
        ));
    }
    let cancel_cutoff_minutes = req.cancel_cutoff_minutes.unwrap_or(24 * 60);
    if !(0..=365 * 24 * 60).contains(&cancel_cutoff_minutes) {
        return Err(ApiError::invalid(
            "cancel_cutoff_minutes",
            "cancellation cut-off must be between 0 and 525600 minutes",
        ));
    }
    if req.ticket_types.is_empty() {
        return Err(ApiError::invalid(
            "ticket_types",
            "add at least one ticket type",
        ));
    }
    if req.ticket_types.len() > 20 {
        return Err(ApiError::invalid(
            "ticket_types",
            "an event can have at most 20 ticket types",
        ));
    }
    let mut ticket_types = Vec::with_capacity(req.ticket_types.len());
    for (i, t) in req.ticket_types.iter().enumerate() {
        let f = |name: &str| format!("ticket_types[{i}].{name}");
        let name = domain::text(&f("name"), &t.name, 1, 80, false)?;
        if !(0..=10_000_000).contains(&t.price_cents) {
            return Err(ApiError::invalid(
                f("price_cents"),
                "price must be between 0 and 100000.00",
            ));
        }
        if !(1..=1_000_000).contains(&t.capacity) {
            return Err(ApiError::invalid(
                f("capacity"),
                "capacity must be between 1 and 1000000",
            ));
        }
        let currency = domain::currency(t.currency.as_deref().unwrap_or("EUR"))
            .map_err(|e| e.with_field(f("currency")))?;
        let max_per_booking = t.max_per_booking.unwrap_or(domain::DEFAULT_MAX_PER_BOOKING);
        if !(1..=domain::MAX_PER_BOOKING_CEILING).contains(&max_per_booking) {
            return Err(ApiError::invalid(
                f("max_per_booking"),
                "per-booking maximum must be between 1 and 50",
            ));
        }
        let sale_starts_at = t.sale_starts_at.map(|d| d.timestamp_millis());
        let sale_ends_at = t.sale_ends_at.map(|d| d.timestamp_millis());
        if let (Some(s), Some(e)) = (sale_starts_at, sale_ends_at)
            && e <= s
        {
            return Err(ApiError::invalid(
                f("sale_ends_at"),
                "the sale must end after it starts",
            ));
        }
        if sale_ends_at.is_some_and(|e| e > ends_at) {
            return Err(ApiError::invalid(
                f("sale_ends_at"),
                "the sale cannot end after the event",
            ));
        }
        ticket_types.push(NewTicketType {
            name,
            price_cents: t.price_cents,
            currency,
            capacity: t.capacity,
            sale_starts_at,
            sale_ends_at,
            max_per_booking,
            position: i as i64,
        });
    }
    let min_price_cents = ticket_types
        .iter()
        .map(|t| t.price_cents)
        .min()
        .unwrap_or(0);
    let largest_booking = ticket_types
        .iter()
        .map(|t| t.max_per_booking)
        .max()
        .unwrap_or(1);
    let max_seats_per_user = req
        .max_seats_per_user
        .unwrap_or(domain::DEFAULT_MAX_SEATS_PER_USER.max(largest_booking));
    if !(largest_booking..=domain::MAX_SEATS_PER_USER_CEILING).contains(&max_seats_per_user) {
        return Err(ApiError::invalid(
            "max_seats_per_user",
            format!(
                "seats per person must be between {largest_booking} (the largest per-booking maximum) and {}",
                domain::MAX_SEATS_PER_USER_CEILING
            ),
        ));
    }
    Ok(Validated {
        event: NewEvent {
            organizer_id: actor.user_id,
            slug: EventSlug::from_title(&title).as_str().to_string(),
            title,
            description,
            venue,
            city,
            category,
            starts_at,
            ends_at,
            timezone,
            status: EventStatus::Draft,
            image_url,
            hold_minutes,
            cancel_cutoff_minutes,
            max_seats_per_user,
            payment_note,
            min_price_cents,
            now,
        },
        ticket_types,
    })
}
