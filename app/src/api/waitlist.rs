//! Server functions for the waitlist: join and leave from the event page, answer an offer
//! from My bookings, and the organizer's queue controls.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use evently::dto::{OrganizerWaitlistEntry, WaitlistEntryView, WaitlistQueueView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr;

/// Joins a sold-out ticket type's waitlist (or changes the quantity) and goes back to the
/// event, which then shows the place in the queue. Signed-out visitors sign in first.
#[server(endpoint = "join_waitlist")]
pub async fn join_waitlist(
    event_id: i64,
    slug: String,
    ticket_type_id: i64,
    quantity: i64,
) -> Result<(), AppError> {
    let event = ssr::event_path(&slug);
    let Some(actor) = ssr::actor() else {
        ssr::redirect(&format!(
            "/signin?why=waitlist&next={}",
            evently::dto::url_encode(&format!("{event}#tickets"))
        ));
        return Ok(());
    };
    match ssr::core()?
        .waitlist()
        .join(&actor, event_id, ticket_type_id, quantity)
        .await
    {
        Ok(_) => {
            ssr::redirect(&format!("{event}?waitlist=joined#tickets"));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Leaves a queue; back to `next` (the event or My bookings).
#[server(endpoint = "leave_waitlist")]
pub async fn leave_waitlist(entry_id: i64, next: String) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.waitlist().leave(&actor, entry_id).await {
        Ok(_) => {
            ssr::redirect(&next);
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Accepts an offer: the held seats are booked; on to the booking's page.
#[server(endpoint = "accept_offer")]
pub async fn accept_offer(entry_id: i64, key: String) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .waitlist()
        .accept(&actor, entry_id, &key, &[])
        .await
    {
        Ok((b, _)) => {
            ssr::redirect(&format!("/bookings/{}?confirmed=1", b.id));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Declines an offer: its seats go to the next person at once.
#[server(endpoint = "decline_offer")]
pub async fn decline_offer(entry_id: i64) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.waitlist().decline(&actor, entry_id).await {
        Ok(_) => {
            ssr::redirect("/bookings?done=declined#waitlist");
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// The signed-in person's waitlist entries and the server's clock (for countdowns).
#[server(endpoint = "my_waitlist")]
pub async fn my_waitlist() -> Result<(Vec<WaitlistEntryView>, DateTime<Utc>), AppError> {
    let actor = ssr::require_actor()?;
    let core = ssr::core()?;
    match core.waitlist().mine(&actor).await {
        Ok(list) => Ok((list, core.clock().now())),
        Err(e) => ssr::fail(e),
    }
}

/// An event's queues and the first entries still in them, for its organizer.
#[server(endpoint = "event_waitlists")]
pub async fn event_waitlists(
    event_id: i64,
) -> Result<(Vec<WaitlistQueueView>, Vec<OrganizerWaitlistEntry>), AppError> {
    let actor = ssr::require_actor()?;
    let w = ssr::core()?;
    let w = w.waitlist();
    let queues = match w.queues(&actor, event_id).await {
        Ok(q) => q,
        Err(e) => return ssr::fail(e),
    };
    match w.entries(&actor, event_id, None, true, None, 100).await {
        Ok(page) => Ok((queues, page.items)),
        Err(e) => ssr::fail(e),
    }
}

/// Pauses or resumes a queue; back to the organizer's event page.
#[server(endpoint = "pause_waitlist")]
pub async fn pause_waitlist(
    event_id: i64,
    ticket_type_id: i64,
    paused: bool,
) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .waitlist()
        .set_paused(&actor, event_id, ticket_type_id, paused)
        .await
    {
        Ok(_) => {
            ssr::redirect(&format!("/organizer/events/{event_id}#waitlist"));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Removes an entry from an event's queue; back to the organizer's event page.
#[server(endpoint = "remove_waitlist_entry")]
pub async fn remove_waitlist_entry(event_id: i64, entry_id: i64) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .waitlist()
        .remove(&actor, event_id, entry_id)
        .await
    {
        Ok(_) => {
            ssr::redirect(&format!("/organizer/events/{event_id}#waitlist"));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}
