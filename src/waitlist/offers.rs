//! Offers: seats that come back go to the waitlist first. Called only from the inventory's
//! one road ([`SeatTx`]), under the ticket type's row lock, in the transaction that gave the
//! seats back, so nobody outside the queue can take them in between.
//!
//! The rules (also in the API docs):
//! - In queue order (the default), entries are served by place. An entry gets an offer, a
//!   hold of its whole quantity, when that many seats are free. When the first entry not yet
//!   served wants more seats than are free, the free seats are set aside for it (a hold owned
//!   by the entry, growing as more seats come back) for at most one offer lifetime; it may
//!   accept the smaller number at once. When that time runs out, the set-aside seats go to the
//!   entries after it, and it keeps its place.
//! - In "first entry that fits" order, free seats go to the first entries whose quantity
//!   fits; nothing is set aside.
//! - A paused queue gets nothing: returned seats go on public sale.
//! - An offer becoming complete (all seats the entry asked for) starts a fresh lifetime.

use crate::domain::{EventStatus, HoldStatus, WaitlistStatus};
use crate::inventory::SeatTx;
use crate::notifications::Message;
use crate::store;
use crate::store::holds::{HoldRow, NewHold};
use crate::store::waitlist::EntryRow;

/// Entries read at a time from the head of a queue (more pages only when needed).
const PAGE: i64 = 32;
/// The "expires soon" notice goes out this long before an offer ends...
const REMIND_BEFORE_MS: i64 = 5 * 60_000;
/// ...for offers that live longer than this.
const REMIND_IF_LONGER_MS: i64 = 10 * 60_000;

/// Hands a locked ticket type's free seats to its waitlist. Answers the seats it took.
pub(crate) async fn hand_out(stx: &mut SeatTx, ticket_type_id: i64) -> Result<i64, sqlx::Error> {
    let skip = std::mem::take(&mut stx.skip);
    let Some(tt) = store::events::lock_ticket_type(stx.tx(), ticket_type_id).await? else {
        return Ok(0);
    };
    let mut left = tt.capacity - tt.taken;
    if left <= 0 || tt.wl_active == 0 || tt.wl_paused {
        return Ok(0);
    }
    let now = stx.now();
    let Some(event) = store::events::event_in_tx(stx.tx(), tt.event_id).await? else {
        return Ok(0);
    };
    let on_sale = event.status == EventStatus::Published
        && now < event.ends_at
        && tt.sale_ends_at.is_none_or(|e| now < e);
    if !on_sale {
        return Ok(0);
    }
    let lifetime = event.offer_minutes * 60_000;
    let mut took = 0;
    let mut after = 0;
    let mut page = Vec::new();
    loop {
        if left == 0 {
            break;
        }
        if page.is_empty() {
            page = store::waitlist::wanting(stx.tx(), ticket_type_id, after, PAGE).await?;
            page.reverse();
        }
        let Some(e) = page.pop() else {
            break;
        };
        after = e.place;
        if skip.contains(&e.id) {
            continue;
        }
        let want = e.quantity - e.offered_quantity;
        if want <= 0 {
            // A complete offer is out; the next entry's turn.
            continue;
        }
        let fits = want <= left;
        if !fits && tt.wl_first_fit {
            continue;
        }
        let seats = want.min(left);
        let complete = fits;
        let expires_at = match (complete, e.status, e.offer_expires_at) {
            // Seats set aside keep the time they were first set aside.
            (false, WaitlistStatus::Offered, Some(t)) => t,
            _ => now + lifetime,
        };
        if !stx.take(tt.event_id, tt.id, seats).await? {
            break;
        }
        let hold = match (e.status, e.hold_id) {
            (WaitlistStatus::Offered, Some(h)) => {
                store::holds::grow(stx.tx(), h, seats, expires_at, now).await?
            }
            _ => Some(
                store::holds::insert_offer(
                    stx.tx(),
                    &NewHold {
                        user_id: e.user_id,
                        event_id: e.event_id,
                        ticket_type_id: e.ticket_type_id,
                        quantity: seats,
                        expires_at,
                        idempotency_key: format!("waitlist:{}:{}", e.id, e.offers_made + 1),
                        request_hash: format!("waitlist:{}", e.id),
                    },
                    e.id,
                    now,
                )
                .await?,
            ),
        };
        let Some(hold) = hold else {
            return Err(sqlx::Error::Protocol(format!(
                "waitlist entry {} points at a hold that is not active",
                e.id
            )));
        };
        store::waitlist::set_offer(
            stx.tx(),
            e.id,
            hold.id,
            hold.quantity,
            expires_at,
            e.status == WaitlistStatus::Waiting,
            now,
        )
        .await?;
        offer_notices(stx, &e, &hold, complete, expires_at, lifetime, now).await?;
        stx.notify_user(e.user_id);
        left -= seats;
        took += seats;
        if !complete {
            // Queue order: everything free went to the first entry not yet served.
            break;
        }
    }
    if took > 0 {
        tracing::debug!(
            ticket_type = ticket_type_id,
            seats = took,
            "seats offered to the waitlist"
        );
    }
    Ok(took)
}

