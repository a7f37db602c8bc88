//! The hold lifecycle: confirm (the hold becomes a booking), renew, release, expire.

use super::views::{booking_view, confirmed_message, hold_view};
use super::{BookingError, BookingService};
use crate::actor::Actor;
use crate::context::Ctx;
use crate::domain::{HoldStatus, person_name};
use crate::dto::{BookingView, HoldView};
use crate::inventory::{SeatTx, Why};
use crate::store;
use crate::store::bookings::NewBooking;
use crate::store::holds::HoldRow;
use crate::waitlist::offers;

/// Checks attendee names, one per ticket; blanks mean "not named yet".
fn attendee_names(raw: &[String]) -> Result<Vec<Option<String>>, BookingError> {
    raw.iter()
        .enumerate()
        .map(|(i, n)| {
            if n.trim().is_empty() {
                Ok(None)
            } else {
                person_name("attendee_name", n)
                    .map(Some)
                    .map_err(|_| BookingError::InvalidAttendeeName(i))
            }
        })
        .collect()
}

impl BookingService {
    /// The API view of a hold now.
    pub(crate) fn hold_view(&self, h: &HoldRow) -> HoldView {
        hold_view(
            h,
            self.ctx.clock().now_ms(),
            self.ctx.settings().max_hold_renewals,
        )
    }

    /// A hold of the actor's; anybody else's answers as if it did not exist.
    async fn own_hold(&self, actor: &Actor, hold_id: i64) -> Result<HoldRow, BookingError> {
        match store::holds::by_id(self.ctx.db(), hold_id)
            .await
            .map_err(|e| BookingError::db("hold lookup failed", e))?
        {
            Some(h) if h.user_id == actor.user_id => Ok(h),
            _ => Err(BookingError::NotFound("hold")),
        }
    }

    /// Turns an active hold into a booking, naming each ticket's attendee if given.
    /// Confirming an already confirmed hold returns its booking again. A waitlist offer's
    /// hold confirms the same way, and its entry is then booked.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, hold = hold_id))]
    pub async fn confirm_hold(
        &self,
        actor: &Actor,
        hold_id: i64,
        names: &[String],
    ) -> Result<BookingView, BookingError> {
        confirm(&self.ctx, actor, hold_id, names, None).await
    }

    /// Extends an active hold by the event's hold time, a bounded number of times.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, hold = hold_id))]
    pub async fn renew_hold(&self, actor: &Actor, hold_id: i64) -> Result<HoldView, BookingError> {
        let db = self.ctx.db();
        let fail = |e| BookingError::db("renewing a hold failed", e);
        let hold = self.own_hold(actor, hold_id).await?;
        if hold.waitlist_entry_id.is_some() {
            return Err(BookingError::OfferNotRenewable);
        }
        let event = store::events::event_by_id(db, hold.event_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("event"))?;
        let now = self.ctx.clock().now_ms();
        let max = self.ctx.settings().max_hold_renewals;
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
        Err(match h.status {
            HoldStatus::Active if h.expires_at <= now => BookingError::HoldExpired,
            HoldStatus::Active => BookingError::RenewLimit { max },
            HoldStatus::Expired => BookingError::HoldExpired,
            other => BookingError::HoldNotActive(other),
        })
    }

    /// Gives a hold's seats back at once. Releasing twice is harmless.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, hold = hold_id))]
    pub async fn release_hold(
        &self,
        actor: &Actor,
        hold_id: i64,
    ) -> Result<HoldView, BookingError> {
        let fail = |e| BookingError::db("releasing a hold failed", e);
        let hold = self.own_hold(actor, hold_id).await?;
        let now = self.ctx.clock().now_ms();
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        stx.lock(hold.ticket_type_id).await.map_err(fail)?;
        match store::holds::mark_released(stx.tx(), hold_id, actor.user_id, now)
            .await
            .map_err(fail)?
        {
            Some(h) => {
                let why = if h.waitlist_entry_id.is_some() {
                    offers::offer_declined(&mut stx, &h, now)
                        .await
                        .map_err(fail)?;
                    Why::OfferDeclined
                } else {
                    Why::HoldReleased
                };
                stx.give_back(h.event_id, h.ticket_type_id, h.quantity, why)
                    .await
                    .map_err(fail)?;
                stx.commit().await.map_err(fail)?;
                Ok(self.hold_view(&h))
            }
            None => {
                let current = store::holds::by_id_tx(stx.tx(), hold_id)
                    .await
                    .map_err(fail)?
                    .ok_or(BookingError::NotFound("hold"))?;
                stx.rollback().await;
                match current.status {
                    HoldStatus::Confirmed => Err(BookingError::HoldNotActive(current.status)),
                    _ => Ok(self.hold_view(&current)),
                }
            }
        }
    }

