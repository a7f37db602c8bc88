//! The REST API under `/api/v1`. Each handler: who is asking, one core call, map the error.
//!
//! Each handler also carries its OpenAPI description (`#[utoipa::path]`). The router is built
//! only from `routes!`, which routes a handler at exactly the path and methods its
//! description names, so the document at `/api/openapi.json` lists every route and nothing
//! else. Add a route here with `routes!`, never with a plain `.route`.

pub mod account;
pub mod admin;
pub mod analytics;
pub mod auth;
pub mod bookings;
pub mod events;
pub mod exports;
pub mod notifications;
pub mod openapi;
pub mod tickets;
pub mod waitlist;

use crate::state::AppState;
use axum::Router;
use axum::routing::{any, get};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every `/api/v1` operation with its description: one `routes!` per path.
pub fn operations() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(events::list, events::create))
        .routes(routes!(events::get, events::update))
        .routes(routes!(events::publish))
        .routes(routes!(events::cancel))
        .routes(routes!(bookings::book))
        .routes(routes!(bookings::hold))
        .routes(routes!(events::set_capacity))
        .routes(routes!(bookings::get))
        .routes(routes!(bookings::cancel))
        .routes(routes!(bookings::get_hold, bookings::release))
        .routes(routes!(bookings::confirm))
        .routes(routes!(bookings::renew))
        .routes(routes!(auth::me, account::delete_me))
        .routes(routes!(account::change_password))
        .routes(routes!(account::marketing))
        .routes(routes!(account::reminders))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(notifications::mark_all_read))
        .routes(routes!(
            notifications::devices,
            notifications::subscribe,
            notifications::unsubscribe
        ))
        .routes(routes!(notifications::remove_device))
        .routes(routes!(auth::password_reset))
        .routes(routes!(auth::password_reset_confirm))
        .routes(routes!(auth::verify_email))
        .routes(routes!(auth::resend_verification))
        .routes(routes!(account::export))
        .routes(routes!(account::sessions))
        .routes(routes!(account::sign_out_session))
        .routes(routes!(account::sign_out_others))
        .routes(routes!(account::users))
        .routes(routes!(admin::user))
        .routes(routes!(account::set_role))
        .routes(routes!(account::set_disabled))
        .routes(routes!(account::audit))
        .routes(routes!(analytics::platform))
        .routes(routes!(analytics::event))
        .routes(routes!(bookings::mine))
        .routes(routes!(waitlist::join, waitlist::entries))
        .routes(routes!(waitlist::queues))
        .routes(routes!(waitlist::pause))
        .routes(routes!(waitlist::resume))
        .routes(routes!(waitlist::order))
        .routes(routes!(waitlist::remove))
        .routes(routes!(waitlist::mine))
        .routes(routes!(waitlist::get, waitlist::leave))
        .routes(routes!(waitlist::accept))
        .routes(routes!(waitlist::decline))
        .routes(routes!(tickets::public_key))
        .routes(routes!(tickets::pdf))
        .routes(routes!(tickets::scanner_list))
        .routes(routes!(tickets::check_in))
        .routes(routes!(tickets::outbox))
        .routes(routes!(tickets::retry))
        .routes(routes!(exports::event_bookings))
        .routes(routes!(exports::attendees))
        .routes(routes!(exports::waitlist))
        .routes(routes!(exports::all_bookings))
        .routes(routes!(exports::users))
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
}

/// Every `/api/v1` route, the document describing them, and a JSON 404 for the rest.
pub fn router() -> Router<AppState> {
    let (api, doc) = operations().split_for_parts();
    let doc = openapi::Document::new(&openapi::finish(doc));
    api.route(
        "/api/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { doc.response() }
        }),
    )
    .route("/api/v1/{*rest}", any(crate::error::api_not_found))
}
