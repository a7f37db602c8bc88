//! The buyer's bookings, and one booking for whoever may see it.

use super::cancel::buyer_may_cancel;
use super::views::booking_view;
use super::{BookingError, BookingService};
use crate::actor::Actor;
use crate::clock::to_datetime;
use crate::context::Ctx;
use crate::dto::{BookingView, MyBooking, TicketView};
use crate::local_time::date_label;
use crate::store;
use crate::store::bookings::BookingWithEventRow;

/// How many bookings "My bookings" lists.
const MY_BOOKINGS_LIMIT: i64 = 500;
/// Bookings read per query when every booking of a user is wanted.
const EXPORT_PAGE: i64 = 500;

impl BookingService {
    /// A booking the actor may see: their own, or one of an event they may manage.
    #[tracing::instrument(skip_all)]
    pub async fn booking_for(
        &self,
        actor: &Actor,
        booking_id: i64,
    ) -> Result<BookingView, BookingError> {
        let db = self.ctx.db();
        let fail = |e| BookingError::db("booking lookup failed", e);
        let b = store::bookings::by_id(db, booking_id)
            .await
            .map_err(fail)?
            .ok_or(BookingError::NotFound("booking"))?;
        if b.user_id == actor.user_id {
            return Ok(booking_view(&b));
        }
        let e = store::events::event_by_id(db, b.event_id)
            .await
            .map_err(fail)?;
        if e.is_some_and(|e| actor.may_manage(e.event.organizer_id)) {
            return Ok(booking_view(&b));
        }
        Err(BookingError::NotFound("booking"))
    }

    /// The actor's bookings with their events and tickets, latest event first.
    #[tracing::instrument(skip_all)]
    pub async fn my_bookings(&self, actor: &Actor) -> Result<Vec<MyBooking>, BookingError> {
        let rows =
            store::bookings::for_user_with_events(self.ctx.db(), actor.user_id, MY_BOOKINGS_LIMIT)
                .await
                .map_err(|e| BookingError::db("listing bookings failed", e))?;
        my_bookings_of(&self.ctx, rows).await
    }

    /// One of the actor's own bookings with its event and tickets.
    #[tracing::instrument(skip_all)]
    pub async fn my_booking(
        &self,
        actor: &Actor,
        booking_id: i64,
    ) -> Result<MyBooking, BookingError> {
        let row = store::bookings::one_of_user(self.ctx.db(), actor.user_id, booking_id)
            .await
            .map_err(|e| BookingError::db("booking lookup failed", e))?
            .ok_or(BookingError::NotFound("booking"))?;
        my_bookings_of(&self.ctx, vec![row])
            .await?
            .pop()
            .ok_or(BookingError::NotFound("booking"))
    }
}

/// Every booking of a user, however many (for their data export), in booking order.
pub(crate) async fn all_of_user(ctx: &Ctx, user_id: i64) -> Result<Vec<MyBooking>, BookingError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let rows = store::bookings::page_of_user(ctx.db(), user_id, after, EXPORT_PAGE)
            .await
            .map_err(|e| BookingError::db("exporting bookings failed", e))?;
        let Some(last) = rows.last() else {
            return Ok(out);
        };
        after = last.booking.id;
        let full = rows.len() as i64 == EXPORT_PAGE;
        out.extend(my_bookings_of(ctx, rows).await?);
        if !full {
            return Ok(out);
        }
    }
}

async fn my_bookings_of(
    ctx: &Ctx,
    rows: Vec<BookingWithEventRow>,
) -> Result<Vec<MyBooking>, BookingError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.booking.id).collect();
    let tickets = store::bookings::tickets_for(ctx.db(), &ids)
        .await
        .map_err(|e| BookingError::db("reading tickets failed", e))?;
    let now = ctx.clock().now_ms();
    Ok(rows
        .into_iter()
        .map(|r| {
            let cancellable = buyer_may_cancel(
                r.booking.status,
                r.event_status,
                r.event_starts_at,
                r.cancel_cutoff_minutes,
                now,
            );
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
                payment_terms: crate::domain::payment_terms(r.booking.total_cents, &r.payment_note),
            }
        })
        .collect())
}
