//! The waitlist ([`WaitlistService`]): people queue for a sold-out ticket type with a
//! quantity and see their position; seats that come back become time-limited offers
//! ([`offers`]), handed out by the inventory's one road. An offer is a hold owned by the
//! entry; accepting it books it through the booking engine's confirm path.
//!
//! Joining twice is idempotent: the same entry comes back. A changed quantity updates it;
//! the entry keeps its place if the quantity did not grow, and moves to the back if it did.

mod error;
mod manage;
pub mod offers;
mod views;

pub use error::WaitlistError;

use crate::actor::Actor;
use crate::bookings::check_idempotency_key;
use crate::context::Ctx;
use crate::domain::{EventStatus, WaitlistStatus};
use crate::dto::{BookingView, WaitlistEntryView};
use crate::inventory::SeatTx;
use crate::notifications::Message;
use crate::ratelimit::{Verdict, tiers};
use crate::store;
use crate::store::waitlist::EntryRow;

/// The most entries a person's list shows.
const MINE_LIMIT: i64 = 200;

/// The waitlist feature.
pub struct WaitlistService {
    ctx: Ctx,
}

/// Closes every waitlist of an event that is being cancelled (in its transaction) and tells
/// everyone on them. Answers how many entries closed.
pub(crate) async fn close_for_event(
    stx: &mut SeatTx,
    event_id: i64,
    now: i64,
) -> Result<usize, sqlx::Error> {
    let closed = store::waitlist::close_for_event(stx.tx(), event_id, now).await?;
    let mut msgs = Vec::with_capacity(closed.len());
    for e in &closed {
        if let Some(h) = e.hold_id {
            store::outbox::drop_pending(stx.tx(), &Message::expiring_key(h)).await?;
        }
        msgs.push(Message::WaitlistClosed {
            entry_id: e.id,
            user_id: e.user_id,
            event_id: e.event_id,
        });
        stx.notify_user(e.user_id);
    }
    stx.enqueue(&msgs, now).await?;
    Ok(closed.len())
}

impl WaitlistService {
    pub(crate) fn new(ctx: Ctx) -> Self {
        WaitlistService { ctx }
    }

    /// Joins a sold-out ticket type's waitlist with `quantity` seats, or changes the
    /// person's entry there. Answers the entry and whether it is new.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, ticket_type = ticket_type_id, quantity))]
    pub async fn join(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        quantity: i64,
    ) -> Result<(WaitlistEntryView, bool), WaitlistError> {
        let subject = actor.user_id.to_string();
        if let Verdict::Limited { retry_after_secs } =
            self.ctx.limiter().hit(tiers::BOOKING, &subject).await
        {
            return Err(WaitlistError::RateLimited(retry_after_secs));
        }
        crate::bookings::require_confirmed_address(&self.ctx, actor.user_id).await?;
        let fail = |e| WaitlistError::db("joining a waitlist failed", e);
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        let Some(tt) = stx.lock(ticket_type_id).await.map_err(fail)? else {
            stx.rollback().await;
            return Err(WaitlistError::NotFound("ticket type"));
        };
        // After the lock, so the time orders this join against the seat changes around it.
        let now = stx.now();
        let event = store::events::event_in_tx(stx.tx(), tt.event_id)
            .await
            .map_err(fail)?
            .filter(|e| e.id == event_id && e.status != EventStatus::Draft)
            .ok_or(WaitlistError::NotFound("ticket type"))?;
        if let Err(e) = open_for_queue(&event, &tt, quantity, now) {
            stx.rollback().await;
            return Err(e);
        }
        // Seats of expired holds come back first (to the people already queued).
        let (_, taken) = stx.reclaim_expired(&tt, now).await.map_err(fail)?;
        let free = tt.capacity - taken;
        if free > 0 {
            stx.commit().await.map_err(fail)?;
            return Err(WaitlistError::SeatsAvailable { available: free });
        }
        let existing = store::waitlist::active_of(stx.tx(), actor.user_id, ticket_type_id)
            .await
            .map_err(fail)?;
        let (entry, created) = match existing {
            Some(e) if e.quantity == quantity => (e, false),
            Some(e) if e.status == WaitlistStatus::Offered => {
                stx.rollback().await;
                return Err(WaitlistError::OfferPending);
            }
            Some(e) => {
                self.check_seat_limit(&mut stx, &event, actor.user_id, quantity - e.quantity, now)
                    .await?;
                let place = if quantity > e.quantity {
                    // Growing moves the entry to the back (its old place is not reused).
                    Some(
                        next_place_kept(&mut stx, ticket_type_id)
                            .await
                            .map_err(fail)?,
                    )
                } else {
                    None
                };
                let e = store::waitlist::requeue(stx.tx(), e.id, quantity, place, now)
                    .await
                    .map_err(fail)?;
                stx.touch(event.id, ticket_type_id);
                stx.notify_user(actor.user_id);
                (e, false)
            }
            None => {
                self.check_seat_limit(&mut stx, &event, actor.user_id, quantity, now)
                    .await?;
                let place = store::waitlist::next_place(stx.tx(), ticket_type_id)
                    .await
                    .map_err(fail)?;
                let e = store::waitlist::insert(
                    stx.tx(),
                    actor.user_id,
                    event.id,
                    ticket_type_id,
                    quantity,
                    place,
                    now,
                )
                .await
                .map_err(fail)?;
                let joined = Message::WaitlistJoined {
                    entry_id: e.id,
                    user_id: e.user_id,
                    event_id: e.event_id,
                    ticket_type_id,
                    quantity,
                };
                stx.enqueue(&[joined], now).await.map_err(fail)?;
                stx.touch(event.id, ticket_type_id);
                stx.notify_user(actor.user_id);
                (e, true)
            }
        };
        stx.commit().await.map_err(fail)?;
        Ok((self.view_of(&entry).await?, created))
    }

