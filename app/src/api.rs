//! Server functions. Each is an adapter: who is asking, one core call, map the error.

use crate::error::AppError;
use evently::dto::EventSummary;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    //! Server-side helpers for server functions and page rendering.
    use crate::error::AppError;
    use evently::Core;
    use evently::accounts::Actor;
    use leptos::prelude::*;

    /// The core services, provided by the server for every request.
    pub fn core() -> Result<Core, AppError> {
        use_context::<Core>().ok_or_else(|| AppError(evently::ApiError::internal()))
    }

    /// The signed-in actor, as resolved by the server's auth middleware.
    #[allow(dead_code)] // the account and booking pages use it
    pub fn actor() -> Option<Actor> {
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Actor>().cloned())
    }

    /// Sets the HTTP status of an error answer to the error's own status (never a blanket 500).
    pub fn fail<T>(e: impl Into<AppError>) -> Result<T, AppError> {
        let e = e.into();
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = http::StatusCode::from_u16(e.0.status())
        {
            res.set_status(code);
        }
        Err(e)
    }
}

/// Upcoming published events for the home page.
#[server(endpoint = "upcoming_events")]
pub async fn upcoming_events() -> Result<Vec<EventSummary>, AppError> {
    let core = ssr::core()?;
    match core.upcoming_events(48).await {
        Ok(list) => Ok(list),
        Err(e) => ssr::fail(e),
    }
}
