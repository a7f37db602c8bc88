//! One group commit: every request of a batch for one ticket type in one transaction.
//!
//! The steps, each its own function: lock the ticket type and give expired holds' seats
//! back (the inventory's road), read earlier answers for the batch's idempotency keys,
//! allocate seats in arrival order (pure), insert the bookings and holds, take their seats
//! with one conditional write, commit, and resolve each request's answer.

use super::engine::{Engine, TakeKind, TakeRequest, Taken, check_rules, prior_answer};
use super::engine::{replay_booking, replay_hold};
use super::error::BookingError;
use super::views::confirmed_message;
use crate::db::Tx;
use crate::inventory::SeatTx;
use crate::notifications::Message;
use crate::store;
use crate::store::bookings::{BookingRow, NewBooking};
use crate::store::events::{Bookability, EventRow, TicketTypeRow};
use crate::store::holds::{HoldRow, NewHold};
use std::collections::HashMap;

type Answer = Result<Taken, BookingError>;

/// How one request in a batch ended, before replies are sent.
// Lives only for one batch; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Slot {
    Done(Answer),
    /// Same key as an earlier request in the batch.
    SameAs(usize),
    /// Will be booked or held; index into the insert list.
    ToBook(usize),
    ToHold(usize),
    /// The key was committed by another transaction while we ran: look it up afterwards.
    Lookup,
}

/// Earlier bookings and holds of the batch's idempotency keys.
struct Priors {
    bookings: HashMap<(i64, String), BookingRow>,
    holds: HashMap<(i64, String), HoldRow>,
}

/// What the batch will write.
struct Plan {
    slots: Vec<Slot>,
    bookings: Vec<NewBooking>,
    holds: Vec<NewHold>,
}

impl Engine {
    /// Runs one group of requests for one ticket type in one transaction.
    pub(super) async fn run_batch(
        &self,
        tt_id: i64,
        reqs: &[TakeRequest],
    ) -> Result<Vec<Answer>, BookingError> {
        let ctx = &self.inner.ctx;
        let now = ctx.clock().now_ms();
        let fail = |e| BookingError::db("booking transaction failed", e);
        let mut stx = SeatTx::begin(ctx).await.map_err(fail)?;
        let Some(tt) = stx.lock(tt_id).await.map_err(fail)? else {
            stx.rollback().await;
            return Ok(reqs
                .iter()
                .map(|_| Err(BookingError::NotFound("ticket type")))
                .collect());
        };
        // Expired holds stop counting now, whether or not the sweeper got to them yet; their
        // seats come back by the inventory's one road before anything is sold.
        let (_, taken) = stx.reclaim_expired(&tt, now).await.map_err(fail)?;
        let event = store::events::event_in_tx(stx.tx(), tt.event_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("event"))?;
        let priors = load_priors(stx.tx(), reqs).await.map_err(fail)?;
        let user_ids: Vec<i64> = reqs.iter().map(|r| r.user_id).collect();
        let seats = stx
            .buyers_seats(event.id, &user_ids, now)
            .await
            .map_err(fail)?;
        let open = Open {
            seats: tt.capacity - taken,
            per_user: seats,
        };
        let mut plan = allocate(reqs, &tt, &event, &priors, open, now);

        let inserted_b = store::bookings::insert_many(stx.tx(), &plan.bookings, now)
            .await
            .map_err(fail)?;
        let inserted_h = store::holds::insert_many(stx.tx(), &plan.holds, now)
            .await
            .map_err(fail)?;
        let written = settle(&mut plan, inserted_b, inserted_h);

        if !stx
            .take(tt.event_id, tt_id, written.seats)
            .await
            .map_err(fail)?
        {
            // Cannot happen while the row lock is held; refuse rather than oversell.
            stx.rollback().await;
            tracing::error!(
                ticket_type = tt_id,
                seats = written.seats,
                "conditional seat update refused under lock"
            );
            return Err(BookingError::Internal("seat accounting mismatch".into()));
        }
        store::bookings::insert_tickets(stx.tx(), &written.booked, &[])
            .await
            .map_err(fail)?;
        stx.enqueue(&written.messages, now).await.map_err(fail)?;
        stx.commit().await.map_err(fail)?;
        self.resolve(reqs, plan.slots).await
    }

