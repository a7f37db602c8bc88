//! Turns a create or edit request into a new event and its ticket types, checking every
//! field, or names every field that is wrong (the first in `field`, all in `errors`).

use crate::domain::{self, EventSlug, EventStatus};
use crate::dto::CreateEventRequest;
use crate::error::ApiError;
use crate::local_time::valid_timezone;
use crate::store::events::{NewEvent, NewTicketType};

/// Every wrong field of a create or edit request, without saving anything (`None`: it would
/// be accepted as far as its own fields go). For forms that found problems of their own
/// first, so that the organizer hears of all of them at once.
pub fn check(req: &CreateEventRequest, now: i64) -> Option<ApiError> {
    validate(0, req, now).err()
}

/// The wrong fields found so far, at most one per field.
#[derive(Default)]
struct Problems(Vec<ApiError>);

impl Problems {
    fn add(&mut self, e: ApiError) {
        if !self
            .0
            .iter()
            .any(|p| p.field.is_some() && p.field == e.field)
        {
            self.0.push(e);
        }
    }

    /// The value, or its default after noting the error (the check goes on).
    fn take<T: Default>(&mut self, r: Result<T, ApiError>) -> T {
        r.unwrap_or_else(|e| {
            self.add(e);
            T::default()
        })
    }
}

/// A validated new event.
pub(crate) struct Validated {
    pub(crate) event: NewEvent,
    pub(crate) ticket_types: Vec<NewTicketType>,
}

