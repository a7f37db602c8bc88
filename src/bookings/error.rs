//! What can go wrong when taking, confirming or cancelling seats.

use crate::domain::HoldStatus;
use crate::error::{ApiError, ErrorCode};

/// A booking rule that refused a request, or a failure underneath it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BookingError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("not enough seats: {available} left")]
    SoldOut { available: i64, ticket_type: String },
    #[error("sale window closed")]
    SaleClosed { not_yet: bool },
    #[error("event is not open for booking")]
    EventNotBookable { cancelled: bool },
    #[error("quantity out of range")]
    InvalidQuantity { max: i64 },
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    #[error("invalid idempotency key")]
    BadIdempotencyKey,
    #[error("hold expired")]
    HoldExpired,
    #[error("hold is no longer active ({0})")]
    HoldNotActive(HoldStatus),
    #[error("per-person seat limit reached")]
    SeatLimit { limit: i64, has: i64 },
    #[error("waitlist offers cannot be renewed")]
    OfferNotRenewable,
    #[error("renewal limit reached")]
    RenewLimit { max: i64 },
    #[error("cancellation window closed")]
    CancellationClosed,
    #[error("invalid attendee name at {0}")]
    InvalidAttendeeName(usize),
    #[error("rate limited")]
    RateLimited(u64),
    #[error("e-mail address not confirmed")]
    EmailUnverified,
    #[error("internal error: {0}")]
    Internal(String),
}

impl BookingError {
    /// Logs a database failure with its full cause and hides it from the client.
    pub fn db(context: &str, e: sqlx::Error) -> Self {
        crate::db::log_failure(context, &e);
        BookingError::Internal(context.to_string())
    }
}

impl From<BookingError> for ApiError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::NotFound(what) => {
                ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            BookingError::SoldOut {
                available,
                ticket_type,
            } => {
                let msg = match available {
                    0 => format!("{ticket_type} is sold out"),
                    1 => format!("Only 1 seat left for {ticket_type}"),
                    n => format!("Only {n} seats left for {ticket_type}"),
                };
                ApiError::new(ErrorCode::SoldOut, msg)
            }
            BookingError::SaleClosed { not_yet: true } => ApiError::new(
                ErrorCode::SaleClosed,
                "Ticket sales for this ticket type have not started yet",
            ),
            BookingError::SaleClosed { not_yet: false } => ApiError::new(
                ErrorCode::SaleClosed,
                "Ticket sales for this ticket type have ended",
            ),
            BookingError::EventNotBookable { cancelled: true } => {
                ApiError::new(ErrorCode::EventNotBookable, "This event has been cancelled")
            }
            BookingError::EventNotBookable { cancelled: false } => ApiError::new(
                ErrorCode::EventNotBookable,
                "This event is not open for booking",
            ),
            BookingError::InvalidQuantity { max } => {
                ApiError::invalid("quantity", format!("Choose between 1 and {max} tickets"))
            }
            BookingError::IdempotencyMismatch => ApiError::new(
                ErrorCode::IdempotencyMismatch,
                "This Idempotency-Key was already used for a different request; use a new key",
            )
            .with_field("Idempotency-Key"),
            BookingError::BadIdempotencyKey => ApiError::new(
                ErrorCode::InvalidInput,
                "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)",
            )
            .with_field("Idempotency-Key"),
            BookingError::HoldExpired => ApiError::new(
                ErrorCode::HoldExpired,
                "Your hold expired, so the seats were released. If they are still available, try again.",
            ),
            BookingError::HoldNotActive(status) => ApiError::new(
                ErrorCode::Conflict,
                format!("This hold is {status} and can no longer be used"),
            ),
            BookingError::EmailUnverified => ApiError::new(
                ErrorCode::EmailUnverified,
                "Confirm your e-mail address first: open the link we sent you, or ask for a new one on your account page",
            ),
            BookingError::OfferNotRenewable => ApiError::new(
                ErrorCode::Conflict,
                "A waitlist offer cannot be extended: accept it before it expires",
            ),
            BookingError::RenewLimit { max } => ApiError::new(
                ErrorCode::RenewLimit,
                format!("A hold can be extended at most {max} times"),
            ),
            BookingError::SeatLimit { limit, has } => ApiError::new(
                ErrorCode::SeatLimit,
                match has {
                    0 => format!("One person can hold or book at most {limit} seats for this event"),
                    _ => format!(
                        "One person can hold or book at most {limit} seats for this event, and you already have {has}"
                    ),
                },
            )
            .with_field("quantity"),
            BookingError::CancellationClosed => ApiError::new(
                ErrorCode::CancellationClosed,
                "This booking can no longer be cancelled: the organizer's cancellation deadline has passed",
            ),
            BookingError::InvalidAttendeeName(i) => ApiError::invalid(
                format!("attendee_names[{i}]"),
                "Attendee names must be at most 100 characters, one per ticket, without control characters",
            ),
            BookingError::RateLimited(secs) => crate::ratelimit::too_many(secs, "booking requests"),
            BookingError::Internal(_) => ApiError::internal(),
        }
    }
}