    /// Turns the slots into answers: keys another transaction committed meanwhile are read
    /// back, and in-batch duplicates replay their first request's answer.
    async fn resolve(
        &self,
        reqs: &[TakeRequest],
        slots: Vec<Slot>,
    ) -> Result<Vec<Answer>, BookingError> {
        let db = self.inner.ctx.db();
        let mut out: Vec<Option<Answer>> = Vec::with_capacity(reqs.len());
        let mut duplicates: Vec<(usize, usize)> = Vec::new();
        for (i, slot) in slots.into_iter().enumerate() {
            out.push(match slot {
                Slot::Done(r) => Some(r),
                Slot::Lookup => Some(prior_answer(db, &reqs[i]).await?.unwrap_or_else(|| {
                    Err(BookingError::Internal(
                        "idempotency key conflict; retry the request".into(),
                    ))
                })),
                Slot::SameAs(first) => {
                    duplicates.push((i, first));
                    None
                }
                Slot::ToBook(_) | Slot::ToHold(_) => {
                    Some(Err(BookingError::Internal("unresolved request".into())))
                }
            });
        }
        for (i, first) in duplicates {
            out[i] = Some(match &out[first] {
                Some(Ok(Taken::Booking { row, .. })) => Ok(Taken::Booking {
                    row: row.clone(),
                    replayed: true,
                }),
                Some(Ok(Taken::Hold { row, .. })) => Ok(Taken::Hold {
                    row: row.clone(),
                    replayed: true,
                }),
                Some(Err(e)) => Err(e.clone()),
                None => Err(BookingError::Internal("unresolved duplicate".into())),
            });
        }
        Ok(out
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(BookingError::Internal("unresolved".into()))))
            .collect())
    }
}

