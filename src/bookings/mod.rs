//! Bookings and holds ([`BookingService`]): taking seats through the [`engine`], the hold
//! lifecycle (`holds`), cancellation (`cancel`) and the buyer's own bookings (`reads`).
//! Seats move only through the [`inventory`](crate::inventory).

mod batch;
mod cancel;
pub mod engine;
pub mod error;
mod holds;
mod reads;
mod views;

pub use engine::{TakeKind, TakeRequest, Taken};
pub use error::BookingError;
pub(crate) use reads::all_of_user;
pub use views::booking_view;

use crate::actor::Actor;
use crate::context::Ctx;
use crate::dto::{BookingView, HoldView};
use crate::ratelimit::{Verdict, tiers};
use crate::store;
use engine::Engine;

/// The longest idempotency key a client may send.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// Checks a client's idempotency key: 1 to [`IDEMPOTENCY_KEY_MAX`] visible ASCII characters.
pub fn check_idempotency_key(key: &str) -> Result<(), BookingError> {
    let ok = !key.is_empty()
        && key.len() <= IDEMPOTENCY_KEY_MAX
        && key.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(BookingError::BadIdempotencyKey)
    }
}

/// Accepts a waitlist offer: its hold becomes a booking through the one confirm path, the
/// client's idempotency key (`key.0`) and request fingerprint (`key.1`) stored with it.
pub(crate) async fn confirm_offer(
    ctx: &Ctx,
    actor: &Actor,
    hold_id: i64,
    names: &[String],
    key: (String, String),
) -> Result<BookingView, BookingError> {
    holds::confirm(ctx, actor, hold_id, names, Some(key)).await
}

/// The bookings feature.
pub struct BookingService {
    ctx: Ctx,
    engine: Engine,
}

/// Refuses people whose address is not confirmed, when the site asks for that
/// (`require_verified_email`): one read of their row, only then.
pub(crate) async fn require_confirmed_address(ctx: &Ctx, user_id: i64) -> Result<(), BookingError> {
    if !ctx.settings().require_verified_email {
        return Ok(());
    }
    let user = store::users::by_id(ctx.db(), user_id)
        .await
        .map_err(|e| BookingError::db("user lookup failed", e))?;
    match user {
        Some(u) if u.email_verified_at.is_some() => Ok(()),
        _ => Err(BookingError::EmailUnverified),
    }
}

impl BookingService {
    pub(crate) fn new(ctx: Ctx) -> Self {
        BookingService {
            engine: Engine::new(ctx.clone()),
            ctx,
        }
    }

    /// Books `quantity` seats now (one step), or replays the answer for a retried key.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, ticket_type = ticket_type_id, quantity))]
    pub async fn book(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        quantity: i64,
        key: &str,
    ) -> Result<(BookingView, bool), BookingError> {
        let req = TakeRequest::new(
            TakeKind::Book,
            actor,
            event_id,
            ticket_type_id,
            quantity,
            key,
        );
        match self.take(req).await? {
            Taken::Booking { row, replayed } => Ok((booking_view(&row), replayed)),
            Taken::Hold { .. } => Err(BookingError::IdempotencyMismatch),
        }
    }

    /// Holds seats for checkout, or replays the answer for a retried key.
    #[tracing::instrument(skip_all, fields(user = actor.user_id, ticket_type = ticket_type_id, quantity))]
    pub async fn hold(
        &self,
        actor: &Actor,
        event_id: i64,
        ticket_type_id: i64,
        quantity: i64,
        key: &str,
    ) -> Result<(HoldView, bool), BookingError> {
        let req = TakeRequest::new(
            TakeKind::Hold,
            actor,
            event_id,
            ticket_type_id,
            quantity,
            key,
        );
        match self.take(req).await? {
            Taken::Hold { row, replayed } => Ok((self.hold_view(&row), replayed)),
            Taken::Booking { .. } => Err(BookingError::IdempotencyMismatch),
        }
    }

    async fn take(&self, req: TakeRequest) -> Result<Taken, BookingError> {
        check_idempotency_key(&req.idempotency_key)?;
        require_confirmed_address(&self.ctx, req.user_id).await?;
        let subject = req.user_id.to_string();
        if let Verdict::Limited { retry_after_secs } =
            self.ctx.limiter().hit(tiers::BOOKING, &subject).await
        {
            return Err(BookingError::RateLimited(retry_after_secs));
        }
        // The fast path is one read: requests that can never succeed are answered at once
        // (the engine checks again under lock). A refused request may still be the retry of
        // an earlier success, which answers with the first response whatever happened since.
        let now = self.ctx.clock().now_ms();
        let verdict = match store::events::bookability(self.ctx.db(), req.ticket_type_id)
            .await
            .map_err(|e| BookingError::db("ticket type lookup failed", e))?
        {
            None => Err(BookingError::NotFound("ticket type")),
            Some(b) => engine::check_rules(&req, &b, now),
        };
        if let Err(refusal) = verdict {
            return match engine::prior_answer(self.ctx.db(), &req).await? {
                Some(answer) => answer,
                None => Err(refusal),
            };
        }
        self.engine.take(req).await
    }
}