pub(crate) fn validate(
    organizer_id: i64,
    req: &CreateEventRequest,
    now: i64,
) -> Result<Validated, ApiError> {
    // Every field is checked, and every wrong one reported at once.
    let mut p = Problems::default();
    let title = p.take(domain::text("title", &req.title, 3, 140, false));
    let description = p.take(domain::text(
        "description",
        &req.description,
        1,
        10_000,
        true,
    ));
    let venue = p.take(domain::text("venue", &req.venue, 1, 140, false));
    let city = p.take(domain::text("city", &req.city, 1, 100, false));
    let category = p.take(domain::category(&req.category));
    let payment_note = p.take(domain::text(
        "payment_note",
        req.payment_note.as_deref().unwrap_or(""),
        0,
        300,
        false,
    ));
    let starts_at = req.starts_at.timestamp_millis();
    let ends_at = req.ends_at.timestamp_millis();
    if starts_at < now {
        p.add(ApiError::invalid(
            "starts_at",
            "the event must start in the future",
        ));
    }
    if ends_at <= starts_at {
        p.add(ApiError::invalid(
            "ends_at",
            "the event must end after it starts",
        ));
    }
    // Times near the end of chrono's range cannot be shown in every zone (showing one panics).
    if ends_at >= 253_402_300_800_000 {
        p.add(ApiError::invalid(
            "ends_at",
            "the event must end before the year 10000",
        ));
    }
    if ends_at - starts_at > 31 * 24 * 3_600_000 {
        p.add(ApiError::invalid(
            "ends_at",
            "an event can last at most 31 days",
        ));
    }
    let timezone = req.timezone.clone().unwrap_or_else(|| "UTC".to_string());
    if !valid_timezone(&timezone) {
        p.add(ApiError::invalid(
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
                p.add(ApiError::invalid(
                    "image_url",
                    "image URL must be an http(s) address of at most 500 characters",
                ));
            }
            Some(u.to_string())
        }
    };
    let hold_minutes = req.hold_minutes.unwrap_or(10);
    if !(1..=60).contains(&hold_minutes) {
        p.add(ApiError::invalid(
            "hold_minutes",
            "hold time must be between 1 and 60 minutes",
        ));
    }
    let offer_minutes = req.offer_minutes.unwrap_or(30);
    if !(5..=1440).contains(&offer_minutes) {
        p.add(ApiError::invalid(
            "offer_minutes",
            "a waitlist offer must last between 5 and 1440 minutes",
        ));
    }
    let reminder_hours = req
        .reminder_hours
        .unwrap_or(crate::notifications::reminders::DEFAULT_REMINDER_HOURS);
    if !(0..=crate::notifications::reminders::MAX_REMINDER_HOURS).contains(&reminder_hours) {
        p.add(ApiError::invalid(
            "reminder_hours",
            "the reminder goes out between 0 (no reminder) and 336 hours (two weeks) before the start",
        ));
    }
    let cancel_cutoff_minutes = req.cancel_cutoff_minutes.unwrap_or(24 * 60);
    if !(0..=365 * 24 * 60).contains(&cancel_cutoff_minutes) {
        p.add(ApiError::invalid(
            "cancel_cutoff_minutes",
            "cancellation cut-off must be between 0 and 525600 minutes",
        ));
    }
    if req.ticket_types.is_empty() {
        p.add(ApiError::invalid(
            "ticket_types",
            "add at least one ticket type",
        ));
    }
    if req.ticket_types.len() > 20 {
        p.add(ApiError::invalid(
            "ticket_types",
            "an event can have at most 20 ticket types",
        ));
    }
    let mut ticket_types = Vec::with_capacity(req.ticket_types.len());
    for (i, t) in req.ticket_types.iter().enumerate() {
        let f = |name: &str| format!("ticket_types[{i}].{name}");
        let name = p.take(domain::text(&f("name"), &t.name, 1, 80, false));
        if !(0..=10_000_000).contains(&t.price_cents) {
            p.add(ApiError::invalid(
                f("price_cents"),
                "price must be between 0 and 100000.00",
            ));
        }
        if !(1..=1_000_000).contains(&t.capacity) {
            p.add(ApiError::invalid(
                f("capacity"),
                "capacity must be between 1 and 1000000",
            ));
        }
        let currency = p.take(
            domain::currency(t.currency.as_deref().unwrap_or("EUR"))
                .map_err(|e| e.with_field(f("currency"))),
        );
        let max_per_booking = t.max_per_booking.unwrap_or(domain::DEFAULT_MAX_PER_BOOKING);
        if !(1..=domain::MAX_PER_BOOKING_CEILING).contains(&max_per_booking) {
            p.add(ApiError::invalid(
                f("max_per_booking"),
                "per-booking maximum must be between 1 and 50",
            ));
        }
        let sale_starts_at = t.sale_starts_at.map(|d| d.timestamp_millis());
        let sale_ends_at = t.sale_ends_at.map(|d| d.timestamp_millis());
        if let (Some(s), Some(e)) = (sale_starts_at, sale_ends_at)
            && e <= s
        {
            p.add(ApiError::invalid(
                f("sale_ends_at"),
                "the sale must end after it starts",
            ));
        }
        if sale_ends_at.is_some_and(|e| e > ends_at) {
            p.add(ApiError::invalid(
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
        p.add(ApiError::invalid(
            "max_seats_per_user",
            format!(
                "seats per person must be between {largest_booking} (the largest per-booking maximum) and {}",
                domain::MAX_SEATS_PER_USER_CEILING
            ),
        ));
    }
    if let Some(e) = ApiError::all_of(p.0) {
        return Err(e);
    }
    Ok(Validated {
        event: NewEvent {
            organizer_id,
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
            offer_minutes,
            reminder_hours,
            min_price_cents,
            now,
        },
        ticket_types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::TicketTypeInput;
    use chrono::{Duration, Utc};

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let now = Utc::now();
        let req = CreateEventRequest {
            title: "x".into(),
            description: String::new(),
            venue: "Hall".into(),
            city: "Berlin".into(),
            category: String::new(),
            starts_at: now + Duration::days(2),
            ends_at: now + Duration::days(1),
            timezone: None,
            image_url: None,
            hold_minutes: Some(0),
            cancel_cutoff_minutes: None,
            max_seats_per_user: None,
            payment_note: None,
            offer_minutes: None,
            reminder_hours: Some(400),
            ticket_types: vec![TicketTypeInput {
                name: "GA".into(),
                capacity: 0,
                ..Default::default()
            }],
        };
        let e = check(&req, now.timestamp_millis()).expect("rejected");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "title",
                "description",
                "category",
                "ends_at",
                "hold_minutes",
                "reminder_hours",
                "ticket_types[0].capacity"
            ]
        );
        // The first is also the error's own field and message (clients that read one).
        assert_eq!(e.field.as_deref(), Some("title"));
        assert_eq!(e.errors.len(), 7);
        let mut ok = req.clone();
        ok.title = "Rooftop jazz".into();
        ok.description = "Music.".into();
        ok.category = "music".into();
        ok.ends_at = now + Duration::days(3);
        ok.hold_minutes = None;
        ok.reminder_hours = Some(0);
        ok.ticket_types[0].capacity = 10;
        assert_eq!(check(&ok, now.timestamp_millis()), None);
    }
}
