//! Bookings and holds: the services the API and pages call.
//!
//! Taking seats goes through the [`engine`]; giving them back (release, cancel, expiry) is a
//! short transaction that locks the ticket type row first, the same lock order everywhere
//! (ticket type, then holds and bookings, then the event), so concurrent writers never
//! deadlock.

pub mod engine;
pub mod error;

pub use engine::{TakeKind, TakeRequest, Taken};
pub use error::BookingError;

use crate::Core;
use crate::accounts::Actor;
use crate::clock::to_datetime;
use crate::domain::Role;
use crate::dto::{BookingView, CancelOutcome, HoldView, MyBooking, TicketView};
use crate::events::date_label;
use crate::store;
use crate::store::bookings::{BookingRow, NewBooking};
use crate::store::holds::HoldRow;
use crate::store::outbox::NewMessage;

/// Checks a client's idempotency key: 1 to 255 visible ASCII characters.
pub fn check_idempotency_key(key: &str) -> Result<(), BookingError> {
    let ok = !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BookingError::BadIdempotencyKey)
    }
}

impl Core {
    /// Books `quantity` seats now (one step), or replays the answer for a retried key.
    pub async fn book(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        quantity: i64,
        key: &str,
    ) -> Result<(BookingView, bool), BookingError> {
        let req = TakeRequest {
            kind: TakeKind::Book,
            user_id: actor.user_id,
            event_id,
            ticket_type_id,
            quantity,
            idempotency_key: key.to_string(),
        };
        match self.take(req).await? {
            Taken::Booking { row, replayed } => Ok((booking_view(&row), replayed)),
            Taken::Hold { .. } => Err(BookingError::IdempotencyMismatch),
        }
    }

    /// Holds seats for checkout, or replays the answer for a retried key.
    pub async fn hold(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        quantity: i64,
        key: &str,
    ) -> Result<(HoldView, bool), BookingError> {
        let req = TakeRequest {
            kind: TakeKind::Hold,
            user_id: actor.user_id,
            event_id,
            ticket_type_id,
            quantity,
            idempotency_key: key.to_string(),
        };
        match self.take(req).await? {
            Taken::Hold { row, replayed } => Ok((self.hold_view(&row), replayed)),
            Taken::Booking { .. } => Err(BookingError::IdempotencyMismatch),
        }
    }

    async fn take(&self, req: TakeRequest) -> Result<Taken, BookingError> {
        check_idempotency_key(&req.idempotency_key)?;
        let subject = req.user_id.to_string();
        if let crate::ratelimit::Verdict::Limited { retry_after_secs } = self
            .limiter()
            .hit(crate::ratelimit::tiers::BOOKING, &subject)
            .await
        {
            return Err(BookingError::RateLimited(retry_after_secs));
        }
        // The fast path is one read: requests that can never succeed are answered at once
        // (the engine checks again under lock). A refused request may still be the retry of
        // an earlier success, which answers with the first response whatever happened since.
        let now = self.clock().now_ms();
        let verdict = match store::events::bookability(self.db(), req.ticket_type_id)
            .await
            .map_err(|e| BookingError::db("ticket type lookup failed", e))?
        {
            None => Err(BookingError::NotFound("ticket type")),
            Some(b) => engine::check_rules(&req, &b, now),
        };
        if let Err(refusal) = verdict {
            return match self.prior_answer(&req).await? {
                Some(answer) => answer,
                None => Err(refusal),
            };
        }
        self.engine().take(req).await
    }

    /// The stored answer for a request's idempotency key, if it was already used.
    async fn prior_answer(
        &self,
        req: &TakeRequest,
    ) -> Result<Option<Result<Taken, BookingError>>, BookingError> {
        let db = self.db();
        let fail = |e| BookingError::db("idempotency lookup failed", e);
        if let Some(b) = store::bookings::by_key(db, req.user_id, &req.idempotency_key)
            .await
            .map_err(fail)?
        {
            let same = req.kind == TakeKind::Book
                && b.request_hash.as_deref() == Some(req.fingerprint().as_str());
            return Ok(Some(if same {
                Ok(Taken::Booking {
                    row: b,
                    replayed: true,
                })
            } else {
                Err(BookingError::IdempotencyMismatch)
            }));
        }
        if let Some(h) = store::holds::by_key(db, req.user_id, &req.idempotency_key)
            .await
            .map_err(fail)?
        {
            let same = req.kind == TakeKind::Hold && h.request_hash == req.fingerprint();
            return Ok(Some(if same {
                Ok(Taken::Hold {
                    row: h,
                    replayed: true,
                })
            } else {
                Err(BookingError::IdempotencyMismatch)
            }));
        }
        Ok(None)
    }

