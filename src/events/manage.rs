//! Running events: editing them, sales at a glance, the attendee list, check-in at the door.
//! Only the event's organizer (or an admin) may do any of it; others get 404.

use super::validate::validate;
use super::views::event_summary;
use super::{EventError, EventService, audit_event};
use crate::actor::Actor;
use crate::clock::to_datetime;
use crate::domain::{BookingStatus, EventStatus, format_price};
use crate::dto::{
    AttendeeView, CheckInOutcome, CreateEventRequest, EventDetail, EventSales, EventSummary,
    TicketTypeSales,
};
use crate::inventory::{Resize, SeatTx};
use crate::notifications::{EventPlaceTime, reminders};
use crate::store;
use crate::store::organizer::AttendeeRow;

/// An attendee, with times labelled in the event's zone `tz`.
fn attendee_view(r: &AttendeeRow, tz: &str) -> AttendeeView {
    AttendeeView {
        checked_in_label: r
            .checked_in_at
            .map(|ms| crate::local_time::date_label(ms, tz)),
        ticket_id: r.ticket_id,
        ticket_code: r.ticket_code.clone(),
        attendee_name: r.attendee_name.clone(),
        buyer_name: r.buyer_name.clone(),
        buyer_email: r.buyer_email.clone(),
        ticket_type: r.ticket_type.clone(),
        booking_code: r.booking_code.clone(),
        booked_at: to_datetime(r.booked_at),
        checked_in_at: r.checked_in_at.map(to_datetime),
    }
}

impl EventService {
    /// The actor's events (every status), newest first.
    pub async fn my_events(&self, actor: &Actor) -> Result<Vec<EventSummary>, EventError> {
        if !actor.role.can_organize() {
            return Err(EventError::NotOrganizer);
        }
        let rows = store::events::by_organizer(self.ctx.db(), actor.user_id, 200)
            .await
            .map_err(|e| EventError::db("listing events failed", e))?;
        Ok(rows.iter().map(event_summary).collect())
    }

    /// Edits an event: its details, and its ticket types (existing ones by id, new ones
    /// added). Capacity follows the usual rule: up freely, down only to what is taken.
    #[tracing::instrument(skip_all)]
    pub async fn update_event(
        &self,
        actor: &Actor,
        id: i64,
        req: &CreateEventRequest,
    ) -> Result<EventDetail, EventError> {
        let current = self.managed_event(actor, id).await?;
        if current.status == EventStatus::Cancelled {
            return Err(EventError::WrongState(
                "cancelled and can no longer be edited".into(),
            ));
        }
        let now = self.ctx.clock().now_ms();
        let v = validate(actor.user_id, req, now)?;
        let existing = store::events::ticket_types_for_event(self.ctx.db(), id, now)
            .await
            .map_err(|e| EventError::db("reading ticket types failed", e))?;
        for (i, t) in req.ticket_types.iter().enumerate() {
            if let Some(tid) = t.id
                && !existing.iter().any(|e| e.id == tid)
            {
                return Err(crate::ApiError::invalid(
                    format!("ticket_types[{i}].id"),
                    "this ticket type does not belong to the event",
                )
                .into());
            }
        }
        let fail = |e| EventError::db("updating an event failed", e);
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        let locked = stx.lock_event(id).await.map_err(fail)?;
        store::organizer::update_event(stx.tx(), &v.event, id)
            .await
            .map_err(fail)?;
        // Bookers hear about a new time or place; reminders follow the new start.
        let before = EventPlaceTime {
            starts_at: current.starts_at,
            ends_at: current.ends_at,
            venue: current.venue.clone(),
            city: current.city.clone(),
        };
        let after = EventPlaceTime {
            starts_at: v.event.starts_at,
            ends_at: v.event.ends_at,
            venue: v.event.venue.clone(),
            city: v.event.city.clone(),
        };
        let notices = reminders::after_event_edit(
            stx.tx(),
            id,
            (&before, current.reminder_hours),
            (&after, v.event.reminder_hours),
            now,
        )
        .await
        .map_err(fail)?;
        stx.enqueue_each_due(&notices, now).await.map_err(fail)?;
        for (input, t) in req.ticket_types.iter().zip(&v.ticket_types) {
            match input.id {
                Some(tid) => {
                    store::organizer::update_ticket_type(stx.tx(), tid, id, t)
                        .await
                        .map_err(fail)?;
                    let Some(row) = locked.iter().find(|r| r.id == tid) else {
                        continue;
                    };
                    if row.capacity != t.capacity
                        && let Resize::BelowTaken { taken } =
                            stx.resize(row, t.capacity, now).await.map_err(fail)?
                    {
                        stx.rollback().await;
                        return Err(EventError::CapacityBelowTaken { taken });
                    }
                }
                None => {
                    let new_id = store::events::insert_ticket_type(stx.tx(), id, t, now)
                        .await
                        .map_err(fail)?;
                    stx.touch(id, new_id);
                }
            }
        }
        let detail = serde_json::json!({ "title": v.event.title });
        audit_event(stx.tx(), actor, "event.update", id, detail, now).await?;
        stx.commit().await.map_err(fail)?;
        self.ctx.pages_changed();
        self.event_for(Some(actor), id).await
    }

