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

use super::error::BookingError;
use crate::context::Ctx;
use crate::db::Db;
use crate::domain::EventStatus;
use crate::store;
use crate::store::bookings::BookingRow;
use crate::store::holds::HoldRow;
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
    pub fn new(
        kind: TakeKind,
        actor: &crate::actor::Actor,
        event_id: i64,
        ticket_type_id: i64,
        quantity: i64,
        key: &str,
    ) -> Self {
        TakeRequest {
            kind,
            user_id: actor.user_id,
            event_id,
            ticket_type_id,
            quantity,
            idempotency_key: key.to_string(),
        }
    }

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
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) ctx: Ctx,
    queues: Mutex<HashMap<i64, mpsc::Sender<Pending>>>,
}

impl Engine {
    pub(crate) fn new(ctx: Ctx) -> Self {
        Engine {
            inner: Arc::new(Inner {
                ctx,
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
}

/// The stored answer for a request's idempotency key, if the key was already used: the
/// first answer for a true retry, a mismatch for a reused key.
pub(crate) async fn prior_answer(
    db: &Db,
    r: &TakeRequest,
) -> Result<Option<Result<Taken, BookingError>>, BookingError> {
    let fail = |e| BookingError::db("idempotency lookup failed", e);
    if let Some(b) = store::bookings::by_key(db, r.user_id, &r.idempotency_key)
        .await
        .map_err(fail)?
    {
        return Ok(Some(replay_booking(r, &b)));
    }
    if let Some(h) = store::holds::by_key(db, r.user_id, &r.idempotency_key)
        .await
        .map_err(fail)?
    {
        return Ok(Some(replay_hold(r, &h)));
    }
    Ok(None)
}

pub(super) fn replay_booking(r: &TakeRequest, prior: &BookingRow) -> Result<Taken, BookingError> {
    if r.kind == TakeKind::Book && prior.request_hash.as_deref() == Some(r.fingerprint().as_str()) {
        Ok(Taken::Booking {
            row: prior.clone(),
            replayed: true,
        })
    } else {
        Err(BookingError::IdempotencyMismatch)
    }
}

pub(super) fn replay_hold(r: &TakeRequest, prior: &HoldRow) -> Result<Taken, BookingError> {
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
    match b.event_status {
        EventStatus::Published => {}
        EventStatus::Cancelled => return Err(BookingError::EventNotBookable { cancelled: true }),
        EventStatus::Draft => return Err(BookingError::NotFound("event")),
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