    /// Turns an active hold into a booking, naming each ticket's attendee if given.
    /// Confirming an already confirmed hold returns its booking again.
    pub async fn confirm_hold(
        &self,
        actor: &Actor,
        hold_id: i64,
        attendee_names: &[String],
    ) -> Result<BookingView, BookingError> {
        let mut names: Vec<Option<String>> = Vec::with_capacity(attendee_names.len());
        for (i, n) in attendee_names.iter().enumerate() {
            if n.trim().is_empty() {
                names.push(None);
            } else {
                match crate::domain::person_name("attendee_name", n) {
                    Ok(n) => names.push(Some(n)),
                    Err(_) => return Err(BookingError::InvalidAttendeeName(i)),
                }
            }
        }
        let db = self.db();
        let fail = |e| BookingError::db("confirming a hold failed", e);
        let hold = store::holds::by_id(db, hold_id).await.map_err(fail)?;
        let hold = match hold {
            Some(h) if h.user_id == actor.user_id => h,
            _ => return Err(BookingError::NotFound("hold")),
        };
        if names.len() > hold.quantity as usize {
            return Err(BookingError::InvalidAttendeeName(hold.quantity as usize));
        }
        let now = self.clock().now_ms();
        let mut tx = db.begin().await.map_err(fail)?;
        let tt = store::events::lock_ticket_type(&mut tx, hold.ticket_type_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("ticket type"))?;
        let Some(hold) = store::holds::mark_confirmed(&mut tx, hold_id, actor.user_id, now)
            .await
            .map_err(fail)?
        else {
            // Not active and unexpired: say why, and free an expired hold's seats right away.
            let current = store::holds::by_id_tx(&mut tx, hold_id)
                .await
                .map_err(fail)?
                .ok_or(BookingError::NotFound("hold"))?;
            let outcome = match current.status.as_str() {
                "confirmed" => match store::bookings::by_hold(&mut tx, hold_id)
                    .await
                    .map_err(fail)?
                {
                    Some(b) => Ok(booking_view(&b)),
                    None => Err(BookingError::Internal(
                        "confirmed hold without booking".into(),
                    )),
                },
                "active" => {
                    let expired = store::holds::expire_for_ticket_type(&mut tx, tt.id, now)
                        .await
                        .map_err(fail)?;
                    let freed: i64 = expired.iter().map(|h| h.quantity).sum();
                    if freed > 0 {
                        store::events::free_seats(&mut tx, tt.id, freed)
                            .await
                            .map_err(fail)?;
                    }
                    tx.commit().await.map_err(fail)?;
                    if freed > 0 {
                        self.live().publish(tt.event_id, vec![tt.id]);
                    }
                    return Err(BookingError::HoldExpired);
                }
                "expired" => Err(BookingError::HoldExpired),
                other => Err(BookingError::HoldNotActive(other.to_string())),
            };
            let _ = tx.rollback().await;
            return outcome;
        };
        let new = NewBooking {
            code: NewBooking::new_code(),
            user_id: hold.user_id,
            event_id: hold.event_id,
            ticket_type_id: hold.ticket_type_id,
            quantity: hold.quantity,
            unit_price_cents: tt.price_cents,
            currency: tt.currency.clone(),
            idempotency_key: None,
            request_hash: None,
            hold_id: Some(hold.id),
        };
        let row = store::bookings::insert_many(&mut tx, std::slice::from_ref(&new), now)
            .await
            .map_err(fail)?
            .pop()
            .ok_or_else(|| BookingError::Internal("booking insert returned nothing".into()))?;
        store::bookings::insert_tickets(&mut tx, &[(row.id, row.quantity)], &names)
            .await
            .map_err(fail)?;
        store::outbox::enqueue(&mut tx, &[confirmation_message(&row)], now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(booking_view(&row))
    }

    /// Extends an active hold by the event's hold time, a bounded number of times.
    pub async fn renew_hold(&self, actor: &Actor, hold_id: i64) -> Result<HoldView, BookingError> {
        let db = self.db();
        let fail = |e| BookingError::db("renewing a hold failed", e);
        let hold = match store::holds::by_id(db, hold_id).await.map_err(fail)? {
            Some(h) if h.user_id == actor.user_id => h,
            _ => return Err(BookingError::NotFound("hold")),
        };
        let event = store::events::event_by_id(db, hold.event_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("event"))?;
        let now = self.clock().now_ms();
        let max = self.settings().max_hold_renewals;
        let new_expiry = now + event.event.hold_minutes * 60_000;
        if let Some(h) = store::holds::renew(db, hold_id, actor.user_id, now, new_expiry, max)
            .await
            .map_err(fail)?
        {
            return Ok(self.hold_view(&h));
        }
        let h = store::holds::by_id(db, hold_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("hold"))?;
        Err(match h.status.as_str() {
            "active" if h.expires_at <= now => BookingError::HoldExpired,
            "active" => BookingError::RenewLimit { max },
            "expired" => BookingError::HoldExpired,
            other => BookingError::HoldNotActive(other.to_string()),
        })
    }

    /// Gives a hold's seats back at once. Releasing twice is harmless.
    pub async fn release_hold(
        &self,
        actor: &Actor,
        hold_id: i64,
    ) -> Result<HoldView, BookingError> {
        let db = self.db();
        let fail = |e| BookingError::db("releasing a hold failed", e);
        let hold = match store::holds::by_id(db, hold_id).await.map_err(fail)? {
            Some(h) if h.user_id == actor.user_id => h,
            _ => return Err(BookingError::NotFound("hold")),
        };
        let now = self.clock().now_ms();
        let mut tx = db.begin().await.map_err(fail)?;
        store::events::lock_ticket_type(&mut tx, hold.ticket_type_id)
            .await
            .map_err(fail)?;
        match store::holds::mark_released(&mut tx, hold_id, actor.user_id, now)
            .await
            .map_err(fail)?
        {
            Some(h) => {
                store::events::free_seats(&mut tx, h.ticket_type_id, h.quantity)
                    .await
                    .map_err(fail)?;
                tx.commit().await.map_err(fail)?;
                self.live().publish(h.event_id, vec![h.ticket_type_id]);
                Ok(self.hold_view(&h))
            }
            None => {
                let current = store::holds::by_id_tx(&mut tx, hold_id)
                    .await
                    .map_err(fail)?
                    .ok_or(BookingError::NotFound("hold"))?;
                let _ = tx.rollback().await;
                match current.status.as_str() {
                    "confirmed" => Err(BookingError::HoldNotActive("confirmed".into())),
                    _ => Ok(self.hold_view(&current)),
                }
            }
        }
    }

    /// A hold of the actor's.
    pub async fn hold_for(&self, actor: &Actor, hold_id: i64) -> Result<HoldView, BookingError> {
        match store::holds::by_id(self.db(), hold_id)
            .await
            .map_err(|e| BookingError::db("hold lookup failed", e))?
        {
            Some(h) if h.user_id == actor.user_id => Ok(self.hold_view(&h)),
            _ => Err(BookingError::NotFound("hold")),
        }
    }

    /// Cancels a booking and frees its seats at once. The buyer may cancel until the
    /// organizer's cut-off; the event's organizer and admins may cancel any time. Cancelling
    /// twice is harmless. Somebody else's booking answers as if it did not exist.
    pub async fn cancel_booking(
        &self,
        actor: &Actor,
        booking_id: i64,
    ) -> Result<CancelOutcome, BookingError> {
        let db = self.db();
        let fail = |e| BookingError::db("cancelling a booking failed", e);
        let booking = store::bookings::by_id(db, booking_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("booking"))?;
        let event = store::events::event_by_id(db, booking.event_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("booking"))?;
        let is_buyer = booking.user_id == actor.user_id;
        let is_staff = actor.role == Role::Admin
            || (actor.role == Role::Organizer && event.event.organizer_id == actor.user_id);
        if !is_buyer && !is_staff {
            return Err(BookingError::NotFound("booking"));
        }
        if booking.status == "cancelled" {
            return Ok(CancelOutcome {
                booking: booking_view(&booking),
                already_cancelled: true,
            });
        }
        let now = self.clock().now_ms();
        if !is_staff && now >= event.event.starts_at - event.event.cancel_cutoff_minutes * 60_000 {
            return Err(BookingError::CancellationClosed);
        }
        let mut tx = db.begin().await.map_err(fail)?;
        store::events::lock_ticket_type(&mut tx, booking.ticket_type_id)
            .await
            .map_err(fail)?;
        let reason = if is_buyer { "buyer" } else { "staff" };
        match store::bookings::mark_cancelled(&mut tx, booking_id, now, reason)
            .await
            .map_err(fail)?
        {
            Some(row) => {
                store::events::free_seats(&mut tx, row.ticket_type_id, row.quantity)
                    .await
                    .map_err(fail)?;
                store::outbox::enqueue(&mut tx, &[cancellation_message(&row)], now)
                    .await
                    .map_err(fail)?;
                if !is_buyer {
                    let entry = store::audit::NewEntry {
                        actor_id: Some(actor.user_id),
                        action: "booking.cancel",
                        target_type: "booking",
                        target_id: Some(row.id.to_string()),
                        subject_id: Some(row.user_id),
                        detail: serde_json::json!({ "event_id": row.event_id, "quantity": row.quantity }).to_string(),
                        ip: actor.ip.clone(),
                    };
                    store::audit::record_tx(&mut tx, &entry, now)
                        .await
                        .map_err(fail)?;
                }
                tx.commit().await.map_err(fail)?;
                self.live().publish(row.event_id, vec![row.ticket_type_id]);
                Ok(CancelOutcome {
                    booking: booking_view(&row),
                    already_cancelled: false,
                })
            }
            None => {
                let _ = tx.rollback().await;
                let current = store::bookings::by_id(db, booking_id)
                    .await
                    .map_err(fail)?
                    .ok_or(BookingError::NotFound("booking"))?;
                Ok(CancelOutcome {
                    booking: booking_view(&current),
                    already_cancelled: true,
                })
            }
        }
    }

    /// A booking the actor may see (their own; staff see their events' bookings).
    pub async fn booking_for(
        &self,
        actor: &Actor,
        booking_id: i64,
    ) -> Result<BookingView, BookingError> {
        let db = self.db();
        let fail = |e| BookingError::db("booking lookup failed", e);
        let b = store::bookings::by_id(db, booking_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("booking"))?;
        if b.user_id == actor.user_id || actor.role == Role::Admin {
            return Ok(booking_view(&b));
        }
        if actor.role == Role::Organizer {
            let e = store::events::event_by_id(db, b.event_id)
                .await
                .map_err(fail)?;
            if e.is_some_and(|e| e.event.organizer_id == actor.user_id) {
                return Ok(booking_view(&b));
            }
        }
        Err(BookingError::NotFound("booking"))
    }

    /// The actor's bookings with their events and tickets, newest event first.
    pub async fn my_bookings(&self, actor: &Actor) -> Result<Vec<MyBooking>, BookingError> {
        let db = self.db();
        let fail = |e| BookingError::db("listing bookings failed", e);
        let rows = store::bookings::for_user_with_events(db, actor.user_id, 500)
            .await
            .map_err(fail)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.booking.id).collect();
        let tickets = store::bookings::tickets_for(db, &ids).await.map_err(fail)?;
        let now = self.clock().now_ms();
        Ok(rows
            .into_iter()
            .map(|r| {
                let cancellable = r.booking.status == "confirmed"
                    && r.event_status != "cancelled"
                    && now < r.event_starts_at - r.cancel_cutoff_minutes * 60_000;
                MyBooking {
                    tickets: tickets
                        .iter()
                        .filter(|t| t.booking_id == r.booking.id)
                        .map(|t| TicketView {
                            code: t.code.clone(),
                            attendee_name: t.attendee_name.clone(),
                            checked_in_at: t.checked_in_at.map(to_datetime),
                        })
                        .collect(),
                    booking: booking_view(&r.booking),
                    event_date_label: date_label(r.event_starts_at, &r.event_timezone),
                    event_slug: r.event_slug,
                    event_title: r.event_title,
                    event_starts_at: to_datetime(r.event_starts_at),
                    venue: r.venue,
                    city: r.city,
                    ticket_type_name: r.ticket_type_name,
                    cancellable,
                }
            })
            .collect())
    }