    /// Refuses an entry that would take the person past the event's per-person seat limit
    /// (seats booked and held now, plus what they queue for).
    async fn check_seat_limit(
        &self,
        stx: &mut SeatTx,
        event: &store::events::EventRow,
        user_id: i64,
        more: i64,
        now: i64,
    ) -> Result<(), WaitlistError> {
        if more <= 0 {
            return Ok(());
        }
        let fail = |e| WaitlistError::db("reading seats of a buyer failed", e);
        let has = stx
            .buyers_seats(event.id, &[user_id], now)
            .await
            .map_err(fail)?
            .get(&user_id)
            .copied()
            .unwrap_or(0);
        if has + more > event.max_seats_per_user {
            return Err(WaitlistError::SeatLimit {
                limit: event.max_seats_per_user,
                has,
            });
        }
        Ok(())
    }

    /// The signed-in person's entries, those still in a queue first.
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<WaitlistEntryView>, WaitlistError> {
        let rows = store::waitlist::of_user(self.ctx.db(), actor.user_id, MINE_LIMIT)
            .await
            .map_err(|e| WaitlistError::db("listing waitlist entries failed", e))?;
        Ok(rows.iter().map(views::entry_view).collect())
    }

    /// A person's entries, for their own live channel.
    pub async fn mine_for(&self, user_id: i64) -> Result<Vec<WaitlistEntryView>, WaitlistError> {
        let rows = store::waitlist::of_user(self.ctx.db(), user_id, MINE_LIMIT)
            .await
            .map_err(|e| WaitlistError::db("listing waitlist entries failed", e))?;
        Ok(rows.iter().map(views::entry_view).collect())
    }

    /// A queue's active entries in order: (entry, person, position), for the live channel.
    pub async fn queue_positions(
        &self,
        ticket_type_id: i64,
    ) -> Result<Vec<(i64, i64, i64)>, WaitlistError> {
        store::waitlist::positions(self.ctx.db(), ticket_type_id)
            .await
            .map_err(|e| WaitlistError::db("reading queue positions failed", e))
    }

    /// One of the person's entries; anybody else's answers as if it did not exist.
    pub async fn entry(&self, actor: &Actor, id: i64) -> Result<WaitlistEntryView, WaitlistError> {
        let e = self.own_entry(actor, id).await?;
        self.view_of(&e).await
    }

    /// Leaves the queue (at any time); an offer's seats pass on at once. Leaving twice is
    /// harmless.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, entry = id))]
    pub async fn leave(&self, actor: &Actor, id: i64) -> Result<WaitlistEntryView, WaitlistError> {
        let e = self.own_entry(actor, id).await?;
        self.end_entry(&e, WaitlistStatus::Left).await?;
        self.entry(actor, id).await
    }

