//! The error server functions return: the same [`ApiError`] the REST API answers with.

use evently::ApiError;
use evently::error::ErrorCode;
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::fmt;

/// An [`ApiError`] travelling through a server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError(pub ApiError);

impl AppError {
    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for AppError {}

impl<E: Into<ApiError>> From<E> for AppError {
    fn from(e: E) -> Self {
        AppError(e.into())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let api = match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                ApiError::new(ErrorCode::InvalidInput, format!("invalid form input: {m}"))
            }
            ServerFnErrorErr::Request(_) => ApiError::new(
                ErrorCode::Unavailable,
                "could not reach Evently; check your connection and try again",
            ),
            _ => ApiError::internal(),
        };
        AppError(api)
    }
}