    /// Releases the seats of every expired hold. The engine already ignores expired holds, so
    /// this only tidies up and tells live pages; returns how many holds it expired.
    pub async fn sweep_expired_holds(&self) -> Result<usize, BookingError> {
        let db = self.db();
        let fail = |e| BookingError::db("sweeping expired holds failed", e);
        let now = self.clock().now_ms();
        let due = store::holds::ticket_types_with_expired(db, now, 200)
            .await
            .map_err(fail)?;
        let mut count = 0;
        for (tt, event_id) in due {
            let mut tx = db.begin().await.map_err(fail)?;
            store::events::lock_ticket_type(&mut tx, tt)
                .await
                .map_err(fail)?;
            let expired = store::holds::expire_for_ticket_type(&mut tx, tt, now)
                .await
                .map_err(fail)?;
            let freed: i64 = expired.iter().map(|h| h.quantity).sum();
            if freed > 0 {
                store::events::free_seats(&mut tx, tt, freed)
                    .await
                    .map_err(fail)?;
            }
            tx.commit().await.map_err(fail)?;
            if freed > 0 {
                count += expired.len();
                self.live().publish(event_id, vec![tt]);
            }
        }
        Ok(count)
    }

    /// When the next hold expires (UTC ms), so the sweeper can wake exactly then.
    pub async fn next_hold_expiry(&self) -> Result<Option<i64>, BookingError> {
        store::holds::next_expiry(self.db())
            .await
            .map_err(|e| BookingError::db("next expiry lookup failed", e))
    }

