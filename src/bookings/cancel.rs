//! Cancelling a booking: its seats go back at once through the inventory.

use super::views::{booking_view, cancelled_message};
use super::{BookingError, BookingService};
use crate::actor::Actor;
use crate::domain::{BookingStatus, EventStatus};
use crate::dto::CancelOutcome;
use crate::inventory::{SeatTx, Why};
use crate::notifications::CancelReason;
use crate::store;

/// Until when (UTC ms) a buyer may cancel a booking of an event starting at `starts_at`
/// with the organizer's cut-off of `cutoff_minutes`. The one rule for the check and for the
/// "cancellable" flag the pages show.
pub(crate) fn buyer_may_cancel(
    status: BookingStatus,
    event_status: EventStatus,
    starts_at: i64,
    cutoff_minutes: i64,
    now: i64,
) -> bool {
    let deadline = starts_at.saturating_sub(cutoff_minutes.saturating_mul(60_000));
    status == BookingStatus::Confirmed && event_status != EventStatus::Cancelled && now < deadline
}

impl BookingService {
    /// Cancels a booking and frees its seats at once. The buyer may cancel until the
    /// organizer's cut-off; those who may manage the event may cancel any time. Cancelling
    /// twice is harmless. Somebody else's booking answers as if it did not exist.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, booking = booking_id))]
    pub async fn cancel_booking(
        &self,
        actor: &Actor,
        booking_id: i64,
    ) -> Result<CancelOutcome, BookingError> {
        let db = self.ctx.db();
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
        let is_staff = actor.may_manage(event.event.organizer_id);
        if !is_buyer && !is_staff {
            return Err(BookingError::NotFound("booking"));
        }
        if booking.status == BookingStatus::Cancelled {
            return Ok(CancelOutcome {
                booking: booking_view(&booking),
                already_cancelled: true,
            });
        }
        let now = self.ctx.clock().now_ms();
        let e = &event.event;
        if !is_staff
            && !buyer_may_cancel(
                booking.status,
                e.status,
                e.starts_at,
                e.cancel_cutoff_minutes,
                now,
            )
        {
            return Err(BookingError::CancellationClosed);
        }
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        stx.lock(booking.ticket_type_id).await.map_err(fail)?;
        let reason = if is_buyer {
            CancelReason::Buyer
        } else {
            CancelReason::Staff
        };
        let Some(row) = store::bookings::mark_cancelled(stx.tx(), booking_id, now, reason)
            .await
            .map_err(fail)?
        else {
            stx.rollback().await;
            let current = store::bookings::by_id(db, booking_id)
                .await
                .map_err(fail)?
                .ok_or(BookingError::NotFound("booking"))?;
            return Ok(CancelOutcome {
                booking: booking_view(&current),
                already_cancelled: true,
            });
        };
        stx.give_back(
            row.event_id,
            row.ticket_type_id,
            row.quantity,
            Why::BookingCancelled,
        )
        .await
        .map_err(fail)?;
        stx.enqueue(&[cancelled_message(&row, reason)], now)
            .await
            .map_err(fail)?;
        store::outbox::drop_pending_for_event(
            stx.tx(),
            row.event_id,
            crate::notifications::Message::REMINDER_KIND,
            Some(row.id),
        )
        .await
        .map_err(fail)?;
        if !is_buyer {
            let entry = store::audit::NewEntry {
                actor_id: Some(actor.user_id),
                action: "booking.cancel",
                target_type: "booking",
                target_id: Some(row.id.to_string()),
                subject_id: Some(row.user_id),
                detail: serde_json::json!({ "event_id": row.event_id, "quantity": row.quantity })
                    .to_string(),
                ip: actor.ip.clone(),
            };
            store::audit::record_tx(stx.tx(), &entry, now)
                .await
                .map_err(fail)?;
        }
        stx.commit().await.map_err(fail)?;
        Ok(CancelOutcome {
            booking: booking_view(&row),
            already_cancelled: false,
        })
    }
}
