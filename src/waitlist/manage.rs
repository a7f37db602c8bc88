//! The organizer's side of the waitlist: each queue's figures, the entries, pause and
//! resume, the order in which seats are offered, and removing an entry.

use super::views::organizer_entry;
use super::{WaitlistError, WaitlistService, offers};
use crate::actor::Actor;
use crate::domain::WaitlistStatus;
use crate::dto::{OrganizerWaitlistEntry, Page, WaitlistQueueView};
use crate::inventory::SeatTx;
use crate::store;

/// The most entries on one page of the organizer's list.
pub const ENTRIES_PAGE_MAX: i64 = 200;

/// How seats are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Strictly by place; seats are set aside for the head while more come back.
    Queue,
    /// To the first entries whose quantity fits.
    FirstFit,
}

impl Order {
    pub fn parse(raw: &str) -> Result<Order, WaitlistError> {
        match raw {
            "queue" => Ok(Order::Queue),
            "first_fit" => Ok(Order::FirstFit),
            _ => Err(WaitlistError::InvalidOrder),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Order::Queue => "queue",
            Order::FirstFit => "first_fit",
        }
    }
}

impl WaitlistService {
    /// The event, if the actor may manage it (else 404: ids cannot be probed).
    async fn managed(
        &self,
        actor: &Actor,
        event_id: i64,
    ) -> Result<store::events::EventWithOrganizer, WaitlistError> {
        store::events::event_by_id(self.ctx.db(), event_id)
            .await
            .map_err(|e| WaitlistError::db("event lookup failed", e))?
            .filter(|e| actor.may_manage(e.event.organizer_id))
            .ok_or(WaitlistError::NotFound("event"))
    }

    /// Each ticket type's queue figures.
    pub async fn queues(
        &self,
        actor: &Actor,
        event_id: i64,
    ) -> Result<Vec<WaitlistQueueView>, WaitlistError> {
        self.managed(actor, event_id).await?;
        let fail = |e| WaitlistError::db("reading waitlists failed", e);
        let now = self.ctx.clock().now_ms();
        let tts = store::events::ticket_types_for_event(self.ctx.db(), event_id, now)
            .await
            .map_err(fail)?;
        let stats = store::waitlist::stats_for_event(self.ctx.db(), event_id)
            .await
            .map_err(fail)?;
        Ok(stats
            .into_iter()
            .map(|s| WaitlistQueueView {
                ticket_type_id: s.ticket_type_id,
                ticket_type_name: tts
                    .iter()
                    .find(|t| t.id == s.ticket_type_id)
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                paused: s.paused,
                order: if s.first_fit {
                    Order::FirstFit
                } else {
                    Order::Queue
                }
                .as_str()
                .to_string(),
                waiting: s.waiting,
                offers_out: s.offers_out,
                set_aside: s.set_aside,
                offered_seats: s.offered_seats,
                accepted: s.booked,
                expired: s.expired,
                left: s.left,
            })
            .collect())
    }

