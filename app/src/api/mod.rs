//! Server functions. Each is an adapter: who is asking, one core call, map the error.

pub mod accounts;
pub mod analytics;
pub mod bookings;
pub mod events;
pub mod notifications;
pub mod organizer;
pub mod waitlist;

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

    /// A form posted without script failed: back to `back` (the form's page) with what was
    /// typed (`values`, never a password) and the error in a short-lived cookie, which that
    /// page shows once ([`crate::components::forms::FormFlash`]). Calls from script get the
    /// error as usual.
    pub fn flash_back<T: Default>(
        form: &str,
        values: &[(&str, &str)],
        e: impl Into<AppError>,
        back: &str,
    ) -> Result<T, AppError> {
        let e = e.into();
        if !plain_form_post() {
            return fail(e);
        }
        let mut flash = crate::components::forms::FormFlash {
            form: form.to_string(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            error: Some(e.clone()),
            dropped: Vec::new(),
        };
        if !set_flash(&mut flash) {
            return Err(e);
        }
        redirect(back);
        Ok(T::default())
    }

    /// Writes `flash` to the 5-minute form cookie; false if it cannot be written.
    fn set_flash(flash: &mut crate::components::forms::FormFlash) -> bool {
        use base64::Engine;
        // A cookie holds about 4 KB: the longest values are left out (and named, so the page
        // can say which) until it fits.
        let encoded = loop {
            let Ok(json) = serde_json::to_vec(&*flash) else {
                return false;
            };
            let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
            if encoded.len() <= 3_600 {
                break encoded;
            }
            let Some(longest) = flash
                .values
                .iter_mut()
                .filter(|(_, v)| !v.is_empty())
                .max_by_key(|(_, v)| v.len())
            else {
                return false;
            };
            longest.1.clear();
            let name = longest.0.clone();
            flash.dropped.push(name);
        };
        let secure = site().secure_cookies;
        let cookie = format!(
            "{}={encoded}; Path=/; HttpOnly; SameSite=Lax{}; Max-Age=300",
            crate::session::cookie_name(crate::session::FORM_COOKIE, secure),
            if secure { "; Secure" } else { "" }
        );
        match http::HeaderValue::from_str(&cookie) {
            Ok(v) => {
                set_cookies(vec![v]);
                true
            }
            Err(_) => false,
        }
    }

    /// Hands values to the next form (no error): e.g. the address just signed up with, for
    /// the sign-in form. Through the same HttpOnly cookie, never the address bar.
    pub fn flash_forward(form: &str, values: &[(&str, &str)]) {
        let mut flash = crate::components::forms::FormFlash {
            form: form.to_string(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            error: None,
            dropped: Vec::new(),
        };
        let _ = set_flash(&mut flash);
    }

    /// The form flash of this request for `form`; clears the cookie in the answer.
    pub fn take_flash(form: &str) -> Option<crate::components::forms::FormFlash> {
        use base64::Engine;
        let secure = site().secure_cookies;
        let name = crate::session::cookie_name(crate::session::FORM_COOKIE, secure);
        let parts = use_context::<http::request::Parts>()?;
        let raw = parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())?;
        if let Ok(clear) = http::HeaderValue::from_str(&format!(
            "{name}=; Path=/; HttpOnly; SameSite=Lax{}; Max-Age=0",
            if secure { "; Secure" } else { "" }
        )) {
            set_cookies(vec![clear]);
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.as_bytes())
            .ok()?;
        let flash: crate::components::forms::FormFlash = serde_json::from_slice(&bytes).ok()?;
        (flash.form == form).then_some(flash)
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