    /// Declines an offer: its seats pass on at once. Declining a complete offer leaves the
    /// queue; declining seats set aside keeps the entry waiting for all it asked for.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, entry = id))]
    pub async fn decline(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<WaitlistEntryView, WaitlistError> {
        let e = self.own_entry(actor, id).await?;
        let fail = |e| WaitlistError::db("declining an offer failed", e);
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        stx.lock(e.ticket_type_id).await.map_err(fail)?;
        let now = stx.now();
        let current = store::waitlist::by_id_tx(stx.tx(), id)
            .await
            .map_err(fail)?
            .ok_or(WaitlistError::NotFound("waitlist entry"))?;
        let hold = match (current.status, current.hold_id) {
            (WaitlistStatus::Offered, Some(h)) => {
                store::holds::mark_released(stx.tx(), h, e.user_id, now)
                    .await
                    .map_err(fail)?
            }
            _ => None,
        };
        let Some(hold) = hold else {
            stx.rollback().await;
            return Err(WaitlistError::NoOffer(current.status));
        };
        offers::offer_declined(&mut stx, &hold, now)
            .await
            .map_err(fail)?;
        stx.give_back(
            hold.event_id,
            hold.ticket_type_id,
            hold.quantity,
            crate::inventory::Why::OfferDeclined,
        )
        .await
        .map_err(fail)?;
        stx.commit().await.map_err(fail)?;
        self.entry(actor, id).await
    }

    /// Accepts an offer: its hold becomes a booking (attendee names optional, one per seat),
    /// through the booking engine's confirm path. `key` makes retries safe: the same key
    /// answers the same booking (`true`: replayed).
    #[tracing::instrument(skip_all, fields(user = actor.user_id, entry = id))]
    pub async fn accept(
        &self,
        actor: &Actor,
        id: i64,
        key: &str,
        names: &[String],
    ) -> Result<(BookingView, bool), WaitlistError> {
        check_idempotency_key(key)?;
        let e = self.own_entry(actor, id).await?;
        let fingerprint = format!("waitlist-accept:{id}");
        let fail = |e| WaitlistError::db("accepting an offer failed", e);
        if let Some(b) = store::bookings::by_key(self.ctx.db(), actor.user_id, key)
            .await
            .map_err(fail)?
        {
            if b.request_hash.as_deref() == Some(fingerprint.as_str()) {
                return Ok((crate::bookings::booking_view(&b), true));
            }
            return Err(crate::bookings::BookingError::IdempotencyMismatch.into());
        }
        match (e.status, e.hold_id) {
            (WaitlistStatus::Offered, Some(hold)) => {
                let booking = crate::bookings::confirm_offer(
                    &self.ctx,
                    actor,
                    hold,
                    names,
                    (key.to_string(), fingerprint),
                )
                .await?;
                Ok((booking, false))
            }
            (status, _) => Err(WaitlistError::NoOffer(status)),
        }
    }

    /// Ends an active entry with `status` (leaving, or removed by its organizer).
    async fn end_entry(&self, e: &EntryRow, status: WaitlistStatus) -> Result<(), WaitlistError> {
        let fail = |e| WaitlistError::db("leaving a waitlist failed", e);
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        stx.lock(e.ticket_type_id).await.map_err(fail)?;
        let now = stx.now();
        match store::waitlist::by_id_tx(stx.tx(), e.id)
            .await
            .map_err(fail)?
        {
            Some(current) if current.status.is_active() => {
                offers::leave(&mut stx, &current, status, now)
                    .await
                    .map_err(fail)?;
                stx.commit().await.map_err(fail)?;
            }
            _ => stx.rollback().await,
        }
        Ok(())
    }

    async fn own_entry(&self, actor: &Actor, id: i64) -> Result<EntryRow, WaitlistError> {
        match store::waitlist::by_id(self.ctx.db(), id)
            .await
            .map_err(|e| WaitlistError::db("waitlist lookup failed", e))?
        {
            Some(e) if e.user_id == actor.user_id => Ok(e),
            _ => Err(WaitlistError::NotFound("waitlist entry")),
        }
    }

    async fn view_of(&self, e: &EntryRow) -> Result<WaitlistEntryView, WaitlistError> {
        store::waitlist::with_event(self.ctx.db(), e.id)
            .await
            .map_err(|e| WaitlistError::db("waitlist lookup failed", e))?
            .map(|w| views::entry_view(&w))
            .ok_or(WaitlistError::NotFound("waitlist entry"))
    }
}

/// A new place at the back of a queue without counting a new entry (an entry that moved).
async fn next_place_kept(stx: &mut SeatTx, ticket_type_id: i64) -> Result<i64, sqlx::Error> {
    let place = store::waitlist::next_place(stx.tx(), ticket_type_id).await?;
    store::waitlist::add_active(stx.tx(), ticket_type_id, -1).await?;
    Ok(place)
}

/// The rules for queueing: a published event whose sale has started and not ended, and a
/// quantity one booking may have.
fn open_for_queue(
    event: &store::events::EventRow,
    tt: &store::events::TicketTypeRow,
    quantity: i64,
    now: i64,
) -> Result<(), WaitlistError> {
    if event.status == EventStatus::Cancelled {
        return Err(WaitlistError::EventNotBookable { cancelled: true });
    }
    if tt.sale_starts_at.is_some_and(|s| now < s) {
        return Err(WaitlistError::SaleClosed { not_yet: true });
    }
    if tt.sale_ends_at.is_some_and(|e| now >= e) || now >= event.ends_at {
        return Err(WaitlistError::SaleClosed { not_yet: false });
    }
    if quantity < 1 || quantity > tt.max_per_booking {
        return Err(WaitlistError::InvalidQuantity {
            max: tt.max_per_booking,
        });
    }
    Ok(())
}
