//! Server functions for organizers: create and edit events, publish, cancel, sales,
//! attendees, check-in.

use crate::error::AppError;
use evently::dto::{AttendeeView, CheckInOutcome, EventSales, EventSummary};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;

/// One ticket type row of the event form (text, as typed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketTypeForm {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    /// In major units: `25` or `25.50`.
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub max_per_booking: Option<String>,
}

/// The event form, as typed. Times are local to the event's time zone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventForm {
    pub title: String,
    pub description: String,
    pub venue: String,
    pub city: String,
    pub category: String,
    pub timezone: String,
    pub starts_local: String,
    pub ends_local: String,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub hold_minutes: Option<String>,
    #[serde(default)]
    pub cancel_cutoff_hours: Option<String>,
    #[serde(default)]
    pub max_seats_per_user: Option<String>,
    #[serde(default)]
    pub payment_note: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub tickets: Vec<TicketTypeForm>,
}

#[cfg(feature = "ssr")]
fn to_request(f: &EventForm) -> Result<evently::dto::CreateEventRequest, evently::ApiError> {
    use evently::ApiError;
    let tz = if f.timezone.trim().is_empty() {
        "UTC"
    } else {
        f.timezone.trim()
    };
    let starts_at = evently::local_time::parse_local("starts_local", &f.starts_local, tz)?;
    let ends_at = evently::local_time::parse_local("ends_local", &f.ends_local, tz)?;
    let number = |field: String, raw: &str| -> Result<i64, ApiError> {
        raw.trim()
            .parse::<i64>()
            .map_err(|_| ApiError::invalid(field, "enter a whole number"))
    };
    let opt_number = |field: &str, raw: &Option<String>| -> Result<Option<i64>, ApiError> {
        match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| ApiError::invalid(field, "enter a whole number")),
        }
    };
    let mut ticket_types = Vec::new();
    for (i, t) in f.tickets.iter().enumerate() {
        let blank =
            t.name.trim().is_empty() && t.price.trim().is_empty() && t.capacity.trim().is_empty();
        if blank && t.id.as_deref().unwrap_or("").is_empty() {
            continue;
        }
        // A blank price in this form means a free ticket; the amount rule is the domain's.
        let price_cents = if t.price.trim().is_empty() {
            0
        } else {
            evently::domain::parse_money(&format!("ticket_types[{i}].price_cents"), &t.price)
                .map_err(|_| {
                    ApiError::invalid(
                        format!("ticket_types[{i}].price_cents"),
                        "enter a price like 25 or 25.50 (0 for free)",
                    )
                })?
        };
        ticket_types.push(evently::dto::TicketTypeInput {
            id: opt_number(&format!("ticket_types[{i}].id"), &t.id)?,
            name: t.name.clone(),
            price_cents,
            capacity: number(format!("ticket_types[{i}].capacity"), &t.capacity)?,
            currency: f.currency.clone().filter(|c| !c.trim().is_empty()),
            max_per_booking: opt_number(
                &format!("ticket_types[{i}].max_per_booking"),
                &t.max_per_booking,
            )?,
            sale_starts_at: None,
            sale_ends_at: None,
        });
    }
    Ok(evently::dto::CreateEventRequest {
        title: f.title.clone(),
        description: f.description.clone(),
        venue: f.venue.clone(),
        city: f.city.clone(),
        category: f.category.clone(),
        starts_at,
        ends_at,
        timezone: Some(tz.to_string()),
        image_url: f.image_url.clone(),
        hold_minutes: opt_number("hold_minutes", &f.hold_minutes)?,
        cancel_cutoff_minutes: match opt_number("cancel_cutoff_hours", &f.cancel_cutoff_hours)? {
            None => None,
            Some(h) => Some(h.checked_mul(60).ok_or_else(|| {
                ApiError::invalid("cancel_cutoff_hours", "enter at most 8760 hours (a year)")
            })?),
        },
        max_seats_per_user: opt_number("max_seats_per_user", &f.max_seats_per_user)?,
        payment_note: f.payment_note.clone(),
        ticket_types,
    })
}

/// The organizer's events.
#[server(endpoint = "organizer_events")]
pub async fn organizer_events() -> Result<Vec<EventSummary>, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.events().my_events(&actor).await {
        Ok(v) => Ok(v),
        Err(e) => ssr::fail(e),
    }
}

