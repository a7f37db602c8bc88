//! Events and ticket types: creating, publishing, cancelling, resizing and reading them
//! ([`EventService`]); organizer tools live in `manage`, input rules in `validate`, API
//! views in `views`.

mod error;
mod manage;
mod reads;
mod validate;
mod views;

pub use error::EventError;
pub use reads::SeatsNow;
pub use views::{event_summary, ticket_type_view};

use crate::actor::Actor;
use crate::context::Ctx;
use crate::domain::EventStatus;
use crate::dto::{CreateEventRequest, EventDetail, TicketTypeView};
use crate::error::ApiError;
use crate::inventory::{Resize, SeatTx, Why};
use crate::notifications::{CancelReason, Message};
use crate::store;
use crate::store::events::EventRow;
use std::collections::BTreeMap;
pub use validate::check as check_event_request;
use validate::validate;

/// The events feature.
pub struct EventService {
    ctx: Ctx,
}

impl EventService {
    pub(crate) fn new(ctx: Ctx) -> Self {
        EventService { ctx }
    }

    /// Creates a draft event with its ticket types (organizers and admins).
    #[tracing::instrument(skip_all, fields(user = actor.user_id))]
    pub async fn create_event(
        &self,
        actor: &Actor,
        req: &CreateEventRequest,
    ) -> Result<EventDetail, EventError> {
        if !actor.role.can_organize() {
            return Err(EventError::NotOrganizer);
        }
        let now = self.ctx.clock().now_ms();
        let mut v = validate(actor.user_id, req, now)?;
        let db = self.ctx.db();
        let fail = |e| EventError::db("creating an event failed", e);
        // A readable slug; on a clash, a short random suffix.
        if store::events::slug_exists(db, &v.event.slug)
            .await
            .map_err(fail)?
        {
            v.event.slug = format!("{}-{}", v.event.slug, store::random_code(5).to_lowercase());
        }
        let mut tx = db.begin().await.map_err(fail)?;
        let id = store::events::insert_event(&mut tx, &v.event)
            .await
            .map_err(fail)?;
        for t in &v.ticket_types {
            store::events::insert_ticket_type(&mut tx, id, t, now)
                .await
                .map_err(fail)?;
        }
        let detail = serde_json::json!({ "title": v.event.title });
        audit_event(&mut tx, actor, "event.create", id, detail, now).await?;
        tx.commit().await.map_err(fail)?;
        self.event_for(Some(actor), id).await
    }

