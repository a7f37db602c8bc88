//! Reading events: one event for its page, upcoming events, and the seats of many events
//! at once for the live feed.

use super::views::{event_detail, event_summary};
use super::{EventError, EventService};
use crate::actor::Actor;
use crate::domain::EventStatus;
use crate::dto::{EventDetail, EventSummary};
use crate::inventory::open_seats;
use crate::store;

/// One ticket type's seats as everyone may see them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatsNow {
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub capacity: i64,
    /// Seats a buyer may take now; none once the event is cancelled.
    pub available: i64,
    /// People in the ticket type's waitlist.
    pub waiting: i64,
    pub event_status: EventStatus,
}

impl EventService {
    /// An event by id. Drafts are visible only to those who may manage them.
    pub async fn event_for(
        &self,
        actor: Option<&Actor>,
        id: i64,
    ) -> Result<EventDetail, EventError> {
        let e = store::events::event_by_id(self.ctx.db(), id)
            .await
            .map_err(|e| EventError::db("event lookup failed", e))?
            .ok_or(EventError::NotFound("event"))?;
        self.detail(actor, e).await
    }

    /// An event by slug. Drafts are visible only to those who may manage them.
    pub async fn event_by_slug(
        &self,
        actor: Option<&Actor>,
        slug: &str,
    ) -> Result<EventDetail, EventError> {
        let e = store::events::event_by_slug(self.ctx.db(), slug)
            .await
            .map_err(|e| EventError::db("event lookup failed", e))?
            .ok_or(EventError::NotFound("event"))?;
        self.detail(actor, e).await
    }

    async fn detail(
        &self,
        actor: Option<&Actor>,
        e: store::events::EventWithOrganizer,
    ) -> Result<EventDetail, EventError> {
        if e.event.status == EventStatus::Draft
            && !actor.is_some_and(|a| a.may_manage(e.event.organizer_id))
        {
            return Err(EventError::NotFound("event"));
        }
        let now = self.ctx.clock().now_ms();
        let tts = store::events::ticket_types_for_event(self.ctx.db(), e.event.id, now)
            .await
            .map_err(|e| EventError::db("ticket type lookup failed", e))?;
        Ok(event_detail(e, &tts, now))
    }

    /// Upcoming published events, soonest first.
    pub async fn upcoming_events(&self, limit: i64) -> Result<Vec<EventSummary>, EventError> {
        let now = self.ctx.clock().now_ms();
        let rows = store::events::upcoming(self.ctx.db(), now, limit.clamp(1, 100))
            .await
            .map_err(|e| EventError::db("listing events failed", e))?;
        Ok(rows.iter().map(event_summary).collect())
    }

    /// The committed seats of every ticket type of the given events, for live updates. Only
    /// what the public event page shows: drafts are left out.
    pub async fn live_seats(&self, event_ids: &[i64]) -> Result<Vec<SeatsNow>, sqlx::Error> {
        let now = self.ctx.clock().now_ms();
        let rows = store::live::availability(self.ctx.db(), event_ids, now).await?;
        Ok(rows
            .into_iter()
            .filter(|r| r.event_status != EventStatus::Draft)
            .map(|r| SeatsNow {
                event_id: r.event_id,
                ticket_type_id: r.ticket_type_id,
                capacity: r.capacity,
                available: if r.event_status == EventStatus::Cancelled {
                    0
                } else {
                    open_seats(r.capacity, r.taken, r.expired_held)
                },
                waiting: r.waiting,
                event_status: r.event_status,
            })
            .collect())
    }
}
