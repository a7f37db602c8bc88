//! What can go wrong on a waitlist.

use crate::bookings::BookingError;
use crate::domain::WaitlistStatus;
use crate::error::{ApiError, ErrorCode};

/// A waitlist rule that refused a request, or a failure underneath it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WaitlistError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("seats are available")]
    SeatsAvailable { available: i64 },
    #[error("quantity out of range")]
    InvalidQuantity { max: i64 },
    #[error("sale window closed")]
    SaleClosed { not_yet: bool },
    #[error("event is not open")]
    EventNotBookable { cancelled: bool },
    #[error("per-person seat limit reached")]
    SeatLimit { limit: i64, has: i64 },
    #[error("an offer is waiting for an answer")]
    OfferPending,
    #[error("no offer to answer ({0})")]
    NoOffer(WaitlistStatus),
    #[error("invalid order")]
    InvalidOrder,
    #[error("invalid cursor")]
    BadCursor,
    #[error("rate limited")]
    RateLimited(u64),
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl WaitlistError {
    /// Logs a database failure with its full cause and hides it from the client.
    pub fn db(context: &str, e: sqlx::Error) -> Self {
        crate::db::log_failure(context, &e);
        WaitlistError::Internal(context.to_string())
    }
}

impl From<WaitlistError> for ApiError {
    fn from(e: WaitlistError) -> Self {
        match e {
            WaitlistError::NotFound(what) => ApiError::not_found(what),
            WaitlistError::SeatsAvailable { available } => ApiError::new(
                ErrorCode::SeatsAvailable,
                match available {
                    1 => "1 seat is available: book it instead of joining the waitlist".to_string(),
                    n => format!(
                        "{n} seats are available: book them instead of joining the waitlist"
                    ),
                },
            ),
            WaitlistError::InvalidQuantity { max } => {
                ApiError::invalid("quantity", format!("Choose between 1 and {max} tickets"))
            }
            WaitlistError::SaleClosed { not_yet } => BookingError::SaleClosed { not_yet }.into(),
            WaitlistError::EventNotBookable { cancelled } => {
                BookingError::EventNotBookable { cancelled }.into()
            }
            WaitlistError::SeatLimit { limit, has } => {
                BookingError::SeatLimit { limit, has }.into()
            }
            WaitlistError::OfferPending => ApiError::new(
                ErrorCode::Conflict,
                "You have an offer for this ticket type: accept or decline it before changing how many seats you want",
            ),
            WaitlistError::NoOffer(WaitlistStatus::Expired) => ApiError::new(
                ErrorCode::HoldExpired,
                "This offer expired and its seats went to the next person in the queue",
            ),
            WaitlistError::NoOffer(WaitlistStatus::Waiting) => ApiError::new(
                ErrorCode::Conflict,
                "There is no offer for this entry yet: you are still waiting",
            ),
            WaitlistError::NoOffer(status) => ApiError::new(
                ErrorCode::Conflict,
                format!("This waitlist entry is {status}: there is no offer to answer"),
            ),
            WaitlistError::InvalidOrder => {
                ApiError::invalid("order", "order must be \"queue\" or \"first_fit\"")
            }
            WaitlistError::BadCursor => ApiError::invalid(
                "cursor",
                "cursor must be the next_cursor of a previous page",
            ),
            WaitlistError::RateLimited(secs) => {
                crate::ratelimit::too_many(secs, "waitlist requests")
            }
            WaitlistError::Booking(b) => b.into(),
            WaitlistError::Internal(_) => ApiError::internal(),
        }
    }
}
