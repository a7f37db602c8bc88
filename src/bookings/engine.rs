//! The booking engine: takes seats for bookings and holds, correctly and fast.
//!
//! Requests for one ticket type queue up behind a single worker per ticket type (per
//! process). While one transaction runs, the next requests gather; the worker then takes the
//! whole group in ONE transaction (group commit): lock the ticket type row, release expired
//! holds, replay retried idempotency keys, allocate seats in arrival order, insert every
//! booking and hold, and take the seats with one conditional `UPDATE ... WHERE taken + n <=
//! capacity`, backed by the CHECK constraint. One commit confirms many bookings, so a hot
//! ticket type is not capped by the database's single-row commit rate.
//!
//! Correctness never depends on the batching: several processes may run workers for the
//! same ticket type, and the row lock plus the conditional write keep them honest.

use super::confirmation_message;
use super::error::BookingError;
use crate::clock::Clock;
use crate::db::Db;
use crate::live::LiveBus;
use crate::store;
use crate::store::bookings::{BookingRow, NewBooking};
use crate::store::holds::{HoldRow, NewHold};
use crate::store::outbox::NewMessage;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The largest number of requests committed in one transaction.
const MAX_BATCH: usize = 256;
/// A worker with nothing to do for this long stops.
const IDLE: Duration = Duration::from_secs(30);

/// Book now, or hold for checkout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeKind {
    Book,
    Hold,
}

/// A request to take seats.
#[derive(Debug, Clone)]
pub struct TakeRequest {
    pub kind: TakeKind,
    pub user_id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub idempotency_key: String,
}

impl TakeRequest {
    /// A fingerprint of the request body, to tell a retry from a reused key.
    pub fn fingerprint(&self) -> String {
        let kind = match self.kind {
            TakeKind::Book => "book",
            TakeKind::Hold => "hold",
        };
        format!(
            "{kind}:{}:{}:{}",
            self.event_id, self.ticket_type_id, self.quantity
        )
    }
}

/// Seats taken: a booking or a hold, and whether this answer replays an earlier one.
#[derive(Debug, Clone)]
pub enum Taken {
    Booking { row: BookingRow, replayed: bool },
    Hold { row: HoldRow, replayed: bool },
}

type Reply = oneshot::Sender<Result<Taken, BookingError>>;

struct Pending {
    req: TakeRequest,
    reply: Reply,
}

/// The engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Clock,
    live: LiveBus,
    queues: Mutex<HashMap<i64, mpsc::Sender<Pending>>>,
}

/// How one request in a batch ended, before replies are sent.
// Lives only for one batch; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Slot {
    Done(Result<Taken, BookingError>),
    /// Same key as an earlier request in the batch.
    SameAs(usize),
    /// Will be booked or held; index into the insert list.
    ToBook(usize),
    ToHold(usize),
    /// The key was committed by another transaction while we ran: look it up afterwards.
    Lookup,
}

