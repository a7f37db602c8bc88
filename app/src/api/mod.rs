//! Server functions. Each is an adapter: who is asking, one core call, map the error.

pub mod accounts;
pub mod bookings;
pub mod events;
pub mod organizer;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    //! Server-side helpers for server functions and page rendering.
    use crate::error::AppError;
    use crate::session::SiteConfig;
    use evently::Core;
    use evently::accounts::{Actor, ClientInfo};
    use leptos::prelude::*;

    /// The core services, provided by the server for every request.
    pub fn core() -> Result<Core, AppError> {
        use_context::<Core>().ok_or_else(|| AppError(evently::ApiError::internal()))
    }

    /// Public URL and cookie policy, provided by the server.
    pub fn site() -> SiteConfig {
        use_context::<SiteConfig>().unwrap_or(SiteConfig {
            public_url: "http://127.0.0.1:3000".into(),
            secure_cookies: true,
        })
    }

    /// The signed-in actor, as resolved by the server's auth middleware.
    pub fn actor() -> Option<Actor> {
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Actor>().cloned())
    }

    /// The signed-in actor, or a 401.
    pub fn require_actor() -> Result<Actor, AppError> {
        match actor() {
            Some(a) => Ok(a),
            None => fail(evently::ApiError::unauthenticated()),
        }
    }

    /// Where the request came from (address, user agent), as resolved by the middleware.
    pub fn client() -> ClientInfo {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<ClientInfo>().cloned())
            .unwrap_or_default()
    }

    /// Whether this is a plain HTML form post (no JavaScript): it is answered with a redirect
    /// back to the form, carrying the error, so its status must not be overridden.
    fn plain_form_post() -> bool {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// Sets the HTTP status of an error answer to the error's own status (never a blanket 500).
    pub fn fail<T>(e: impl Into<AppError>) -> Result<T, AppError> {
        let e = e.into();
        if plain_form_post() {
            return Err(e);
        }
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(code) = http::StatusCode::from_u16(e.0.status())
        {
            res.set_status(code);
            if let Some(secs) = e.0.retry_after
                && let Ok(v) = http::HeaderValue::from_str(&secs.to_string())
            {
                res.insert_header(http::header::RETRY_AFTER, v);
            }
        }
        Err(e)
    }

    /// After a form posted without script (every form outside an island is one): goes to
    /// `path`, whose query says what happened, so the page it renders can say so. Calls from
    /// script keep the plain answer.
    pub fn after_form(path: &str) {
        if plain_form_post() {
            redirect(path);
        }
    }

    /// Redirects to a same-site path. A target that is not one (or could not be a header
    /// value) goes to the home page instead: input never makes a redirect panic or leave.
    pub fn redirect(path: &str) {
        let safe = crate::session::safe_next(Some(path));
        leptos_axum::redirect(&safe);
    }

    /// The page of the event with this slug, or the home page for a slug that is no slug.
    pub fn event_path(slug: &str) -> String {
        match evently::domain::EventSlug::parse(slug) {
            Ok(s) => format!("/events/{}", s.as_str()),
            Err(_) => "/".to_string(),
        }
    }

    /// Adds `Set-Cookie` headers to the response.
    pub fn set_cookies(cookies: Vec<http::HeaderValue>) {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            for c in cookies {
                res.append_header(http::header::SET_COOKIE, c);
            }
        }
    }
}
