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
    /// How long a waitlist offer lasts, in minutes.
    #[serde(default)]
    pub offer_minutes: Option<String>,
    /// How many hours before the start bookers get a reminder (0: none).
    #[serde(default)]
    pub reminder_hours: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub tickets: Vec<TicketTypeForm>,
}

impl EventForm {
    /// The form as flat `(name, value)` pairs, for a form cookie (ticket rows as JSON).
    pub fn to_values(&self) -> Vec<(String, String)> {
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(self) else {
            return Vec::new();
        };
        map.into_iter()
            .filter_map(|(k, v)| match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some((k, s)),
                other => Some((k, other.to_string())),
            })
            .collect()
    }

    /// The form back from [`EventForm::to_values`] (what was left out stays empty).
    pub fn from_values(values: &[(String, String)]) -> Option<EventForm> {
        let mut map = serde_json::Map::new();
        for (k, v) in values {
            let value = if k == "tickets" {
                serde_json::from_str(v).unwrap_or(serde_json::Value::Array(Vec::new()))
            } else {
                serde_json::Value::String(v.clone())
            };
            map.insert(k.clone(), value);
        }
        serde_json::from_value(serde_json::Value::Object(map)).ok()
    }
}

/// Back to the event form with what was typed and every problem (a post without script).
#[cfg(feature = "ssr")]
fn back_to_form(form: &EventForm, e: impl Into<AppError>, page: &str) -> Result<(), AppError> {
    let values = form.to_values();
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ssr::flash_back("event", &pairs, e, page)
}

/// The request for the core, from the form as typed. Everything wrong is reported at once:
/// what cannot be read here (a date, a number) and, with stand-ins for those, whatever the
/// core finds wrong with the rest (`ApiError::errors`).
#[cfg(feature = "ssr")]
fn to_request(f: &EventForm) -> Result<evently::dto::CreateEventRequest, evently::ApiError> {
    use evently::ApiError;
    let mut problems: Vec<ApiError> = Vec::new();
    let now = chrono::Utc::now();
    let tz = if f.timezone.trim().is_empty() {
        "UTC"
    } else {
        f.timezone.trim()
    };
    let p = &mut problems;
    let starts_at = evently::local_time::parse_local("starts_local", &f.starts_local, tz)
        .unwrap_or_else(|e| {
            p.push(e);
            now + chrono::Duration::days(1)
        });
    let ends_at =
        evently::local_time::parse_local("ends_local", &f.ends_local, tz).unwrap_or_else(|e| {
            p.push(e);
            starts_at + chrono::Duration::hours(1)
        });
    let mut ticket_types = Vec::new();
    for t in &f.tickets {
        let blank =
            t.name.trim().is_empty() && t.price.trim().is_empty() && t.capacity.trim().is_empty();
        if blank && t.id.as_deref().unwrap_or("").is_empty() {
            continue;
        }
        let n = ticket_types.len();
        // A blank price in this form means a free ticket; the amount rule is the domain's.
        let price_field = format!("ticket_types[{n}].price_cents");
        let price_cents = if t.price.trim().is_empty() {
            0
        } else {
            match evently::domain::parse_money(&price_field, &t.price) {
                Ok(c) => c,
                Err(_) => {
                    p.push(ApiError::invalid(
                        price_field,
                        "enter a price like 25 or 25.50 (0 for free)",
                    ));
                    0
                }
            }
        };
        ticket_types.push(evently::dto::TicketTypeInput {
            id: opt_whole(p, &format!("ticket_types[{n}].id"), &t.id),
            name: t.name.clone(),
            price_cents,
            capacity: 0,
            currency: f.currency.clone().filter(|c| !c.trim().is_empty()),
            max_per_booking: opt_whole(
                p,
                &format!("ticket_types[{n}].max_per_booking"),
                &t.max_per_booking,
            ),
            sale_starts_at: None,
            sale_ends_at: None,
        });
        ticket_types[n].capacity = whole(p, format!("ticket_types[{n}].capacity"), &t.capacity);
    }
    let hold_minutes = opt_whole(p, "hold_minutes", &f.hold_minutes);
    let cutoff_hours = opt_whole(p, "cancel_cutoff_hours", &f.cancel_cutoff_hours);
    let max_seats_per_user = opt_whole(p, "max_seats_per_user", &f.max_seats_per_user);
    let offer_minutes = opt_whole(p, "offer_minutes", &f.offer_minutes);
    let reminder_hours = opt_whole(p, "reminder_hours", &f.reminder_hours);
    let cancel_cutoff_minutes = match cutoff_hours {
        None => None,
        Some(h) => match h.checked_mul(60) {
            Some(m) => Some(m),
            None => {
                p.push(ApiError::invalid(
                    "cancel_cutoff_hours",
                    "enter at most 8760 hours (a year)",
                ));
                None
            }
        },
    };
    let req = evently::dto::CreateEventRequest {
        title: f.title.clone(),
        description: f.description.clone(),
        venue: f.venue.clone(),
        city: f.city.clone(),
        category: f.category.clone(),
        starts_at,
        ends_at,
        timezone: Some(tz.to_string()),
        image_url: f.image_url.clone(),
        hold_minutes,
        cancel_cutoff_minutes,
        max_seats_per_user,
        payment_note: f.payment_note.clone(),
        offer_minutes,
        reminder_hours,
        ticket_types,
    };
    if problems.is_empty() {
        return Ok(req);
    }
    // What the core finds wrong besides, with the stand-ins (which it accepts).
    if let Some(more) = evently::events::check_event_request(&req, now.timestamp_millis()) {
        for fe in more.field_errors() {
            if !problems
                .iter()
                .any(|p| p.field.as_deref() == Some(&fe.field))
            {
                problems.push(ApiError::invalid(fe.field, fe.message));
            }
        }
    }
    // In the order the form asks.
    const ORDER: [&str; 18] = [
        "title",
        "description",
        "venue",
        "city",
        "category",
        "timezone",
        "starts_local",
        "starts_at",
        "ends_local",
        "ends_at",
        "image_url",
        "hold_minutes",
        "cancel_cutoff_hours",
        "cancel_cutoff_minutes",
        "max_seats_per_user",
        "payment_note",
        "offer_minutes",
        "reminder_hours",
    ];
    problems.sort_by_key(|p| {
        let f = p.field.as_deref().unwrap_or("");
        ORDER.iter().position(|o| *o == f).unwrap_or(ORDER.len())
    });
    Err(ApiError::all_of(problems).unwrap_or_else(ApiError::internal))
}