    pub(crate) fn hold_view(&self, h: &HoldRow) -> HoldView {
        let max = self.settings().max_hold_renewals;
        HoldView {
            id: h.id,
            event_id: h.event_id,
            ticket_type_id: h.ticket_type_id,
            quantity: h.quantity,
            status: if h.status == "active" && h.expires_at <= self.clock().now_ms() {
                "expired".into()
            } else {
                h.status.clone()
            },
            expires_at: to_datetime(h.expires_at),
            renewals: h.renewals,
            renewals_left: (max - h.renewals).max(0),
        }
    }
}

/// The API view of a booking row.
pub fn booking_view(b: &BookingRow) -> BookingView {
    BookingView {
        id: b.id,
        code: b.code.clone(),
        status: b.status.clone(),
        event_id: b.event_id,
        ticket_type_id: b.ticket_type_id,
        quantity: b.quantity,
        unit_price_cents: b.unit_price_cents,
        total_cents: b.total_cents,
        currency: b.currency.clone(),
        created_at: to_datetime(b.created_at),
        cancelled_at: b.cancelled_at.map(to_datetime),
        hold_id: b.hold_id,
    }
}

pub(crate) fn confirmation_message(b: &BookingRow) -> NewMessage {
    NewMessage {
        kind: "booking.confirmed".into(),
        payload:
            serde_json::json!({ "booking_id": b.id, "user_id": b.user_id, "event_id": b.event_id })
                .to_string(),
        dedup_key: format!("booking.confirmed:{}", b.id),
    }
}

fn cancellation_message(b: &BookingRow) -> NewMessage {
    NewMessage {
        kind: "booking.cancelled".into(),
        payload:
            serde_json::json!({ "booking_id": b.id, "user_id": b.user_id, "event_id": b.event_id })
                .to_string(),
        dedup_key: format!("booking.cancelled:{}", b.id),
    }
}