    /// Sold, held and left per ticket type, with revenue and check-ins.
    #[tracing::instrument(skip_all)]
    pub async fn event_sales(&self, actor: &Actor, id: i64) -> Result<EventSales, EventError> {
        self.managed_event(actor, id).await?;
        let now = self.ctx.clock().now_ms();
        let event = self.event_for(Some(actor), id).await?;
        let rows = store::organizer::sales(self.ctx.db(), id, now)
            .await
            .map_err(|e| EventError::db("reading sales failed", e))?;
        let bookings = rows.iter().map(|r| r.bookings).sum();
        let ticket_types = rows
            .into_iter()
            .map(|r| {
                let available = event
                    .ticket_types
                    .iter()
                    .find(|t| t.id == r.id)
                    .map(|t| t.available)
                    .unwrap_or(0);
                TicketTypeSales {
                    price_label: format_price(r.price_cents, &r.currency),
                    id: r.id,
                    name: r.name,
                    price_cents: r.price_cents,
                    currency: r.currency,
                    capacity: r.capacity,
                    sold: r.sold,
                    held: r.held,
                    available,
                    revenue_cents: r.revenue_cents,
                    checked_in: r.checked_in,
                    max_per_booking: r.max_per_booking,
                }
            })
            .collect();
        Ok(EventSales {
            event,
            ticket_types,
            bookings,
        })
    }

    /// Ticket holders of an event, optionally matching `q` (name, e-mail, ticket or booking code).
    #[tracing::instrument(skip_all)]
    pub async fn attendees(
        &self,
        actor: &Actor,
        id: i64,
        q: Option<&str>,
        after_ticket: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AttendeeView>, EventError> {
        let event = self.managed_event(actor, id).await?;
        let q = q.map(str::trim).filter(|q| !q.is_empty());
        if q.is_some_and(|q| q.chars().count() > 100) {
            return Err(
                crate::ApiError::invalid("q", "search is limited to 100 characters").into(),
            );
        }
        let rows =
            store::organizer::attendees(self.ctx.db(), id, q, after_ticket, limit.clamp(1, 500))
                .await
                .map_err(|e| EventError::db("listing attendees failed", e))?;
        Ok(rows
            .iter()
            .map(|r| attendee_view(r, &event.timezone))
            .collect())
    }

    /// Checks a ticket in by its code, or by the signed token its QR code carries (a forged
    /// token or another event's ticket is refused before anything is looked up). Scanning the same ticket twice says when it was first
    /// checked in; a ticket of another event is not found; a cancelled one says so.
    #[tracing::instrument(skip_all)]
    pub async fn check_in(
        &self,
        actor: &Actor,
        event_id: i64,
        code: &str,
    ) -> Result<CheckInOutcome, EventError> {
        let event = self.managed_event(actor, event_id).await?;
        if let crate::ratelimit::Verdict::Limited { retry_after_secs } = self
            .ctx
            .limiter()
            .hit(
                crate::ratelimit::tiers::CHECK_IN,
                &actor.user_id.to_string(),
            )
            .await
        {
            return Err(crate::ratelimit::too_many(retry_after_secs, "check-ins").into());
        }
        let code = if crate::tickets::token::looks_like_token(code) {
            // A scanned QR code: trust only what the signature covers.
            let claim = self.ctx.settings().ticket_keys.verify(code).map_err(|e| {
                EventError::from(crate::ApiError::new(
                    crate::ErrorCode::InvalidTicket,
                    format!("{e}: do not admit"),
                ))
            })?;
            if claim.event_id != event_id {
                return Err(crate::ApiError::new(
                    crate::ErrorCode::WrongEvent,
                    "this ticket is for another event: do not admit",
                )
                .into());
            }
            claim.code
        } else {
            code.trim().to_uppercase()
        };
        if code.is_empty()
            || code.len() > 40
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(
                crate::ApiError::invalid("code", "enter the code printed on the ticket").into(),
            );
        }
        let now = self.ctx.clock().now_ms();
        let fail = |e| EventError::db("check-in failed", e);
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        let done = store::organizer::check_in(&mut tx, event_id, &code, actor.user_id, now)
            .await
            .map_err(fail)?;
        let row = store::organizer::ticket_by_code(&mut tx, &code)
            .await
            .map_err(fail)?;
        let outcome = match row {
            Some(r) if r.event_id == event_id => {
                if done {
                    CheckInOutcome::CheckedIn {
                        attendee: attendee_view(&r, &event.timezone),
                    }
                } else if r.booking_status != BookingStatus::Confirmed {
                    CheckInOutcome::Cancelled { code: code.clone() }
                } else {
                    CheckInOutcome::AlreadyCheckedIn {
                        attendee: attendee_view(&r, &event.timezone),
                        by: store::organizer::checked_in_by_name(&mut tx, r.ticket_id)
                            .await
                            .map_err(fail)?,
                    }
                }
            }
            _ => CheckInOutcome::NotFound { code: code.clone() },
        };
        if done {
            let detail = serde_json::json!({ "ticket": code });
            audit_event(&mut tx, actor, "ticket.check_in", event_id, detail, now).await?;
        }
        tx.commit().await.map_err(fail)?;
        Ok(outcome)
    }
}