/// A whole number typed into `field` (a stand-in of 1, noted as a problem, if it is none).
#[cfg(feature = "ssr")]
fn whole(problems: &mut Vec<evently::ApiError>, field: String, raw: &str) -> i64 {
    raw.trim().parse::<i64>().unwrap_or_else(|_| {
        problems.push(evently::ApiError::invalid(field, "enter a whole number"));
        1
    })
}

/// An optional whole number typed into `field` (empty: none).
#[cfg(feature = "ssr")]
fn opt_whole(
    problems: &mut Vec<evently::ApiError>,
    field: &str,
    raw: &Option<String>,
) -> Option<i64> {
    let v = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    match v.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(evently::ApiError::invalid(field, "enter a whole number"));
            None
        }
    }
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
    let page = "/organizer/events/new";
    let req = match to_request(&form) {
        Ok(r) => r,
        Err(e) => return back_to_form(&form, e, page),
    };
    match ssr::core()?.events().create_event(&actor, &req).await {
        Ok(ev) => {
            ssr::redirect(&format!("/organizer/events/{}", ev.id));
            Ok(())
        }
        Err(e) => back_to_form(&form, e, page),
    }
}

/// Saves changes to an event and returns to its dashboard.
#[server(endpoint = "update_event")]
pub async fn update_event(event_id: i64, form: EventForm) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    let page = format!("/organizer/events/{event_id}/edit");
    let req = match to_request(&form) {
        Ok(r) => r,
        Err(e) => return back_to_form(&form, e, &page),
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
        Err(e) => back_to_form(&form, e, &page),
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
        offer_minutes: Some(e.offer_minutes.to_string()),
        reminder_hours: Some(e.reminder_hours.to_string()),
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
