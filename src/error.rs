//! The one error shape every client sees: `{"error": {"code", "message", "field"}}`.
//!
//! Core modules have their own `thiserror` enums; each converts into [`ApiError`], which knows
//! its HTTP status. REST handlers and server functions both answer with it, so a rule's error
//! reads the same wherever it is hit. The full cause chain goes to the log, never here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Machine-readable error codes. Clients match on these; the message is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    InvalidInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    SoldOut,
    HoldExpired,
    SaleClosed,
    EventNotBookable,
    CancellationClosed,
    IdempotencyMismatch,
    MissingIdempotencyKey,
    Conflict,
    RenewLimit,
    SeatLimit,
    /// Joining a waitlist while seats can still be booked.
    SeatsAvailable,
    EmailTaken,
    /// Holding seats needs a confirmed e-mail address on this site.
    EmailUnverified,
    /// A ticket scanned a second time.
    AlreadyCheckedIn,
    /// A ticket of a cancelled booking.
    TicketRevoked,
    /// A ticket code or token that no valid ticket carries (forged, mistyped, damaged).
    InvalidTicket,
    /// A valid ticket of another event.
    WrongEvent,
    InvalidCredentials,
    RateLimited,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is answered with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidInput | ErrorCode::IdempotencyMismatch => 422,
            ErrorCode::MissingIdempotencyKey => 400,
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden | ErrorCode::EmailUnverified => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::SoldOut
            | ErrorCode::SaleClosed
            | ErrorCode::EventNotBookable
            | ErrorCode::CancellationClosed
            | ErrorCode::Conflict
            | ErrorCode::RenewLimit
            | ErrorCode::SeatLimit
            | ErrorCode::SeatsAvailable
            | ErrorCode::EmailTaken
            | ErrorCode::AlreadyCheckedIn => 409,
            ErrorCode::HoldExpired | ErrorCode::TicketRevoked => 410,
            ErrorCode::InvalidTicket | ErrorCode::WrongEvent => 422,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::SoldOut => "sold_out",
            ErrorCode::HoldExpired => "hold_expired",
            ErrorCode::SaleClosed => "sale_closed",
            ErrorCode::EventNotBookable => "event_not_bookable",
            ErrorCode::CancellationClosed => "cancellation_closed",
            ErrorCode::IdempotencyMismatch => "idempotency_mismatch",
            ErrorCode::MissingIdempotencyKey => "missing_idempotency_key",
            ErrorCode::Conflict => "conflict",
            ErrorCode::RenewLimit => "renew_limit",
            ErrorCode::SeatLimit => "seat_limit",
            ErrorCode::SeatsAvailable => "seats_available",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::EmailUnverified => "email_unverified",
            ErrorCode::AlreadyCheckedIn => "already_checked_in",
            ErrorCode::TicketRevoked => "ticket_revoked",
            ErrorCode::InvalidTicket => "invalid_ticket",
            ErrorCode::WrongEvent => "wrong_event",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The error body sent to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before retrying (rate limits); sent as `Retry-After`, not in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Every field that is wrong, when a form was checked as a whole (creating or editing an
    /// event); `field` and `message` above are the first of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One wrong field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The JSON envelope: `{"error": {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            errors: Vec::new(),
        }
    }

    /// A 422 naming the offending field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            code: ErrorCode::InvalidInput,
            message: message.into(),
            field: Some(field.into()),
            retry_after: None,
            errors: Vec::new(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn unauthenticated() -> Self {
        ApiError::new(ErrorCode::Unauthenticated, "sign in to continue")
    }

    pub fn forbidden() -> Self {
        ApiError::new(ErrorCode::Forbidden, "you are not allowed to do that")
    }

    /// A 500 whose detail has already been logged; the client learns nothing internal.
    pub fn internal() -> Self {
        ApiError::new(
            ErrorCode::Internal,
            "something went wrong on our side; please try again",
        )
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// One error for several wrong fields: the first as `field`/`message`, all in `errors`.
    /// `None` when there are none.
    pub fn all_of(problems: Vec<ApiError>) -> Option<ApiError> {
        let mut first = problems.first()?.clone();
        first.errors = problems
            .iter()
            .filter_map(|p| {
                Some(FieldError {
                    field: p.field.clone()?,
                    message: p.message.clone(),
                })
            })
            .collect();
        Some(first)
    }

    /// Every field error: `errors` when the request was checked as a whole, else `field`.
    pub fn field_errors(&self) -> Vec<FieldError> {
        if !self.errors.is_empty() {
            return self.errors.clone();
        }
        self.field
            .iter()
            .map(|f| FieldError {
                field: f.clone(),
                message: self.message.clone(),
            })
            .collect()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_in_the_documented_shape() {
        let body = ErrorBody {
            error: ApiError::invalid("quantity", "must be between 1 and 10"),
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["code"], "invalid_input");
        assert_eq!(json["error"]["field"], "quantity");
        assert!(json["error"].get("retry_after").is_none());
        assert_eq!(ErrorCode::SoldOut.status(), 409);
    }
}