/// Creates a draft event and opens its dashboard.
#[server(endpoint = "create_event")]
pub async fn create_event(form: EventForm) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    let req = match to_request(&form) {
        Ok(r) => r,
        Err(e) => return ssr::fail(e),
    };
    match ssr::core()?.events().create_event(&actor, &req).await {
        Ok(ev) => {
            ssr::redirect(&format!("/organizer/events/{}", ev.id));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Saves changes to an event and returns to its dashboard.
#[server(endpoint = "update_event")]
pub async fn update_event(event_id: i64, form: EventForm) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    let req = match to_request(&form) {
        Ok(r) => r,
        Err(e) => return ssr::fail(e),
    };
    match ssr::core()?
        .events()
        .update_event(&actor, event_id, &req)
        .await
    {
        Ok(_) => {
            ssr::redirect(&format!("/organizer/events/{event_id}?saved=1"));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// An event's form values, for editing (times in the event's zone).
#[server(endpoint = "load_event_form")]
pub async fn load_event_form(event_id: i64) -> Result<EventForm, AppError> {
    let actor = ssr::require_actor()?;
    let core = ssr::core()?;
    let sales = match core.events().event_sales(&actor, event_id).await {
        Ok(s) => s,
        Err(e) => return ssr::fail(e),
    };
    let e = sales.event;
    let local = |d: chrono::DateTime<chrono::Utc>| {
        evently::local_time::local_input_value(d.timestamp_millis(), &e.timezone)
    };
    Ok(EventForm {
        starts_local: local(e.starts_at),
        ends_local: local(e.ends_at),
        title: e.title.clone(),
        description: e.description.clone(),
        venue: e.venue.clone(),
        city: e.city.clone(),
        category: e.category.clone(),
        timezone: e.timezone.clone(),
        image_url: e.image_url.clone(),
        hold_minutes: Some(e.hold_minutes.to_string()),
        cancel_cutoff_hours: Some((e.cancel_cutoff_minutes / 60).to_string()),
        max_seats_per_user: Some(e.max_seats_per_user.to_string()),
        payment_note: Some(e.payment_note.clone()),
        currency: e.ticket_types.first().map(|t| t.currency.clone()),
        tickets: sales
            .ticket_types
            .iter()
            .map(|t| TicketTypeForm {
                id: Some(t.id.to_string()),
                name: t.name.clone(),
                price: format!("{}.{:02}", t.price_cents / 100, t.price_cents % 100),
                capacity: t.capacity.to_string(),
                max_per_booking: Some(t.max_per_booking.to_string()),
            })
            .collect(),
    })
}

/// Sales at a glance.
#[server(endpoint = "load_event_sales")]
pub async fn load_event_sales(event_id: i64) -> Result<EventSales, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.events().event_sales(&actor, event_id).await {
        Ok(s) => Ok(s),
        Err(e) => ssr::fail(e),
    }
}

/// Publishes a draft.
#[server(endpoint = "publish_event")]
pub async fn publish_event(event_id: i64) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.events().publish_event(&actor, event_id).await {
        Ok(_) => {
            ssr::after_form(&format!("/organizer/events/{event_id}?done=published"));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Cancels the event (after an explicit confirmation): every booking is cancelled.
#[server(endpoint = "cancel_event")]
pub async fn cancel_event(event_id: i64, confirm: Option<String>) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    if confirm.is_none() {
        return ssr::fail(evently::ApiError::invalid(
            "confirm",
            "tick the box to confirm: every booking will be cancelled",
        ));
    }
    match ssr::core()?.events().cancel_event(&actor, event_id).await {
        Ok(_) => {
            ssr::after_form(&format!("/organizer/events/{event_id}?done=cancelled"));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Changes one ticket type's capacity.
#[server(endpoint = "change_capacity")]
pub async fn change_capacity(
    ticket_type_id: i64,
    capacity: i64,
    event_id: Option<i64>,
) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .events()
        .set_capacity(&actor, ticket_type_id, capacity)
        .await
    {
        Ok(t) => {
            if let Some(id) = event_id {
                ssr::after_form(&format!("/organizer/events/{id}?done=capacity&tt={}", t.id));
            }
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Ticket holders, optionally matching a search.
#[server(endpoint = "event_attendees")]
pub async fn event_attendees(
    event_id: i64,
    q: Option<String>,
) -> Result<Vec<AttendeeView>, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .events()
        .attendees(&actor, event_id, q.as_deref(), None, 200)
        .await
    {
        Ok(v) => Ok(v),
        Err(e) => ssr::fail(e),
    }
}

/// Checks a ticket in by its code.
#[server(endpoint = "check_in")]
pub async fn check_in(event_id: i64, code: String) -> Result<CheckInOutcome, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .events()
        .check_in(&actor, event_id, &code)
        .await
    {
        Ok(o) => Ok(o),
        Err(e) => ssr::fail(e),
    }
}