    /// Loads an event the actor may manage ([`Actor::may_manage`]). Others get 404.
    pub(crate) async fn managed_event(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<EventRow, EventError> {
        let e = store::events::event_by_id(self.ctx.db(), id)
            .await
            .map_err(|e| EventError::db("event lookup failed", e))?
            .ok_or(EventError::NotFound("event"))?;
        if actor.may_manage(e.event.organizer_id) {
            Ok(e.event)
        } else {
            Err(EventError::NotFound("event"))
        }
    }

    /// Publishes a draft event. Publishing twice is harmless; a cancelled event stays cancelled.
    #[tracing::instrument(skip_all, fields(event = id))]
    pub async fn publish_event(&self, actor: &Actor, id: i64) -> Result<EventDetail, EventError> {
        let event = self.managed_event(actor, id).await?;
        match event.status {
            EventStatus::Published => return self.event_for(Some(actor), id).await,
            EventStatus::Cancelled => {
                return Err(EventError::WrongState(
                    "cancelled and cannot be published".into(),
                ));
            }
            EventStatus::Draft => {}
        }
        let now = self.ctx.clock().now_ms();
        let fail = |e| EventError::db("publishing an event failed", e);
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        store::events::set_status(&mut tx, id, EventStatus::Published, now)
            .await
            .map_err(fail)?;
        audit_event(
            &mut tx,
            actor,
            "event.publish",
            id,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await.map_err(fail)?;
        self.ctx.pages_changed();
        self.event_for(Some(actor), id).await
    }

    /// Cancels an event: every booking is cancelled, every hold released and their seats
    /// given back, nothing more can be booked. Cancelling twice is harmless.
    #[tracing::instrument(skip_all, fields(event = id))]
    pub async fn cancel_event(&self, actor: &Actor, id: i64) -> Result<EventDetail, EventError> {
        let event = self.managed_event(actor, id).await?;
        if event.status == EventStatus::Cancelled {
            return self.event_for(Some(actor), id).await;
        }
        let now = self.ctx.clock().now_ms();
        let fail = |e| EventError::db("cancelling an event failed", e);
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        let tts = stx.lock_event(id).await.map_err(fail)?;
        // The waitlists close first, so the seats given back below go to nobody.
        let closed = crate::waitlist::close_for_event(&mut stx, id, now)
            .await
            .map_err(fail)?;
        let cancelled = store::bookings::cancel_all_for_event(stx.tx(), id, now)
            .await
            .map_err(fail)?;
        let released = store::holds::release_all_for_event(stx.tx(), id, now)
            .await
            .map_err(fail)?;
        store::outbox::drop_pending_for_event(stx.tx(), id, Message::REMINDER_KIND, None)
            .await
            .map_err(fail)?;
        let mut seats: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for b in &cancelled {
            seats.entry(b.ticket_type_id).or_default().0 += b.quantity;
        }
        for h in &released {
            seats.entry(h.ticket_type_id).or_default().1 += h.quantity;
        }
        for (tt, (booked, held)) in seats {
            stx.give_back(id, tt, booked, Why::EventCancelled)
                .await
                .map_err(fail)?;
            stx.give_back(id, tt, held, Why::HoldReleased)
                .await
                .map_err(fail)?;
        }
        for t in &tts {
            stx.touch(id, t.id);
        }
        store::events::set_status(stx.tx(), id, EventStatus::Cancelled, now)
            .await
            .map_err(fail)?;
        let msgs: Vec<Message> = cancelled
            .iter()
            .map(|b| Message::BookingCancelled {
                booking_id: b.id,
                user_id: b.user_id,
                event_id: b.event_id,
                reason: CancelReason::EventCancelled,
            })
            .collect();
        stx.enqueue(&msgs, now).await.map_err(fail)?;
        let detail = serde_json::json!({ "bookings_cancelled": cancelled.len(), "waitlist_entries_closed": closed });
        audit_event(stx.tx(), actor, "event.cancel", id, detail, now).await?;
        stx.commit().await.map_err(fail)?;
        self.ctx.pages_changed();
        self.event_for(Some(actor), id).await
    }

    /// Changes a ticket type's capacity: up freely, down only to what is taken.
    #[tracing::instrument(skip_all, fields(ticket_type = ticket_type_id))]
    pub async fn set_capacity(
        &self,
        actor: &Actor,
        ticket_type_id: i64,
        capacity: i64,
    ) -> Result<TicketTypeView, EventError> {
        if !(0..=1_000_000).contains(&capacity) {
            return Err(
                ApiError::invalid("capacity", "capacity must be between 0 and 1000000").into(),
            );
        }
        let now = self.ctx.clock().now_ms();
        let db = self.ctx.db();
        let fail = |e| EventError::db("changing capacity failed", e);
        let tt = store::events::ticket_type(db, ticket_type_id, now)
            .await
            .map_err(fail)?
            .ok_or(EventError::NotFound("ticket type"))?;
        let event = self
            .managed_event(actor, tt.event_id)
            .await
            .map_err(|_| EventError::NotFound("ticket type"))?;
        if event.status == EventStatus::Cancelled {
            return Err(EventError::WrongState("cancelled".into()));
        }
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        let locked = stx
            .lock(ticket_type_id)
            .await
            .map_err(fail)?
            .ok_or(EventError::NotFound("ticket type"))?;
        if let Resize::BelowTaken { taken } =
            stx.resize(&locked, capacity, now).await.map_err(fail)?
        {
            stx.rollback().await;
            return Err(EventError::CapacityBelowTaken { taken });
        }
        let detail = serde_json::json!({ "ticket_type_id": ticket_type_id, "from": tt.capacity, "to": capacity });
        audit_event(
            stx.tx(),
            actor,
            "ticket_type.capacity",
            tt.event_id,
            detail,
            now,
        )
        .await?;
        stx.commit().await.map_err(fail)?;
        self.ctx.pages_changed();
        let row = store::events::ticket_type(db, ticket_type_id, now)
            .await
            .map_err(fail)?
            .ok_or(EventError::NotFound("ticket type"))?;
        Ok(ticket_type_view(&row, now))
    }
}

/// Records what a manager did to an event, in the same transaction.
pub(crate) async fn audit_event(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    action: &str,
    event_id: i64,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), EventError> {
    let entry = store::audit::NewEntry {
        actor_id: Some(actor.user_id),
        action,
        target_type: "event",
        target_id: Some(event_id.to_string()),
        subject_id: None,
        detail: detail.to_string(),
        ip: actor.ip.clone(),
    };
    store::audit::record_tx(tx, &entry, now)
        .await
        .map_err(|e| EventError::db("audit write failed", e))
}
