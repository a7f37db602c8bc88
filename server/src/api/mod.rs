//! The REST API under `/api/v1`. Each handler: who is asking, one core call, map the error.

pub mod account;
pub mod auth;
pub mod bookings;
pub mod events;
pub mod openapi;

use crate::state::AppState;
use axum::Router;
use axum::routing::{any, get, post, put};

/// Every `/api/v1` route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", get(events::list).post(events::create))
        .route("/api/v1/events/{id}", get(events::get))
        .route("/api/v1/events/{id}/publish", post(events::publish))
        .route("/api/v1/events/{id}/cancel", post(events::cancel))
        .route("/api/v1/events/{id}/bookings", post(bookings::book))
        .route("/api/v1/events/{id}/holds", post(bookings::hold))
        .route(
            "/api/v1/ticket-types/{id}/capacity",
            post(events::set_capacity).put(events::set_capacity),
        )
        .route("/api/v1/bookings/{id}", get(bookings::get))
        .route("/api/v1/bookings/{id}/cancel", post(bookings::cancel))
        .route(
            "/api/v1/holds/{id}",
            get(bookings::get_hold).delete(bookings::release),
        )
        .route("/api/v1/holds/{id}/confirm", post(bookings::confirm))
        .route("/api/v1/holds/{id}/renew", post(bookings::renew))
        .route("/api/v1/me", get(auth::me).delete(account::delete_me))
        .route("/api/v1/me/password", post(account::change_password))
        .route("/api/v1/me/marketing", put(account::marketing))
        .route("/api/v1/me/export", get(account::export))
        .route("/api/v1/admin/users", get(account::users))
        .route("/api/v1/admin/users/{id}/role", post(account::set_role))
        .route(
            "/api/v1/admin/users/{id}/disable",
            post(account::set_disabled),
        )
        .route("/api/v1/admin/audit", get(account::audit))
        .route("/api/v1/me/bookings", get(bookings::mine))
        .route("/api/v1/auth/register", post(auth::register))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/openapi.json", get(openapi::spec))
        .route("/api/v1/{*rest}", any(crate::error::api_not_found))
}
