//! Server functions for the booking journey: hold, check out, confirm, see and cancel.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use evently::dto::{EventDetail, HoldView, MyBooking, TicketTypeView};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;

/// Holds the chosen seats and goes to the checkout page. Signed-out visitors are sent to
/// sign in and come back to the event.
#[server(endpoint = "start_checkout")]
pub async fn start_checkout(
    event_id: i64,
    slug: String,
    ticket_type_id: i64,
    quantity: i64,
    key: String,
) -> Result<(), AppError> {
    let Some(actor) = ssr::actor() else {
        // Back to the event after signing in, with the same ticket type and quantity chosen.
        let event = ssr::event_path(&slug);
        let back = if event == "/" {
            event
        } else {
            format!(
                "{event}?ticket={ticket_type_id}&quantity={}",
                quantity.clamp(1, 50)
            )
        };
        ssr::redirect(&format!(
            "/signin?why=book&next={}",
            evently::dto::url_encode(&back)
        ));
        return Ok(());
    };
    match ssr::core()?
        .bookings()
        .hold(&actor, event_id, ticket_type_id, quantity, &key)
        .await
    {
        Ok((hold, _)) => {
            ssr::redirect(&format!("/checkout/{}", hold.id));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Everything the checkout page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutData {
    pub hold: HoldView,
    pub event: EventDetail,
    pub ticket_type: TicketTypeView,
    pub total_label: String,
    /// How the total is paid (the organizer's note, or at the door); none when it is free.
    pub payment_terms: Option<String>,
    /// The server's clock, so the countdown is right even if the visitor's clock is not.
    pub server_now: DateTime<Utc>,
    /// Seats bookable now (to say whether trying again can work after an expiry).
    pub available_now: i64,
}

/// A hold of the signed-in user, with its event.
#[server(endpoint = "load_checkout")]
pub async fn load_checkout(hold_id: i64) -> Result<CheckoutData, AppError> {
    let actor = ssr::require_actor()?;
    let core = ssr::core()?;
    let hold = match core.bookings().hold_for(&actor, hold_id).await {
        Ok(h) => h,
        Err(e) => return ssr::fail(e),
    };
    let event = match core.events().event_for(Some(&actor), hold.event_id).await {
        Ok(e) => e,
        Err(e) => return ssr::fail(e),
    };
    let Some(tt) = event
        .ticket_types
        .iter()
        .find(|t| t.id == hold.ticket_type_id)
        .cloned()
    else {
        return ssr::fail(evently::ApiError::not_found("ticket type"));
    };
    let total = tt.price_cents * hold.quantity;
    Ok(CheckoutData {
        total_label: evently::domain::format_amount(total, &tt.currency),
        payment_terms: evently::domain::payment_terms(total, &event.payment_note),
        available_now: tt.available,
        server_now: core.clock().now(),
        ticket_type: tt,
        hold,
        event,
    })
}

/// Extends the hold (a bounded number of times).
#[server(endpoint = "renew_checkout")]
pub async fn renew_checkout(hold_id: i64) -> Result<HoldView, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.bookings().renew_hold(&actor, hold_id).await {
        Ok(h) => Ok(h),
        Err(e) => ssr::fail(e),
    }
}

/// Gives the held seats back and returns to the event.
#[server(endpoint = "release_checkout")]
pub async fn release_checkout(hold_id: i64, slug: String) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.bookings().release_hold(&actor, hold_id).await {
        Ok(_) => {
            ssr::redirect(&ssr::event_path(&slug));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// Confirms the hold into a booking, with an attendee name per ticket.
#[server(endpoint = "confirm_checkout")]
pub async fn confirm_checkout(
    hold_id: i64,
    attendee_names: Option<Vec<String>>,
) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .bookings()
        .confirm_hold(&actor, hold_id, &attendee_names.unwrap_or_default())
        .await
    {
        Ok(b) => {
            ssr::redirect(&format!("/bookings/{}?confirmed=1", b.id));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// The signed-in user's bookings, and the server's clock (to split upcoming from past).
#[server(endpoint = "my_bookings")]
pub async fn my_bookings() -> Result<(Vec<MyBooking>, DateTime<Utc>), AppError> {
    let actor = ssr::require_actor()?;
    let core = ssr::core()?;
    match core.bookings().my_bookings(&actor).await {
        Ok(list) => Ok((list, core.clock().now())),
        Err(e) => ssr::fail(e),
    }
}

/// One booking of the signed-in user.
#[server(endpoint = "load_booking")]
pub async fn load_booking(booking_id: i64) -> Result<MyBooking, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.bookings().my_booking(&actor, booking_id).await {
        Ok(b) => Ok(b),
        Err(e) => ssr::fail(e),
    }
}

/// Cancels a booking of the signed-in user; its seats return at once.
#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(booking_id: i64) -> Result<bool, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .bookings()
        .cancel_booking(&actor, booking_id)
        .await
    {
        Ok(out) => {
            ssr::after_form("/bookings?done=cancelled");
            Ok(!out.already_cancelled)
        }
        Err(e) => ssr::fail(e),
    }
}