impl Engine {
    pub fn new(db: Db, clock: Clock, live: LiveBus) -> Self {
        Engine {
            inner: Arc::new(Inner {
                db,
                clock,
                live,
                queues: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Takes seats for `req`. Duplicate keys replay the first answer.
    pub async fn take(&self, req: TakeRequest) -> Result<Taken, BookingError> {
        let mut pending = Pending {
            req,
            reply: oneshot::channel().0,
        };
        let (tx, rx) = oneshot::channel();
        pending.reply = tx;
        let tt = pending.req.ticket_type_id;
        loop {
            let sender = self.queue_for(tt);
            match sender.send(pending).await {
                Ok(()) => break,
                // The worker stopped for idleness between lookup and send: start a new one.
                Err(mpsc::error::SendError(back)) => {
                    pending = back;
                    let mut queues = self.inner.queues.lock().unwrap_or_else(|p| p.into_inner());
                    if queues.get(&tt).is_some_and(|s| s.same_channel(&sender)) {
                        queues.remove(&tt);
                    }
                }
            }
        }
        rx.await
            .unwrap_or_else(|_| Err(BookingError::Internal("booking worker stopped".into())))
    }

    fn queue_for(&self, tt: i64) -> mpsc::Sender<Pending> {
        let mut queues = self.inner.queues.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = queues.get(&tt)
            && !s.is_closed()
        {
            return s.clone();
        }
        let (tx, rx) = mpsc::channel(8192);
        queues.insert(tt, tx.clone());
        let engine = self.clone();
        tokio::spawn(async move { engine.worker(tt, rx).await });
        tx
    }

    async fn worker(self, tt: i64, mut rx: mpsc::Receiver<Pending>) {
        loop {
            let first = match tokio::time::timeout(IDLE, rx.recv()).await {
                Ok(Some(p)) => p,
                Ok(None) => return,
                Err(_) => {
                    rx.close();
                    // Serve anything that slipped in before the close, then stop.
                    let mut rest = Vec::new();
                    while let Ok(p) = rx.try_recv() {
                        rest.push(p);
                    }
                    if !rest.is_empty() {
                        self.process(tt, rest).await;
                    }
                    return;
                }
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            self.process(tt, batch).await;
        }
    }

    async fn process(&self, tt: i64, batch: Vec<Pending>) {
        let (reqs, replies): (Vec<TakeRequest>, Vec<Reply>) =
            batch.into_iter().map(|p| (p.req, p.reply)).unzip();
        match self.run_batch(tt, &reqs).await {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) if reqs.len() > 1 => {
                // Something in the group failed the whole transaction: retry one by one so a
                // single bad request cannot fail the others.
                tracing::warn!(error = %e, size = reqs.len(), "booking batch failed; retrying requests singly");
                for (req, reply) in reqs.into_iter().zip(replies) {
                    let result = match self.run_batch(tt, std::slice::from_ref(&req)).await {
                        Ok(mut r) => r
                            .pop()
                            .unwrap_or_else(|| Err(BookingError::Internal("empty batch".into()))),
                        Err(e) => Err(e),
                    };
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }

    /// Runs one group of requests for one ticket type in one transaction.
    async fn run_batch(
        &self,
        tt_id: i64,
        reqs: &[TakeRequest],
    ) -> Result<Vec<Result<Taken, BookingError>>, BookingError> {
        let db = &self.inner.db;
        let now = self.inner.clock.now_ms();
        let fail = |e| BookingError::db("booking transaction failed", e);
        let mut tx = db.begin().await.map_err(fail)?;

        let Some(tt) = store::events::lock_ticket_type(&mut tx, tt_id)
            .await
            .map_err(fail)?
        else {
            let _ = tx.rollback().await;
            return Ok(reqs
                .iter()
                .map(|_| Err(BookingError::NotFound("ticket type")))
                .collect());
        };
        // Expired holds stop counting now, whether or not the sweeper got to them yet.
        let expired = store::holds::expire_for_ticket_type(&mut tx, tt_id, now)
            .await
            .map_err(fail)?;
        let reclaimed: i64 = expired.iter().map(|h| h.quantity).sum();
        if reclaimed > 0 {
            store::events::free_seats(&mut tx, tt_id, reclaimed)
                .await
                .map_err(fail)?;
        }
        let event = store::events::event_in_tx(&mut tx, tt.event_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("event"))?;

        // Retries: keys that already have a booking or hold.
        let mut user_ids: Vec<i64> = reqs.iter().map(|r| r.user_id).collect();
        user_ids.sort_unstable();
        user_ids.dedup();
        let mut keys: Vec<String> = reqs.iter().map(|r| r.idempotency_key.clone()).collect();
        keys.sort_unstable();
        keys.dedup();
        let prior_bookings: HashMap<(i64, String), BookingRow> =
            store::bookings::by_keys(&mut tx, &user_ids, &keys)
                .await
                .map_err(fail)?
                .into_iter()
                .filter_map(|b| b.idempotency_key.clone().map(|k| ((b.user_id, k), b)))
                .collect();
        let prior_holds: HashMap<(i64, String), HoldRow> =
            store::holds::by_keys(&mut tx, &user_ids, &keys)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|h| ((h.user_id, h.idempotency_key.clone()), h))
                .collect();

        let bookability = store::events::Bookability::of(&tt, &event);
        let mut left = tt.capacity - (tt.taken - reclaimed);
        let mut slots: Vec<Slot> = Vec::with_capacity(reqs.len());
        let mut first_by_key: HashMap<(i64, &str), usize> = HashMap::new();
        let mut new_bookings: Vec<NewBooking> = Vec::new();
        let mut new_holds: Vec<NewHold> = Vec::new();
        for (i, r) in reqs.iter().enumerate() {
            let key = (r.user_id, r.idempotency_key.as_str());
            if let Some(&first) = first_by_key.get(&key) {
                slots.push(if reqs[first].fingerprint() == r.fingerprint() {
                    Slot::SameAs(first)
                } else {
                    Slot::Done(Err(BookingError::IdempotencyMismatch))
                });
                continue;
            }
            first_by_key.insert(key, i);
            let owned_key = (r.user_id, r.idempotency_key.clone());
            if let Some(prior) = prior_bookings.get(&owned_key) {
                slots.push(Slot::Done(replay_booking(r, prior)));
                continue;
            }
            if let Some(prior) = prior_holds.get(&owned_key) {
                slots.push(Slot::Done(replay_hold(r, prior)));
                continue;
            }
            if let Err(e) = check_rules(r, &bookability, now) {
                slots.push(Slot::Done(Err(e)));
                continue;
            }
            if r.quantity > left {
                slots.push(Slot::Done(Err(BookingError::SoldOut {
                    available: left.max(0),
                    ticket_type: tt.name.clone(),
                })));
                continue;
            }
            left -= r.quantity;
            match r.kind {
                TakeKind::Book => {
                    new_bookings.push(NewBooking {
                        code: NewBooking::new_code(),
                        user_id: r.user_id,
                        event_id: r.event_id,
                        ticket_type_id: tt_id,
                        quantity: r.quantity,
                        unit_price_cents: tt.price_cents,
                        currency: tt.currency.clone(),
                        idempotency_key: Some(r.idempotency_key.clone()),
                        request_hash: Some(r.fingerprint()),
                        hold_id: None,
                    });
                    slots.push(Slot::ToBook(new_bookings.len() - 1));
                }
                TakeKind::Hold => {
                    new_holds.push(NewHold {
                        user_id: r.user_id,
                        event_id: r.event_id,
                        ticket_type_id: tt_id,
                        quantity: r.quantity,
                        expires_at: now + event.hold_minutes * 60_000,
                        idempotency_key: r.idempotency_key.clone(),
                        request_hash: r.fingerprint(),
                    });
                    slots.push(Slot::ToHold(new_holds.len() - 1));
                }
            }
        }

        let inserted_b = store::bookings::insert_many(&mut tx, &new_bookings, now)
            .await
            .map_err(fail)?;
        let inserted_h = store::holds::insert_many(&mut tx, &new_holds, now)
            .await
            .map_err(fail)?;
        let mut b_by_code: HashMap<String, BookingRow> = inserted_b
            .into_iter()
            .map(|b| (b.code.clone(), b))
            .collect();
        let mut h_by_key: HashMap<(i64, String), HoldRow> = inserted_h
            .into_iter()
            .map(|h| ((h.user_id, h.idempotency_key.clone()), h))
            .collect();

        let mut taken_now = 0_i64;
        let mut booked: Vec<(i64, i64)> = Vec::new();
        let mut outbox: Vec<NewMessage> = Vec::new();
        for slot in slots.iter_mut() {
            match *slot {
                Slot::ToBook(j) => match b_by_code.remove(&new_bookings[j].code) {
                    Some(row) => {
                        taken_now += row.quantity;
                        booked.push((row.id, row.quantity));
                        outbox.push(confirmation_message(&row));
                        *slot = Slot::Done(Ok(Taken::Booking {
                            row,
                            replayed: false,
                        }));
                    }
                    None => *slot = Slot::Lookup,
                },
                Slot::ToHold(j) => {
                    let k = (new_holds[j].user_id, new_holds[j].idempotency_key.clone());
                    match h_by_key.remove(&k) {
                        Some(row) => {
                            taken_now += row.quantity;
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

        if taken_now > 0
            && !store::events::take_seats(&mut tx, tt_id, taken_now)
                .await
                .map_err(fail)?
        {
            // Cannot happen while the row lock is held; refuse rather than oversell.
            let _ = tx.rollback().await;
            tracing::error!(
                ticket_type = tt_id,
                taken_now,
                "conditional seat update refused under lock"
            );
            return Err(BookingError::Internal("seat accounting mismatch".into()));
        }
        store::bookings::insert_tickets(&mut tx, &booked, &[])
            .await
            .map_err(fail)?;
        store::outbox::enqueue(&mut tx, &outbox, now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;

        if taken_now > 0 || reclaimed > 0 {
            self.inner.live.publish(tt.event_id, vec![tt_id]);
        }

        // Resolve keys another transaction committed meanwhile, then in-batch duplicates.
        let mut out: Vec<Option<Result<Taken, BookingError>>> = Vec::with_capacity(reqs.len());
        let mut duplicates: Vec<(usize, usize)> = Vec::new();
        for (i, slot) in slots.into_iter().enumerate() {
            out.push(match slot {
                Slot::Done(r) => Some(r),
                Slot::Lookup => Some(self.lookup_committed(&reqs[i]).await),
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

    async fn lookup_committed(&self, r: &TakeRequest) -> Result<Taken, BookingError> {
        let db = &self.inner.db;
        if let Some(b) = store::bookings::by_key(db, r.user_id, &r.idempotency_key)
            .await
            .map_err(|e| BookingError::db("idempotency lookup failed", e))?
        {
            return replay_booking(r, &b);
        }
        if let Some(h) = store::holds::by_key(db, r.user_id, &r.idempotency_key)
            .await
            .map_err(|e| BookingError::db("idempotency lookup failed", e))?
        {
            return replay_hold(r, &h);
        }
        Err(BookingError::Internal(
            "idempotency key conflict; retry the request".into(),
        ))
    }
}

fn replay_booking(r: &TakeRequest, prior: &BookingRow) -> Result<Taken, BookingError> {
    if r.kind == TakeKind::Book && prior.request_hash.as_deref() == Some(r.fingerprint().as_str()) {
        Ok(Taken::Booking {
            row: prior.clone(),
            replayed: true,
        })
    } else {
        Err(BookingError::IdempotencyMismatch)
    }
}

fn replay_hold(r: &TakeRequest, prior: &HoldRow) -> Result<Taken, BookingError> {
    if r.kind == TakeKind::Hold && prior.request_hash == r.fingerprint() {
        Ok(Taken::Hold {
            row: prior.clone(),
            replayed: true,
        })
    } else {
        Err(BookingError::IdempotencyMismatch)
    }
}

/// The rules checked before queueing and again under the row lock, against the latest
/// committed state of the ticket type and its event.
pub(crate) fn check_rules(
    r: &TakeRequest,
    b: &store::events::Bookability,
    now: i64,
) -> Result<(), BookingError> {
    if r.event_id != b.event_id {
        return Err(BookingError::NotFound("ticket type"));
    }
    match b.event_status.as_str() {
        "published" => {}
        "cancelled" => return Err(BookingError::EventNotBookable { cancelled: true }),
        _ => return Err(BookingError::NotFound("event")),
    }
    if b.sale_starts_at.is_some_and(|s| now < s) {
        return Err(BookingError::SaleClosed { not_yet: true });
    }
    if b.sale_ends_at.is_some_and(|e| now >= e) || now >= b.event_ends_at {
        return Err(BookingError::SaleClosed { not_yet: false });
    }
    if r.quantity < 1 || r.quantity > b.max_per_booking {
        return Err(BookingError::InvalidQuantity {
            max: b.max_per_booking,
        });
    }
    Ok(())
}
