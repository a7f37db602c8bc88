//! What can go wrong managing and reading events.

use crate::error::{ApiError, ErrorCode};

/// What can go wrong managing events.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EventError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid input: {0}")]
    Invalid(ApiError),
    #[error("only organizers can do that")]
    NotOrganizer,
    #[error("event is {0}")]
    WrongState(String),
    #[error("capacity below seats taken")]
    CapacityBelowTaken { taken: i64 },
    #[error("internal error")]
    Internal,
}

impl EventError {
    /// Logs a database failure with its full cause and hides it from the client.
    pub(crate) fn db(context: &str, e: sqlx::Error) -> Self {
        crate::db::log_failure(context, &e);
        EventError::Internal
    }
}

impl From<ApiError> for EventError {
    fn from(e: ApiError) -> Self {
        EventError::Invalid(e)
    }
}

impl From<EventError> for ApiError {
    fn from(e: EventError) -> Self {
        match e {
            EventError::NotFound(what) => {
                ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            EventError::Invalid(api) => api,
            EventError::NotOrganizer => ApiError::new(
                ErrorCode::Forbidden,
                "only organizers can create and manage events",
            ),
            EventError::WrongState(s) => {
                ApiError::new(ErrorCode::Conflict, format!("the event is {s}"))
            }
            EventError::CapacityBelowTaken { taken } => ApiError::new(
                ErrorCode::Conflict,
                format!("{taken} seats are already taken; capacity cannot go below that"),
            )
            .with_field("capacity"),
            EventError::Internal => ApiError::internal(),
        }
    }
}
