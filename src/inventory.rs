//! Inventory: the one road by which seats are taken and given back.
//!
//! Every change to a ticket type's `taken` counter happens inside a [`SeatTx`] through
//! [`SeatTx::take`] or [`SeatTx::give_back`] (and [`SeatTx::resize`] for capacity). The
//! `SeatTx` remembers what moved and why; [`SeatTx::commit`] commits and only then publishes
//! the live update, so a rolled-back change announces nothing. Returned seats are listed in
//! [`SeatTx::returned`], and every return (and capacity raise) goes to the ticket type's
//! waitlist first, in the same transaction, before anyone else can take the seats
//! ([`crate::waitlist::offers::hand_out`]): this is the one place the queue sees them.
//!
//! Lock order, the same everywhere so concurrent writers never deadlock: ticket type rows
//! first (by id), then holds and bookings, then the event.

use crate::clock::Clock;
use crate::context::Ctx;
use crate::db::Tx;
use crate::live::LiveBus;
use crate::store;
use crate::store::events::TicketTypeRow;
use crate::store::holds::HoldRow;
use crate::waitlist::offers;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Why seats came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The buyer released a hold.
    HoldReleased,
    /// A hold ran out of time.
    HoldExpired,
    /// A booking was cancelled by its buyer or staff.
    BookingCancelled,
    /// The whole event was cancelled.
    EventCancelled,
    /// The organizer raised the capacity.
    CapacityRaised,
    /// A waitlist offer was declined, or its entry left the queue.
    OfferDeclined,
}

/// Seats that came back in this transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub seats: i64,
    pub why: Why,
}

/// Seats a buyer may take now: the capacity less what is taken, where seats of holds that
/// expired but were not yet given back already count as open. The one rule every page, the
/// live feed and the API use.
pub fn open_seats(capacity: i64, taken: i64, expired_held: i64) -> i64 {
    (capacity - taken + expired_held).max(0)
}

/// What a resize did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resize {
    Done,
    /// The new capacity is below the seats taken; nothing changed.
    BelowTaken {
        taken: i64,
    },
}

/// A write transaction that may move seats.
pub struct SeatTx {
    tx: Tx,
    live: LiveBus,
    clock: Clock,
    changed: BTreeMap<i64, BTreeSet<i64>>,
    returned: Vec<Returned>,
    /// People whose waitlist entries changed, told after commit.
    users: BTreeSet<i64>,
    /// Waitlist entries left out of the next hand-out (their set-aside seats just ran out).
    pub(crate) skip: HashSet<i64>,
    /// Rung after commit when this transaction wrote to the outbox.
    bell: Arc<crate::context::OutboxBell>,
    /// Messages this transaction wrote to the outbox.
    wrote_outbox: u64,
}

impl SeatTx {
    /// Opens a transaction on the context's database; changes are announced on its live
    /// bus after commit.
    pub async fn begin(ctx: &Ctx) -> Result<SeatTx, sqlx::Error> {
        Ok(SeatTx {
            tx: ctx.db().begin().await?,
            live: ctx.live().clone(),
            clock: ctx.clock().clone(),
            changed: BTreeMap::new(),
            returned: Vec::new(),
            users: BTreeSet::new(),
            skip: HashSet::new(),
            bell: ctx.outbox_bell().clone(),
            wrote_outbox: 0,
        })
    }

    /// Records messages to deliver once this transaction commits (see
    /// [`store::outbox::enqueue`](crate::store::outbox::enqueue)); the delivery worker is woken
    /// after commit.
    pub async fn enqueue(
        &mut self,
        msgs: &[crate::notifications::Message],
        now: i64,
    ) -> Result<(), sqlx::Error> {
        self.wrote_outbox += msgs.len() as u64;
        crate::store::outbox::enqueue(&mut self.tx, msgs, now).await
    }

    /// Records a message due at `due` (UTC ms) rather than now.
    pub async fn enqueue_due(
        &mut self,
        msg: &crate::notifications::Message,
        due: i64,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        self.wrote_outbox += 1;
        crate::store::outbox::enqueue_due(&mut self.tx, msg, due, now).await
    }

    /// Records messages each due at its own time (UTC ms).
    pub async fn enqueue_each_due(
        &mut self,
        msgs: &[(crate::notifications::Message, i64)],
        now: i64,
    ) -> Result<(), sqlx::Error> {
        self.wrote_outbox += msgs.len() as u64;
        crate::store::outbox::enqueue_each_due(&mut self.tx, msgs, now).await
    }

    /// The core's clock now (UTC ms).
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Tells `user_id` after commit that something of theirs changed.
    pub fn notify_user(&mut self, user_id: i64) {
        self.users.insert(user_id);
    }

    /// The transaction, for the writes that commit together with the seats.
    pub fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Locks one ticket type's row for the rest of the transaction and reads it.
    pub async fn lock(
        &mut self,
        ticket_type_id: i64,
    ) -> Result<Option<TicketTypeRow>, sqlx::Error> {
        store::events::lock_ticket_type(&mut self.tx, ticket_type_id).await
    }

    /// Locks every ticket type of an event, in id order.
    pub async fn lock_event(&mut self, event_id: i64) -> Result<Vec<TicketTypeRow>, sqlx::Error> {
        store::events::lock_ticket_types_of_event(&mut self.tx, event_id).await
    }