async fn load_priors(tx: &mut Tx, reqs: &[TakeRequest]) -> Result<Priors, sqlx::Error> {
    let mut user_ids: Vec<i64> = reqs.iter().map(|r| r.user_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let mut keys: Vec<String> = reqs.iter().map(|r| r.idempotency_key.clone()).collect();
    keys.sort_unstable();
    keys.dedup();
    let bookings = store::bookings::by_keys(tx, &user_ids, &keys)
        .await?
        .into_iter()
        .filter_map(|b| b.idempotency_key.clone().map(|k| ((b.user_id, k), b)))
        .collect();
    let holds = store::holds::by_keys(tx, &user_ids, &keys)
        .await?
        .into_iter()
        .map(|h| ((h.user_id, h.idempotency_key.clone()), h))
        .collect();
    Ok(Priors { bookings, holds })
}

/// What the batch may still give: open seats of the ticket type, and the seats each buyer
/// already has for the event (against the per-person limit).
struct Open {
    seats: i64,
    per_user: HashMap<i64, i64>,
}

/// Decides every request of the batch in arrival order, against the open seats and each
/// buyer's per-person limit.
fn allocate(
    reqs: &[TakeRequest],
    tt: &TicketTypeRow,
    event: &EventRow,
    priors: &Priors,
    mut open: Open,
    now: i64,
) -> Plan {
    let mut left = open.seats;
    let bookability = Bookability::of(tt, event);
    let mut plan = Plan {
        slots: Vec::with_capacity(reqs.len()),
        bookings: Vec::new(),
        holds: Vec::new(),
    };
    let mut first_by_key: HashMap<(i64, &str), usize> = HashMap::new();
    for (i, r) in reqs.iter().enumerate() {
        let key = (r.user_id, r.idempotency_key.as_str());
        if let Some(&first) = first_by_key.get(&key) {
            plan.slots
                .push(if reqs[first].fingerprint() == r.fingerprint() {
                    Slot::SameAs(first)
                } else {
                    Slot::Done(Err(BookingError::IdempotencyMismatch))
                });
            continue;
        }
        first_by_key.insert(key, i);
        let owned_key = (r.user_id, r.idempotency_key.clone());
        if let Some(prior) = priors.bookings.get(&owned_key) {
            plan.slots.push(Slot::Done(replay_booking(r, prior)));
            continue;
        }
        if let Some(prior) = priors.holds.get(&owned_key) {
            plan.slots.push(Slot::Done(replay_hold(r, prior)));
            continue;
        }
        if let Err(e) = check_rules(r, &bookability, now) {
            plan.slots.push(Slot::Done(Err(e)));
            continue;
        }
        let has = open.per_user.get(&r.user_id).copied().unwrap_or(0);
        if has.saturating_add(r.quantity) > event.max_seats_per_user {
            plan.slots.push(Slot::Done(Err(BookingError::SeatLimit {
                limit: event.max_seats_per_user,
                has,
            })));
            continue;
        }
        if r.quantity > left {
            plan.slots.push(Slot::Done(Err(BookingError::SoldOut {
                available: left.max(0),
                ticket_type: tt.name.clone(),
            })));
            continue;
        }
        left -= r.quantity;
        open.per_user.insert(r.user_id, has + r.quantity);
        match r.kind {
            TakeKind::Book => {
                plan.bookings.push(NewBooking {
                    code: NewBooking::new_code(),
                    user_id: r.user_id,
                    event_id: r.event_id,
                    ticket_type_id: tt.id,
                    quantity: r.quantity,
                    unit_price_cents: tt.price_cents,
                    currency: tt.currency.clone(),
                    idempotency_key: Some(r.idempotency_key.clone()),
                    request_hash: Some(r.fingerprint()),
                    hold_id: None,
                });
                plan.slots.push(Slot::ToBook(plan.bookings.len() - 1));
            }
            TakeKind::Hold => {
                plan.holds.push(NewHold {
                    user_id: r.user_id,
                    event_id: r.event_id,
                    ticket_type_id: tt.id,
                    quantity: r.quantity,
                    expires_at: now + event.hold_minutes * 60_000,
                    idempotency_key: r.idempotency_key.clone(),
                    request_hash: r.fingerprint(),
                });
                plan.slots.push(Slot::ToHold(plan.holds.len() - 1));
            }
        }
    }
    plan
}

/// What the inserts wrote: seats to take, (booking, seats) for tickets, and notices.
struct Written {
    seats: i64,
    booked: Vec<(i64, i64)>,
    messages: Vec<Message>,
}

/// Matches inserted rows to their slots. A row that was not inserted lost its key to a
/// concurrent transaction and is looked up after commit.
fn settle(plan: &mut Plan, bookings: Vec<BookingRow>, holds: Vec<HoldRow>) -> Written {
    let mut b_by_code: HashMap<String, BookingRow> =
        bookings.into_iter().map(|b| (b.code.clone(), b)).collect();
    let mut h_by_key: HashMap<(i64, String), HoldRow> = holds
        .into_iter()
        .map(|h| ((h.user_id, h.idempotency_key.clone()), h))
        .collect();
    let mut w = Written {
        seats: 0,
        booked: Vec::new(),
        messages: Vec::new(),
    };
    for slot in plan.slots.iter_mut() {
        match *slot {
            Slot::ToBook(j) => match b_by_code.remove(&plan.bookings[j].code) {
                Some(row) => {
                    w.seats += row.quantity;
                    w.booked.push((row.id, row.quantity));
                    w.messages.push(confirmed_message(&row));
                    *slot = Slot::Done(Ok(Taken::Booking {
                        row,
                        replayed: false,
                    }));
                }
                None => *slot = Slot::Lookup,
            },
            Slot::ToHold(j) => {
                let k = (plan.holds[j].user_id, plan.holds[j].idempotency_key.clone());
                match h_by_key.remove(&k) {
                    Some(row) => {
                        w.seats += row.quantity;
                        *slot = Slot::Done(Ok(Taken::Hold {
                            row,
                            replayed: false,
                        }));
                    }
                    None => *slot = Slot::Lookup,
                }
            }
            _ => {}
        }
    }
    w
}