    /// A hold of the actor's.
    pub async fn hold_for(&self, actor: &Actor, hold_id: i64) -> Result<HoldView, BookingError> {
        Ok(self.hold_view(&self.own_hold(actor, hold_id).await?))
    }

    /// Gives back the seats of every expired hold. The engine already ignores expired holds,
    /// so this tidies up and tells live pages; returns how many holds it expired.
    pub async fn sweep_expired_holds(&self) -> Result<usize, BookingError> {
        let db = self.ctx.db();
        let fail = |e| BookingError::db("sweeping expired holds failed", e);
        let now = self.ctx.clock().now_ms();
        let due = store::holds::ticket_types_with_expired(db, now, 200)
            .await
            .map_err(fail)?;
        let mut count = 0;
        for (tt, _event_id) in due {
            let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
            let Some(row) = stx.lock(tt).await.map_err(fail)? else {
                stx.rollback().await;
                continue;
            };
            let (expired, _) = stx.reclaim_expired(&row, now).await.map_err(fail)?;
            stx.commit().await.map_err(fail)?;
            count += expired.len();
        }
        Ok(count)
    }

    /// When the next hold expires (UTC ms), so the sweeper can wake exactly then.
    pub async fn next_hold_expiry(&self) -> Result<Option<i64>, BookingError> {
        store::holds::next_expiry(self.ctx.db())
            .await
            .map_err(|e| BookingError::db("next expiry lookup failed", e))
    }
}

/// Turns an active hold into a booking (see [`BookingService::confirm_hold`]).
/// `key` is the client's idempotency key and request fingerprint, stored with the
/// booking (accepting a waitlist offer).
pub(crate) async fn confirm(
    ctx: &Ctx,
    actor: &Actor,
    hold_id: i64,
    names: &[String],
    key: Option<(String, String)>,
) -> Result<BookingView, BookingError> {
    let names = attendee_names(names)?;
    let hold = match store::holds::by_id(ctx.db(), hold_id)
        .await
        .map_err(|e| BookingError::db("hold lookup failed", e))?
    {
        Some(h) if h.user_id == actor.user_id => h,
        _ => return Err(BookingError::NotFound("hold")),
    };
    if names.len() > hold.quantity as usize {
        return Err(BookingError::InvalidAttendeeName(hold.quantity as usize));
    }
    let fail = |e| BookingError::db("confirming a hold failed", e);
    let now = ctx.clock().now_ms();
    let mut stx = SeatTx::begin(ctx).await.map_err(fail)?;
    let tt = stx
        .lock(hold.ticket_type_id)
        .await
        .map_err(fail)?
        .ok_or(BookingError::NotFound("ticket type"))?;
    let Some(hold) = store::holds::mark_confirmed(stx.tx(), hold_id, actor.user_id, now)
        .await
        .map_err(fail)?
    else {
        // Not active and unexpired: say why, and give an expired hold's seats back now.
        let current = store::holds::by_id_tx(stx.tx(), hold_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("hold"))?;
        let outcome = match current.status {
            HoldStatus::Confirmed => match store::bookings::by_hold(stx.tx(), hold_id)
                .await
                .map_err(fail)?
            {
                Some(b) => Ok(booking_view(&b)),
                None => Err(BookingError::Internal(
                    "confirmed hold without booking".into(),
                )),
            },
            HoldStatus::Active => {
                stx.reclaim_expired(&tt, now).await.map_err(fail)?;
                stx.commit().await.map_err(fail)?;
                return Err(BookingError::HoldExpired);
            }
            HoldStatus::Expired => Err(BookingError::HoldExpired),
            other @ HoldStatus::Released => Err(BookingError::HoldNotActive(other)),
        };
        stx.rollback().await;
        return outcome;
    };
    // The hold's seats are already taken: they pass to the booking without moving.
    let new = NewBooking {
        code: NewBooking::new_code(),
        user_id: hold.user_id,
        event_id: hold.event_id,
        ticket_type_id: hold.ticket_type_id,
        quantity: hold.quantity,
        unit_price_cents: tt.price_cents,
        currency: tt.currency.clone(),
        idempotency_key: key.as_ref().map(|k| k.0.clone()),
        request_hash: key.map(|k| k.1),
        hold_id: Some(hold.id),
    };
    let row = store::bookings::insert_many(stx.tx(), std::slice::from_ref(&new), now)
        .await
        .map_err(fail)?
        .pop()
        .ok_or_else(|| BookingError::Internal("booking insert returned nothing".into()))?;
    store::bookings::insert_tickets(stx.tx(), &[(row.id, row.quantity)], &names)
        .await
        .map_err(fail)?;
    stx.enqueue(&[confirmed_message(&row)], now)
        .await
        .map_err(fail)?;
    if hold.waitlist_entry_id.is_some() {
        offers::offer_booked(&mut stx, &hold, row.id, now)
            .await
            .map_err(fail)?;
    }
    stx.commit().await.map_err(fail)?;
    Ok(booking_view(&row))
}