    /// Takes `n` seats of a locked ticket type with the conditional write. False, changing
    /// nothing, if they do not fit.
    pub async fn take(
        &mut self,
        event_id: i64,
        ticket_type_id: i64,
        n: i64,
    ) -> Result<bool, sqlx::Error> {
        if n <= 0 {
            return Ok(true);
        }
        let ok = store::inventory::take(&mut self.tx, ticket_type_id, n).await?;
        if ok {
            self.touch(event_id, ticket_type_id);
        }
        Ok(ok)
    }

    /// Gives `n` seats of a locked ticket type back, recording why, and hands them to the
    /// ticket type's waitlist first. Answers the seats still taken afterwards (offers made
    /// from the returned seats count as taken).
    pub async fn give_back(
        &mut self,
        event_id: i64,
        ticket_type_id: i64,
        n: i64,
        why: Why,
    ) -> Result<i64, sqlx::Error> {
        let counts = store::inventory::give_back(&mut self.tx, ticket_type_id, n.max(0))
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        if n <= 0 {
            return Ok(counts.taken);
        }
        tracing::debug!(event_id, ticket_type_id, seats = n, ?why, "seats returned");
        self.touch(event_id, ticket_type_id);
        self.returned.push(Returned {
            event_id,
            ticket_type_id,
            seats: n,
            why,
        });
        if counts.wl_active == 0 || counts.wl_paused {
            self.skip.clear();
            return Ok(counts.taken);
        }
        let offered = offers::hand_out(self, ticket_type_id).await?;
        Ok(counts.taken + offered)
    }

    /// Gives back a locked ticket type's expired holds, then hands its free seats to its
    /// waitlist (after the queue was resumed or reordered).
    pub async fn offer_free(&mut self, tt: &TicketTypeRow) -> Result<(), sqlx::Error> {
        let now = self.now();
        self.reclaim_expired(tt, now).await?;
        offers::hand_out(self, tt.id).await?;
        Ok(())
    }

    /// Ends the expired holds of a locked ticket type and gives their seats back. Answers
    /// the holds it expired and the seats still taken afterwards.
    pub async fn reclaim_expired(
        &mut self,
        tt: &TicketTypeRow,
        now: i64,
    ) -> Result<(Vec<HoldRow>, i64), sqlx::Error> {
        let expired = store::holds::expire_for_ticket_type(&mut self.tx, tt.id, now).await?;
        for h in expired.iter().filter(|h| h.waitlist_entry_id.is_some()) {
            offers::offer_expired(self, h, now).await?;
        }
        let seats: i64 = expired.iter().map(|h| h.quantity).sum();
        let taken = if seats > 0 {
            self.give_back(tt.event_id, tt.id, seats, Why::HoldExpired)
                .await?
        } else {
            tt.taken
        };
        Ok((expired, taken))
    }

    /// Sets a locked ticket type's capacity: up freely, down only to what is taken (after
    /// expired holds are given back). A raise counts as seats coming back.
    pub async fn resize(
        &mut self,
        tt: &TicketTypeRow,
        capacity: i64,
        now: i64,
    ) -> Result<Resize, sqlx::Error> {
        let (_, taken) = self.reclaim_expired(tt, now).await?;
        if !store::inventory::set_capacity(&mut self.tx, tt.id, capacity).await? {
            return Ok(Resize::BelowTaken { taken });
        }
        self.touch(tt.event_id, tt.id);
        if capacity > tt.capacity {
            self.returned.push(Returned {
                event_id: tt.event_id,
                ticket_type_id: tt.id,
                seats: capacity - tt.capacity,
                why: Why::CapacityRaised,
            });
            offers::hand_out(self, tt.id).await?;
        }
        Ok(Resize::Done)
    }

    /// Locks the buyers for the rest of the transaction and reads the seats each has for the
    /// event (bookings and unexpired holds, across ticket types), for the per-person limit.
    /// Taken after the ticket type lock, so the lock order stays the same everywhere.
    pub async fn buyers_seats(
        &mut self,
        event_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> Result<HashMap<i64, i64>, sqlx::Error> {
        let mut ids = user_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        store::inventory::lock_buyers(&mut self.tx, &ids).await?;
        Ok(
            store::inventory::seats_of_buyers(&mut self.tx, event_id, &ids, now)
                .await?
                .into_iter()
                .collect(),
        )
    }

    /// Marks a ticket type as changed without moving seats (a new ticket type).
    pub fn touch(&mut self, event_id: i64, ticket_type_id: i64) {
        self.changed
            .entry(event_id)
            .or_default()
            .insert(ticket_type_id);
    }

    /// Seats given back so far in this transaction.
    pub fn returned(&self) -> &[Returned] {
        &self.returned
    }

    /// Commits, then announces every changed ticket type, and tells the people whose
    /// waitlist entries changed, on the live bus.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        for (event_id, tts) in self.changed {
            self.live.publish(event_id, tts.into_iter().collect());
        }
        self.live.publish_users(self.users.into_iter().collect());
        if self.wrote_outbox > 0 {
            self.bell.ring_for(self.wrote_outbox);
        }
        Ok(())
    }

    /// Rolls back; nothing is announced.
    pub async fn rollback(self) {
        let _ = self.tx.rollback().await;
    }
}