/// The outbox notices of an offer: made (complete or partial), and "expires soon" for
/// complete offers that live long enough.
async fn offer_notices(
    stx: &mut SeatTx,
    e: &EntryRow,
    hold: &HoldRow,
    complete: bool,
    expires_at: i64,
    lifetime: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let made = Message::WaitlistOffer {
        entry_id: e.id,
        user_id: e.user_id,
        event_id: e.event_id,
        hold_id: hold.id,
        seats: hold.quantity,
        complete,
        expires_at,
    };
    stx.enqueue(std::slice::from_ref(&made), now).await?;
    if complete {
        // A partial offer's reminder (if any) makes way for the complete offer's.
        store::outbox::drop_pending(stx.tx(), &Message::expiring_key(hold.id)).await?;
        if lifetime > REMIND_IF_LONGER_MS {
            let soon = Message::WaitlistOfferExpiring {
                entry_id: e.id,
                user_id: e.user_id,
                event_id: e.event_id,
                hold_id: hold.id,
                expires_at,
            };
            stx.enqueue_due(&soon, expires_at - REMIND_BEFORE_MS, now)
                .await?;
        }
    }
    Ok(())
}

/// An offer's hold ran out (the caller gives its seats back next). A complete offer ends
/// the entry (`expired`); seats set aside for an entry that wanted more go to the entries
/// after it in this round, and the entry keeps its place.
pub(crate) async fn offer_expired(
    stx: &mut SeatTx,
    hold: &HoldRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(e) = current_entry(stx, hold).await? else {
        return Ok(());
    };
    store::outbox::drop_pending(stx.tx(), &Message::expiring_key(hold.id)).await?;
    if e.offered_quantity >= e.quantity {
        end_entry(stx, &e, WaitlistStatus::Expired, None, now).await?;
        let msg = Message::WaitlistOfferExpired {
            entry_id: e.id,
            user_id: e.user_id,
            event_id: e.event_id,
            hold_id: hold.id,
        };
        stx.enqueue(&[msg], now).await?;
    } else {
        store::waitlist::back_to_waiting(stx.tx(), e.id, now).await?;
        stx.skip.insert(e.id);
        stx.notify_user(e.user_id);
    }
    Ok(())
}

/// An offer's hold became a booking: the entry is booked.
pub(crate) async fn offer_booked(
    stx: &mut SeatTx,
    hold: &HoldRow,
    booking_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    if let Some(e) = current_entry(stx, hold).await? {
        store::outbox::drop_pending(stx.tx(), &Message::expiring_key(hold.id)).await?;
        end_entry(stx, &e, WaitlistStatus::Booked, Some(booking_id), now).await?;
    }
    Ok(())
}

/// The owner released an offer's hold (declined it): a complete offer ends the entry
/// (`left`); declining seats set aside keeps the entry waiting for its whole quantity.
/// The caller gives the seats back next.
pub(crate) async fn offer_declined(
    stx: &mut SeatTx,
    hold: &HoldRow,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(e) = current_entry(stx, hold).await? else {
        return Ok(());
    };
    store::outbox::drop_pending(stx.tx(), &Message::expiring_key(hold.id)).await?;
    if e.offered_quantity >= e.quantity {
        end_entry(stx, &e, WaitlistStatus::Left, None, now).await?;
    } else {
        store::waitlist::back_to_waiting(stx.tx(), e.id, now).await?;
        stx.skip.insert(e.id);
        stx.notify_user(e.user_id);
    }
    Ok(())
}

/// Takes an active entry out of its queue with `status`, releasing its offer's seats (which
/// go on to the next entries). The ticket type must be locked.
pub(crate) async fn leave(
    stx: &mut SeatTx,
    e: &EntryRow,
    status: WaitlistStatus,
    now: i64,
) -> Result<(), sqlx::Error> {
    end_entry(stx, e, status, None, now).await?;
    if let Some(hold_id) = e.hold_id {
        store::outbox::drop_pending(stx.tx(), &Message::expiring_key(hold_id)).await?;
        if let Some(h) = store::holds::mark_released(stx.tx(), hold_id, e.user_id, now).await? {
            stx.give_back(
                h.event_id,
                h.ticket_type_id,
                h.quantity,
                crate::inventory::Why::OfferDeclined,
            )
            .await?;
        }
    }
    Ok(())
}

/// Ends an active entry and lowers its queue's count.
async fn end_entry(
    stx: &mut SeatTx,
    e: &EntryRow,
    status: WaitlistStatus,
    booking_id: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    if store::waitlist::end(stx.tx(), e.id, status, booking_id, now)
        .await?
        .is_some()
    {
        store::waitlist::add_active(stx.tx(), e.ticket_type_id, -1).await?;
        stx.touch(e.event_id, e.ticket_type_id);
    }
    stx.notify_user(e.user_id);
    Ok(())
}

/// The active entry a hold is the offer of, if the hold is still its offer.
async fn current_entry(stx: &mut SeatTx, hold: &HoldRow) -> Result<Option<EntryRow>, sqlx::Error> {
    let Some(id) = hold.waitlist_entry_id else {
        return Ok(None);
    };
    let e = store::waitlist::by_id_tx(stx.tx(), id).await?;
    Ok(e.filter(|e| e.status == WaitlistStatus::Offered && e.hold_id == Some(hold.id)))
}

/// Whether a hold is a waitlist offer that is still live.
pub fn is_live_offer(h: &HoldRow, now: i64) -> bool {
    h.waitlist_entry_id.is_some() && h.status == HoldStatus::Active && h.expires_at > now
}