    /// An event's entries by ticket type and place, a page at a time (`cursor` is the
    /// previous page's `next_cursor`). `active_only` leaves out entries that ended.
    pub async fn entries(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: Option<i64>,
        active_only: bool,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<OrganizerWaitlistEntry>, WaitlistError> {
        self.managed(actor, event_id).await?;
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(parse_cursor(c)?),
        };
        let limit = limit.clamp(1, ENTRIES_PAGE_MAX);
        let mut rows = store::waitlist::of_event(
            self.ctx.db(),
            event_id,
            ticket_type_id,
            active_only,
            after,
            limit + 1,
        )
        .await
        .map_err(|e| WaitlistError::db("listing waitlist entries failed", e))?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last())
            .flatten()
            .map(|r| format!("{}.{}", r.entry.ticket_type_id, r.entry.place));
        Ok(Page {
            items: rows.iter().map(organizer_entry).collect(),
            next_cursor,
        })
    }

    /// Pauses a queue (no new offers; returned seats go on public sale) or resumes it
    /// (free seats are offered at once).
    #[tracing::instrument(skip_all, fields(event = event_id, ticket_type = ticket_type_id, paused))]
    pub async fn set_paused(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        paused: bool,
    ) -> Result<WaitlistQueueView, WaitlistError> {
        self.control(actor, event_id, ticket_type_id, Setting::Paused(paused))
            .await
    }

    /// Sets how a queue offers seats (`queue` or `first_fit`).
    pub async fn set_order(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        order: &str,
    ) -> Result<WaitlistQueueView, WaitlistError> {
        let order = Order::parse(order)?;
        self.control(actor, event_id, ticket_type_id, Setting::Order(order))
            .await
    }

    /// Removes an entry from an event's queue; its offer's seats pass on at once.
    #[tracing::instrument(skip_all, fields(event = event_id, entry = entry_id))]
    pub async fn remove(
        &self,
        actor: &Actor,
        event_id: i64,
        entry_id: i64,
    ) -> Result<OrganizerWaitlistEntry, WaitlistError> {
        self.managed(actor, event_id).await?;
        let fail = |e| WaitlistError::db("removing a waitlist entry failed", e);
        let entry = store::waitlist::by_id(self.ctx.db(), entry_id)
            .await
            .map_err(fail)?
            .filter(|e| e.event_id == event_id)
            .ok_or(WaitlistError::NotFound("waitlist entry"))?;
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        stx.lock(entry.ticket_type_id).await.map_err(fail)?;
        let now = stx.now();
        if let Some(current) = store::waitlist::by_id_tx(stx.tx(), entry_id)
            .await
            .map_err(fail)?
            .filter(|e| e.status.is_active())
        {
            offers::leave(&mut stx, &current, WaitlistStatus::Removed, now)
                .await
                .map_err(fail)?;
            audit(
                &mut stx,
                actor,
                "waitlist.remove",
                event_id,
                serde_json::json!({ "entry_id": entry_id }),
                now,
            )
            .await
            .map_err(fail)?;
        }
        stx.commit().await.map_err(fail)?;
        let rows = store::waitlist::of_event(
            self.ctx.db(),
            event_id,
            Some(entry.ticket_type_id),
            false,
            Some((entry.ticket_type_id, entry.place - 1)),
            1,
        )
        .await
        .map_err(fail)?;
        rows.first()
            .map(organizer_entry)
            .ok_or(WaitlistError::NotFound("waitlist entry"))
    }

    /// Changes a queue setting under the ticket type's lock, audited; then offers whatever
    /// is free under the new setting.
    async fn control(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        setting: Setting,
    ) -> Result<WaitlistQueueView, WaitlistError> {
        self.managed(actor, event_id).await?;
        let fail = |e| WaitlistError::db("changing a waitlist failed", e);
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        let Some(tt) = stx
            .lock(ticket_type_id)
            .await
            .map_err(fail)?
            .filter(|t| t.event_id == event_id)
        else {
            stx.rollback().await;
            return Err(WaitlistError::NotFound("ticket type"));
        };
        let now = stx.now();
        let (action, detail) = match setting {
            Setting::Paused(paused) => {
                store::waitlist::set_paused(stx.tx(), tt.id, paused)
                    .await
                    .map_err(fail)?;
                let action = if paused {
                    "waitlist.pause"
                } else {
                    "waitlist.resume"
                };
                (action, serde_json::json!({ "ticket_type_id": tt.id }))
            }
            Setting::Order(order) => {
                store::waitlist::set_first_fit(stx.tx(), tt.id, order == Order::FirstFit)
                    .await
                    .map_err(fail)?;
                (
                    "waitlist.order",
                    serde_json::json!({ "ticket_type_id": tt.id, "order": order.as_str() }),
                )
            }
        };
        stx.offer_free(&tt).await.map_err(fail)?;
        stx.touch(event_id, ticket_type_id);
        audit(&mut stx, actor, action, event_id, detail, now)
            .await
            .map_err(fail)?;
        stx.commit().await.map_err(fail)?;
        self.queues(actor, event_id)
            .await?
            .into_iter()
            .find(|q| q.ticket_type_id == ticket_type_id)
            .ok_or(WaitlistError::NotFound("ticket type"))
    }
}

/// A queue setting.
#[derive(Debug, Clone, Copy)]
enum Setting {
    Paused(bool),
    Order(Order),
}

fn parse_cursor(raw: &str) -> Result<(i64, i64), WaitlistError> {
    let bad = || WaitlistError::BadCursor;
    let (a, b) = raw.split_once('.').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

async fn audit(
    stx: &mut SeatTx,
    actor: &Actor,
    action: &str,
    event_id: i64,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    let entry = store::audit::NewEntry {
        actor_id: Some(actor.user_id),
        action,
        target_type: "event",
        target_id: Some(event_id.to_string()),
        subject_id: None,
        detail: detail.to_string(),
        ip: actor.ip.clone(),
    };
    store::audit::record_tx(stx.tx(), &entry, now).await
}
